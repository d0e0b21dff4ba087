#include "incident/SecretMasking.h"

#include <QRegularExpression>
#include <QString>

#include <algorithm>
#include <array>
#include <cctype>

namespace leakdesk::incident {

namespace {

struct MaskRule {
    QRegularExpression pattern; // group 1 is kept, group 2 is the secret
};

const std::array<MaskRule, 5>& rules()
{
    static const std::array<MaskRule, 5> r { {
        // token: abc / "token": "abc" / password=abc / client-key-data: LS0t...
        { QRegularExpression(
            QStringLiteral(
                R"(((?:\b|_)(?:token|id-token|refresh-token|access[_-]?token|auth[_-]?token|password|passwd|secret|client-key-data|)"
                R"(client-certificate-data|api[_-]?key)\b["']?\s*[:=]\s*["']?)([^\s"',}\]]+))"),
            QRegularExpression::CaseInsensitiveOption) },
        // Authorization: Bearer abc / Basic abc
        { QRegularExpression(QStringLiteral(R"((\bauthorization\s*:\s*(?:bearer|basic)\s+)(\S+))"),
            QRegularExpression::CaseInsensitiveOption) },
        // A bare "Bearer abc" (curl -H, logs).
        { QRegularExpression(
            QStringLiteral(R"((\bbearer\s+)([A-Za-z0-9._~+/=-]{8,}))"), QRegularExpression::CaseInsensitiveOption) },
        // --token abc / --password abc (the "=" form is caught by the first rule).
        { QRegularExpression(QStringLiteral(R"((--(?:token|password|client-key|username)\s+)(\S+))"),
            QRegularExpression::CaseInsensitiveOption) },
        // JSON Web Tokens (service-account tokens) wherever they appear.
        { QRegularExpression(QStringLiteral(R"(()(eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}))")) },
    } };
    return r;
}

bool mightHoldSecret(std::string_view text)
{
    // Fast path: most strings (sentences, pod names) contain none of the trigger words.
    static constexpr std::array<std::string_view, 9> triggers { "token", "password", "passwd", "secret", "key",
        "authorization", "bearer", "eyj", "username" };
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return std::any_of(
        triggers.begin(), triggers.end(), [&](std::string_view t) { return lower.find(t) != std::string::npos; });
}

} // namespace

std::string maskSecrets(std::string_view text)
{
    if (!mightHoldSecret(text))
        return std::string(text);
    QString s = QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
    for (const auto& rule : rules())
        s.replace(rule.pattern, QStringLiteral("\\1") + QLatin1String(kMasked));
    return s.toStdString();
}

bool isSecretKeyName(std::string_view key)
{
    std::string k(key);
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    std::replace(k.begin(), k.end(), '_', '-');
    static constexpr std::array<std::string_view, 12> names { "token", "id-token", "refresh-token", "access-token",
        "bearer-token", "password", "passwd", "secret", "client-key-data", "client-certificate-data", "api-key",
        "authorization" };
    return std::find(names.begin(), names.end(), k) != names.end();
}

void maskSecretsInJson(nlohmann::json& j)
{
    if (j.is_string()) {
        const auto& s = j.get_ref<const std::string&>();
        if (mightHoldSecret(s))
            j = maskSecrets(s);
    } else if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (isSecretKeyName(it.key()) && !it->is_null())
                *it = kMasked;
            else
                maskSecretsInJson(*it);
        }
    } else if (j.is_array()) {
        for (auto& e : j)
            maskSecretsInJson(e);
    }
}

} // namespace leakdesk::incident
