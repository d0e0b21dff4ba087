#include "core/actions/GitSnippet.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace leakdesk::actions {

using nlohmann::json;

namespace {

// A string YAML 1.1/1.2 reads back as that same string without quotes: no indicator characters,
// no ": " or " #", not a boolean, null or number.
bool plainSafe(const std::string& s)
{
    if (s.empty())
        return false;
    static const std::set<std::string> special { "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~" };
    std::string lower = s;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (special.count(lower))
        return false;
    const unsigned char first = static_cast<unsigned char>(s.front());
    if (std::isdigit(first)) {
        // A quantity ("4Gi", "3584m") is no YAML number: digits then a unit of letters. Anything
        // else starting with a digit (1e3, 0x1f, 10:30, 2026-12-07) is quoted.
        std::size_t i = 0;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
            ++i;
        if (i == s.size() || s[i] == 'e' || s[i] == 'E' || s[i] == 'x' || s[i] == 'o')
            return false;
        for (; i < s.size(); ++i)
            if (!std::isalpha(static_cast<unsigned char>(s[i])))
                return false;
        return true;
    }
    if (!std::isalpha(first))
        return false; // '-', '.', '$', quotes, '&', '*', '!', ...
    for (unsigned char c : s)
        if (!std::isalnum(c) && c != '.' && c != '/' && c != '-' && c != '_')
            return false;
    return true;
}

std::string scalar(const json& v)
{
    if (v.is_string()) {
        const std::string s = v.get<std::string>();
        return plainSafe(s) ? s : json(s).dump(); // a JSON string is a YAML double-quoted string
    }
    return v.dump(); // numbers, booleans, null
}

void writeYaml(const json& v, int indent, std::string& out);

void emitMapEntries(const json& map, int indent, bool firstInline, std::string& out)
{
    bool first = true;
    for (auto it = map.begin(); it != map.end(); ++it) {
        if (!(first && firstInline))
            out += std::string(static_cast<std::size_t>(indent), ' ');
        first = false;
        out += scalar(json(it.key())) + ":";
        const json& value = it.value();
        if ((value.is_object() || value.is_array()) && !value.empty()) {
            out += "\n";
            writeYaml(value, value.is_array() ? indent : indent + 2, out);
        } else {
            out += " " + (value.is_object() ? std::string("{}") : value.is_array() ? "[]" : scalar(value)) + "\n";
        }
    }
}

void writeYaml(const json& v, int indent, std::string& out)
{
    if (v.is_object()) {
        emitMapEntries(v, indent, false, out);
    } else if (v.is_array()) {
        for (const json& item : v) {
            out += std::string(static_cast<std::size_t>(indent), ' ') + "- ";
            if (item.is_object() && !item.empty())
                emitMapEntries(item, indent + 2, true, out);
            else if (item.is_array() && !item.empty()) {
                out += "\n";
                writeYaml(item, indent + 2, out);
            } else
                out += (item.is_object() ? std::string("{}") : item.is_array() ? "[]" : scalar(item)) + "\n";
        }
    } else {
        out += std::string(static_cast<std::size_t>(indent), ' ') + scalar(v) + "\n";
    }
}

std::string helmRelease(const Management& management)
{
    for (const ManagedBy& m : management.managedBy) {
        if (m.tool == "Helm") {
            const auto at = m.evidence.find("release-name=");
            return at == std::string::npos ? std::string("?") : m.evidence.substr(at + 13);
        }
        if (m.tool == "Flux" && m.evidence.find("helm.toolkit.fluxcd.io/") != std::string::npos)
            return "?";
    }
    return {};
}

} // namespace

std::string toYaml(const json& value)
{
    std::string out;
    writeYaml(value, 0, out);
    return out;
}

std::string GitSnippet::text() const
{
    return helmValues.empty() ? patchYaml : patchYaml + "\n" + helmValues;
}

json GitSnippet::toJson() const
{
    return { { "patch_yaml", patchYaml }, { "helm_values", helmValues.empty() ? json(nullptr) : json(helmValues) },
        { "text", text() } };
}

GitSnippet gitSnippet(const SnippetInput& in, const Management& management)
{
    GitSnippet s;
    // A Rollout is a custom resource: the API server merges no strategic patch of it, and kustomize
    // merges its containers by name only with the Rollout's schema loaded.
    s.patchYaml = in.target.kind == kube::WorkloadKind::Rollout ? "# the change to " + in.target.text() + " in " + in.ns
            + " for Git (its manifest; as a kustomize patch only with the Rollout's openapi schema, else list items "
              "are replaced whole)\n"
            + toYaml(in.patch)
                                                                : "# strategic merge patch of " + in.target.text()
            + " in " + in.ns + ", for Git (a kustomize patch) or " + "`kubectl patch " + in.target.text() + " -n "
            + in.ns + " --type strategic --patch-file patch.yaml`\n" + toYaml(in.patch);
    const std::string release = helmRelease(management);
    if (release.empty())
        return s;
    const std::string header = "# values.yaml of Helm release "
        + (release == "?" ? std::string("(name not recorded)") : "\"" + release + "\"");
    switch (in.kind) {
    case MitigationKind::RaiseMemoryLimit:
        s.helmValues = header
            + (in.mainContainer
                    ? ", in the usual chart layout (resources: at the top of the values, for the chart's main "
                      "container); a chart may nest it under its component, e.g. "
                        + in.container + ".resources: check the chart's values.yaml\n"
                    : ": container \"" + in.container
                        + "\" is not the main one, and where a chart sets a sidecar's resources is its own choice: "
                          "look for them in the chart's values.yaml\n")
            + toYaml(json { { "resources", { { "limits", { { "memory", in.value } } } } } });
        break;
    case MitigationKind::SetHeapLimitRestart:
        s.helmValues = header
            + ", in the usual chart layout for extra environment variables (env:, in some charts extraEnv or "
              "extraEnvVars): check the chart's values.yaml\n"
            + toYaml(json { { "env", json::array({ { { "name", kHeapLimitRestartEnv }, { "value", in.value } } }) } });
        break;
    case MitigationKind::RolloutRestart:
        s.helmValues = header + ": a restart changes no configuration, nothing goes into the values\n";
        break;
    }
    return s;
}

} // namespace leakdesk::actions
