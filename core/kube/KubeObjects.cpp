#include "core/kube/KubeObjects.h"

#include "core/common/Quantity.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace leakdesk::kube {

using nlohmann::json;

namespace {

std::string s(const json& j, const char* key)
{
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int i(const json& j, const char* key)
{
    auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

const json& obj(const json& j, const char* key)
{
    static const json empty = json::object();
    auto it = j.find(key);
    return it != j.end() && it->is_object() ? *it : empty;
}

const json& arr(const json& j, const char* key)
{
    static const json empty = json::array();
    auto it = j.find(key);
    return it != j.end() && it->is_array() ? *it : empty;
}

StringMap stringMap(const json& j)
{
    StringMap m;
    if (j.is_object())
        for (auto it = j.begin(); it != j.end(); ++it)
            if (it.value().is_string())
                m[it.key()] = it.value().get<std::string>();
    return m;
}

ObjectMeta parseMeta(const json& j)
{
    const json& m = obj(j, "metadata");
    ObjectMeta meta;
    meta.name = s(m, "name");
    meta.ns = s(m, "namespace");
    meta.uid = s(m, "uid");
    meta.resourceVersion = s(m, "resourceVersion");
    meta.labels = stringMap(obj(m, "labels"));
    meta.annotations = stringMap(obj(m, "annotations"));
    meta.creationMs = parseTimestampMs(s(m, "creationTimestamp"));
    for (const auto& o : arr(m, "ownerReferences"))
        meta.owners.emplace_back(s(o, "kind"), s(o, "name"));
    return meta;
}

std::optional<std::int64_t> memoryOf(const json& resources, const char* which)
{
    const json& r = obj(resources, which);
    auto it = r.find("memory");
    if (it == r.end() || !it->is_string())
        return std::nullopt;
    auto bytes = parseMemoryBytes(it->get<std::string>());
    if (!bytes)
        return std::nullopt;
    return *bytes;
}

std::vector<ContainerSpec> parseContainers(const json& podSpec)
{
    std::vector<ContainerSpec> out;
    for (const auto& c : arr(podSpec, "containers")) {
        ContainerSpec spec;
        spec.name = s(c, "name");
        spec.image = s(c, "image");
        spec.memoryLimitBytes = memoryOf(obj(c, "resources"), "limits");
        spec.memoryRequestBytes = memoryOf(obj(c, "resources"), "requests");
        for (const auto& e : arr(c, "env"))
            spec.env.emplace_back(s(e, "name"), e.contains("valueFrom") ? std::string("<from reference>") : s(e, "value"));
        out.push_back(std::move(spec));
    }
    return out;
}

template<class T, class F>
Result<ParsedList<T>> parseList(const json& j, F parseOne)
{
    if (!j.is_object() || !j.contains("items") || !j["items"].is_array())
        return makeError(ErrorCode::Parse, "the API server's answer is not a list", "expected an object with 'items'");
    ParsedList<T> list;
    const json& meta = obj(j, "metadata");
    list.continueToken = s(meta, "continue");
    list.resourceVersion = s(meta, "resourceVersion");
    for (const auto& item : j["items"]) {
        auto r = parseOne(item);
        if (r)
            list.items.push_back(std::move(r).value());
        else
            list.skipped.push_back(r.error().message);
    }
    return list;
}

} // namespace

std::int64_t parseTimestampMs(const std::string& t)
{
    // RFC3339 as the API server writes it: 2024-05-01T12:00:00Z or with fractional seconds / offset.
    int y, mo, d, h, mi;
    double sec;
    if (t.size() < 20 || std::sscanf(t.c_str(), "%d-%d-%dT%d:%d:%lf", &y, &mo, &d, &h, &mi, &sec) != 6)
        return 0;
    std::tm tm {};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = 0;
    std::int64_t ms = static_cast<std::int64_t>(timegm(&tm)) * 1000 + static_cast<std::int64_t>(sec * 1000.0 + 0.5);
    // Offset suffix (+hh:mm / -hh:mm) after the seconds.
    const auto tpos = t.find('T');
    const auto sign = t.find_first_of("+-", tpos);
    if (sign != std::string::npos && sign + 5 < t.size() + 1) {
        int oh = 0, om = 0;
        if (std::sscanf(t.c_str() + sign + 1, "%d:%d", &oh, &om) == 2) {
            const std::int64_t off = (oh * 60 + om) * 60000LL;
            ms += t[sign] == '+' ? -off : off;
        }
    }
    return ms;
}

std::string formatTimestamp(std::int64_t ms)
{
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm {};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

int Pod::restartCount() const
{
    int n = 0;
    for (const auto& st : statuses)
        n += st.restartCount;
    return n;
}

std::optional<std::int64_t> Pod::memoryLimitBytes() const
{
    std::int64_t total = 0;
    for (const auto& c : containers) {
        if (!c.memoryLimitBytes)
            return std::nullopt;
        total += *c.memoryLimitBytes;
    }
    if (containers.empty())
        return std::nullopt;
    return total;
}

const ContainerStatus* Pod::status(const std::string& container) const
{
    for (const auto& st : statuses)
        if (st.name == container)
            return &st;
    return nullptr;
}

std::int64_t PodMetrics::memoryBytes() const
{
    std::int64_t total = 0;
    for (const auto& c : containers)
        total += c.memoryBytes;
    return total;
}

namespace {
Result<Pod> parsePodUnchecked(const json& j)
{
    if (!j.is_object())
        return makeError(ErrorCode::Parse, "pod is not an object");
    Pod pod;
    pod.meta = parseMeta(j);
    if (pod.meta.name.empty())
        return makeError(ErrorCode::Parse, "pod without metadata.name");
    const json& spec = obj(j, "spec");
    const json& status = obj(j, "status");
    pod.nodeName = s(spec, "nodeName");
    pod.containers = parseContainers(spec);
    pod.phase = s(status, "phase");
    pod.startMs = parseTimestampMs(s(status, "startTime"));
    for (const auto& cs : arr(status, "containerStatuses")) {
        ContainerStatus st;
        st.name = s(cs, "name");
        st.ready = cs.value("ready", false);
        st.restartCount = i(cs, "restartCount");
        const json& state = obj(cs, "state");
        if (state.contains("running")) {
            st.state = "running";
            st.runningSinceMs = parseTimestampMs(s(obj(state, "running"), "startedAt"));
        } else if (state.contains("waiting")) {
            st.state = "waiting";
            st.waitingReason = s(obj(state, "waiting"), "reason");
        } else if (state.contains("terminated")) {
            st.state = "terminated";
        }
        const json& last = obj(obj(cs, "lastState"), "terminated");
        if (!last.empty()) {
            TerminatedState t;
            t.reason = s(last, "reason");
            t.exitCode = i(last, "exitCode");
            t.startedMs = parseTimestampMs(s(last, "startedAt"));
            t.finishedMs = parseTimestampMs(s(last, "finishedAt"));
            st.lastTerminated = t;
        }
        pod.statuses.push_back(std::move(st));
    }
    return pod;
}
} // namespace

// Typed accessors throw on values of the wrong type ("ready": "yes"); a malformed object from a
// proxy or an odd API server becomes an Error, never an exception.
Result<Pod> parsePod(const json& j)
{
    try {
        return parsePodUnchecked(j);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "malformed Pod object", e.what());
    }
}

namespace {
Result<Deployment> parseDeploymentUnchecked(const json& j)
{
    if (!j.is_object())
        return makeError(ErrorCode::Parse, "deployment is not an object");
    Deployment d;
    d.meta = parseMeta(j);
    if (d.meta.name.empty())
        return makeError(ErrorCode::Parse, "deployment without metadata.name");
    const json& spec = obj(j, "spec");
    d.replicas = i(spec, "replicas");
    d.selector = stringMap(obj(obj(spec, "selector"), "matchLabels"));
    d.containers = parseContainers(obj(obj(spec, "template"), "spec"));
    d.readyReplicas = i(obj(j, "status"), "readyReplicas");
    return d;
}
} // namespace

// Typed accessors throw on values of the wrong type ("ready": "yes"); a malformed object from a
// proxy or an odd API server becomes an Error, never an exception.
Result<Deployment> parseDeployment(const json& j)
{
    try {
        return parseDeploymentUnchecked(j);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "malformed Deployment object", e.what());
    }
}

namespace {
Result<Event> parseEventUnchecked(const json& j)
{
    if (!j.is_object())
        return makeError(ErrorCode::Parse, "event is not an object");
    Event e;
    e.meta = parseMeta(j);
    e.reason = s(j, "reason");
    e.type = s(j, "type");
    // core/v1 uses message/involvedObject/source; events.k8s.io/v1 uses note/regarding/reportingController.
    e.message = j.contains("note") ? s(j, "note") : s(j, "message");
    const json& inv = j.contains("regarding") ? obj(j, "regarding") : obj(j, "involvedObject");
    e.involved = { s(inv, "kind"), s(inv, "name"), s(inv, "namespace") };
    // events.k8s.io/v1 keeps what a core/v1 event had in deprecated* fields (node-problem-detector's
    // OOMKilling events come that way), and counts a repeated event in series.count.
    const json& src = j.contains("source") ? obj(j, "source") : obj(j, "deprecatedSource");
    e.sourceComponent = s(src, "component");
    e.sourceHost = s(src, "host");
    if (e.sourceComponent.empty())
        e.sourceComponent = s(j, "reportingController");
    if (e.sourceHost.empty())
        e.sourceHost = s(j, "reportingInstance");
    e.count = std::max({ 1, i(j, "count"), i(j, "deprecatedCount"), i(obj(j, "series"), "count") });
    e.firstMs = parseTimestampMs(s(j, "firstTimestamp"));
    if (e.firstMs == 0)
        e.firstMs = parseTimestampMs(s(j, "deprecatedFirstTimestamp"));
    e.lastMs = parseTimestampMs(s(j, "lastTimestamp"));
    if (e.lastMs == 0)
        e.lastMs = parseTimestampMs(s(j, "deprecatedLastTimestamp"));
    const std::int64_t eventTime = parseTimestampMs(s(j, "eventTime"));
    const std::int64_t seriesLast = parseTimestampMs(s(obj(j, "series"), "lastObservedTime"));
    if (e.lastMs == 0)
        e.lastMs = seriesLast ? seriesLast : eventTime;
    if (e.lastMs == 0)
        e.lastMs = e.meta.creationMs;
    if (e.firstMs == 0)
        e.firstMs = eventTime ? eventTime : e.lastMs;
    if (e.meta.name.empty())
        return makeError(ErrorCode::Parse, "event without metadata.name");
    return e;
}
} // namespace

// Typed accessors throw on values of the wrong type ("ready": "yes"); a malformed object from a
// proxy or an odd API server becomes an Error, never an exception.
Result<Event> parseEvent(const json& j)
{
    try {
        return parseEventUnchecked(j);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "malformed Event object", e.what());
    }
}

namespace {
Result<PodMetrics> parsePodMetricsUnchecked(const json& j)
{
    if (!j.is_object())
        return makeError(ErrorCode::Parse, "pod metrics is not an object");
    PodMetrics m;
    m.meta = parseMeta(j);
    m.timestampMs = parseTimestampMs(s(j, "timestamp"));
    for (const auto& c : arr(j, "containers")) {
        ContainerMetrics cm;
        cm.name = s(c, "name");
        const json& usage = obj(c, "usage");
        if (auto mem = parseMemoryBytes(s(usage, "memory")))
            cm.memoryBytes = *mem;
        if (auto cpu = parseQuantity(s(usage, "cpu")))
            cm.cpuCores = *cpu;
        m.containers.push_back(std::move(cm));
    }
    return m;
}
} // namespace

// Typed accessors throw on values of the wrong type ("ready": "yes"); a malformed object from a
// proxy or an odd API server becomes an Error, never an exception.
Result<PodMetrics> parsePodMetrics(const json& j)
{
    try {
        return parsePodMetricsUnchecked(j);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "malformed PodMetrics object", e.what());
    }
}

namespace {
Result<ReplicaSet> parseReplicaSetUnchecked(const json& j)
{
    if (!j.is_object())
        return makeError(ErrorCode::Parse, "replicaset is not an object");
    ReplicaSet r;
    r.meta = parseMeta(j);
    if (r.meta.name.empty())
        return makeError(ErrorCode::Parse, "replicaset without metadata.name");
    const json& spec = obj(j, "spec");
    r.replicas = i(spec, "replicas");
    r.currentReplicas = i(obj(j, "status"), "replicas");
    r.readyReplicas = i(obj(j, "status"), "readyReplicas");
    // A Deployment's ReplicaSet carries deployment.kubernetes.io/revision and pod-template-hash; an
    // Argo Rollout's carries rollout.argoproj.io/revision and rollouts-pod-template-hash instead.
    auto firstOf = [](const StringMap& map, std::initializer_list<const char*> keys) {
        for (const char* key : keys)
            if (const auto it = map.find(key); it != map.end())
                return it->second;
        return std::string();
    };
    r.revision = std::atoi(
        firstOf(r.meta.annotations, { "deployment.kubernetes.io/revision", "rollout.argoproj.io/revision" }).c_str());
    r.podTemplateHash = firstOf(r.meta.labels, { "pod-template-hash", "rollouts-pod-template-hash" });
    for (const auto& [kind, name] : r.meta.owners)
        if (kind == "Deployment")
            r.ownerDeployment = name;
    r.containers = parseContainers(obj(obj(spec, "template"), "spec"));
    return r;
}

Result<Node> parseNodeUnchecked(const json& j)
{
    if (!j.is_object())
        return makeError(ErrorCode::Parse, "node is not an object");
    Node n;
    n.meta = parseMeta(j);
    if (n.meta.name.empty())
        return makeError(ErrorCode::Parse, "node without metadata.name");
    const json& status = obj(j, "status");
    auto memory = [](const json& list) -> std::optional<std::int64_t> {
        if (!list.contains("memory") || !list["memory"].is_string())
            return std::nullopt;
        auto bytes = parseMemoryBytes(list["memory"].get<std::string>());
        return bytes ? std::optional<std::int64_t>(*bytes) : std::nullopt;
    };
    n.memoryCapacityBytes = memory(obj(status, "capacity"));
    n.memoryAllocatableBytes = memory(obj(status, "allocatable"));
    if (auto cpu = parseQuantity(s(obj(status, "capacity"), "cpu")))
        n.cpuCapacityCores = *cpu;
    if (auto cpu = parseQuantity(s(obj(status, "allocatable"), "cpu")))
        n.cpuAllocatableCores = *cpu;
    for (const json& c : arr(status, "conditions")) {
        if (s(c, "type") == "Ready")
            n.ready = s(c, "status") == "True";
        else if (s(c, "type") == "MemoryPressure")
            n.memoryPressure = s(c, "status") == "True";
    }
    n.kubeletVersion = s(obj(status, "nodeInfo"), "kubeletVersion");
    for (const json& a : arr(status, "addresses"))
        if (s(a, "type") == "InternalIP")
            n.internalIp = s(a, "address");
    return n;
}
Result<Service> parseServiceUnchecked(const json& j)
{
    if (!j.is_object())
        return makeError(ErrorCode::Parse, "service is not an object");
    Service svc;
    svc.meta = parseMeta(j);
    if (svc.meta.name.empty())
        return makeError(ErrorCode::Parse, "service without metadata.name");
    const json& spec = obj(j, "spec");
    svc.type = s(spec, "type");
    for (const json& p : arr(spec, "ports")) {
        ServicePort port;
        port.name = s(p, "name");
        port.port = i(p, "port");
        const auto target = p.find("targetPort");
        if (target != p.end())
            port.targetPort = target->is_string() ? target->get<std::string>()
                : target->is_number_integer()     ? std::to_string(target->get<long long>())
                                                  : std::string();
        svc.ports.push_back(std::move(port));
    }
    return svc;
}
} // namespace

Result<Service> parseService(const json& j)
{
    try {
        return parseServiceUnchecked(j);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "malformed Service object", e.what());
    }
}

Result<ReplicaSet> parseReplicaSet(const json& j)
{
    try {
        return parseReplicaSetUnchecked(j);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "malformed ReplicaSet object", e.what());
    }
}

Result<Node> parseNode(const json& j)
{
    try {
        return parseNodeUnchecked(j);
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "malformed Node object", e.what());
    }
}

Result<ParsedList<Pod>> parsePodList(const json& j) { return parseList<Pod>(j, parsePod); }
Result<ParsedList<ReplicaSet>> parseReplicaSetList(const json& j) { return parseList<ReplicaSet>(j, parseReplicaSet); }
Result<ParsedList<Node>> parseNodeList(const json& j) { return parseList<Node>(j, parseNode); }
Result<ParsedList<Service>> parseServiceList(const json& j) { return parseList<Service>(j, parseService); }
Result<ParsedList<Deployment>> parseDeploymentList(const json& j) { return parseList<Deployment>(j, parseDeployment); }
Result<ParsedList<Event>> parseEventList(const json& j) { return parseList<Event>(j, parseEvent); }
Result<ParsedList<PodMetrics>> parsePodMetricsList(const json& j) { return parseList<PodMetrics>(j, parsePodMetrics); }

} // namespace leakdesk::kube
