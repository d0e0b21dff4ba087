#include "core/prometheus/PromConfigFile.h"

#include "core/common/RegularFile.h"
#include "core/common/YamlDocuments.h"

#include <yaml-cpp/yaml.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QUrl>

#include <algorithm>
#include <functional>

#include <set>

namespace leakdesk::prometheus {

namespace {

// The keys of one context, in the order they are written.
constexpr std::string_view kKeyPrometheus = "prometheus";
constexpr std::string_view kKeyHeaders = "headers";
constexpr std::string_view kKeyParams = "params";
constexpr std::string_view kKeyTokenFile = "token-file";
constexpr std::string_view kKeyCa = "ca";
constexpr std::string_view kKeyInsecure = "insecure-skip-tls-verify";
constexpr std::string_view kKeyMetrics = "metrics";
constexpr std::string_view kKeyAlertmanager = "alertmanager";
const std::set<std::string_view> kContextKeys { kKeyPrometheus, kKeyHeaders, kKeyParams, kKeyTokenFile, kKeyCa,
    kKeyInsecure, kKeyMetrics, kKeyAlertmanager };
constexpr std::string_view kKeyMemoryAlerts = "memory-alerts";

// A parse failure: what is wrong, at which node; thrown inside the parser, caught once.
struct ConfigProblem {
    YAML::Mark mark;
    std::string message;
};

[[noreturn]] void fail(const YAML::Node& at, std::string message)
{
    throw ConfigProblem { at.Mark(), std::move(message) };
}

std::string scalarOf(const YAML::Node& node, const std::string& what)
{
    if (!node.IsScalar())
        fail(node,
            what + " must be a single value (a string), not a "
                + (node.IsMap()             ? "mapping"
                        : node.IsSequence() ? "list"
                                            : "null"));
    return node.Scalar();
}

// Mappings whose keys must be unique: yaml-cpp keeps both of a duplicated key and reads the first.
void forEachEntry(const YAML::Node& map, const std::string& what,
    const std::function<void(const std::string&, const YAML::Node& key, const YAML::Node& value)>& each)
{
    if (!map.IsMap())
        fail(map, what + " must be a mapping");
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
        const std::string key = scalarOf(it->first, "a key of " + what);
        if (!seen.insert(key).second)
            fail(it->first, what + " has the key '" + key + "' twice");
        each(key, it->first, it->second);
    }
}

QString expandPath(const std::string& written, const QString& baseDir)
{
    QString path = QString::fromStdString(written);
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/")))
        path = QDir::homePath() + path.mid(1);
    if (QDir::isRelativePath(path) && !baseDir.isEmpty())
        path = QDir(baseDir).absoluteFilePath(path);
    return QDir::cleanPath(path);
}

bool parseBool(const YAML::Node& node, const std::string& what)
{
    const std::string v = scalarOf(node, what);
    if (v == "true" || v == "True" || v == "TRUE")
        return true;
    if (v == "false" || v == "False" || v == "FALSE")
        return false;
    fail(node, what + " must be true or false, not '" + v.substr(0, 40) + "'");
}

PromContextSettings parseContext(const std::string& name, const YAML::Node& node, const QString& baseDir)
{
    PromContextSettings s;
    const std::string where = "context '" + name + "'";
    if (node.IsNull())
        return s;
    forEachEntry(node, where, [&](const std::string& key, const YAML::Node& keyNode, const YAML::Node& value) {
        if (!kContextKeys.count(key)) {
            std::string known;
            for (std::string_view k :
                { kKeyPrometheus, kKeyHeaders, kKeyParams, kKeyTokenFile, kKeyCa, kKeyInsecure, kKeyMetrics })
                known += (known.empty() ? "" : ", ") + std::string(k);
            fail(keyNode, "unknown key '" + key.substr(0, 60) + "' in " + where + " (known: " + known + ")");
        }
        const std::string what = where + "'s " + key;
        if (key == kKeyPrometheus) {
            s.url = QString::fromStdString(scalarOf(value, what));
            if (auto problem = promUrlProblem(s.url))
                fail(value, what + " " + *problem);
        } else if (key == kKeyHeaders) {
            forEachEntry(value, what, [&](const std::string& headerName, const YAML::Node&, const YAML::Node& v) {
                PromHeader h { QByteArray::fromStdString(headerName),
                    QByteArray::fromStdString(scalarOf(v, what + " " + headerName.substr(0, 60))) };
                if (auto bad = checkPromHeader(h, where + "'s headers"))
                    fail(v, bad->message);
                s.headers.push_back(std::move(h));
            });
        } else if (key == kKeyParams) {
            forEachEntry(value, what, [&](const std::string& paramKey, const YAML::Node&, const YAML::Node& v) {
                // A list repeats the parameter (Thanos replicaLabels[]=a&replicaLabels[]=b).
                std::vector<YAML::Node> values;
                if (v.IsSequence()) {
                    for (const auto& item : v)
                        values.push_back(item);
                } else {
                    values.push_back(v);
                }
                for (const YAML::Node& item : values) {
                    PromParam p { QString::fromStdString(paramKey),
                        QString::fromStdString(scalarOf(item, what + " " + paramKey.substr(0, 60))) };
                    if (auto bad = checkPromParam(p, where + "'s params"))
                        fail(item, bad->message);
                    s.params.push_back(std::move(p));
                }
            });
        } else if (key == kKeyTokenFile) {
            s.tokenFile = expandPath(scalarOf(value, what), baseDir);
        } else if (key == kKeyCa) {
            s.caFile = expandPath(scalarOf(value, what), baseDir);
        } else if (key == kKeyInsecure) {
            s.insecureSkipTlsVerify = parseBool(value, what);
        } else if (key == kKeyAlertmanager) {
            s.alertmanagerUrl = QString::fromStdString(scalarOf(value, what));
            if (auto bad = promUrlProblem(s.alertmanagerUrl))
                fail(value, what + " " + *bad);
        } else if (key == kKeyMetrics) {
            forEachEntry(value, what, [&](const std::string& kind, const YAML::Node& kindNode, const YAML::Node& v) {
                if (kind.empty())
                    fail(kindNode, what + " has an empty kind");
                const std::string metric = scalarOf(v, what + " " + kind.substr(0, 60));
                if (metric.empty())
                    fail(v, what + " " + kind.substr(0, 60) + " names no metric");
                s.metrics[kind] = metric;
            });
        }
    });
    if (!s.caFile.isEmpty() && s.insecureSkipTlsVerify)
        fail(node, where + ": ca and insecure-skip-tls-verify exclude each other");
    return s;
}

std::vector<MemoryAlertRuleSetting> parseMemoryAlerts(const YAML::Node& node)
{
    std::vector<MemoryAlertRuleSetting> out;
    if (node.IsNull())
        return out;
    if (!node.IsSequence())
        fail(node, "memory-alerts must be a list of rules (- alertname: ..., category: ..., labels: ...)");
    for (const YAML::Node& item : node) {
        const std::string where = "memory-alerts entry " + std::to_string(out.size() + 1);
        MemoryAlertRuleSetting rule;
        forEachEntry(item, where, [&](const std::string& key, const YAML::Node& keyNode, const YAML::Node& value) {
            if (key == "alertname")
                rule.alertname = scalarOf(value, where + "'s alertname");
            else if (key == "category")
                rule.category = scalarOf(value, where + "'s category");
            else if (key == "labels")
                forEachEntry(
                    value, where + "'s labels", [&](const std::string& label, const YAML::Node&, const YAML::Node& v) {
                        rule.labels[label] = scalarOf(v, where + "'s label " + label.substr(0, 60));
                    });
            else
                fail(keyNode,
                    "unknown key '" + key.substr(0, 60) + "' in " + where + " (known: alertname, category, labels)");
        });
        if (rule.alertname.empty())
            fail(item, where + " has no alertname");
        out.push_back(std::move(rule));
    }
    return out;
}

} // namespace

Result<PromConfig> parsePromConfig(std::string_view text, const std::string& fileName, const QString& baseDir)
{
    auto documents = loadYamlDocuments(text, fileName, YamlShapeLimits { 16, 100000, 1 });
    if (!documents)
        return makeError(documents.error().code, documents.error().message, "fix the file, or move it aside");
    PromConfig config;
    try {
        const YAML::Node root = documents->empty() ? YAML::Node() : documents->front().root;
        if (!root || root.IsNull())
            return config;
        forEachEntry(root, "the file", [&](const std::string& key, const YAML::Node& keyNode, const YAML::Node& value) {
            if (key == kKeyMemoryAlerts) {
                config.memoryAlerts = parseMemoryAlerts(value);
                return;
            }
            if (key != "contexts")
                fail(keyNode, "unknown key '" + key.substr(0, 60) + "' at the top (known: contexts, memory-alerts)");
            if (value.IsNull())
                return;
            forEachEntry(
                value, "contexts", [&](const std::string& name, const YAML::Node& nameNode, const YAML::Node& v) {
                    if (name.empty())
                        fail(nameNode, "a context has an empty name");
                    config.contexts[name] = parseContext(name, v, baseDir);
                });
        });
    } catch (const ConfigProblem& p) {
        return makeError(ErrorCode::Config, fileName + ":" + std::to_string(p.mark.line + 1) + ": " + p.message,
            "fix the file (its format is in the README, section \"Config file\")");
    } catch (const YAML::Exception& e) {
        return makeError(ErrorCode::Parse, fileName + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg,
            "fix the file, or move it aside");
    }
    return config;
}

Result<PromConfig> loadPromConfig(const QString& path)
{
    if (!QFileInfo::exists(path))
        return PromConfig {};
    auto text = readRegularFile(QFile::encodeName(path).toStdString(), kMaxConfigBytes, "LeakDesk config file");
    if (!text)
        return text.error();
    return parsePromConfig(*text, path.toStdString(), QFileInfo(path).absolutePath());
}

namespace {

// A key the user wrote (a context, header, parameter or metric name), double-quoted. A simple
// (implicit) key may not be longer than 1024 characters in YAML, and libyaml refuses one that
// is; a long name, once escaped, is written as an explicit "? key" instead (found by
// fuzz_prom_config: a 620-character name of quotes escaped to 1,200).
void userKey(YAML::Emitter& out, const std::string& key)
{
    constexpr std::size_t kSafeSimpleKey = 100; // escaping grows a byte to at most 10 characters
    if (key.size() > kSafeSimpleKey)
        out << YAML::LongKey;
    out << YAML::Key << YAML::DoubleQuoted << key;
}

} // namespace

std::string promConfigToYaml(const PromConfig& config)
{
    // Every string double-quoted: yaml-cpp writes a plain scalar with a control character or a
    // leading '&' as it is, which then reads back as something else (found by fuzz_prom_config).
    YAML::Emitter out;
    out << YAML::BeginMap << YAML::Key << "contexts" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, s] : config.contexts) {
        userKey(out, name);
        out << YAML::Value << YAML::BeginMap;
        if (!s.url.isEmpty())
            out << YAML::Key << std::string(kKeyPrometheus) << YAML::Value << YAML::DoubleQuoted << s.url.toStdString();
        if (!s.headers.isEmpty()) {
            out << YAML::Key << std::string(kKeyHeaders) << YAML::Value << YAML::BeginMap;
            for (const PromHeader& h : s.headers) {
                userKey(out, h.name.toStdString());
                out << YAML::Value << YAML::DoubleQuoted << h.value.toStdString();
            }
            out << YAML::EndMap;
        }
        if (!s.params.isEmpty()) {
            // Repeated keys become a list, as the parser reads them.
            std::vector<std::pair<std::string, std::vector<std::string>>> grouped;
            for (const PromParam& p : s.params) {
                auto it = std::find_if(
                    grouped.begin(), grouped.end(), [&](const auto& g) { return g.first == p.key.toStdString(); });
                if (it == grouped.end())
                    grouped.push_back({ p.key.toStdString(), { p.value.toStdString() } });
                else
                    it->second.push_back(p.value.toStdString());
            }
            out << YAML::Key << std::string(kKeyParams) << YAML::Value << YAML::BeginMap;
            for (const auto& [key, values] : grouped) {
                userKey(out, key);
                out << YAML::Value;
                if (values.size() == 1) {
                    out << YAML::DoubleQuoted << values.front();
                } else {
                    out << YAML::BeginSeq;
                    for (const auto& v : values)
                        out << YAML::DoubleQuoted << v;
                    out << YAML::EndSeq;
                }
            }
            out << YAML::EndMap;
        }
        if (!s.tokenFile.isEmpty())
            out << YAML::Key << std::string(kKeyTokenFile) << YAML::Value << YAML::DoubleQuoted
                << s.tokenFile.toStdString();
        if (!s.caFile.isEmpty())
            out << YAML::Key << std::string(kKeyCa) << YAML::Value << YAML::DoubleQuoted << s.caFile.toStdString();
        if (s.insecureSkipTlsVerify)
            out << YAML::Key << std::string(kKeyInsecure) << YAML::Value << true;
        if (!s.metrics.empty()) {
            out << YAML::Key << std::string(kKeyMetrics) << YAML::Value << YAML::BeginMap;
            for (const auto& [kind, metric] : s.metrics) {
                userKey(out, kind);
                out << YAML::Value << YAML::DoubleQuoted << metric;
            }
            out << YAML::EndMap;
        }
        if (!s.alertmanagerUrl.isEmpty())
            out << YAML::Key << std::string(kKeyAlertmanager) << YAML::Value << YAML::DoubleQuoted
                << s.alertmanagerUrl.toStdString();
        out << YAML::EndMap;
    }
    out << YAML::EndMap;
    if (!config.memoryAlerts.empty()) {
        out << YAML::Key << std::string(kKeyMemoryAlerts) << YAML::Value << YAML::BeginSeq;
        for (const MemoryAlertRuleSetting& r : config.memoryAlerts) {
            out << YAML::BeginMap << YAML::Key << "alertname" << YAML::Value << YAML::DoubleQuoted << r.alertname;
            if (!r.category.empty())
                out << YAML::Key << "category" << YAML::Value << YAML::DoubleQuoted << r.category;
            if (!r.labels.empty()) {
                out << YAML::Key << "labels" << YAML::Value << YAML::BeginMap;
                for (const auto& [label, re] : r.labels)
                    out << YAML::Key << YAML::DoubleQuoted << label << YAML::Value << YAML::DoubleQuoted << re;
                out << YAML::EndMap;
            }
            out << YAML::EndMap;
        }
        out << YAML::EndSeq;
    }
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

Status savePromConfig(const QString& path, const PromConfig& config)
{
    const QString dir = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(dir))
        return makeError(ErrorCode::Io, "cannot create the folder " + dir.toStdString() + " for the config file",
            "check its permissions");
    QFile::setPermissions(dir, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    QSaveFile file(path);
    // The temporary file gets 0600 before anything is written into it: header values are secrets.
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return makeError(ErrorCode::Io,
            "cannot write the config file " + path.toStdString() + ": " + file.errorString().toStdString(),
            "check the folder's permissions");
    const std::string text = "# LeakDesk: how to reach Prometheus per kube context (see the README, \"Config file\").\n"
        + promConfigToYaml(config);
    if (file.write(text.data(), qint64(text.size())) != qint64(text.size()) || !file.commit())
        return makeError(ErrorCode::Io,
            "cannot write the config file " + path.toStdString() + ": " + file.errorString().toStdString(),
            "check the free space and the folder's permissions");
    return Ok {};
}

std::optional<std::string> promUrlProblem(const QString& text)
{
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || url.host().isEmpty()
        || (scheme != QLatin1String("http") && scheme != QLatin1String("https") && scheme != QLatin1String("k8s")))
        return std::string("must be an http://, https:// or k8s://NAMESPACE/SERVICE:PORT URL");
    return std::nullopt;
}

QString defaultPromConfigPath()
{
    QString base = qEnvironmentVariable("XDG_CONFIG_HOME");
    // The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
    if (base.isEmpty() || QDir::isRelativePath(base))
        base = QDir::homePath() + QStringLiteral("/.config");
    return base + QStringLiteral("/leakdesk/config.yaml");
}

} // namespace leakdesk::prometheus
