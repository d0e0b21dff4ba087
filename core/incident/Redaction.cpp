#include "core/incident/Redaction.h"

#include "core/common/JsonAccess.h"
#include "core/incident/IncidentJson.h"
#include "core/incident/SecretMasking.h"

#include <QUrl>

#include <algorithm>

namespace leakdesk::incident {

using nlohmann::json;

namespace {

// Names this short ("a", "db") are too likely to appear inside ordinary words and field values;
// they are replaced only where a whole string equals them.
constexpr std::size_t kMinSubstringLength = 4;

std::string stringAt(const json& j, const char* key)
{
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

void RedactionMap::add(const std::string& name, const char* kind)
{
    if (name.empty())
        return;
    for (const auto& [n, alias] : m_aliases)
        if (n == name)
            return;
    auto counter = std::find_if(m_counters.begin(), m_counters.end(), [&](const auto& c) { return c.first == kind; });
    if (counter == m_counters.end()) {
        m_counters.emplace_back(kind, 0);
        counter = m_counters.end() - 1;
    }
    m_aliases.emplace_back(name, std::string(kind) + "-" + std::to_string(++counter->second));
}

void RedactionMap::finish()
{
    m_byLength.resize(m_aliases.size());
    for (std::size_t i = 0; i < m_byLength.size(); ++i)
        m_byLength[i] = i;
    std::stable_sort(m_byLength.begin(), m_byLength.end(),
        [&](std::size_t a, std::size_t b) { return m_aliases[a].first.size() > m_aliases[b].first.size(); });
}

RedactionMap RedactionMap::forDocument(const IncidentDocument& doc)
{
    RedactionMap m;
    m.add(doc.ns, "namespace");
    for (const auto& s : doc.snapshots)
        m.add(s.ns, "namespace");
    // Pods: from the findings' pod table, the OOM kills, the series labels and the heap dumps.
    for (const auto& s : doc.snapshots) {
        if (s.findings.is_object()) {
            for (const auto& p : s.findings.value("pods", json::array())) {
                m.add(stringAt(p, "name"), "pod");
                m.add(stringAt(p, "node"), "node");
            }
            const json oom = s.findings.value("oom", json::object());
            for (const auto& k : oom.value("events", json::array())) {
                m.add(stringAt(k, "pod"), "pod");
                m.add(stringAt(k, "node"), "node");
            }
        }
        for (const auto& series : s.series) {
            m.add(series.label("pod"), "pod");
            m.add(series.label("node"), "node");
            m.add(series.label("namespace"), "namespace");
            m.add(series.label("image"), "image");
        }
        for (const auto& image : s.images)
            m.add(image, "image");
    }
    for (const auto& h : doc.heapDumps)
        m.add(h.pod, "pod");
    // Fix checks: their revisions' pods (also in the verification's evidence), the revisions, images.
    for (const auto& v : doc.fixChecks) {
        m.add(v.ns, "namespace");
        for (const auto& series : v.series)
            m.add(series.label("pod"), "pod");
        for (const char* role : { "old", "new" })
            if (const json& pods = jsonAt(v.verification, { "revisions", role, "pods" }); pods.is_array())
                for (const auto& pod : pods)
                    if (pod.is_string())
                        m.add(pod.get<std::string>(), "pod");
        m.add(v.oldRevision, "revision");
        m.add(v.newRevision, "revision");
        for (const auto& image : v.images)
            m.add(image, "image");
    }
    m.add(doc.cluster.contextName, "context");
    if (!doc.cluster.serverUrl.empty()) {
        m.add(doc.cluster.serverUrl, "server");
        const QUrl url(QString::fromStdString(doc.cluster.serverUrl));
        if (url.isValid() && !url.host().isEmpty())
            m.add(url.host().toStdString(), "server");
    }
    m.finish();
    return m;
}

std::string RedactionMap::aliasOf(const std::string& name) const
{
    for (const auto& [n, alias] : m_aliases)
        if (n == name)
            return alias;
    return {};
}

std::string RedactionMap::apply(std::string_view text) const
{
    for (const auto& [name, alias] : m_aliases)
        if (text == name)
            return alias;
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        bool replaced = false;
        for (std::size_t idx : m_byLength) {
            const auto& [name, alias] = m_aliases[idx];
            if (name.size() < kMinSubstringLength || name.size() > text.size() - i)
                continue;
            if (text.compare(i, name.size(), name) == 0) {
                out += alias;
                i += name.size();
                replaced = true;
                break;
            }
        }
        if (!replaced)
            out += text[i++];
    }
    return out;
}

void RedactionMap::apply(json& j) const
{
    if (j.is_string()) {
        j = apply(j.get_ref<const std::string&>());
    } else if (j.is_object()) {
        json out = json::object();
        for (auto it = j.begin(); it != j.end(); ++it) {
            json v = std::move(*it);
            // Enumerations of the file format stay readable whatever the cluster's names are.
            static constexpr std::string_view kEnumKeys[]
                = { "format", "state", "kind", "query", "pattern", "unit", "topic", "category" };
            const bool isEnum = v.is_string()
                && std::find(std::begin(kEnumKeys), std::end(kEnumKeys), it.key()) != std::end(kEnumKeys);
            if (!isEnum)
                apply(v);
            out[apply(it.key())] = std::move(v);
        }
        j = std::move(out);
    } else if (j.is_array()) {
        for (auto& e : j)
            apply(e);
    }
}

Result<IncidentDocument> redactIncident(const IncidentDocument& doc, const RedactionMap& map)
{
    // Through the JSON form, so every free-text field (sentences, diffs, command lines, notes) is
    // covered without listing them, including fields added later.
    json j = incidentToJson(doc);
    map.apply(j);
    auto redacted = incidentFromJson(std::move(j));
    if (!redacted)
        return makeError(ErrorCode::Invalid, "redacting the incident failed: " + redacted.error().message,
            "export without --redact, or report this incident file as a bug");
    return redacted;
}

Result<IncidentDocument> maskIncidentSecrets(const IncidentDocument& doc)
{
    json j = incidentToJson(doc);
    maskSecretsInJson(j);
    auto masked = incidentFromJson(std::move(j));
    if (!masked)
        return makeError(ErrorCode::Invalid, "masking the incident's secrets failed: " + masked.error().message,
            "report this incident file as a bug");
    return masked;
}

Result<IncidentDocument> redactIncident(const IncidentDocument& doc)
{
    return redactIncident(doc, RedactionMap::forDocument(doc));
}

} // namespace leakdesk::incident
