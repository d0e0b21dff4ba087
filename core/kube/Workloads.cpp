#include "core/kube/Workloads.h"

#include "core/common/Quantity.h"
#include "core/kube/JsonAccess.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace leakdesk::kube {

namespace {

using nlohmann::json;

struct KindInfo {
    WorkloadKind kind;
    const char* name;
    const char* resource;
    const char* apiVersion;
    std::array<const char*, 4> aliases; // as kubectl accepts them (singular, plural, short, group-qualified)
};

constexpr std::array<KindInfo, 8> kKinds { {
    { WorkloadKind::Deployment, "Deployment", "deployments", "apps/v1",
        { "deployment", "deployments", "deploy", "deployments.apps" } },
    { WorkloadKind::StatefulSet, "StatefulSet", "statefulsets", "apps/v1",
        { "statefulset", "statefulsets", "sts", "statefulsets.apps" } },
    { WorkloadKind::DaemonSet, "DaemonSet", "daemonsets", "apps/v1",
        { "daemonset", "daemonsets", "ds", "daemonsets.apps" } },
    { WorkloadKind::ReplicaSet, "ReplicaSet", "replicasets", "apps/v1",
        { "replicaset", "replicasets", "rs", "replicasets.apps" } },
    { WorkloadKind::Job, "Job", "jobs", "batch/v1", { "job", "jobs", "jobs.batch", "" } },
    { WorkloadKind::CronJob, "CronJob", "cronjobs", "batch/v1", { "cronjob", "cronjobs", "cj", "cronjobs.batch" } },
    { WorkloadKind::Rollout, "Rollout", "rollouts", "argoproj.io/v1alpha1",
        { "rollout", "rollouts", "ro", "rollouts.argoproj.io" } },
    { WorkloadKind::Service, "Service", "services", "v1", { "service", "services", "svc", "" } },
} };

const KindInfo& info(WorkloadKind kind)
{
    for (const KindInfo& k : kKinds)
        if (k.kind == kind)
            return k;
    return kKinds.front();
}

std::optional<WorkloadKind> kindNamed(const std::string& name)
{
    for (const KindInfo& k : kKinds)
        if (name == k.name)
            return k.kind;
    return std::nullopt;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

// RFC 1123 subdomain, the rule for the names of every kind here.
bool validName(const std::string& name)
{
    if (name.empty() || name.size() > 253)
        return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '.')
            return false;
        if ((i == 0 || i + 1 == name.size()) && !alnum)
            return false;
    }
    return true;
}

StringMap labelsOf(const json& object)
{
    StringMap out;
    const json& labels = jsonAt(object, { "metadata", "labels" });
    if (labels.is_object())
        for (auto it = labels.begin(); it != labels.end(); ++it)
            if (it.value().is_string())
                out[it.key()] = it.value().get<std::string>();
    return out;
}

const json* findByName(const json& items, const std::string& name)
{
    if (!items.is_array())
        return nullptr;
    for (const json& o : items)
        if (jsonString(o, { "metadata", "name" }) == name)
            return &o;
    return nullptr;
}

std::optional<std::int64_t> memoryOf(const json& container, const char* which)
{
    const json& q = jsonAt(container, { "resources", which, "memory" });
    if (!q.is_string())
        return std::nullopt;
    auto bytes = parseMemoryBytes(q.get<std::string>());
    return bytes ? std::optional<std::int64_t>(*bytes) : std::nullopt;
}

} // namespace

bool knownSidecarName(const std::string& name)
{
    static const std::set<std::string> kNames { "istio-proxy", "envoy", "envoy-sidecar", "linkerd-proxy",
        "consul-connect-envoy-sidecar", "cloud-sql-proxy", "cloudsql-proxy", "fluent-bit", "fluentbit", "fluentd",
        "filebeat", "promtail", "vector", "otel-collector", "opentelemetry-collector", "datadog-agent", "vault-agent",
        "oauth2-proxy", "jaeger-agent", "config-reloader", "kube-rbac-proxy" };
    return kNames.count(name) > 0;
}

const char* workloadKindName(WorkloadKind kind)
{
    return info(kind).name;
}

const char* workloadResource(WorkloadKind kind)
{
    return info(kind).resource;
}

const char* workloadApiVersion(WorkloadKind kind)
{
    return info(kind).apiVersion;
}

std::string WorkloadRef::text() const
{
    return kind ? std::string(workloadKindName(*kind)) + "/" + name : name;
}

Result<WorkloadRef> parseWorkloadRef(std::string_view text)
{
    const std::string t(text);
    const auto slash = t.find('/');
    WorkloadRef ref;
    if (slash == std::string::npos) {
        ref.name = t;
    } else {
        const std::string kind = lower(t.substr(0, slash));
        ref.name = t.substr(slash + 1);
        for (const KindInfo& k : kKinds)
            for (const char* alias : k.aliases)
                if (*alias && kind == alias)
                    ref.kind = k.kind;
        if (!ref.kind)
            return makeError(ErrorCode::InvalidArgument,
                "\"" + t.substr(0, slash) + "\" is not a workload kind LeakDesk knows",
                "use deployment/, statefulset/, daemonset/, replicaset/, job/, cronjob/, rollout/ or service/ (svc/)");
    }
    if (!validName(ref.name))
        return makeError(ErrorCode::InvalidArgument, "\"" + ref.name + "\" is not a valid object name",
            "names are lower-case letters, digits, '-' and '.', e.g. checkout or deployment/checkout");
    return ref;
}

bool LabelSelector::matches(const StringMap& labels) const
{
    for (const LabelRequirement& r : requirements) {
        const auto it = labels.find(r.key);
        const bool has = it != labels.end();
        const bool inValues = has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
        switch (r.op) {
        case LabelRequirement::Op::In:
            if (!inValues)
                return false;
            break;
        case LabelRequirement::Op::NotIn:
            if (inValues)
                return false;
            break;
        case LabelRequirement::Op::Exists:
            if (!has)
                return false;
            break;
        case LabelRequirement::Op::DoesNotExist:
            if (has)
                return false;
            break;
        }
    }
    return true;
}

std::string LabelSelector::toQuery() const
{
    std::string out;
    for (const LabelRequirement& r : requirements) {
        if (!out.empty())
            out += ",";
        const auto joined = [&] {
            std::string v;
            for (const auto& s : r.values)
                v += (v.empty() ? "" : ",") + s;
            return v;
        };
        switch (r.op) {
        case LabelRequirement::Op::In:
            out += r.values.size() == 1 ? r.key + "=" + r.values.front() : r.key + " in (" + joined() + ")";
            break;
        case LabelRequirement::Op::NotIn:
            out += r.key + " notin (" + joined() + ")";
            break;
        case LabelRequirement::Op::Exists:
            out += r.key;
            break;
        case LabelRequirement::Op::DoesNotExist:
            out += "!" + r.key;
            break;
        }
    }
    return out;
}

LabelSelector selectorFromMap(const StringMap& matchLabels)
{
    LabelSelector s;
    for (const auto& [k, v] : matchLabels)
        s.requirements.push_back({ k, LabelRequirement::Op::In, { v } });
    return s;
}

Result<LabelSelector> parseLabelSelector(const json& selector)
{
    LabelSelector s;
    if (selector.is_null())
        return s;
    if (!selector.is_object())
        return makeError(ErrorCode::Parse, "the workload's spec.selector is not an object");
    const json& labels = jsonAt(selector, { "matchLabels" });
    if (labels.is_object())
        for (auto it = labels.begin(); it != labels.end(); ++it) {
            if (!it.value().is_string())
                return makeError(ErrorCode::Parse, "matchLabels." + it.key() + " is not a string");
            s.requirements.push_back({ it.key(), LabelRequirement::Op::In, { it.value().get<std::string>() } });
        }
    const json& expressions = jsonAt(selector, { "matchExpressions" });
    if (expressions.is_array())
        for (const json& e : expressions) {
            LabelRequirement r;
            r.key = jsonString(e, { "key" });
            const std::string op = jsonString(e, { "operator" });
            if (op == "In")
                r.op = LabelRequirement::Op::In;
            else if (op == "NotIn")
                r.op = LabelRequirement::Op::NotIn;
            else if (op == "Exists")
                r.op = LabelRequirement::Op::Exists;
            else if (op == "DoesNotExist")
                r.op = LabelRequirement::Op::DoesNotExist;
            else
                return makeError(ErrorCode::Parse, "unknown selector operator \"" + op + "\"");
            const json& values = jsonAt(e, { "values" });
            if (values.is_array())
                for (const json& v : values)
                    if (v.is_string())
                        r.values.push_back(v.get<std::string>());
            if (r.key.empty()
                || ((r.op == LabelRequirement::Op::In || r.op == LabelRequirement::Op::NotIn) && r.values.empty()))
                return makeError(ErrorCode::Parse, "a selector expression without a key or values");
            s.requirements.push_back(std::move(r));
        }
    return s;
}

std::optional<ControllerRef> controllerOf(const json& object)
{
    const json& refs = jsonAt(object, { "metadata", "ownerReferences" });
    if (!refs.is_array())
        return std::nullopt;
    for (const json& r : refs)
        // `controller` must be the boolean true: the cluster's JSON is input, and a string or a
        // number there is a malformed reference, not a controller (json::value would throw).
        if (r.is_object() && jsonAt(r, { "controller" }) == json(true))
            return ControllerRef { jsonString(r, { "kind" }), jsonString(r, { "name" }), jsonString(r, { "uid" }) };
    return std::nullopt;
}

std::optional<WorkloadRef> topWorkloadOf(const json& pod, const json& replicaSets, const json& jobs)
{
    auto owner = controllerOf(pod);
    if (!owner)
        return std::nullopt;
    // Two steps at most: the ReplicaSet of a Deployment or Rollout, the Job of a CronJob.
    for (int depth = 0; depth < 2; ++depth) {
        const json* parent = owner->kind == "ReplicaSet" ? findByName(replicaSets, owner->name)
            : owner->kind == "Job"                       ? findByName(jobs, owner->name)
                                                         : nullptr;
        if (!parent)
            break;
        auto next = controllerOf(*parent);
        if (!next || !kindNamed(next->kind))
            break;
        owner = next;
    }
    const auto kind = kindNamed(owner->kind);
    if (!kind || *kind == WorkloadKind::Service)
        return std::nullopt;
    return WorkloadRef { kind, owner->name };
}

std::vector<json> podsOfWorkload(const WorkloadRef& workload, const LabelSelector& selector, const json& pods,
    const json& replicaSets, const json& jobs)
{
    std::vector<json> out;
    if (!pods.is_array())
        return out;
    for (const json& p : pods) {
        if (!selector.matches(labelsOf(p)))
            continue;
        if (workload.kind == WorkloadKind::Service) {
            out.push_back(p); // a Service sends traffic to whatever its selector matches
            continue;
        }
        // The pod's own owner counts too: ReplicaSet/x for a ReplicaSet, Job/x for a Job.
        const auto own = controllerOf(p);
        const bool direct
            = own && workload.kind && own->kind == workloadKindName(*workload.kind) && own->name == workload.name;
        const auto top = topWorkloadOf(p, replicaSets, jobs);
        if (direct || (top && top->kind == workload.kind && top->name == workload.name))
            out.push_back(p);
    }
    return out;
}

const char* containerRoleName(ContainerRole role)
{
    switch (role) {
    case ContainerRole::Main:
        return "main";
    case ContainerRole::Sidecar:
        return "sidecar";
    case ContainerRole::NativeSidecar:
        return "native sidecar";
    case ContainerRole::Init:
        return "init";
    }
    return "sidecar";
}

std::vector<ContainerInfo> classifyContainers(const json& pod, const std::string& workloadName)
{
    std::vector<ContainerInfo> out;
    // A Pod, or a workload whose pod template is at spec.template.
    const bool isTemplate = jsonAt(pod, { "spec", "template" }).is_object();
    const json& spec = isTemplate ? jsonAt(pod, { "spec", "template", "spec" }) : jsonAt(pod, { "spec" });
    const json& podMeta = isTemplate ? jsonAt(pod, { "spec", "template", "metadata" }) : jsonAt(pod, { "metadata" });
    const json& containers = jsonAt(spec, { "containers" });
    const json& inits = jsonAt(spec, { "initContainers" });
    std::vector<ContainerInfo> regular;
    if (containers.is_array())
        for (const json& c : containers)
            regular.push_back({ jsonString(c, { "name" }), ContainerRole::Sidecar, memoryOf(c, "limits"),
                memoryOf(c, "requests"), {} });
    // The main container.
    std::optional<std::size_t> main;
    const std::string annotated = jsonString(podMeta, { "annotations", "kubectl.kubernetes.io/default-container" });
    for (std::size_t i = 0; i < regular.size() && !main; ++i)
        if (!annotated.empty() && regular[i].name == annotated) {
            main = i;
            regular[i].why = "named by the kubectl.kubernetes.io/default-container annotation";
        }
    for (std::size_t i = 0; i < regular.size() && !main; ++i)
        if (!workloadName.empty() && regular[i].name == workloadName) {
            main = i;
            regular[i].why = "named like the workload";
        }
    if (!main) {
        for (std::size_t i = 0; i < regular.size(); ++i) {
            if (knownSidecarName(regular[i].name))
                continue;
            const auto key = [](const ContainerInfo& c) {
                return std::make_pair(c.memoryLimitBytes.value_or(-1), c.memoryRequestBytes.value_or(-1));
            };
            if (!main || key(regular[i]) > key(regular[*main]))
                main = i;
        }
        if (main)
            regular[*main].why = regular.size() == 1
                ? "the pod's only container"
                : "the largest memory limit of the containers that are not known sidecars";
    }
    if (!main && !regular.empty()) {
        main = 0;
        regular[0].why = "the first container (all look like sidecars)";
    }
    for (std::size_t i = 0; i < regular.size(); ++i) {
        if (main && i == *main) {
            regular[i].role = ContainerRole::Main;
        } else {
            regular[i].why = knownSidecarName(regular[i].name) ? "a known sidecar (" + regular[i].name + ")"
                                                               : "runs beside the main container";
        }
        out.push_back(regular[i]);
    }
    if (inits.is_array())
        for (const json& c : inits) {
            ContainerInfo info { jsonString(c, { "name" }), ContainerRole::Init, memoryOf(c, "limits"),
                memoryOf(c, "requests"), "runs to completion before the main container starts" };
            if (jsonString(c, { "restartPolicy" }) == "Always") {
                info.role = ContainerRole::NativeSidecar;
                info.why = "an init container with restartPolicy: Always runs for the pod's whole life";
            }
            out.push_back(std::move(info));
        }
    return out;
}

} // namespace leakdesk::kube
