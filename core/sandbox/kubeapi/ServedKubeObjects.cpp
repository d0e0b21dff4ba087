#include "core/sandbox/kubeapi/ServedKubeObjects.h"

#include "core/common/Quantity.h"
#include "core/sandbox/model/MetricsHistory.h"

#include <QDateTime>
#include <QTimeZone>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace leakdesk::sandbox {

using nlohmann::json;

std::string rfc3339(std::int64_t tMs)
{
    return QDateTime::fromMSecsSinceEpoch(tMs, QTimeZone::utc())
        .toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss'Z'"))
        .toStdString();
}

std::string rfc3339Micro(std::int64_t tMs)
{
    return QDateTime::fromMSecsSinceEpoch(tMs, QTimeZone::utc())
               .toString(QStringLiteral("yyyy-MM-dd'T'HH:mm:ss.zzz"))
               .toStdString()
        + "000Z";
}

namespace {

// /etc/machine-id: 32 hex digits, no dashes.
std::string machineId(std::string uuid)
{
    uuid.erase(std::remove(uuid.begin(), uuid.end(), '-'), uuid.end());
    return uuid;
}

std::string cpuQuantity(double cores)
{
    const auto milli = static_cast<long long>(std::llround(cores * 1000));
    return milli % 1000 == 0 ? std::to_string(milli / 1000) : std::to_string(milli) + "m";
}

std::string hex16(std::uint64_t v)
{
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

} // namespace

ServedKubeObjects::ServedKubeObjects(const SandboxModel& model)
    : m_model(model)
{ }

std::string ServedKubeObjects::resourceVersionAt(std::int64_t tMs) const
{
    // Monotonic in time and shared by all objects, like etcd's revision.
    return std::to_string(1000 + std::max<std::int64_t>(0, (tMs - m_model.originMs()) / 1000));
}

std::string ServedKubeObjects::listResourceVersion(std::int64_t nowMs) const
{
    return resourceVersionAt(nowMs);
}

std::int64_t ServedKubeObjects::podChangedAtMs(std::size_t index, std::int64_t nowMs) const
{
    const PodSpec& p = m_model.pods()[index];
    if (p.deletedMs && *p.deletedMs <= nowMs)
        return *p.deletedMs;
    std::int64_t at = p.createdMs;
    if (const auto run = m_model.runIndexAt(index, nowMs)) {
        const ContainerRun& r = p.runs[*run];
        at = std::max(at, r.terminated && r.finishedMs <= nowMs ? r.finishedMs : r.startedMs);
    }
    if (p.deletedMs && *p.deletedMs - kTerminatingMs <= nowMs)
        at = std::max(at, *p.deletedMs - kTerminatingMs);
    for (const auto& [from, to] : p.released) {
        if (from <= nowMs)
            at = std::max(at, from);
        if (to && *to <= nowMs)
            at = std::max(at, *to);
    }
    return std::min(at, nowMs);
}

json ServedKubeObjects::namespaceObject() const
{
    const std::string& ns = m_model.namespaceName();
    return json { { "apiVersion", "v1" }, { "kind", "Namespace" },
        { "metadata",
            { { "name", ns }, { "uid", m_model.uidFor("Namespace", ns) },
                { "resourceVersion", resourceVersionAt(m_model.originMs() - 30 * kDayMs) },
                { "creationTimestamp", rfc3339(m_model.originMs() - 30 * kDayMs) },
                { "labels", { { "kubernetes.io/metadata.name", ns } } } } },
        { "spec", { { "finalizers", json::array({ "kubernetes" }) } } }, { "status", { { "phase", "Active" } } } };
}

json ServedKubeObjects::service(std::size_t index) const
{
    const ServiceSpec& s = m_model.services()[index];
    const std::int64_t created = m_model.originMs() - 20 * kDayMs;
    return json { { "apiVersion", "v1" }, { "kind", "Service" },
        { "metadata",
            { { "name", s.name }, { "namespace", m_model.namespaceName() }, { "uid", m_model.uidFor("Service", s.name) },
                { "resourceVersion", resourceVersionAt(created) }, { "creationTimestamp", rfc3339(created) },
                { "labels", { { "app", s.name }, { "team", s.team } } } } },
        { "spec",
            { { "type", "ClusterIP" }, { "selector", { { "app", s.name } } },
                { "clusterIP", "10.96.0." + std::to_string(10 + index) },
                { "clusterIPs", json::array({ "10.96.0." + std::to_string(10 + index) }) },
                { "ipFamilies", json::array({ "IPv4" }) }, { "ipFamilyPolicy", "SingleStack" },
                { "sessionAffinity", "None" }, { "internalTrafficPolicy", "Cluster" },
                { "ports", json::array({ { { "name", "http" }, { "port", 80 }, { "targetPort", 8080 }, { "protocol", "TCP" } } }) } } },
        { "status", { { "loadBalancer", json::object() } } } };
}

json ServedKubeObjects::ingress() const
{
    const std::int64_t created = m_model.originMs() - 20 * kDayMs;
    json paths = json::array();
    for (const ServiceSpec& s : m_model.services())
        if (s.userFacing)
            paths.push_back({ { "path", "/" + s.name }, { "pathType", "Prefix" },
                { "backend", { { "service", { { "name", s.name }, { "port", { { "number", 80 } } } } } } } });
    return json { { "apiVersion", "networking.k8s.io/v1" }, { "kind", "Ingress" },
        { "metadata",
            { { "name", "shop" }, { "namespace", m_model.namespaceName() }, { "uid", m_model.uidFor("Ingress", "shop") },
                { "resourceVersion", resourceVersionAt(created) }, { "creationTimestamp", rfc3339(created) } } },
        { "spec",
            { { "ingressClassName", "nginx" },
                { "rules", json::array({ { { "host", "shop.example.test" }, { "http", { { "paths", paths } } } } }) } } },
        { "status", { { "loadBalancer", { { "ingress", json::array({ { { "ip", "203.0.113.10" } } }) } } } } } };
}

json ServedKubeObjects::node(std::size_t index, std::int64_t nowMs) const
{
    const NodeSpec& n = m_model.nodes()[index];
    const std::int64_t created = m_model.originMs() - 20 * kDayMs;
    // The kubelet reports its status periodically: on a one-minute grid the node changes (and
    // gets a new resourceVersion) once a minute, not at every request.
    const std::int64_t heartbeatMs = nowMs - nowMs % kMinuteMs - 17 * kSecondMs;
    const std::string hb = rfc3339(heartbeatMs);
    auto condition = [&](const char* type, const char* status, const char* reason, const char* message) {
        return json { { "type", type }, { "status", status }, { "lastHeartbeatTime", hb },
            { "lastTransitionTime", rfc3339(created + kMinuteMs) }, { "reason", reason }, { "message", message } };
    };
    const std::string capacity = formatMemoryQuantity(n.memoryCapacityBytes);
    return json { { "apiVersion", "v1" }, { "kind", "Node" },
        { "metadata",
            { { "name", n.name }, { "uid", m_model.uidFor("Node", n.name) },
                { "resourceVersion", resourceVersionAt(heartbeatMs) }, { "creationTimestamp", rfc3339(created) },
                { "labels",
                    { { "kubernetes.io/hostname", n.name }, { "kubernetes.io/os", "linux" },
                        { "kubernetes.io/arch", "amd64" }, { "node.kubernetes.io/instance-type", "standard-4" } } } } },
        { "spec", { { "podCIDR", "10.244." + std::to_string(index + 1) + ".0/24" } } },
        { "status",
            { { "capacity", { { "cpu", std::to_string(n.cpuCores) }, { "memory", capacity }, { "pods", "110" } } },
                { "allocatable",
                    { { "cpu", std::to_string(n.cpuCores * 1000 - 100) + "m" },
                        { "memory", formatMemoryQuantity(n.memoryCapacityBytes - 1 * kGiB) }, { "pods", "110" } } },
                { "conditions",
                    json::array({ condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                                      "kubelet has sufficient memory available"),
                        condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                        condition(
                            "PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status") }) },
                { "addresses",
                    json::array({ { { "type", "InternalIP" }, { "address", n.internalIp } },
                        { { "type", "Hostname" }, { "address", n.name } } }) },
                { "nodeInfo",
                    { { "kubeletVersion", "v1.32.0" }, { "kubeProxyVersion", "v1.32.0" },
                        { "containerRuntimeVersion", "containerd://1.7.24" },
                        { "kernelVersion", "6.1.0-28-cloud-amd64" }, { "osImage", "Debian GNU/Linux 12 (bookworm)" },
                        { "operatingSystem", "linux" }, { "architecture", "amd64" },
                        // Required by the API's NodeSystemInfo; the kubelet always reports them.
                        { "machineID", machineId(m_model.uidFor("Machine", n.name)) },
                        { "systemUUID", m_model.uidFor("SystemUUID", n.name) },
                        { "bootID", m_model.uidFor("Boot", n.name) } } } } } };
}

json ServedKubeObjects::containerSpec(std::size_t service) const
{
    const ServiceSpec& s = m_model.services()[service];
    json env = json::array();
    for (const auto& [k, v] : s.env)
        env.push_back({ { "name", k }, { "value", v } });
    const std::string healthPath = s.jvm ? "/actuator/health/liveness" : "/healthz";
    return json { { "name", s.name }, { "image", s.image },
        { "ports", json::array({ { { "name", "http" }, { "containerPort", 8080 }, { "protocol", "TCP" } } }) },
        { "env", env },
        { "resources",
            { { "limits",
                  { { "cpu", cpuQuantity(s.cpuLimitCores) }, { "memory", formatMemoryQuantity(s.memoryLimitBytes) } } },
                { "requests",
                    { { "cpu", cpuQuantity(s.cpuRequestCores) },
                        { "memory", formatMemoryQuantity(s.memoryRequestBytes) } } } } },
        { "livenessProbe",
            { { "httpGet", { { "path", healthPath }, { "port", "http" }, { "scheme", "HTTP" } } },
                { "initialDelaySeconds", 30 }, { "periodSeconds", 10 }, { "timeoutSeconds", 1 },
                { "successThreshold", 1 }, { "failureThreshold", 3 } } },
        { "terminationMessagePath", "/dev/termination-log" }, { "terminationMessagePolicy", "File" },
        { "imagePullPolicy", "IfNotPresent" } };
}

json ServedKubeObjects::podTemplate(std::size_t service, std::size_t revision) const
{
    const TemplateRevision& rev = m_model.revisions(service)[revision];
    if (!rev.templateJson.empty())
        return json::parse(rev.templateJson);
    const ServiceSpec& s = m_model.services()[service];
    return json { { "metadata", { { "labels", { { "app", s.name }, { "team", s.team } } } } },
        { "spec",
            { { "containers", json::array({ containerSpec(service) }) }, { "restartPolicy", "Always" },
                { "terminationGracePeriodSeconds", 30 }, { "dnsPolicy", "ClusterFirst" },
                { "serviceAccountName", s.name }, { "schedulerName", "default-scheduler" } } } };
}

json ServedKubeObjects::deployment(std::size_t service, std::int64_t nowMs) const
{
    const ServiceSpec& s = m_model.services()[service];
    const std::int64_t created = m_model.originMs() - 2 * kSecondMs;
    const std::size_t latest = m_model.revisions(service).size() - 1;
    int ready = 0;
    int existing = 0;
    int updated = 0;
    std::int64_t changedMs = std::min(nowMs, m_model.revisions(service)[latest].createdMs);
    for (std::size_t p = 0; p < m_model.pods().size(); ++p) {
        if (m_model.pods()[p].service != service || m_model.pods()[p].createdMs > nowMs)
            continue;
        // Its status counts the pods: it changes whenever one of them does.
        changedMs = std::max(changedMs, podChangedAtMs(p, nowMs));
        // A pod its ReplicaSet let go of (labels changed) no longer counts.
        if (!m_model.podExistsAt(p, nowMs) || m_model.podReleasedAt(p, nowMs))
            continue;
        ++existing;
        updated += m_model.pods()[p].revision == latest ? 1 : 0;
        ready += m_model.containerRunningAt(p, nowMs) ? 1 : 0;
    }
    json tmpl = podTemplate(service, latest);
    const std::string revisionText = std::to_string(m_model.revisions(service)[latest].number);
    return json { { "apiVersion", "apps/v1" }, { "kind", "Deployment" },
        { "metadata",
            { { "name", s.name }, { "namespace", m_model.namespaceName() },
                { "uid", m_model.uidFor("Deployment", s.name) }, { "resourceVersion", resourceVersionAt(changedMs) },
                { "generation", 1 }, { "creationTimestamp", rfc3339(created) },
                { "labels", { { "app", s.name }, { "team", s.team } } },
                { "annotations",
                    { { "deployment.kubernetes.io/revision", revisionText }, { "leakdesk.io/owner", s.owner } } } } },
        { "spec",
            { { "replicas", s.replicas }, { "revisionHistoryLimit", 10 }, { "progressDeadlineSeconds", 600 },
                { "selector", { { "matchLabels", { { "app", s.name } } } } },
                { "strategy",
                    { { "type", "RollingUpdate" },
                        { "rollingUpdate", { { "maxUnavailable", "25%" }, { "maxSurge", "25%" } } } } },
                { "template", tmpl } } },
        { "status",
            { { "observedGeneration", 1 }, { "replicas", existing }, { "updatedReplicas", updated },
                { "readyReplicas", ready }, { "availableReplicas", ready },
                { "unavailableReplicas", std::max(0, s.replicas - ready) },
                { "conditions",
                    json::array({ { { "type", "Available" }, { "status", ready > 0 ? "True" : "False" },
                                      { "lastUpdateTime", rfc3339(created + kMinuteMs) },
                                      { "lastTransitionTime", rfc3339(created + kMinuteMs) },
                                      { "reason", "MinimumReplicasAvailable" },
                                      { "message", "Deployment has minimum availability." } },
                        { { "type", "Progressing" }, { "status", "True" },
                            { "lastUpdateTime", rfc3339(created + kMinuteMs) },
                            { "lastTransitionTime", rfc3339(created) }, { "reason", "NewReplicaSetAvailable" },
                            { "message",
                                "ReplicaSet \"" + m_model.replicaSetName(service, latest)
                                    + (updated == s.replicas && existing == s.replicas ? "\" has successfully progressed."
                                                                                       : "\" is progressing.") } } }) } } } };
}

json ServedKubeObjects::replicaSet(std::size_t service, std::int64_t nowMs) const
{
    return replicaSet(service, m_model.revisions(service).size() - 1, nowMs);
}

json ServedKubeObjects::replicaSet(std::size_t service, std::size_t revision, std::int64_t nowMs) const
{
    const ServiceSpec& s = m_model.services()[service];
    const TemplateRevision& rev = m_model.revisions(service)[revision];
    const std::string name = m_model.replicaSetName(service, revision);
    const std::string hash = rev.podTemplateHash;
    int ready = 0;
    int existing = 0;
    const bool latest = revision + 1 == m_model.revisions(service).size();
    // Changes with its pods, and when a newer revision scales it down.
    std::int64_t changedMs
        = std::min(nowMs, latest ? rev.createdMs : m_model.revisions(service)[revision + 1].createdMs);
    for (std::size_t p = 0; p < m_model.pods().size(); ++p) {
        if (m_model.pods()[p].service != service || m_model.pods()[p].revision != revision
            || m_model.pods()[p].createdMs > nowMs)
            continue;
        changedMs = std::max(changedMs, podChangedAtMs(p, nowMs));
        // A pod its ReplicaSet let go of (labels changed) no longer counts, nor one terminating.
        const auto& deleted = m_model.pods()[p].deletedMs;
        if (!m_model.podExistsAt(p, nowMs) || m_model.podReleasedAt(p, nowMs)
            || (deleted && *deleted - kTerminatingMs <= nowMs))
            continue;
        ++existing;
        ready += m_model.containerRunningAt(p, nowMs) ? 1 : 0;
    }
    const int desired = latest ? s.replicas : 0;
    json tmpl = podTemplate(service, revision);
    tmpl["metadata"]["labels"]["pod-template-hash"] = hash;
    return json { { "apiVersion", "apps/v1" }, { "kind", "ReplicaSet" },
        { "metadata",
            { { "name", name }, { "namespace", m_model.namespaceName() }, { "uid", m_model.uidFor("ReplicaSet", name) },
                { "resourceVersion", resourceVersionAt(changedMs) }, { "generation", 1 },
                { "creationTimestamp", rfc3339(rev.createdMs) },
                { "labels", { { "app", s.name }, { "team", s.team }, { "pod-template-hash", hash } } },
                { "annotations",
                    { { "deployment.kubernetes.io/desired-replicas", std::to_string(s.replicas) },
                        { "deployment.kubernetes.io/max-replicas", std::to_string(s.replicas + 1) },
                        { "deployment.kubernetes.io/revision", std::to_string(rev.number) } } },
                { "ownerReferences",
                    json::array({ { { "apiVersion", "apps/v1" }, { "kind", "Deployment" }, { "name", s.name },
                        { "uid", m_model.uidFor("Deployment", s.name) }, { "controller", true },
                        { "blockOwnerDeletion", true } } }) } } },
        { "spec",
            { { "replicas", desired },
                { "selector", { { "matchLabels", { { "app", s.name }, { "pod-template-hash", hash } } } } },
                { "template", tmpl } } },
        { "status",
            { { "replicas", existing }, { "fullyLabeledReplicas", existing }, { "readyReplicas", ready },
                { "availableReplicas", ready }, { "observedGeneration", 1 } } } };
}

json ServedKubeObjects::pod(std::size_t index, std::int64_t nowMs) const
{
    const PodSpec& p = m_model.pods()[index];
    const ServiceSpec& s = m_model.services()[p.service];
    const NodeSpec& node = m_model.nodes()[p.node];
    const auto runIdx = m_model.runIndexAt(index, nowMs);
    const bool running = m_model.containerRunningAt(index, nowMs);
    const std::string rsName = m_model.replicaSetName(p.service, p.revision);
    const std::string hash = m_model.revisionOf(index).podTemplateHash;
    // A pod deleted before its container ever started (a replacement whose released pod was
    // relabelled back at once) has no run: no image was pulled, the kubelet reports no imageID.
    const std::string& image = m_model.revisionOf(index).image.empty() ? s.image : m_model.revisionOf(index).image;
    const std::string imageId = p.runs.empty() ? std::string()
                                               : image.substr(0, image.find(':'))
            + "@sha256:" + std::string(p.runs.front().containerId).replace(0, 8, "5f2b8c1d");

    json cs = { { "name", s.name }, { "image", image }, { "imageID", imageId },
        { "restartCount", m_model.restartCountAt(index, nowMs) }, { "ready", running }, { "started", running } };
    std::int64_t readySince = p.createdMs;
    if (runIdx) {
        const ContainerRun& run = p.runs[*runIdx];
        if (running) {
            cs["containerID"] = "containerd://" + run.containerId;
            cs["state"] = { { "running", { { "startedAt", rfc3339(run.startedMs) } } } };
            readySince = run.startedMs + 20 * kSecondMs;
        } else {
            // Between the kill and the next start the kubelet is backing off.
            cs["state"] = { { "waiting",
                { { "reason", "CrashLoopBackOff" },
                    { "message",
                        "back-off 10s restarting failed container=" + s.name + " pod=" + p.name + "_"
                            + m_model.namespaceName() + "(" + p.uid + ")" } } } };
            readySince = run.finishedMs;
        }
    } else {
        cs["state"] = { { "waiting", { { "reason", "ContainerCreating" } } } };
    }
    if (const ContainerRun* last = m_model.lastTerminatedAt(index, nowMs)) {
        cs["lastState"] = { { "terminated",
            { { "exitCode", last->exitCode }, { "reason", last->reason }, { "startedAt", rfc3339(last->startedMs) },
                { "finishedAt", rfc3339(last->finishedMs) },
                { "containerID", "containerd://" + last->containerId } } } };
    } else {
        cs["lastState"] = json::object();
    }

    const std::string readyStatus = running ? "True" : "False";
    auto condition = [](const char* type, const std::string& status, std::int64_t at) {
        return json { { "type", type }, { "status", status }, { "lastProbeTime", nullptr },
            { "lastTransitionTime", rfc3339(at) } };
    };
    json metadata = { { "name", p.name }, { "generateName", rsName + "-" }, { "namespace", m_model.namespaceName() },
        { "uid", p.uid }, { "resourceVersion", resourceVersionAt(podChangedAtMs(index, nowMs)) },
        { "creationTimestamp", rfc3339(p.createdMs) },
        { "labels", { { "app", s.name }, { "team", s.team }, { "pod-template-hash", hash } } } };
    // The ReplicaSet controller removes its ownerReference from a pod it lets go of.
    if (!m_model.podReleasedAt(index, nowMs))
        metadata["ownerReferences"] = json::array({ { { "apiVersion", "apps/v1" }, { "kind", "ReplicaSet" },
            { "name", rsName }, { "uid", m_model.uidFor("ReplicaSet", rsName) }, { "controller", true },
            { "blockOwnerDeletion", true } } });
    if (p.deletedMs && *p.deletedMs - kTerminatingMs <= nowMs && nowMs < *p.deletedMs) {
        // Deleted by the ReplicaSet controller: the kubelet is stopping it within its grace period.
        metadata["deletionTimestamp"] = rfc3339(*p.deletedMs - kTerminatingMs + 30 * kSecondMs);
        metadata["deletionGracePeriodSeconds"] = 30;
    }
    if (s.jvm)
        metadata["annotations"] = { { "prometheus.io/scrape", "true" },
            { "prometheus.io/path", "/actuator/prometheus" }, { "prometheus.io/port", "8080" } };

    json spec = podTemplate(p.service, p.revision)["spec"];
    spec["nodeName"] = node.name;
    spec["priority"] = 0;
    spec["enableServiceLinks"] = true;
    return json { { "apiVersion", "v1" }, { "kind", "Pod" }, { "metadata", metadata }, { "spec", spec },
        { "status",
            { { "phase", "Running" },
                { "conditions",
                    json::array({ condition("PodReadyToStartContainers", "True", p.createdMs + 2 * kSecondMs),
                        condition("Initialized", "True", p.createdMs), condition("Ready", readyStatus, readySince),
                        condition("ContainersReady", readyStatus, readySince),
                        condition("PodScheduled", "True", p.createdMs) }) },
                { "hostIP", node.internalIp }, { "hostIPs", json::array({ { { "ip", node.internalIp } } }) },
                { "podIP", p.podIp }, { "podIPs", json::array({ { { "ip", p.podIp } } }) },
                { "startTime", rfc3339(p.createdMs) }, { "containerStatuses", json::array({ cs }) },
                { "qosClass", "Burstable" } } } };
}

json ServedKubeObjects::event(const std::string& objectName, std::int64_t firstMs, std::int64_t lastMs, int count,
    const std::string& type, const std::string& reason, const std::string& message, json involved,
    const std::string& component, const std::string& host) const
{
    // The API server names events <object>.<first timestamp in nanoseconds, hex>.
    const std::string name
        = objectName + "." + hex16(static_cast<std::uint64_t>(firstMs) * 1000000ULL + stableHash(reason) % 1000000ULL);
    return json { { "apiVersion", "v1" }, { "kind", "Event" },
        { "metadata",
            { { "name", name }, { "namespace", m_model.namespaceName() }, { "uid", m_model.uidFor("Event", name) },
                { "resourceVersion", resourceVersionAt(lastMs) }, { "creationTimestamp", rfc3339(firstMs) } } },
        { "involvedObject", std::move(involved) }, { "reason", reason }, { "message", message },
        { "source", { { "component", component }, { "host", host } } }, { "firstTimestamp", rfc3339(firstMs) },
        { "lastTimestamp", rfc3339(lastMs) }, { "count", count }, { "type", type }, { "eventTime", nullptr },
        { "reportingComponent", component }, { "reportingInstance", host } };
}

std::vector<json> ServedKubeObjects::events(std::int64_t nowMs) const
{
    std::vector<json> out;
    const std::int64_t since = nowMs - kEventTtlMs;

    // node-problem-detector's kernel monitor reports each OOM kill as a Node event. In a real
    // cluster it lands in the "default" namespace; the sandbox files it under the simulated
    // namespace so the runbook's `kubectl get events -n production` finds it.
    for (const OomKill& kill : m_model.oomKillsBetween(since, nowMs)) {
        const PodSpec& p = m_model.pods()[kill.pod];
        const ServiceSpec& s = m_model.services()[p.service];
        const NodeSpec& node = m_model.nodes()[p.node];
        const ContainerRun& run = p.runs[kill.run];
        const long long limitKb = s.memoryLimitBytes / 1024;
        const long long fileRssKb = 18000 + static_cast<long long>(mixHash(kill.atMs, 3) % 4000);
        const long long oomScoreAdj = 1000 - (1000 * s.memoryRequestBytes) / node.memoryCapacityBytes;
        const std::string message = "Memory cgroup out of memory: Killed process " + std::to_string(run.hostPid) + " ("
            + (s.jvm ? "java" : s.name) + ") total-vm:" + std::to_string(limitKb * 2 + 512000)
            + "kB, anon-rss:" + std::to_string(limitKb - fileRssKb) + "kB, file-rss:" + std::to_string(fileRssKb)
            + "kB, shmem-rss:0kB, UID:1000 pgtables:" + std::to_string(4200 + mixHash(kill.atMs, 4) % 600)
            + "kB oom_score_adj:" + std::to_string(oomScoreAdj);
        out.push_back(event(node.name, kill.atMs, kill.atMs, 1, "Warning", "OOMKilling", message,
            { { "kind", "Node" }, { "name", node.name }, { "uid", node.name } }, "kernel-monitor", node.name));
    }

    // kubelet's events about the pods, aggregated per reason and message the way its event
    // correlator does, so they survive the TTL while they keep recurring.
    for (std::size_t i = 0; i < m_model.pods().size(); ++i) {
        const PodSpec& p = m_model.pods()[i];
        const ServiceSpec& s = m_model.services()[p.service];
        const NodeSpec& node = m_model.nodes()[p.node];
        const auto runIdx = m_model.runIndexAt(i, nowMs);
        if (!runIdx || !m_model.podExistsAt(i, nowMs))
            continue;
        const json involved = { { "kind", "Pod" }, { "namespace", m_model.namespaceName() }, { "name", p.name },
            { "uid", p.uid }, { "apiVersion", "v1" }, { "fieldPath", "spec.containers{" + s.name + "}" } };
        const int starts = static_cast<int>(*runIdx) + 1;
        const std::int64_t firstStart = p.runs.front().startedMs;
        const std::int64_t lastStart = p.runs[*runIdx].startedMs;
        if (lastStart > since) {
            out.push_back(
                event(p.name, firstStart - 2 * kSecondMs, lastStart - 2 * kSecondMs, starts, "Normal", "Pulled",
                    "Container image \"" + (m_model.revisionOf(i).image.empty() ? s.image : m_model.revisionOf(i).image)
                        + "\" already present on machine",
                    involved, "kubelet", node.name));
            out.push_back(event(p.name, firstStart - kSecondMs, lastStart - kSecondMs, starts, "Normal", "Created",
                "Created container: " + s.name, involved, "kubelet", node.name));
            out.push_back(event(p.name, firstStart, lastStart, starts, "Normal", "Started",
                "Started container " + s.name, involved, "kubelet", node.name));
        }
        const ContainerRun* last = m_model.lastTerminatedAt(i, nowMs);
        if (!last || last->finishedMs <= since)
            continue;
        if (last->reason == "OOMKilled") {
            const int kills = m_model.oomKillCountAt(i, nowMs);
            const ContainerRun& firstKill = p.runs.front();
            out.push_back(event(p.name, firstKill.finishedMs + kSecondMs, last->finishedMs + kSecondMs, kills,
                "Warning", "BackOff",
                "Back-off restarting failed container " + s.name + " in pod " + p.name + "_" + m_model.namespaceName()
                    + "(" + p.uid + ")",
                involved, "kubelet", node.name));
        } else {
            out.push_back(event(p.name, last->finishedMs - 20 * kSecondMs, last->finishedMs - 2 * kSecondMs, 3,
                "Warning", "Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 503", involved,
                "kubelet", node.name));
            out.push_back(event(p.name, last->finishedMs - kSecondMs, last->finishedMs - kSecondMs, 1, "Normal",
                "Killing", "Container " + s.name + " failed liveness probe, will be restarted", involved, "kubelet",
                node.name));
        }
    }
    std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
        return a["metadata"]["name"].get<std::string>() < b["metadata"]["name"].get<std::string>();
    });
    return out;
}

json ServedKubeObjects::toEventsV1(const json& e)
{
    json out = { { "apiVersion", "events.k8s.io/v1" }, { "kind", "Event" }, { "metadata", e["metadata"] },
        { "eventTime", nullptr }, { "reason", e["reason"] }, { "regarding", e["involvedObject"] },
        { "note", e["message"] }, { "type", e["type"] }, { "reportingController", e["reportingComponent"] },
        { "reportingInstance", e["reportingInstance"] }, { "deprecatedSource", e["source"] },
        { "deprecatedFirstTimestamp", e["firstTimestamp"] }, { "deprecatedLastTimestamp", e["lastTimestamp"] },
        { "deprecatedCount", e["count"] } };
    return out;
}

std::optional<json> ServedKubeObjects::podMetrics(std::size_t index, std::int64_t nowMs) const
{
    const PodSpec& p = m_model.pods()[index];
    const ServiceSpec& s = m_model.services()[p.service];
    // metrics-server reports the kubelet's latest scrape; a container that is restarting has none.
    for (std::int64_t g = MetricsHistory::gridFloor(nowMs); g > nowMs - 2 * kMinuteMs;
         g -= SandboxModel::kScrapeIntervalMs) {
        const auto ws = m_model.workingSetBytes(index, g);
        const auto cpu = m_model.cpuCores(index, g);
        if (!ws || !cpu)
            continue;
        const auto nanoCores = static_cast<long long>(std::llround(std::max(0.0, *cpu) * 1e9));
        const auto kib = static_cast<long long>(std::llround(*ws / 1024.0));
        return json { { "kind", "PodMetrics" }, { "apiVersion", "metrics.k8s.io/v1beta1" },
            { "metadata",
                { { "name", p.name }, { "namespace", m_model.namespaceName() }, { "creationTimestamp", rfc3339(nowMs) },
                    { "labels",
                        { { "app", s.name }, { "team", s.team },
                            { "pod-template-hash", m_model.revisionOf(index).podTemplateHash } } } } },
            { "timestamp", rfc3339(g) }, { "window", "30s" },
            { "containers",
                json::array({ { { "name", s.name },
                    { "usage",
                        { { "cpu", std::to_string(nanoCores) + "n" },
                            { "memory", std::to_string(kib) + "Ki" } } } } }) } };
    }
    return std::nullopt;
}

json ServedKubeObjects::nodeMetrics(std::size_t index, std::int64_t nowMs) const
{
    const NodeSpec& n = m_model.nodes()[index];
    const std::int64_t at = MetricsHistory::gridFloor(nowMs);
    // kubelet, container runtime, system daemons and page cache the kernel will not give back.
    double bytes = 1.3 * kGiB + 40.0 * kMiB * m_model.noise(stableHash(n.name + "/node-memory"), at);
    double cores = 0.18 + 0.03 * m_model.noise(stableHash(n.name + "/node-cpu"), at);
    for (std::size_t p = 0; p < m_model.pods().size(); ++p) {
        if (m_model.pods()[p].node != index || !m_model.podExistsAt(p, at))
            continue;
        bytes += m_model.workingSetBytes(p, at).value_or(0.0) + m_model.pauseContainerBytes(p, at);
        cores += m_model.cpuCores(p, at).value_or(0.0);
    }
    return json { { "kind", "NodeMetrics" }, { "apiVersion", "metrics.k8s.io/v1beta1" },
        { "metadata",
            { { "name", n.name }, { "creationTimestamp", rfc3339(nowMs) },
                { "labels", { { "kubernetes.io/hostname", n.name }, { "kubernetes.io/os", "linux" } } } } },
        { "timestamp", rfc3339(at) }, { "window", "20.05s" },
        { "usage",
            { { "cpu", std::to_string(std::llround(cores * 1e9)) + "n" },
                { "memory", std::to_string(std::llround(bytes / 1024.0)) + "Ki" } } } };
}

} // namespace leakdesk::sandbox
