#include "core/alerts/AlertmanagerApi.h"

#include <QDateTime>
#include <QString>

#include <algorithm>

namespace leakdesk::alerts {

using nlohmann::json;

std::string Alert::name() const
{
    return label("alertname");
}

std::string Alert::label(const std::string& key) const
{
    const auto it = labels.find(key);
    return it == labels.end() ? std::string() : it->second;
}

std::string SilenceMatcher::text() const
{
    // The value quoted as Go's strconv.Quote does for the characters a label value holds.
    std::string quoted;
    for (const char c : value) {
        if (c == '"' || c == '\\')
            quoted += '\\';
        if (c == '\n') {
            quoted += "\\n";
            continue;
        }
        quoted += c;
    }
    const char* op = isRegex ? (isEqual ? "=~" : "!~") : (isEqual ? "=" : "!=");
    return name + op + '"' + quoted + '"';
}

Result<std::int64_t> parseAlertmanagerTime(std::string_view text)
{
    std::string s(text);
    if (s.rfind("0001-01-01T00:00:00", 0) == 0)
        return std::int64_t(0);
    // Qt reads milliseconds only: Go writes up to nine fractional digits.
    const auto dot = s.find('.');
    if (dot != std::string::npos) {
        std::size_t end = dot + 1;
        while (end < s.size() && s[end] >= '0' && s[end] <= '9')
            ++end;
        std::string fraction = s.substr(dot + 1, end - dot - 1);
        fraction = (fraction + "000").substr(0, 3);
        s = s.substr(0, dot + 1) + fraction + s.substr(end);
    }
    const QDateTime t = QDateTime::fromString(QString::fromStdString(s), Qt::ISODateWithMs);
    if (!t.isValid() || s.size() > 40)
        return makeError(ErrorCode::Parse, "'" + std::string(text.substr(0, 40)) + "' is not an RFC 3339 time");
    return t.toMSecsSinceEpoch();
}

std::string formatAlertmanagerTime(std::int64_t ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs).toStdString();
}

namespace {

Labels stringMap(const json& j, const char* what)
{
    Labels out;
    if (j.is_null())
        return out;
    if (!j.is_object())
        throw std::runtime_error(std::string(what) + " is not an object");
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!it.value().is_string())
            throw std::runtime_error(std::string(what) + " '" + it.key().substr(0, 60) + "' is not a string");
        out[it.key()] = it.value().get<std::string>();
    }
    return out;
}

std::int64_t timeField(const json& j, const char* key)
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return 0;
    if (!it->is_string())
        throw std::runtime_error(std::string(key) + " is not a string");
    auto t = parseAlertmanagerTime(it->get<std::string>());
    if (!t)
        throw std::runtime_error(std::string(key) + ": " + t.error().message);
    return *t;
}

std::string stringField(const json& j, const char* key)
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return {};
    if (!it->is_string())
        throw std::runtime_error(std::string(key) + " is not a string");
    return it->get<std::string>();
}

std::vector<std::string> stringList(const json& j, const char* key)
{
    std::vector<std::string> out;
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return out;
    if (!it->is_array())
        throw std::runtime_error(std::string(key) + " is not a list");
    for (const json& v : *it) {
        if (!v.is_string())
            throw std::runtime_error(std::string(key) + " holds something that is not a string");
        out.push_back(v.get<std::string>());
    }
    return out;
}

Result<json> parseArray(const QByteArray& body, const char* what, std::size_t maxItems)
{
    json j;
    try {
        j = json::parse(body.constData(), body.constData() + body.size());
    } catch (const json::exception&) {
        return makeError(ErrorCode::Parse, std::string("Alertmanager's ") + what + " answer is not JSON",
            "check the --alertmanager URL (the server's base URL, e.g. http://host:9093)");
    }
    if (!j.is_array())
        return makeError(ErrorCode::Parse, std::string("Alertmanager's ") + what + " answer is not a list",
            "check the --alertmanager URL (it must be Alertmanager's, API v2)");
    if (j.size() > maxItems)
        return makeError(ErrorCode::Unsupported,
            std::string("Alertmanager answered ") + std::to_string(j.size()) + " " + what + ", more than the "
                + std::to_string(maxItems) + " LeakDesk reads at once",
            "narrow the request (--namespace)");
    return j;
}

Silence silenceFrom(const json& item)
{
    if (!item.is_object())
        throw std::runtime_error("an entry is not an object");
    Silence s;
    s.id = stringField(item, "id");
    const auto matchers = item.find("matchers");
    if (matchers == item.end() || !matchers->is_array())
        throw std::runtime_error("a silence has no list of matchers");
    for (const json& m : *matchers) {
        if (!m.is_object())
            throw std::runtime_error("a matcher is not an object");
        SilenceMatcher sm;
        sm.name = stringField(m, "name");
        sm.value = stringField(m, "value");
        const auto regex = m.find("isRegex");
        if (regex != m.end() && regex->is_boolean())
            sm.isRegex = regex->get<bool>();
        const auto equal = m.find("isEqual"); // absent before Alertmanager 0.22: equal
        if (equal != m.end() && equal->is_boolean())
            sm.isEqual = equal->get<bool>();
        s.matchers.push_back(std::move(sm));
    }
    s.startsAtMs = timeField(item, "startsAt");
    s.endsAtMs = timeField(item, "endsAt");
    s.updatedAtMs = timeField(item, "updatedAt");
    s.createdBy = stringField(item, "createdBy");
    s.comment = stringField(item, "comment");
    const auto status = item.find("status");
    if (status != item.end() && status->is_object())
        s.state = stringField(*status, "state");
    return s;
}

} // namespace

Result<std::vector<Alert>> parseAlerts(const QByteArray& body)
{
    auto j = parseArray(body, "alerts", kMaxAlertsPerAnswer);
    if (!j)
        return j.error();
    std::vector<Alert> out;
    out.reserve(j->size());
    try {
        for (const json& item : *j) {
            if (!item.is_object())
                throw std::runtime_error("an entry is not an object");
            Alert a;
            a.fingerprint = stringField(item, "fingerprint");
            a.labels = stringMap(item.contains("labels") ? item.at("labels") : json(), "labels");
            a.annotations = stringMap(item.contains("annotations") ? item.at("annotations") : json(), "annotations");
            a.startsAtMs = timeField(item, "startsAt");
            a.endsAtMs = timeField(item, "endsAt");
            a.updatedAtMs = timeField(item, "updatedAt");
            a.generatorUrl = stringField(item, "generatorURL");
            const auto status = item.find("status");
            if (status != item.end() && status->is_object()) {
                a.state = stringField(*status, "state");
                a.silencedBy = stringList(*status, "silencedBy");
                a.inhibitedBy = stringList(*status, "inhibitedBy");
            }
            const auto receivers = item.find("receivers");
            if (receivers != item.end() && receivers->is_array())
                for (const json& r : *receivers)
                    if (r.is_object())
                        a.receivers.push_back(stringField(r, "name"));
            if (a.fingerprint.empty())
                throw std::runtime_error("an alert has no fingerprint");
            out.push_back(std::move(a));
        }
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "Alertmanager's alerts answer has an unexpected shape", e.what());
    }
    return out;
}

Result<std::vector<Silence>> parseSilences(const QByteArray& body)
{
    auto j = parseArray(body, "silences", kMaxSilencesPerAnswer);
    if (!j)
        return j.error();
    std::vector<Silence> out;
    try {
        for (const json& item : *j)
            out.push_back(silenceFrom(item));
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "Alertmanager's silences answer has an unexpected shape", e.what());
    }
    return out;
}

Result<Silence> parseSilence(const QByteArray& body)
{
    try {
        return silenceFrom(json::parse(body.constData(), body.constData() + body.size()));
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "Alertmanager's silence answer has an unexpected shape", e.what());
    }
}

Result<std::string> parseSilenceCreated(const QByteArray& body)
{
    try {
        const json j = json::parse(body.constData(), body.constData() + body.size());
        const std::string id = j.is_object() ? stringField(j, "silenceID") : std::string();
        if (id.empty())
            return makeError(ErrorCode::Parse, "Alertmanager's answer to a new silence names no silenceID");
        return id;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "Alertmanager's answer to a new silence is not its JSON", e.what());
    }
}

json silenceToJson(const Silence& s)
{
    json matchers = json::array();
    for (const SilenceMatcher& m : s.matchers)
        matchers.push_back(
            { { "name", m.name }, { "value", m.value }, { "isRegex", m.isRegex }, { "isEqual", m.isEqual } });
    json out = { { "matchers", matchers }, { "startsAt", formatAlertmanagerTime(s.startsAtMs) },
        { "endsAt", formatAlertmanagerTime(s.endsAtMs) }, { "createdBy", s.createdBy }, { "comment", s.comment } };
    if (!s.id.empty())
        out["id"] = s.id;
    return out;
}

std::string alertmanagerErrorText(const QByteArray& body)
{
    std::string text;
    try {
        const json j = json::parse(body.constData(), body.constData() + body.size());
        if (j.is_string())
            text = j.get<std::string>();
        else if (j.is_object() && j.contains("message") && j["message"].is_string())
            text = j["message"].get<std::string>();
        else
            text = body.toStdString();
    } catch (const json::exception&) {
        text = body.toStdString();
    }
    const auto newline = text.find('\n');
    if (newline != std::string::npos)
        text.resize(newline);
    text.erase(std::remove_if(
                   text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }),
        text.end());
    if (text.size() > 200)
        text = text.substr(0, 200) + "...";
    return text;
}

} // namespace leakdesk::alerts
