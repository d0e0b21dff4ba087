#include "core/sandbox/scenario/ScenarioFile.h"

#include "core/common/YamlDocuments.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace leakdesk::sandbox::scenario {

using nlohmann::json;

namespace {

// What a scenario may contain: the kinds the sandbox serves, each under the apiVersion the API
// server serves it as.
struct KnownKind {
    std::string_view apiVersion;
    std::string_view kind;
    bool namespaced;
    std::optional<WorkloadKind> workload;
};

constexpr KnownKind kKnownKinds[] = {
    { "v1", "Namespace", false, std::nullopt },
    { "v1", "Service", true, std::nullopt },
    { "apps/v1", "Deployment", true, WorkloadKind::Deployment },
    { "apps/v1", "StatefulSet", true, WorkloadKind::StatefulSet },
    { "apps/v1", "DaemonSet", true, WorkloadKind::DaemonSet },
    { "batch/v1", "Job", true, WorkloadKind::Job },
    { "batch/v1", "CronJob", true, WorkloadKind::CronJob },
    { "networking.k8s.io/v1", "Ingress", true, std::nullopt },
    { "v1", "LimitRange", true, std::nullopt },
    { "v1", "ResourceQuota", true, std::nullopt },
    { "autoscaling/v2", "HorizontalPodAutoscaler", true, std::nullopt },
    { "argoproj.io/v1alpha1", "Rollout", true, WorkloadKind::Rollout },
};

const std::set<std::string, std::less<>> kTopLevelKeys = { "apiVersion", "kind", "metadata", "spec", "status" };
// What a manifest written by hand or saved with `kubectl get -o yaml` has in metadata; the
// server-set fields are accepted and ignored, as `kubectl apply` ignores them.
const std::set<std::string, std::less<>> kMetadataKeys
    = { "name", "namespace", "labels", "annotations", "finalizers", "uid", "resourceVersion", "creationTimestamp",
          "generation", "managedFields", "ownerReferences", "selfLink", "generateName" };
const std::set<std::string, std::less<>> kContainerKeys = { "name", "image", "command", "args", "workingDir", "ports",
    "env", "envFrom", "resources", "resizePolicy", "restartPolicy", "volumeMounts", "volumeDevices", "livenessProbe",
    "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath", "terminationMessagePolicy",
    "imagePullPolicy", "securityContext", "stdin", "stdinOnce", "tty" };

// Annotations of the workload object and of its pod template (per container: "<key>.<container>").
const std::set<std::string, std::less<>> kWorkloadAnnotations = { "traffic", "history", "self-heal-after", "duration" };
const std::set<std::string, std::less<>> kContainerAnnotations = { "runtime", "memory", "fixed-in" };

constexpr std::string_view kArgoTrackingAnnotation = "argocd.argoproj.io/tracking-id";

// An error at a place in a file: "FILE:LINE: message".
struct Failure {
    Error error;
};

// Kubernetes objects are UTF-8 JSON: a byte sequence that is not UTF-8 would only fail later,
// when the object is served. Returns the 1-based line of the first bad sequence, 0 when valid.
int firstInvalidUtf8Line(std::string_view text)
{
    int line = 1;
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n')
            ++line;
        std::size_t length = 0;
        std::uint32_t minimum = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            length = 2;
            minimum = 0x80;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            length = 3;
            minimum = 0x800;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            length = 4;
            minimum = 0x10000;
            cp = c & 0x07;
        } else {
            return line;
        }
        if (i + length > text.size())
            return line;
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80)
                return line;
            cp = (cp << 6) | (next & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8 either.
        if (cp < minimum || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return line;
        i += length;
    }
    return 0;
}

class Reader {
public:
    Reader(std::string file, const ScenarioLimits& limits)
        : m_file(std::move(file))
        , m_limits(limits)
    { }

    Result<Scenario> read(std::string_view text);

private:
    [[noreturn]] void fail(const YAML::Node& at, const std::string& message, const std::string& detail = {},
        ErrorCode code = ErrorCode::InvalidArgument) const
    {
        throw Failure { makeError(code, where(at).toString() + ": " + message, detail) };
    }
    [[noreturn]] void failAt(int line, const std::string& message, const std::string& detail = {},
        ErrorCode code = ErrorCode::InvalidArgument) const
    {
        throw Failure { makeError(code, SourceLocation { m_file, line }.toString() + ": " + message, detail) };
    }
    SourceLocation where(const YAML::Node& node) const
    {
        const int line
            = node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 + m_lineOffset : m_documentLine;
        return SourceLocation { m_file, line };
    }

    json toJson(const YAML::Node& node, int depth);
    void readObject(const YAML::Node& node, Scenario& out);
    void readMetadata(const YAML::Node& meta, const KnownKind& kind, ScenarioObject& object);
    std::map<std::string, std::string> stringMap(const YAML::Node& node, const std::string& what) const;
    std::string requiredString(
        const YAML::Node& parent, const char* key, const YAML::Node& reportAt, const std::string& what) const;
    void readWorkload(const YAML::Node& root, ScenarioObject& object, WorkloadKind kind);
    void readPodTemplate(const YAML::Node& templ, ScenarioWorkload& workload, const std::string& path);
    ScenarioContainer readContainer(const YAML::Node& node, ContainerKind kind, const std::string& path) const;
    void readSimAnnotations(const YAML::Node& meta, ScenarioWorkload& workload, bool podTemplate);
    int intField(const YAML::Node& parent, const char* key, int fallback, int low, int high, const std::string& path,
        ErrorCode overCode) const;
    void checkKeys(
        const YAML::Node& map, const std::set<std::string, std::less<>>& allowed, const std::string& path) const;

    std::string m_file;
    const ScenarioLimits& m_limits;
    std::size_t m_yamlNodes = 0;
    int m_documentLine = 1;
    int m_lineOffset = 0; // the current document's first line: yaml-cpp read it on its own (YamlDocument)
};

// Text of a scalar; empty for anything else, including a key that is not there.
std::string scalar(const YAML::Node& node)
{
    return node.IsDefined() && node.IsScalar() ? node.Scalar() : std::string();
}

bool isPlain(const YAML::Node& node)
{
    // yaml-cpp tags plain scalars "?" and quoted ones "!"; an explicit tag is kept as written.
    return node.Tag() == "?" || node.Tag().empty();
}

std::optional<json> plainScalarValue(const std::string& s)
{
    // YAML 1.2 core schema, as sigs.k8s.io/yaml resolves what is not quoted.
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
        return json(nullptr);
    if (s == "true" || s == "True" || s == "TRUE")
        return json(true);
    if (s == "false" || s == "False" || s == "FALSE")
        return json(false);
    std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i < s.size() && std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(), [](char c) {
            return c >= '0' && c <= '9';
        })) {
        if (s.size() - i <= 18)
            return json(std::stoll(s));
        return std::nullopt; // too large for an integer: kept as text
    }
    bool digit = false;
    bool dot = false;
    bool exponent = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c >= '0' && c <= '9') {
            digit = true;
        } else if (c == '.' && !dot && !exponent) {
            dot = true;
        } else if ((c == 'e' || c == 'E') && digit && !exponent) {
            exponent = true;
            digit = false;
            if (i + 1 < s.size() && (s[i + 1] == '-' || s[i + 1] == '+'))
                ++i;
        } else {
            return std::nullopt;
        }
    }
    if (digit && (dot || exponent) && s.size() <= 40) {
        std::istringstream in(s);
        in.imbue(std::locale::classic());
        double v = 0;
        if (in >> v)
            return json(v);
    }
    return std::nullopt;
}

json Reader::toJson(const YAML::Node& node, int depth)
{
    if (++m_yamlNodes > m_limits.maxYamlNodes)
        fail(node, "more than " + std::to_string(m_limits.maxYamlNodes) + " YAML nodes in one file",
            "split the scenario into several files, or check for an alias that repeats a large part",
            ErrorCode::LimitExceeded);
    if (depth > m_limits.maxDepth)
        fail(node, "nested deeper than " + std::to_string(m_limits.maxDepth) + " levels", {}, ErrorCode::LimitExceeded);
    switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
        return nullptr;
    case YAML::NodeType::Scalar: {
        if (isPlain(node))
            if (auto v = plainScalarValue(node.Scalar()))
                return *v;
        return node.Scalar();
    }
    case YAML::NodeType::Sequence: {
        json out = json::array();
        for (const YAML::Node& item : node)
            out.push_back(toJson(item, depth + 1));
        return out;
    }
    case YAML::NodeType::Map: {
        json out = json::object();
        for (const auto& entry : node) {
            if (!entry.first.IsScalar())
                fail(entry.first, "a mapping key that is not a string");
            const std::string key = entry.first.Scalar();
            if (out.contains(key))
                fail(entry.first, "the key \"" + key + "\" is given twice in one mapping");
            out[key] = toJson(entry.second, depth + 1);
        }
        return out;
    }
    }
    return nullptr;
}

void Reader::checkKeys(
    const YAML::Node& map, const std::set<std::string, std::less<>>& allowed, const std::string& path) const
{
    for (const auto& entry : map) {
        const std::string key = scalar(entry.first);
        if (!allowed.count(key)) {
            std::string list;
            for (const auto& k : allowed)
                list += (list.empty() ? "" : ", ") + k;
            fail(entry.first, "unknown field \"" + path + key + "\"", "known fields: " + list);
        }
    }
}

std::map<std::string, std::string> Reader::stringMap(const YAML::Node& node, const std::string& what) const
{
    std::map<std::string, std::string> out;
    if (!node || node.IsNull())
        return out;
    if (!node.IsMap())
        fail(node, what + " must be a mapping of strings");
    for (const auto& entry : node) {
        const std::string key = scalar(entry.first);
        if (key.empty() || key.size() > 316)
            fail(entry.first, what + ": a key must be 1 to 316 characters");
        if (!entry.second.IsScalar() && !entry.second.IsNull())
            fail(entry.second, what + "[\"" + key + "\"] must be a string");
        const std::string value = scalar(entry.second);
        if (isPlain(entry.second) && entry.second.IsScalar() && plainScalarValue(value)
            && !plainScalarValue(value)->is_string() && !plainScalarValue(value)->is_null())
            fail(entry.second, what + "[\"" + key + "\"] is " + value + ", not a string",
                "quote it: \"" + value + "\" (the API server refuses numbers and booleans here)");
        out[key] = value;
    }
    return out;
}

std::string Reader::requiredString(
    const YAML::Node& parent, const char* key, const YAML::Node& reportAt, const std::string& what) const
{
    const YAML::Node v = parent.IsMap() ? parent[key] : YAML::Node();
    if (!v || v.IsNull() || (v.IsScalar() && v.Scalar().empty()))
        fail(reportAt, what + " is required");
    if (!v.IsScalar())
        fail(v, what + " must be a string");
    return v.Scalar();
}

// A name as the API server accepts it for these kinds: a DNS-1123 subdomain (at most 63 for what
// becomes a label or a pod name's prefix, which is what every kind here does).
bool validName(const std::string& name)
{
    if (name.empty() || name.size() > 63)
        return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(name.front()) || !alnum(name.back()))
        return false;
    return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-'; });
}

void Reader::readMetadata(const YAML::Node& meta, const KnownKind& kind, ScenarioObject& object)
{
    if (!meta || !meta.IsMap())
        failAt(object.where.line,
            std::string(kind.kind) + ": metadata is required (with name" + (kind.namespaced ? " and namespace)" : ")"));
    checkKeys(meta, kMetadataKeys, "metadata.");
    object.name = requiredString(meta, "name", meta, std::string(kind.kind) + ": metadata.name");
    if (!validName(object.name))
        fail(meta["name"], std::string(kind.kind) + " name \"" + object.name + "\" is not a valid name",
            "lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters");
    if (kind.namespaced) {
        object.namespaceName = requiredString(
            meta, "namespace", meta, std::string(kind.kind) + " \"" + object.name + "\": metadata.namespace");
        if (!validName(object.namespaceName))
            fail(meta["namespace"], "namespace \"" + object.namespaceName + "\" is not a valid name");
    } else if (meta["namespace"] && !meta["namespace"].IsNull()) {
        fail(meta["namespace"], std::string(kind.kind) + " is not namespaced: remove metadata.namespace");
    }
    (void)stringMap(meta["labels"], "metadata.labels");
    const auto annotations = stringMap(meta["annotations"], "metadata.annotations");
    if (!object.workload)
        for (const auto& [key, value] : annotations)
            if (key.rfind(kSimAnnotationPrefix, 0) == 0)
                fail(meta["annotations"],
                    "annotation " + key + " on a " + std::string(kind.kind)
                        + ": sim.leakdesk.io annotations belong on workloads and their pod templates");
}

int Reader::intField(const YAML::Node& parent, const char* key, int fallback, int low, int high,
    const std::string& path, ErrorCode overCode) const
{
    const YAML::Node v = parent.IsMap() ? parent[key] : YAML::Node();
    if (!v || v.IsNull())
        return fallback;
    const auto value = v.IsScalar() && isPlain(v) ? plainScalarValue(v.Scalar()) : std::nullopt;
    if (!value || !value->is_number_integer())
        fail(v, path + key + " must be an integer");
    const long long n = value->get<long long>();
    if (n < low)
        fail(v, path + key + " must be at least " + std::to_string(low));
    if (n > high)
        fail(v,
            path + key + " is " + std::to_string(n) + ", more than the sandbox simulates (" + std::to_string(high)
                + ")",
            overCode == ErrorCode::LimitExceeded ? "lower it; the sandbox runs every pod it is asked for" : "",
            overCode);
    return static_cast<int>(n);
}

ScenarioContainer Reader::readContainer(const YAML::Node& node, ContainerKind kind, const std::string& path) const
{
    if (!node.IsMap())
        fail(node, path + " must be a mapping");
    checkKeys(node, kContainerKeys, path + ".");
    ScenarioContainer c;
    c.where = where(node);
    c.kind = kind;
    c.name = requiredString(node, "name", node, path + ".name");
    if (!validName(c.name))
        fail(node["name"], "container name \"" + c.name + "\" is not a valid name");
    c.image = requiredString(node, "image", node, path + ".image (of container \"" + c.name + "\")");
    if (const YAML::Node policy = node["restartPolicy"]; policy && !policy.IsNull()) {
        if (kind == ContainerKind::Regular)
            fail(policy, path + ".restartPolicy: only init containers may set one (Always: a native sidecar)");
        if (scalar(policy) != "Always")
            fail(
                policy, path + ".restartPolicy: \"" + scalar(policy) + "\" is not supported: the only value is Always");
        c.kind = ContainerKind::NativeSidecar;
    }
    if (const YAML::Node resources = node["resources"]; resources && !resources.IsNull()) {
        if (!resources.IsMap())
            fail(resources, path + ".resources must be a mapping");
        for (const char* which : { "limits", "requests" }) {
            const YAML::Node values = resources[which];
            if (!values || values.IsNull())
                continue;
            if (!values.IsMap())
                fail(values, path + ".resources." + which + " must be a mapping");
            const YAML::Node memory = values["memory"];
            if (!memory || memory.IsNull())
                continue;
            if (!memory.IsScalar())
                fail(memory, path + ".resources." + which + ".memory must be a quantity");
            auto bytes = parseByteQuantity(memory.Scalar());
            if (!bytes)
                fail(memory, path + ".resources." + which + ".memory: " + bytes.error().message, bytes.error().detail);
            (std::string_view(which) == "limits" ? c.limitBytes : c.requestBytes) = *bytes;
        }
        if (c.limitBytes && c.requestBytes && *c.requestBytes > *c.limitBytes)
            fail(resources,
                path + ".resources.requests.memory: must be less than or equal to memory limit of "
                    + formatByteQuantity(*c.limitBytes));
        if (c.limitBytes && *c.limitBytes < 4 * 1024 * 1024)
            fail(resources["limits"]["memory"], path + ".resources.limits.memory: below 4Mi no container starts");
    }
    return c;
}

void Reader::readSimAnnotations(const YAML::Node& meta, ScenarioWorkload& workload, bool podTemplate)
{
    const YAML::Node annotations = meta && meta.IsMap() ? meta["annotations"] : YAML::Node();
    if (!annotations || annotations.IsNull())
        return;
    for (const auto& entry : annotations) {
        const std::string key = scalar(entry.first);
        if (key.rfind(kSimAnnotationPrefix, 0) != 0)
            continue;
        const std::string name = key.substr(kSimAnnotationPrefix.size());
        const std::string value = scalar(entry.second);
        const YAML::Node at = entry.second;
        const std::size_t dot = name.find('.');
        const std::string base = name.substr(0, dot);
        if (kContainerAnnotations.count(base)) {
            if (!podTemplate)
                fail(entry.first,
                    key
                        + " belongs on the pod template (spec.template.metadata.annotations), "
                          "not on the workload");
            if (dot == std::string::npos || dot + 1 == name.size())
                fail(entry.first, key + " names no container: write " + key + ".<container>");
            const std::string container = name.substr(dot + 1);
            auto it = std::find_if(workload.containers.begin(), workload.containers.end(),
                [&](const ScenarioContainer& c) { return c.name == container; });
            if (it == workload.containers.end()) {
                std::string names;
                for (const auto& c : workload.containers)
                    names += (names.empty() ? "" : ", ") + c.name;
                fail(entry.first, key + ": the pod template has no container \"" + container + "\"",
                    "containers: " + names);
            }
            if (base == "runtime") {
                auto runtime = parseRuntime(value);
                if (!runtime)
                    fail(at, key + ": " + runtime.error().message, runtime.error().detail);
                it->runtime = *runtime;
            } else if (base == "fixed-in") {
                // An image tag as the registry grammar allows it.
                static const std::regex tagSyntax("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$");
                if (!std::regex_match(value, tagSyntax))
                    fail(at, key + ": \"" + value + "\" is not an image tag",
                        "write the tag alone, e.g. 2.14.4 (letters, digits, _ . -, at most 128)");
                it->fixedInTag = value;
            } else {
                auto memory = parseMemoryBehaviour(value);
                if (!memory)
                    fail(at, key + ": " + memory.error().message, memory.error().detail);
                it->memory = *memory;
                it->memoryAnnotated = true;
            }
        } else if (kWorkloadAnnotations.count(name)) {
            if (podTemplate)
                fail(entry.first, key + " belongs on the workload (metadata.annotations), not on its pod template");
            if (name == "traffic") {
                auto traffic = parseTraffic(value);
                if (!traffic)
                    fail(at, key + ": " + traffic.error().message, traffic.error().detail);
                workload.traffic = *traffic;
                continue;
            }
            auto ms = parseDurationMs(value);
            if (!ms)
                fail(at, key + ": " + ms.error().message, ms.error().detail);
            if (name == "history") {
                if (*ms < 3600 * 1000 || *ms > 30LL * 24 * 3600 * 1000)
                    fail(at, key + ": " + value + " is outside 1h..30d");
                workload.historyMs = *ms;
            } else if (name == "self-heal-after") {
                if (*ms > 24LL * 3600 * 1000)
                    fail(at, key + ": " + value + " is longer than a day");
                workload.selfHealAfterMs = *ms;
            } else {
                if (workload.kind != WorkloadKind::Job && workload.kind != WorkloadKind::CronJob)
                    fail(entry.first, key + " is for Jobs and CronJobs (how long one run takes)");
                if (*ms < 1000)
                    fail(at, key + ": a run takes at least 1s");
                workload.runDurationMs = *ms;
            }
        } else {
            fail(entry.first, "unknown annotation " + key,
                "workload: sim.leakdesk.io/traffic, history, self-heal-after, duration; pod template: "
                "sim.leakdesk.io/runtime.<container>, memory.<container>, fixed-in.<container>");
        }
    }
}

void Reader::readPodTemplate(const YAML::Node& templ, ScenarioWorkload& workload, const std::string& path)
{
    if (!templ || !templ.IsMap())
        fail(templ, path + " is required (a pod template)");
    const YAML::Node meta = templ["metadata"];
    if (meta && !meta.IsNull() && !meta.IsMap())
        fail(meta, path + ".metadata must be a mapping");
    if (meta && meta.IsMap()) {
        workload.podLabels = stringMap(meta["labels"], path + ".metadata.labels");
        workload.podAnnotations = stringMap(meta["annotations"], path + ".metadata.annotations");
    }
    const YAML::Node spec = templ["spec"];
    if (!spec || !spec.IsMap())
        fail(templ, path + ".spec is required");
    const YAML::Node containers = spec["containers"];
    if (!containers || !containers.IsSequence() || containers.size() == 0)
        fail(spec, path + ".spec.containers: at least one container is required");
    const YAML::Node inits = spec["initContainers"];
    if (inits && !inits.IsNull() && !inits.IsSequence())
        fail(inits, path + ".spec.initContainers must be a list");
    const std::size_t count = containers.size() + (inits && inits.IsSequence() ? inits.size() : 0);
    if (count > m_limits.maxContainers)
        fail(spec,
            path + ".spec has " + std::to_string(count) + " containers, more than the sandbox simulates ("
                + std::to_string(m_limits.maxContainers) + ")",
            {}, ErrorCode::LimitExceeded);
    std::set<std::string> names;
    auto add = [&](const YAML::Node& node, ContainerKind kind, const std::string& itemPath) {
        ScenarioContainer c = readContainer(node, kind, itemPath);
        if (!names.insert(c.name).second)
            fail(node, itemPath + ".name: Duplicate value: \"" + c.name + "\"");
        workload.containers.push_back(std::move(c));
    };
    if (inits && inits.IsSequence())
        for (std::size_t i = 0; i < inits.size(); ++i)
            add(inits[i], ContainerKind::Init, path + ".spec.initContainers[" + std::to_string(i) + "]");
    for (std::size_t i = 0; i < containers.size(); ++i)
        add(containers[i], ContainerKind::Regular, path + ".spec.containers[" + std::to_string(i) + "]");

    const std::string restart = scalar(spec["restartPolicy"]);
    const bool job = workload.kind == WorkloadKind::Job || workload.kind == WorkloadKind::CronJob;
    if (job && restart != "Never" && restart != "OnFailure")
        fail(spec["restartPolicy"] ? spec["restartPolicy"] : spec,
            path + ".spec.restartPolicy: a Job's pods need Never or OnFailure"
                + (restart.empty() ? "" : ", not " + restart));
    if (!job && !restart.empty() && restart != "Always")
        fail(spec["restartPolicy"],
            path + ".spec.restartPolicy: Unsupported value: \"" + restart + "\": supported values: \"Always\"");
    readSimAnnotations(meta, workload, true);
}

void Reader::readWorkload(const YAML::Node& root, ScenarioObject& object, WorkloadKind kind)
{
    ScenarioWorkload& w = *object.workload;
    w.kind = kind;
    const YAML::Node spec = root["spec"];
    if (!spec || !spec.IsMap())
        failAt(object.where.line, object.kind + " \"" + object.name + "\": spec is required");
    const YAML::Node meta = root["metadata"];
    if (const YAML::Node a = meta["annotations"]; a && a.IsMap() && a[std::string(kArgoTrackingAnnotation)])
        w.argoTrackingId = scalar(a[std::string(kArgoTrackingAnnotation)]);
    readSimAnnotations(meta, w, false);
    if (w.selfHealAfterMs && w.argoTrackingId.empty())
        fail(meta["annotations"],
            "sim.leakdesk.io/self-heal-after needs an Argo CD tracking annotation ("
                + std::string(kArgoTrackingAnnotation) + "): only a GitOps controller reverts changes");

    const int maxReplicas = m_limits.maxReplicas;
    YAML::Node templ;
    std::string templPath = "spec.template";
    switch (kind) {
    case WorkloadKind::Deployment:
    case WorkloadKind::StatefulSet:
    case WorkloadKind::Rollout:
        w.replicas = intField(spec, "replicas", 1, 0, maxReplicas, "spec.", ErrorCode::LimitExceeded);
        templ = spec["template"];
        if (kind == WorkloadKind::Rollout && spec["workloadRef"])
            fail(spec["workloadRef"],
                "Rollout spec.workloadRef is not simulated: write the pod template in spec.template");
        break;
    case WorkloadKind::DaemonSet:
        w.replicas = kScenarioNodes;
        templ = spec["template"];
        break;
    case WorkloadKind::Job:
        w.replicas = intField(spec, "parallelism", 1, 0, maxReplicas, "spec.", ErrorCode::LimitExceeded);
        templ = spec["template"];
        break;
    case WorkloadKind::CronJob: {
        const YAML::Node schedule = spec["schedule"];
        w.scheduleText = requiredString(spec, "schedule", spec, "CronJob \"" + object.name + "\": spec.schedule");
        auto parsed = parseCronSchedule(w.scheduleText);
        if (!parsed)
            fail(schedule, parsed.error().message, parsed.error().detail);
        w.schedule = *parsed;
        const YAML::Node jobTemplate = spec["jobTemplate"];
        if (!jobTemplate || !jobTemplate.IsMap() || !jobTemplate["spec"] || !jobTemplate["spec"].IsMap())
            fail(spec, "CronJob \"" + object.name + "\": spec.jobTemplate.spec is required");
        w.replicas = intField(
            jobTemplate["spec"], "parallelism", 1, 0, maxReplicas, "spec.jobTemplate.spec.", ErrorCode::LimitExceeded);
        templ = jobTemplate["spec"]["template"];
        templPath = "spec.jobTemplate.spec.template";
        break;
    }
    }
    readPodTemplate(templ, w, templPath);

    const bool job = kind == WorkloadKind::Job || kind == WorkloadKind::CronJob;
    const YAML::Node selector = spec["selector"];
    if (!job) {
        if (!selector || !selector.IsMap())
            fail(spec, object.kind + " \"" + object.name + "\": spec.selector is required");
        if (selector["matchExpressions"])
            fail(selector["matchExpressions"], "spec.selector.matchExpressions is not simulated: use matchLabels");
        w.selector = stringMap(selector["matchLabels"], "spec.selector.matchLabels");
        if (w.selector.empty())
            fail(selector, "spec.selector.matchLabels: an empty selector matches every pod; the API server refuses it");
        for (const auto& [key, value] : w.selector) {
            const auto it = w.podLabels.find(key);
            if (it == w.podLabels.end() || it->second != value)
                fail(selector,
                    "spec.template.metadata.labels: Invalid value: `selector` does not match template "
                    "`labels` ("
                        + key + "=" + value + " is not among them)");
        }
    }
}

void Reader::readObject(const YAML::Node& node, Scenario& out)
{
    if (!node.IsMap())
        fail(node, "a document must be a Kubernetes object (a mapping with apiVersion and kind)");
    if (out.objects.size() >= m_limits.maxObjects)
        fail(node, "more than " + std::to_string(m_limits.maxObjects) + " objects in a scenario", {},
            ErrorCode::LimitExceeded);
    const std::string apiVersion = requiredString(node, "apiVersion", node, "apiVersion");
    const std::string kindName = requiredString(node, "kind", node, "kind");
    const KnownKind* known = nullptr;
    bool kindKnownElsewhere = false;
    for (const KnownKind& k : kKnownKinds) {
        if (k.kind == kindName && k.apiVersion == apiVersion)
            known = &k;
        kindKnownElsewhere = kindKnownElsewhere || k.kind == kindName;
    }
    if (!known) {
        std::string list;
        for (const KnownKind& k : kKnownKinds)
            list += (list.empty() ? "" : ", ") + std::string(k.apiVersion) + " " + std::string(k.kind);
        if (kindKnownElsewhere) {
            std::string expected;
            for (const KnownKind& k : kKnownKinds)
                if (k.kind == kindName)
                    expected = k.apiVersion;
            fail(node["apiVersion"], "no " + kindName + " in " + apiVersion + ": the sandbox serves it as " + expected);
        }
        fail(node["kind"], "kind " + kindName + " (" + apiVersion + ") is not simulated", "scenario kinds: " + list);
    }
    checkKeys(node, kTopLevelKeys, "");
    ScenarioObject object;
    object.apiVersion = apiVersion;
    object.kind = kindName;
    object.where = where(node);
    if (known->workload)
        object.workload = ScenarioWorkload {};
    readMetadata(node["metadata"], *known, object);
    if (known->workload)
        readWorkload(node, object, *known->workload);
    if (kindName == "HorizontalPodAutoscaler") {
        const YAML::Node spec = node["spec"];
        if (!spec || !spec.IsMap())
            fail(node, "HorizontalPodAutoscaler \"" + object.name + "\": spec is required");
        const YAML::Node target = spec["scaleTargetRef"];
        if (!target || !target.IsMap())
            fail(spec, "spec.scaleTargetRef is required");
        requiredString(target, "kind", target, "spec.scaleTargetRef.kind");
        requiredString(target, "name", target, "spec.scaleTargetRef.name");
        const int maxReplicas
            = intField(spec, "maxReplicas", 0, 1, m_limits.maxReplicas, "spec.", ErrorCode::LimitExceeded);
        if (maxReplicas == 0)
            fail(spec, "spec.maxReplicas is required");
        const int minReplicas
            = intField(spec, "minReplicas", 1, 1, m_limits.maxReplicas, "spec.", ErrorCode::LimitExceeded);
        if (minReplicas > maxReplicas)
            fail(spec["minReplicas"], "spec.minReplicas must be less than or equal to spec.maxReplicas");
    }
    m_documentLine = object.where.line;
    object.manifest = toJson(node, 0);
    // The name first: identity() builds strings, and thousands of objects (--scale-workloads) made
    // this check the slowest part of parsing.
    for (const ScenarioObject& other : out.objects)
        if (other.name == object.name && other.identity() == object.identity())
            fail(node, object.identity() + " is defined twice (first at " + other.where.toString() + ")");
    out.objects.push_back(std::move(object));
}

Result<Scenario> Reader::read(std::string_view text)
{
    if (text.size() > m_limits.maxFileBytes)
        return makeError(ErrorCode::LimitExceeded,
            m_file + ": " + std::to_string(text.size()) + " bytes, more than a scenario file may have ("
                + std::to_string(m_limits.maxFileBytes) + ")",
            "split it into several files (--scenario is repeatable)");
    if (const int line = firstInvalidUtf8Line(text))
        return makeError(ErrorCode::Parse, SourceLocation { m_file, line }.toString() + ": not UTF-8 text",
            "Kubernetes manifests are UTF-8; convert the file (e.g. with iconv)");
    auto documents = loadYamlDocuments(
        text, m_file, YamlShapeLimits { m_limits.maxDepth, 2 * m_limits.maxYamlNodes, m_limits.maxDocuments });
    if (!documents)
        return documents.error();
    Scenario out;
    out.files.push_back(m_file);
    try {
        for (const YamlDocument& loaded : *documents) {
            const YAML::Node& document = loaded.root;
            if (!document || document.IsNull())
                continue; // an empty document between two "---"
            m_lineOffset = loaded.lineOffset;
            m_documentLine = document.Mark().line + 1 + m_lineOffset;
            // `kubectl get -o yaml` writes several objects as a v1 List.
            if (document.IsMap() && scalar(document["kind"]) == "List" && scalar(document["apiVersion"]) == "v1") {
                const YAML::Node items = document["items"];
                if (items && !items.IsNull() && !items.IsSequence())
                    fail(items, "List items must be a list");
                if (items && items.IsSequence())
                    for (const YAML::Node& item : items)
                        readObject(item, out);
                continue;
            }
            readObject(document, out);
        }
    } catch (const Failure& f) {
        return f.error;
    } catch (const YAML::Exception& e) {
        return makeError(ErrorCode::Parse,
            SourceLocation { m_file, e.mark.line >= 0 ? e.mark.line + 1 + m_lineOffset : m_documentLine }.toString()
                + ": not valid YAML: " + e.msg);
    }
    if (out.podCount() > m_limits.maxPods)
        return makeError(ErrorCode::LimitExceeded,
            m_file + ": the workloads ask for " + std::to_string(out.podCount())
                + " pods, more than the sandbox simulates (" + std::to_string(m_limits.maxPods) + ")",
            "lower replicas or parallelism");
    return out;
}

} // namespace

const char* workloadKindName(WorkloadKind kind)
{
    switch (kind) {
    case WorkloadKind::Deployment:
        return "Deployment";
    case WorkloadKind::StatefulSet:
        return "StatefulSet";
    case WorkloadKind::DaemonSet:
        return "DaemonSet";
    case WorkloadKind::Job:
        return "Job";
    case WorkloadKind::CronJob:
        return "CronJob";
    case WorkloadKind::Rollout:
        return "Rollout";
    }
    return "Deployment";
}

std::string ScenarioObject::group() const
{
    const std::size_t slash = apiVersion.find('/');
    return slash == std::string::npos ? std::string() : apiVersion.substr(0, slash);
}

std::string ScenarioObject::identity() const
{
    const std::string g = group();
    return (g.empty() ? std::string() : g + "/") + kind + " " + (namespaceName.empty() ? "" : namespaceName + "/")
        + name;
}

std::size_t Scenario::podCount() const
{
    std::size_t pods = 0;
    for (const ScenarioObject& o : objects)
        if (o.workload)
            pods += static_cast<std::size_t>(o.workload->replicas);
    return pods;
}

std::vector<std::string> Scenario::namespaces() const
{
    std::set<std::string> names;
    for (const ScenarioObject& o : objects)
        names.insert(o.kind == "Namespace" ? o.name : o.namespaceName);
    return { names.begin(), names.end() };
}

const ScenarioObject* Scenario::find(std::string_view kind, std::string_view ns, std::string_view name) const
{
    for (const ScenarioObject& o : objects)
        if (o.kind == kind && o.namespaceName == ns && o.name == name)
            return &o;
    return nullptr;
}

Result<Scenario> parseScenario(std::string_view yamlText, const std::string& fileName, const ScenarioLimits& limits)
{
    Reader reader(fileName, limits);
    return reader.read(yamlText);
}

Result<Scenario> loadScenarioFile(const std::string& path, const ScenarioLimits& limits)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec)
        return makeError(ErrorCode::Io, path + ": cannot read the scenario file: " + ec.message());
    if (size > limits.maxFileBytes)
        return makeError(ErrorCode::LimitExceeded,
            path + ": " + std::to_string(size) + " bytes, more than a scenario file may have ("
                + std::to_string(limits.maxFileBytes) + ")",
            "split it into several files (--scenario is repeatable)");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::Io, path + ": cannot open the scenario file");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parseScenario(text, path, limits);
}

Status mergeScenario(Scenario& into, Scenario more, const ScenarioLimits& limits)
{
    if (into.objects.size() + more.objects.size() > limits.maxObjects)
        return makeError(ErrorCode::LimitExceeded,
            "the scenario files have " + std::to_string(into.objects.size() + more.objects.size())
                + " objects together, more than a scenario may have (" + std::to_string(limits.maxObjects) + ")");
    for (const ScenarioObject& o : more.objects)
        for (const ScenarioObject& existing : into.objects)
            if (existing.name == o.name && existing.identity() == o.identity())
                return makeError(ErrorCode::InvalidArgument,
                    o.where.toString() + ": " + o.identity() + " is defined twice (first at "
                        + existing.where.toString() + ")");
    for (ScenarioObject& o : more.objects)
        into.objects.push_back(std::move(o));
    for (std::string& f : more.files)
        into.files.push_back(std::move(f));
    if (into.podCount() > limits.maxPods)
        return makeError(ErrorCode::LimitExceeded,
            "the scenario files ask for " + std::to_string(into.podCount())
                + " pods together, more than the sandbox simulates (" + std::to_string(limits.maxPods) + ")");
    return Ok {};
}

} // namespace leakdesk::sandbox::scenario
