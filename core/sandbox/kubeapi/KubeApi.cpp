#include "core/sandbox/kubeapi/KubeApi.h"
#include "core/sandbox/kubeapi/KubeProtobuf.h"

#include "core/sandbox/kubeapi/KubeSelectors.h"
#include "core/sandbox/kubeapi/KubeTables.h"
#include "core/sandbox/scenario/ScenarioCluster.h"

#include <QByteArray>
#include <QCryptographicHash>

#include <set>

namespace leakdesk::sandbox {

using nlohmann::json;

namespace {

const std::vector<std::string> kReadVerbs = { "get", "list" };
const std::vector<std::string> kWatchableVerbs = { "get", "list", "watch" };
const std::vector<std::string> kPatchableVerbs = { "get", "list", "patch", "watch" };
const std::vector<std::string> kPodVerbs = { "delete", "get", "list", "patch", "watch" };
const std::vector<std::string> kScenarioWritableVerbs = { "get", "list", "patch", "watch" };

std::vector<std::string> splitPath(const std::string& path)
{
    std::vector<std::string> out;
    std::string cur;
    for (char c : path) {
        if (c == '/') {
            if (!cur.empty())
                out.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    if (!cur.empty())
        out.push_back(cur);
    return out;
}

// Field selectors the real API server supports per kind (beyond metadata.name/namespace).
const std::map<std::string, std::set<std::string>>& selectableFields()
{
    static const std::map<std::string, std::set<std::string>> fields = {
        { "Pod",
            { "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName" } },
        { "Event",
            { "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                "reportingComponent", "source", "type" } },
        { "Event/events.k8s.io",
            { "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion",
                "regarding.resourceVersion", "regarding.fieldPath", "reason", "reportingController", "type" } },
        { "Node", { "spec.unschedulable" } },
        { "Namespace", { "status.phase" } },
        { "ReplicaSet", { "status.replicas" } },
    };
    return fields;
}

std::optional<std::string> lookupField(const ResourceType& type, const json& obj, const std::string& field)
{
    if (field == "metadata.name" || field == "metadata.namespace") {
        const json& m = obj["metadata"];
        return m.value(field.substr(9), std::string());
    }
    const std::string key = type.group == "events.k8s.io" ? "Event/events.k8s.io" : type.kind;
    const auto it = selectableFields().find(key);
    if (it == selectableFields().end() || !it->second.count(field))
        return std::nullopt;
    if (field == "source")
        return obj["source"].value("component", std::string());
    if (field == "spec.hostNetwork" || field == "spec.unschedulable")
        return "false";
    const json* cur = &obj;
    std::size_t start = 0;
    while (start <= field.size()) {
        const std::size_t dot = field.find('.', start);
        const std::string part = field.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!cur->is_object() || !cur->contains(part))
            return std::string();
        cur = &(*cur)[part];
        if (dot == std::string::npos)
            break;
        start = dot + 1;
    }
    if (cur->is_string())
        return cur->get<std::string>();
    if (cur->is_number_integer())
        return std::to_string(cur->get<long long>());
    return std::string();
}

std::map<std::string, std::string> labelsOf(const json& obj)
{
    std::map<std::string, std::string> out;
    const json& m = obj["metadata"];
    if (m.contains("labels"))
        for (auto it = m["labels"].begin(); it != m["labels"].end(); ++it)
            out[it.key()] = it.value().get<std::string>();
    return out;
}

// The API server's continue token is an opaque base64 of {"v","rv","start"}: the next page is read
// from the same etcd revision as the first, so a paged list is one consistent snapshot. The
// sandbox's objects are functions of time, so its token keeps the first page's instant ("at") and
// every page is listed at that instant: the same objects in the same order, each exactly once.
struct ContinueToken {
    std::size_t start = 0;
    std::string rv;
    std::int64_t atMs = 0;
};

// The API server's default etcd compaction interval: a token older than this is 410 Expired.
constexpr std::int64_t kContinueLifetimeMs = 5 * 60 * 1000;

std::string encodeContinue(const ContinueToken& t)
{
    const json token = { { "v", "meta.k8s.io/v1" }, { "rv", t.rv }, { "start", t.start }, { "at", t.atMs } };
    return QByteArray::fromStdString(token.dump()).toBase64(QByteArray::Base64UrlEncoding).toStdString();
}

std::optional<ContinueToken> decodeContinue(const std::string& token)
{
    const QByteArray raw = QByteArray::fromBase64(QByteArray::fromStdString(token), QByteArray::Base64UrlEncoding);
    const json j = json::parse(raw.toStdString(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("v", "") != "meta.k8s.io/v1" || !j.contains("start")
        || !j["start"].is_number_unsigned() || !j.contains("at") || !j["at"].is_number_integer() || !j.contains("rv")
        || !j["rv"].is_string())
        return std::nullopt;
    return ContinueToken { j["start"].get<std::size_t>(), j["rv"].get<std::string>(), j["at"].get<std::int64_t>() };
}

HttpResponse jsonResponse(const json& body, int status = 200)
{
    return HttpResponse::json(status, body.dump());
}

} // namespace

HttpResponse kubeStatusError(int code, const std::string& reason, const std::string& message, const json& details)
{
    json status = { { "kind", "Status" }, { "apiVersion", "v1" }, { "metadata", json::object() },
        { "status", "Failure" }, { "message", message }, { "reason", reason }, { "code", code } };
    if (!details.empty())
        status["details"] = details;
    return jsonResponse(status, code);
}

const std::vector<ResourceType>& KubeApi::resources()
{
    static const std::vector<ResourceType> types = {
        { "", "v1", "namespaces", "namespace", "Namespace", false, { "ns" }, {}, kWatchableVerbs },
        { "", "v1", "nodes", "node", "Node", false, { "no" }, {}, kWatchableVerbs },
        { "", "v1", "pods", "pod", "Pod", true, { "po" }, { "all" }, kPodVerbs },
        { "", "v1", "events", "event", "Event", true, { "ev" }, {}, kWatchableVerbs },
        { "", "v1", "services", "service", "Service", true, { "svc" }, { "all" }, kReadVerbs },
        { "", "v1", "endpoints", "endpoints", "Endpoints", true, { "ep" }, {}, kWatchableVerbs },
        { "discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, {}, {}, kWatchableVerbs },
        { "", "v1", "limitranges", "limitrange", "LimitRange", true, { "limits" }, {}, kReadVerbs },
        { "", "v1", "resourcequotas", "resourcequota", "ResourceQuota", true, { "quota" }, {}, kReadVerbs },
        { "apps", "v1", "deployments", "deployment", "Deployment", true, { "deploy" }, { "all" }, kPatchableVerbs },
        { "apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, { "rs" }, { "all" }, kWatchableVerbs },
        { "events.k8s.io", "v1", "events", "event", "Event", true, { "ev" }, {}, kWatchableVerbs },
        { "networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, { "ing" }, {}, kReadVerbs },
        { "metrics.k8s.io", "v1beta1", "pods", "", "PodMetrics", true, {}, {}, kReadVerbs },
        { "metrics.k8s.io", "v1beta1", "nodes", "", "NodeMetrics", false, {}, {}, kReadVerbs },
        { "authorization.k8s.io", "v1", "selfsubjectaccessreviews", "", "SelfSubjectAccessReview", false, {}, {},
            { "create" } },
    };
    return types;
}

const std::vector<ResourceType>& KubeApi::scenarioResources()
{
    static const std::vector<ResourceType> types = {
        { "apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, { "sts" }, { "all" },
            kScenarioWritableVerbs },
        { "apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, { "ds" }, { "all" }, kScenarioWritableVerbs },
        { "batch", "v1", "jobs", "job", "Job", true, {}, { "all" }, kWatchableVerbs },
        { "batch", "v1", "cronjobs", "cronjob", "CronJob", true, { "cj" }, { "all" }, kWatchableVerbs },
        { "autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true,
            { "hpa" }, { "all" }, kWatchableVerbs },
        { "argoproj.io", "v1alpha1", "rollouts", "rollout", "Rollout", true, { "ro" }, { "all" },
            kScenarioWritableVerbs },
    };
    return types;
}

void KubeApi::setScenario(scenario::ScenarioCluster* cluster)
{
    m_scenario = cluster;
    m_types = resources();
    if (cluster)
        m_types.insert(m_types.end(), scenarioResources().begin(), scenarioResources().end());
}

KubeApi::KubeApi(SandboxModel& model, std::string bearerToken, Clock clock, AuthPolicy policy)
    : m_model(model)
    , m_types(resources())
    , m_objects(model)
    , m_writes([this] { return m_watch.counter(); })
    , m_deployments(model, m_objects, m_writes)
    , m_pods(model, m_objects, m_writes)
    , m_token(std::move(bearerToken))
    , m_clock(std::move(clock))
    , m_policy(policy)
    , m_watch([this](std::int64_t nowMs) {
        return std::max<std::int64_t>(std::stoll(m_objects.listResourceVersion(nowMs)), m_writes.last());
    })
{
    m_users.push_back(User { "leakdesk-admin", m_token, false });
}

const KubeApi::User* KubeApi::authenticate(const HttpRequest& request) const
{
    static const User anonymous { "system:anonymous", "", false };
    if (request.clientCertificate) {
        // A client certificate the TLS layer verified against the sandbox CA, checked first as the
        // API server's x509 authenticator is: CN names the user; group system:masters is the admin.
        const CertificateIdentity& id = *request.clientCertificate;
        for (const User& u : m_users)
            if (u.name == id.user)
                return &u;
        if (std::find(id.groups.begin(), id.groups.end(), "system:masters") != id.groups.end())
            return &m_users.front();
    }
    const QByteArray header = request.header("authorization");
    if (header.isEmpty())
        return m_policy == AuthPolicy::AllowAnonymous ? &anonymous : nullptr;
    if (!header.startsWith("Bearer "))
        return nullptr;
    // Compare digests so the time taken does not depend on how much of the token matched.
    const QByteArray given = QCryptographicHash::hash(header.mid(7).trimmed(), QCryptographicHash::Sha256);
    for (const User& u : m_users)
        if (QCryptographicHash::hash(QByteArray::fromStdString(u.token), QCryptographicHash::Sha256) == given)
            return &u;
    return nullptr;
}

bool KubeApi::allowed(const User& user, const std::string& verb, const std::string&, const std::string& resource) const
{
    if (!user.readOnly)
        return true;
    // RBAC's "view" ClusterRole: reads, but not secrets, exec or any write.
    if (resource == "selfsubjectaccessreviews")
        return verb == "create";
    return (verb == "get" || verb == "list" || verb == "watch") && resource.find('/') == std::string::npos;
}

HttpResponse KubeApi::forbidden(const User& user, const std::string& verb, const std::string& group,
    const std::string& resource, const std::string& name, const std::string& ns) const
{
    const std::string base = resource.substr(0, resource.find('/'));
    const std::string what = group.empty() ? base : base + "." + group;
    return kubeStatusError(403, "Forbidden",
        what + " \"" + name + "\" is forbidden: User \"" + user.name + "\" cannot " + verb + " resource \"" + resource
            + "\" in API group \"" + group + "\"" + (ns.empty() ? std::string() : " in the namespace \"" + ns + "\""),
        { { "name", name }, { "group", group }, { "kind", base } });
}

bool KubeApi::authorised(const HttpRequest& request) const
{
    return authenticate(request) != nullptr;
}

HttpResponse KubeApi::handle(const HttpRequest& request)
{
    // An object the server cannot print or a body it cannot read is the server's fault, answered
    // as the API server does (500 with a Status), never a crashed sandbox.
    try {
        return handleUnchecked(request);
    } catch (const std::exception& e) {
        return kubeStatusError(500, "InternalError",
            std::string("an error on the server (\"") + e.what() + "\") has prevented the request from succeeding");
    }
}

HttpResponse KubeApi::handleUnchecked(const HttpRequest& request)
{
    const std::vector<std::string> seg = splitPath(request.path);
    if (seg.size() == 1 && (seg[0] == "healthz" || seg[0] == "livez" || seg[0] == "readyz"))
        return HttpResponse::text(200, "ok");
    const User* user = authenticate(request);
    if (!user)
        return kubeStatusError(401, "Unauthorized", "Unauthorized");
    const bool execPath = seg.size() == 7 && seg[6] == "exec";
    const bool write = request.method == "PATCH" || request.method == "POST" || request.method == "DELETE";
    if (request.method != "GET" && request.method != "HEAD" && !write && !execPath)
        return kubeStatusError(405, "MethodNotAllowed",
            "the server does not allow this method on the requested resource (" + request.method.toStdString()
                + ": the sandbox serves GET, PATCH of deployments and pods, DELETE of pods and POST of selfsubjectaccessreviews)");
    if (seg.size() == 1 && seg[0] == "version") {
        return jsonResponse({ { "major", "1" }, { "minor", "32" }, { "gitVersion", "v1.32.0" },
            { "gitCommit", "70d3cc986aa8221cd1dfb1121852688902d3bf53" }, { "gitTreeState", "clean" },
            { "buildDate", "2024-12-11T17:59:15Z" }, { "goVersion", "go1.23.3" }, { "compiler", "gc" },
            { "platform", "linux/amd64" } });
    }

    // Resource paths: /api/v1/... and /apis/<group>/<version>/...
    std::size_t prefix = 0;
    std::string group;
    std::string version;
    if (seg.size() >= 2 && seg[0] == "api") {
        version = seg[1];
        prefix = 2;
    } else if (seg.size() >= 3 && seg[0] == "apis") {
        group = seg[1];
        version = seg[2];
        prefix = 3;
    }
    if (prefix == 0 || seg.size() == prefix)
        return discovery(seg);

    std::string ns;
    std::vector<std::string> rest(seg.begin() + static_cast<std::ptrdiff_t>(prefix), seg.end());
    if (rest.size() >= 3 && rest[0] == "namespaces") {
        ns = rest[1];
        rest.erase(rest.begin(), rest.begin() + 2);
    }
    const ResourceType* type = nullptr;
    for (const auto& t : m_types)
        if (t.group == group && t.version == version && t.plural == rest[0])
            type = &t;
    if (type && type->kind == "SelfSubjectAccessReview" && rest.size() == 1) {
        if (request.method != "POST")
            return kubeStatusError(405, "MethodNotAllowed", "selfsubjectaccessreviews can only be created (POST)");
        return accessReview(request, *user);
    }
    const bool scenarioWritable
        = m_scenario && (type && (type->kind == "StatefulSet" || type->kind == "DaemonSet" || type->kind == "Rollout"));
    if (type && (type->kind == "Deployment" || type->kind == "Pod" || scenarioWritable) && rest.size() == 2
        && request.method == "PATCH")
        return patchObject(request, *user, *type, ns, rest[1]);
    if (type && type->kind == "Pod" && rest.size() == 2 && request.method == "DELETE")
        return deletePod(request, *user, ns, rest[1]);
    if (type && type->kind == "Pod" && rest.size() == 3 && rest[2] == "ephemeralcontainers"
        && request.method == "PATCH")
        return patchEphemeralContainers(request, *user, ns, rest[1]);
    if (type && type->kind == "Service" && rest.size() >= 3 && rest[2] == "proxy")
        return proxyToService(request, *user, ns, rest);
    if (write && !execPath)
        return kubeStatusError(405, "MethodNotAllowed",
            "the server does not allow this method on the requested resource (the sandbox accepts PATCH of "
            "deployments and pods, DELETE of pods and POST of selfsubjectaccessreviews)");
    if (type && !allowed(*user, "get", group, type->plural))
        return forbidden(*user, rest.size() >= 2 ? "get" : "list", group, type->plural,
            rest.size() >= 2 ? rest[1] : std::string(), ns);
    if (type && type->kind == "Pod" && rest.size() == 3 && rest[2] == "exec") {
        const ExecAdmission admission = admitExec(request);
        if (!admission.target)
            return admission.refusal;
        // A plain request (or SPDY, which the sandbox does not speak) reaches this point.
        return kubeStatusError(400, "BadRequest",
            "Upgrade request required: the sandbox serves exec over WebSocket (v5.channel.k8s.io, "
            "v4.channel.k8s.io)");
    }
    if (!type || rest.size() > 2 || (!ns.empty() && !type->namespaced))
        return kubeStatusError(404, "NotFound", "the server could not find the requested resource");
    if (rest.size() == 2 && ns.empty() && type->namespaced)
        return kubeStatusError(404, "NotFound", "the server could not find the requested resource");
    return resourceRequest(request, *type, ns, rest.size() == 2 ? rest[1] : std::string());
}

// services/NAME/proxy/...: RBAC's verb of the method on the services/proxy subresource (get for a
// GET, create for a POST, delete for a DELETE, as the API server checks it; RBAC's "view"
// ClusterRole grants none), then the proxied Service's handler.
HttpResponse KubeApi::proxyToService(
    const HttpRequest& request, const User& user, const std::string& ns, const std::vector<std::string>& rest) const
{
    const std::string& nameSegment = rest[1];
    const std::string verb = request.method == "POST" ? "create"
        : request.method == "DELETE"                  ? "delete"
        : request.method == "PUT"                     ? "update"
        : request.method == "PATCH"                   ? "patch"
                                                      : "get";
    if (!allowed(user, verb, "", "services/proxy"))
        return forbidden(user, verb, "", "services/proxy", nameSegment, ns);
    std::string subPath;
    for (std::size_t i = 3; i < rest.size(); ++i)
        subPath += "/" + rest[i];
    if (subPath.empty())
        subPath = "/";
    else if (!request.path.empty() && request.path.back() == '/')
        subPath += "/";
    return m_proxy.forward(request, ns, nameSegment, subPath);
}

KubeApi::ExecAdmission KubeApi::admitExec(const HttpRequest& request) const
{
    ExecAdmission out;
    const User* user = authenticate(request);
    if (!user) {
        out.refusal = kubeStatusError(401, "Unauthorized", "Unauthorized");
        return out;
    }
    const std::vector<std::string> seg = splitPath(request.path);
    if (seg.size() != 7 || seg[0] != "api" || seg[1] != "v1" || seg[2] != "namespaces" || seg[4] != "pods"
        || seg[6] != "exec") {
        out.refusal = kubeStatusError(404, "NotFound", "the server could not find the requested resource");
        return out;
    }
    const std::string& name = seg[5];
    if (!allowed(*user, "create", "", "pods/exec")) {
        out.refusal = forbidden(*user, "create", "", "pods/exec", name, seg[3]);
        return out;
    }
    const auto pod = m_model.podIndex(name);
    if (seg[3] != m_model.namespaceName() || !pod) {
        out.refusal = kubeStatusError(404, "NotFound", "pods \"" + name + "\" not found",
            { { "name", name }, { "kind", "pods" } });
        return out;
    }
    const std::string container = m_model.services()[m_model.pods()[*pod].service].name;
    const QueryParams& q = request.query;
    auto flag = [&](const char* key, bool fallback) {
        if (!q.has(key))
            return fallback;
        const std::string v = q.value(key);
        return v == "true" || v == "1";
    };
    ExecTarget target;
    target.pod = *pod;
    target.podName = name;
    target.container = q.value("container", container);
    target.command = q.values("command");
    target.stdinOn = flag("stdin", false);
    target.stdoutOn = flag("stdout", false);
    target.stderrOn = flag("stderr", false);
    target.tty = flag("tty", false);
    for (const auto& e : ephemeralContainers(name))
        target.debugContainer = target.debugContainer || e.name == target.container;
    if (target.container != container && !target.debugContainer) {
        out.refusal = kubeStatusError(
            400, "BadRequest", "container " + target.container + " is not valid for pod " + name);
        return out;
    }
    if (target.command.empty()) {
        out.refusal = kubeStatusError(400, "BadRequest", "you must specify at least one command for the container");
        return out;
    }
    if (!target.stdinOn && !target.stdoutOn && !target.stderrOn) {
        out.refusal = kubeStatusError(400, "BadRequest", "you must specify at least one of stdin, stdout, stderr");
        return out;
    }
    if (!m_model.containerRunningAt(*pod, m_clock())) {
        // What the kubelet answers between an OOM kill and the restart (CrashLoopBackOff).
        out.refusal = kubeStatusError(500, "InternalError", "container not found (\"" + container + "\")");
        return out;
    }
    out.target = std::move(target);
    return out;
}

const std::vector<KubeApi::EphemeralContainer>& KubeApi::ephemeralContainers(const std::string& pod) const
{
    static const std::vector<EphemeralContainer> none;
    const auto it = m_ephemeral.find(pod);
    return it == m_ephemeral.end() ? none : it->second;
}

void KubeApi::addEphemeralContainers(json& pod) const
{
    const auto& list = ephemeralContainers(pod["metadata"].value("name", ""));
    if (list.empty())
        return;
    json specs = json::array();
    json statuses = json::array();
    for (const auto& e : list) {
        specs.push_back({ { "name", e.name }, { "image", e.image }, { "command", { "sleep", "3600" } },
            { "targetContainerName", e.target }, { "imagePullPolicy", "IfNotPresent" },
            { "terminationMessagePolicy", "File" } });
        statuses.push_back({ { "name", e.name }, { "image", e.image }, { "ready", false }, { "restartCount", 0 },
            { "state", { { "running", { { "startedAt", rfc3339(e.createdMs) } } } } } });
    }
    pod["spec"]["ephemeralContainers"] = specs;
    pod["status"]["ephemeralContainerStatuses"] = statuses;
}

// kubectl debug --target: a strategic-merge PATCH of the ephemeralcontainers subresource.
HttpResponse KubeApi::patchEphemeralContainers(
    const HttpRequest& request, const User& user, const std::string& ns, const std::string& name)
{
    if (!allowed(user, "patch", "", "pods/ephemeralcontainers"))
        return forbidden(user, "patch", "", "pods/ephemeralcontainers", name, ns);
    const auto pod = m_model.podIndex(name);
    if (ns != m_model.namespaceName() || !pod || !m_model.podExistsAt(*pod, m_clock()))
        return kubeStatusError(
            404, "NotFound", "pods \"" + name + "\" not found", { { "name", name }, { "kind", "pods" } });
    const std::string contentType = request.header("content-type").toStdString();
    if (contentType.find("merge-patch+json") == std::string::npos)
        return kubeStatusError(415, "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/strategic-merge-patch+json, application/merge-patch+json");
    const json body = json::parse(request.body.toStdString(), nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("spec")
        || !body["spec"].value("ephemeralContainers", json()).is_array())
        return kubeStatusError(
            422, "Invalid", "Pod \"" + name + "\" is invalid: spec.ephemeralContainers: Required value");
    for (const auto& d : request.query.values("dryRun"))
        if (d != "All")
            return kubeStatusError(
                400, "BadRequest", "Invalid dry run value \"" + d + "\": only \"All\" is supported");
    const bool dryRun = !request.query.values("dryRun").empty();
    const std::string app = m_model.services()[m_model.pods()[*pod].service].name;
    std::vector<EphemeralContainer> list = ephemeralContainers(name);
    for (const json& c : body["spec"]["ephemeralContainers"]) {
        const std::string cname = c.is_object() ? c.value("name", "") : std::string();
        const std::string image = c.is_object() ? c.value("image", "") : std::string();
        const std::string target = c.is_object() ? c.value("targetContainerName", "") : std::string();
        if (cname.empty() || image.empty())
            return kubeStatusError(422, "Invalid",
                "Pod \"" + name + "\" is invalid: spec.ephemeralContainers: name and image are required");
        if (!target.empty() && target != app)
            return kubeStatusError(422, "Invalid",
                "Pod \"" + name + "\" is invalid: spec.ephemeralContainers[0].targetContainerName: Not found: \""
                    + target + "\"");
        if (cname == app)
            return kubeStatusError(422, "Invalid",
                "Pod \"" + name + "\" is invalid: spec.ephemeralContainers[0].name: Duplicate value: \"" + cname
                    + "\"");
        // Strategic merge on `name`: a container already there stays as it is (they cannot change).
        if (std::none_of(list.begin(), list.end(), [&](const EphemeralContainer& e) { return e.name == cname; }))
            list.push_back({ cname, image, target, m_clock() });
    }
    // A dry run answers with the pod as it would be, and stores nothing.
    std::swap(m_ephemeral[name], list);
    json obj = m_pods.pod(*pod, m_clock());
    addEphemeralContainers(obj);
    if (dryRun)
        std::swap(m_ephemeral[name], list);
    return jsonResponse(obj);
}

HttpResponse KubeApi::patchObject(const HttpRequest& request, const User& user, const ResourceType& type,
    const std::string& ns, const std::string& name)
{
    const bool isPod = type.kind == "Pod";
    if (!allowed(user, "patch", type.group, type.plural))
        return forbidden(user, "patch", type.group, type.plural, name, ns);
    const std::string what = type.group.empty() ? type.plural : type.plural + "." + type.group;
    const json details = { { "name", name }, { "group", type.group }, { "kind", type.plural } };
    const std::int64_t now = m_clock();
    std::optional<std::size_t> index;
    if (ns == m_model.namespaceName()) {
        index = isPod ? m_model.podIndex(name) : m_model.serviceIndex(name);
        if (isPod && index && !m_model.podExistsAt(*index, now))
            index.reset();
    }
    const bool scenarioObject = !index && m_scenario && m_scenario->writable(type.kind, ns, name);
    if (!index && !scenarioObject)
        return kubeStatusError(404, "NotFound", what + " \"" + name + "\" not found", details);
    const std::vector<std::string> dryRun = request.query.values("dryRun");
    for (const auto& d : dryRun)
        if (d != "All")
            return kubeStatusError(400, "BadRequest", "Invalid dry run value \"" + d + "\": only \"All\" is supported");
    PatchRequest patch;
    patch.contentType = request.header("content-type").toStdString();
    patch.body = request.body.toStdString();
    patch.dryRun = !dryRun.empty();
    patch.fieldManager = request.query.value("fieldManager");
    auto result = scenarioObject ? m_scenario->patch(type.kind, ns, name, patch, now)
        : isPod                  ? m_pods.patch(*index, patch, now)
                                 : m_deployments.patch(*index, patch, now);
    if (result) {
        if (isPod)
            addEphemeralContainers(*result);
        return jsonResponse(*result);
    }
    const Error& e = result.error();
    switch (e.code) {
    case ErrorCode::NotFound:
        return kubeStatusError(404, "NotFound", e.message, details);
    case ErrorCode::Conflict:
        return kubeStatusError(409, "Conflict", e.message, details);
    case ErrorCode::Invalid: {
        // As the API server words an Invalid error: the kind and a cause per field, which kubectl
        // prints as "The Pod "x" is invalid: * field: message".
        json invalid = { { "name", name }, { "group", type.group }, { "kind", type.kind } };
        const std::string marker = "is invalid: ";
        if (const auto at = e.message.find(marker); at != std::string::npos) {
            const std::string cause = e.message.substr(at + marker.size());
            const auto colon = cause.find(": ");
            invalid["causes"] = json::array({ { { "reason", "FieldValueInvalid" },
                { "message", colon == std::string::npos ? cause : cause.substr(colon + 2) },
                { "field", colon == std::string::npos ? std::string() : cause.substr(0, colon) } } });
        }
        return kubeStatusError(422, "Invalid", e.message, invalid);
    }
    case ErrorCode::Unsupported:
        return kubeStatusError(415, "UnsupportedMediaType", e.message);
    default:
        return kubeStatusError(400, "BadRequest", e.message);
    }
}

// kubectl delete pod: graceful (Terminating, then gone); the ReplicaSet replaces an owned pod.
HttpResponse KubeApi::deletePod(const HttpRequest& request, const User& user, const std::string& ns, const std::string& name)
{
    if (!allowed(user, "delete", "", "pods"))
        return forbidden(user, "delete", "", "pods", name, ns);
    const std::int64_t now = m_clock();
    const auto index = ns == m_model.namespaceName() ? m_model.podIndex(name) : std::nullopt;
    const json details = { { "name", name }, { "kind", "pods" } };
    if (!index || !m_model.podExistsAt(*index, now))
        return kubeStatusError(404, "NotFound", "pods \"" + name + "\" not found", details);
    for (const auto& d : request.query.values("dryRun"))
        if (d != "All")
            return kubeStatusError(400, "BadRequest", "Invalid dry run value \"" + d + "\": only \"All\" is supported");
    auto result = m_pods.remove(*index, request.body.toStdString(), !request.query.values("dryRun").empty(), now);
    if (!result)
        return result.error().code == ErrorCode::Conflict ? kubeStatusError(409, "Conflict", result.error().message, details)
                                                          : kubeStatusError(400, "BadRequest", result.error().message);
    return jsonResponse(*result);
}

HttpResponse KubeApi::accessReview(const HttpRequest& request, const User& user) const
{
    json review;
    // kubectl 1.32+ posts this one as protobuf; older ones and LeakDesk as JSON.
    if (request.header("content-type").startsWith(QByteArray(kKubeProtobufContentType.data(),
            static_cast<qsizetype>(kKubeProtobufContentType.size())))) {
        auto decoded = decodeSelfSubjectAccessReview(std::string_view(request.body.constData(), static_cast<std::size_t>(request.body.size())));
        if (!decoded)
            return kubeStatusError(400, "BadRequest", "the body is not a SelfSubjectAccessReview: " + decoded.error().message);
        review = std::move(*decoded);
    } else {
        review = json::parse(request.body.toStdString(), nullptr, false);
    }
    if (review.is_discarded() || !review.is_object() || !review.contains("spec") || !review["spec"].is_object())
        return kubeStatusError(400, "BadRequest", "the body is not a SelfSubjectAccessReview");
    const json spec = review["spec"];
    bool isAllowed = false;
    std::string reason;
    if (spec.contains("resourceAttributes")) {
        const json& a = spec["resourceAttributes"];
        const std::string verb = a.value("verb", "");
        const std::string group = a.value("group", "");
        std::string resource = a.value("resource", "");
        if (!a.value("subresource", "").empty())
            resource += "/" + a.value("subresource", "");
        isAllowed = allowed(user, verb, group, resource);
        reason = isAllowed ? "RBAC: allowed by ClusterRoleBinding \"" + user.name + "\" of ClusterRole \"cluster-admin\" to User \""
                + user.name + "\""
                           : "RBAC: User \"" + user.name + "\" is bound to ClusterRole \"view\" only, which does not allow \""
                + verb + "\" on \"" + resource + "\" in API group \"" + group + "\"";
    } else if (spec.contains("nonResourceAttributes")) {
        const std::string verb = spec["nonResourceAttributes"].value("verb", "");
        isAllowed = !user.readOnly || verb == "get";
    } else {
        return kubeStatusError(400, "BadRequest", "spec.resourceAttributes or spec.nonResourceAttributes is required");
    }
    review["apiVersion"] = "authorization.k8s.io/v1";
    review["kind"] = "SelfSubjectAccessReview";
    review["metadata"] = { { "creationTimestamp", nullptr } };
    review["status"] = { { "allowed", isAllowed } };
    if (!reason.empty())
        review["status"]["reason"] = reason;
    return jsonResponse(review, 201);
}

HttpResponse KubeApi::discovery(const std::vector<std::string>& seg) const
{
    if (seg.size() == 1 && seg[0] == "api") {
        return jsonResponse({ { "kind", "APIVersions" }, { "versions", json::array({ "v1" }) },
            { "serverAddressByClientCIDRs",
                json::array({ { { "clientCIDR", "0.0.0.0/0" }, { "serverAddress", m_serverAddress } } }) } });
    }
    // Groups in the order a real server lists them; each with its one version.
    std::vector<std::pair<std::string, std::string>> groups;
    for (const auto& t : m_types) {
        if (t.group.empty())
            continue;
        const std::pair<std::string, std::string> gv { t.group, t.version };
        if (std::find(groups.begin(), groups.end(), gv) == groups.end())
            groups.push_back(gv);
    }
    auto groupJson = [](const std::string& g, const std::string& v) {
        const json gv = { { "groupVersion", g + "/" + v }, { "version", v } };
        return json { { "name", g }, { "versions", json::array({ gv }) }, { "preferredVersion", gv } };
    };
    if (seg.size() == 1 && seg[0] == "apis") {
        json list = json::array();
        for (const auto& [g, v] : groups)
            list.push_back(groupJson(g, v));
        return jsonResponse({ { "kind", "APIGroupList" }, { "apiVersion", "v1" }, { "groups", list } });
    }
    if (seg.size() == 2 && seg[0] == "apis") {
        for (const auto& [g, v] : groups) {
            if (g == seg[1]) {
                json body = groupJson(g, v);
                body["kind"] = "APIGroup";
                body["apiVersion"] = "v1";
                return jsonResponse(body);
            }
        }
    }
    if ((seg.size() == 2 && seg[0] == "api") || (seg.size() == 3 && seg[0] == "apis")) {
        const std::string group = seg[0] == "api" ? std::string() : seg[1];
        const std::string version = seg[0] == "api" ? seg[1] : seg[2];
        json list = json::array();
        for (const auto& t : m_types) {
            if (t.group != group || t.version != version)
                continue;
            json r = { { "name", t.plural }, { "singularName", t.singular }, { "namespaced", t.namespaced },
                { "kind", t.kind }, { "verbs", t.verbs } };
            if (!t.shortNames.empty())
                r["shortNames"] = t.shortNames;
            if (!t.categories.empty())
                r["categories"] = t.categories;
            list.push_back(r);
            if (t.kind == "Pod" && t.group.empty())
                list.push_back({ { "name", "pods/exec" }, { "singularName", "" }, { "namespaced", true },
                    { "kind", "PodExecOptions" }, { "verbs", json::array({ "create", "get" }) } });
            if (t.kind == "Service" && t.group.empty())
                list.push_back({ { "name", "services/proxy" }, { "singularName", "" }, { "namespaced", true },
                    { "kind", "ServiceProxyOptions" },
                    { "verbs", json::array({ "create", "delete", "get", "patch", "update" }) } });
        }
        if (!list.empty()) {
            return jsonResponse({ { "kind", "APIResourceList" }, { "apiVersion", "v1" },
                { "groupVersion", group.empty() ? version : group + "/" + version }, { "resources", list } });
        }
    }
    return kubeStatusError(404, "NotFound", "the server could not find the requested resource");
}

// The Service's Endpoints as the endpoints controller keeps them: the pods whose labels match the
// Service's selector (app=<name>), ready ones under addresses, the others under notReadyAddresses.
json KubeApi::endpoints(std::size_t service, std::int64_t nowMs) const
{
    const json svc = m_objects.service(service);
    const json selector = svc["spec"]["selector"];
    json ready = json::array();
    json notReady = json::array();
    const json svcMeta = svc["metadata"];
    long long resourceVersion = std::stoll(svcMeta.value("resourceVersion", "0"));
    for (std::size_t i = 0; i < m_model.pods().size(); ++i) {
        if (!m_model.podExistsAt(i, nowMs))
            continue;
        const json pod = m_pods.pod(i, nowMs);
        // Changes whenever one of the pods does (a pod leaving the selector included).
        if (m_model.pods()[i].service == service)
            resourceVersion = std::max(resourceVersion, std::stoll(pod["metadata"].value("resourceVersion", "0")));
        const json labels = pod["metadata"].value("labels", json::object());
        bool matches = true;
        for (auto it = selector.begin(); it != selector.end(); ++it)
            matches = matches && labels.value(it.key(), json()) == it.value();
        if (!matches || pod["metadata"].contains("deletionTimestamp"))
            continue;
        json address = { { "ip", pod["status"].value("podIP", "") }, { "nodeName", pod["spec"].value("nodeName", "") },
            { "targetRef",
                { { "kind", "Pod" }, { "namespace", m_model.namespaceName() },
                    { "name", pod["metadata"].value("name", "") }, { "uid", pod["metadata"].value("uid", "") } } } };
        bool isReady = false;
        for (const json& c : pod["status"].value("conditions", json::array()))
            if (c.value("type", "") == "Ready")
                isReady = c.value("status", "") == "True";
        (isReady ? ready : notReady).push_back(std::move(address));
    }
    auto byIp = [](const json& a, const json& b) { return a.value("ip", "") < b.value("ip", ""); };
    std::sort(ready.begin(), ready.end(), byIp);
    std::sort(notReady.begin(), notReady.end(), byIp);
    json subset = { { "ports", json::array({ { { "name", "http" }, { "port", 8080 }, { "protocol", "TCP" } } }) } };
    if (!ready.empty())
        subset["addresses"] = ready;
    if (!notReady.empty())
        subset["notReadyAddresses"] = notReady;
    json meta = svcMeta;
    meta.erase("annotations");
    meta["uid"] = m_model.uidFor("Endpoints", meta.value("name", ""));
    meta["resourceVersion"] = std::to_string(resourceVersion);
    return json { { "apiVersion", "v1" }, { "kind", "Endpoints" }, { "metadata", meta },
        { "subsets", ready.empty() && notReady.empty() ? json::array() : json::array({ subset }) } };
}

// The same endpoints as the EndpointSlice controller writes them (what `kubectl describe service`
// reads since 1.19): one IPv4 slice per Service, labelled with the Service's name.
json KubeApi::endpointSlice(const json& endpoints) const
{
    const json& meta = endpoints["metadata"];
    const std::string service = meta.value("name", "");
    json list = json::array();
    json ports = json::array();
    for (const json& subset : endpoints.value("subsets", json::array())) {
        ports = subset.value("ports", json::array());
        for (const char* kind : { "addresses", "notReadyAddresses" })
            for (const json& a : subset.value(kind, json::array())) {
                const bool ready = std::string(kind) == "addresses";
                list.push_back({ { "addresses", json::array({ a.value("ip", "") }) },
                    { "conditions", { { "ready", ready }, { "serving", ready }, { "terminating", false } } },
                    { "nodeName", a.value("nodeName", "") }, { "targetRef", a.value("targetRef", json::object()) } });
            }
    }
    if (ports.empty())
        ports = json::array({ { { "name", "http" }, { "port", 8080 }, { "protocol", "TCP" } } });
    const std::string name = service + "-" + m_model.uidFor("EndpointSlice", service).substr(0, 5);
    return json { { "apiVersion", "discovery.k8s.io/v1" }, { "kind", "EndpointSlice" },
        { "metadata",
            { { "name", name }, { "generateName", service + "-" }, { "namespace", meta.value("namespace", "") },
                { "uid", m_model.uidFor("EndpointSlice", name) }, { "resourceVersion", meta.value("resourceVersion", "") },
                { "creationTimestamp", meta.value("creationTimestamp", "") },
                { "labels",
                    { { "kubernetes.io/service-name", service },
                        { "endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io" } } },
                { "ownerReferences",
                    json::array({ { { "apiVersion", "v1" }, { "kind", "Service" }, { "name", service },
                        { "uid", m_model.uidFor("Service", service) }, { "controller", true },
                        { "blockOwnerDeletion", true } } }) } } },
        { "addressType", "IPv4" }, { "endpoints", list }, { "ports", ports } };
}

std::vector<json> KubeApi::objects(const ResourceType& type, std::int64_t nowMs) const
{
    std::vector<json> out;
    if (type.kind == "Namespace") {
        out.push_back(m_objects.namespaceObject());
        for (const std::string& ns : m_proxy.namespaces()) {
            json other = m_objects.namespaceObject();
            other["metadata"]["name"] = ns;
            other["metadata"]["uid"] = m_model.uidFor("Namespace", ns);
            other["metadata"]["labels"] = { { "kubernetes.io/metadata.name", ns } };
            out.push_back(std::move(other));
        }
    } else if (type.kind == "Node") {
        for (std::size_t i = 0; i < m_model.nodes().size(); ++i)
            out.push_back(m_objects.node(i, nowMs));
    } else if (type.kind == "Pod") {
        for (std::size_t i = 0; i < m_model.pods().size(); ++i)
            if (m_model.podExistsAt(i, nowMs))
                out.push_back(m_pods.pod(i, nowMs));
    } else if (type.kind == "Endpoints") {
        for (std::size_t i = 0; i < m_model.services().size(); ++i)
            out.push_back(endpoints(i, nowMs));
    } else if (type.kind == "EndpointSlice") {
        for (std::size_t i = 0; i < m_model.services().size(); ++i)
            out.push_back(endpointSlice(endpoints(i, nowMs)));
    } else if (type.kind == "Deployment") {
        for (std::size_t i = 0; i < m_model.services().size(); ++i)
            out.push_back(m_deployments.deployment(i, nowMs));
    } else if (type.kind == "Service") {
        for (std::size_t i = 0; i < m_model.services().size(); ++i)
            out.push_back(m_objects.service(i));
        for (const auto& proxied : m_proxy.services())
            out.push_back(proxied.object);
    } else if (type.kind == "Ingress") {
        out.push_back(m_objects.ingress());
        // LimitRange, ResourceQuota: served, and empty, as in a namespace without them.
    } else if (type.kind == "ReplicaSet") {
        for (std::size_t i = 0; i < m_model.services().size(); ++i)
            for (std::size_t r = 0; r < m_model.revisions(i).size(); ++r)
                out.push_back(m_objects.replicaSet(i, r, nowMs));
    } else if (type.kind == "Event") {
        out = m_objects.events(nowMs);
        if (type.group == "events.k8s.io")
            for (auto& e : out)
                e = ServedKubeObjects::toEventsV1(e);
    } else if (type.kind == "NodeMetrics") {
        for (std::size_t i = 0; i < m_model.nodes().size(); ++i)
            out.push_back(m_objects.nodeMetrics(i, nowMs));
    } else if (type.kind == "PodMetrics") {
        for (std::size_t i = 0; i < m_model.pods().size(); ++i)
            if (!m_model.podExistsAt(i, nowMs))
                continue;
            else if (auto m = m_objects.podMetrics(i, nowMs))
                out.push_back(std::move(*m));
    }
    if (m_scenario) {
        // A scenario's objects follow the built-in ones; a namespace the built-in cluster already
        // has is not listed twice.
        // EndpointSlices are the scenario Services' Endpoints as the EndpointSlice controller writes them.
        const bool slices = type.kind == "EndpointSlice";
        std::map<std::string, std::string> serviceUids; // "namespace/name" -> uid, for the slices' owner
        if (slices)
            for (const json& svc : m_scenario->objects("Service", nowMs))
                serviceUids[svc["metadata"].value("namespace", "") + "/" + svc["metadata"].value("name", "")]
                    = svc["metadata"].value("uid", "");
        for (json& o : m_scenario->objects(slices ? "Endpoints" : type.kind, nowMs)) {
            if (slices) {
                json slice = endpointSlice(o);
                slice["metadata"]["ownerReferences"][0]["uid"]
                    = serviceUids[o["metadata"].value("namespace", "") + "/" + o["metadata"].value("name", "")];
                out.push_back(std::move(slice));
                continue;
            }
            if (type.kind == "Namespace" && o["metadata"].value("name", "") == m_model.namespaceName())
                continue;
            if (type.group == "events.k8s.io")
                out.push_back(ServedKubeObjects::toEventsV1(o));
            else if (type.kind != "NodeMetrics")
                out.push_back(std::move(o));
        }
    }
    return out;
}

HttpResponse KubeApi::resourceRequest(
    const HttpRequest& request, const ResourceType& type, const std::string& ns, const std::string& name) const
{
    const std::int64_t now = m_clock();
    const QueryParams& q = request.query;
    if (q.value("watch") == "true" || q.value("watch") == "1")
        return watch(request, type, ns, name);

    auto labelSel = LabelSelector::parse(q.value("labelSelector"));
    if (!labelSel)
        return kubeStatusError(400, "BadRequest", labelSel.error().message);
    auto fieldSel = FieldSelector::parse(q.value("fieldSelector"));
    if (!fieldSel)
        return kubeStatusError(400, "BadRequest", fieldSel.error().message);

    // A continued list is read at its first page's instant (see ContinueToken).
    std::optional<ContinueToken> continued;
    if (const std::string token = q.value("continue"); !token.empty() && name.empty()) {
        continued = decodeContinue(token);
        if (!continued)
            return kubeStatusError(400, "BadRequest", "invalid continue token: the sandbox did not issue it");
        const bool forced = m_expireContinue > 0;
        if (forced)
            --m_expireContinue;
        if (forced || now - continued->atMs > kContinueLifetimeMs || continued->atMs > now)
            return kubeStatusError(410, "Expired",
                "The provided continue parameter is too old to display a consistent list result. You can start a "
                "new list without the continue parameter.");
    }
    const std::int64_t listedAtMs = continued ? continued->atMs : now;
    // A paged list's later pages are slices of what its first page listed (see ListSnapshot).
    const std::string snapshotKey = type.group + "/" + type.kind + "|" + ns + "|" + q.value("labelSelector") + "|"
        + q.value("fieldSelector") + "|" + std::to_string(listedAtMs);
    std::shared_ptr<const std::vector<json>> snapshot;
    if (continued)
        for (const ListSnapshot& s : m_listSnapshots)
            if (s.key == snapshotKey && s.resourceVersion == continued->rv)
                snapshot = s.items;

    std::vector<json> items;
    for (json& obj : snapshot ? std::vector<json> {} : listObjects(type, listedAtMs)) {
        const json& meta = obj["metadata"];
        if (type.namespaced && !ns.empty() && meta.value("namespace", "") != ns)
            continue;
        if (!name.empty() && meta.value("name", "") != name)
            continue;
        if (type.kind == "Pod")
            addEphemeralContainers(obj);
        if (!labelSel->matches(labelsOf(obj)))
            continue;
        auto fieldMatch = fieldSel->matches([&](const std::string& field) { return lookupField(type, obj, field); });
        if (!fieldMatch)
            return kubeStatusError(400, "BadRequest", fieldMatch.error().message);
        if (!*fieldMatch)
            continue;
        items.push_back(std::move(obj));
    }

    const std::string accept = request.header("accept").toStdString();
    const bool table = accept.find("as=Table") != std::string::npos;
    IncludeObject include = IncludeObject::Metadata;
    const std::string includeParam = q.value("includeObject");
    if (includeParam == "Object")
        include = IncludeObject::Object;
    else if (includeParam == "None")
        include = IncludeObject::None;

    if (!name.empty()) {
        if (items.empty()) {
            const std::string what = type.group.empty() ? type.plural : type.plural + "." + type.group;
            return kubeStatusError(404, "NotFound", what + " \"" + name + "\" not found",
                { { "name", name }, { "group", type.group }, { "kind", type.plural } });
        }
        if (table)
            return jsonResponse(makeTable(type.kind, items, now, include,
                { { "resourceVersion", items[0]["metadata"].value("resourceVersion", "") } }));
        return jsonResponse(items[0]);
    }

    // Every page reports the first page's resourceVersion, as the API server does.
    const std::string rv = continued ? continued->rv : std::to_string(m_watch.resourceVersion(now));
    json listMeta = { { "resourceVersion", rv } };
    const std::vector<json>& listed = snapshot ? *snapshot : items;
    const std::size_t offset = continued ? std::min(continued->start, listed.size()) : 0;
    const long long limit = std::atoll(q.value("limit", "0").c_str());
    std::size_t end = listed.size();
    if (limit > 0 && offset + static_cast<std::size_t>(limit) < listed.size()) {
        end = offset + static_cast<std::size_t>(limit);
        listMeta["continue"] = encodeContinue(ContinueToken { end, rv, listedAtMs });
        listMeta["remainingItemCount"] = listed.size() - end;
    }
    std::vector<json> page(
        listed.begin() + static_cast<std::ptrdiff_t>(offset), listed.begin() + static_cast<std::ptrdiff_t>(end));
    if (!snapshot && end < listed.size()) {
        m_listSnapshots.push_front(
            ListSnapshot { snapshotKey, rv, std::make_shared<const std::vector<json>>(std::move(items)) });
        if (m_listSnapshots.size() > kListSnapshots)
            m_listSnapshots.pop_back();
    }

    if (table)
        return jsonResponse(makeTable(type.kind, page, now, include, listMeta));
    json list = json::array();
    for (json& obj : page) {
        // Items of a typed list carry no kind/apiVersion of their own.
        obj.erase("kind");
        obj.erase("apiVersion");
        list.push_back(std::move(obj));
    }
    return jsonResponse({ { "kind", type.kind + "List" }, { "apiVersion", type.groupVersion() },
        { "metadata", listMeta }, { "items", list } });
}

namespace {

// The kinds a watch cache keeps; events.k8s.io Events share the core/v1 Events' cache.
const ResourceType* watchCacheType(const ResourceType& type)
{
    // The scenario-only kinds exist (in discovery and here) only with a scenario loaded.
    static const std::set<std::string> watchable
        = { "Namespace", "Node", "Pod", "Event", "Deployment", "ReplicaSet", "Endpoints", "EndpointSlice",
              "StatefulSet", "DaemonSet", "Job", "CronJob", "HorizontalPodAutoscaler", "Rollout" };
    if (!watchable.count(type.kind))
        return nullptr;
    if (type.group != "events.k8s.io")
        return &type;
    for (const ResourceType& t : KubeApi::resources())
        if (t.kind == "Event" && t.group.empty())
            return &t;
    return nullptr;
}

} // namespace

std::vector<json> KubeApi::listObjects(const ResourceType& type, std::int64_t nowMs) const
{
    const ResourceType* cached = watchCacheType(type);
    if (!cached)
        return objects(type, nowMs);
    std::vector<json> out = m_watch.advance(
        cached->kind, [this, cached](std::int64_t t) { return objects(*cached, t); }, nowMs);
    if (cached != &type)
        for (json& e : out)
            e = ServedKubeObjects::toEventsV1(e);
    return out;
}

HttpResponse KubeApi::watch(
    const HttpRequest& request, const ResourceType& type, const std::string& ns, const std::string& name) const
{
    const ResourceType* cached = watchCacheType(type);
    if (!cached)
        return kubeStatusError(405, "MethodNotAllowed",
            "the server does not allow this method on the requested resource (watch of " + type.plural + ")");
    const QueryParams& q = request.query;
    auto labelSel = LabelSelector::parse(q.value("labelSelector"));
    if (!labelSel)
        return kubeStatusError(400, "BadRequest", labelSel.error().message);
    auto fieldSel = FieldSelector::parse(q.value("fieldSelector"));
    if (!fieldSel)
        return kubeStatusError(400, "BadRequest", fieldSel.error().message);
    // Unsupported fields are refused before the stream starts, as for a list.
    const json probe = { { "metadata", json::object() } };
    if (auto check = fieldSel->matches([&](const std::string& f) { return lookupField(type, probe, f); }); !check)
        return kubeStatusError(400, "BadRequest", check.error().message);

    WatchRequest w;
    w.cacheKey = cached->kind;
    w.source = [this, cached](std::int64_t t) { return objects(*cached, t); };
    const std::string rv = q.value("resourceVersion");
    if (!rv.empty() && rv != "0") {
        char* end = nullptr;
        const long long v = std::strtoll(rv.c_str(), &end, 10);
        if (!end || *end != '\0' || v < 0)
            return kubeStatusError(400, "BadRequest", "invalid resource version: " + rv);
        w.resourceVersion = v;
    }
    w.bookmarks = q.value("allowWatchBookmarks") == "true" || q.value("allowWatchBookmarks") == "1";
    w.sendInitialEvents = q.value("sendInitialEvents") == "true";
    if (const std::string t = q.value("timeoutSeconds"); !t.empty()) {
        char* end = nullptr;
        const long long seconds = std::strtoll(t.c_str(), &end, 10);
        if (!end || *end != '\0' || seconds < 0)
            return kubeStatusError(400, "BadRequest", "invalid timeoutSeconds: " + t);
        if (seconds > 0)
            w.timeoutMs = std::min<long long>(seconds, 24 * 3600) * kSecondMs;
    }
    const bool v1Events = cached != &type;
    const ResourceType* shown = &type;
    w.matches = [shown, ns, name, labels = *labelSel, fields = *fieldSel, v1Events](const json& stored) {
        const json obj = v1Events ? ServedKubeObjects::toEventsV1(stored) : stored;
        const json& meta = obj["metadata"];
        if (shown->namespaced && !ns.empty() && meta.value("namespace", "") != ns)
            return false;
        if (!name.empty() && meta.value("name", "") != name)
            return false;
        if (!labels.matches(labelsOf(obj)))
            return false;
        auto f = fields.matches([&](const std::string& field) { return lookupField(*shown, obj, field); });
        return f.ok() && *f;
    };
    // kubectl asks for Tables: each event then carries a one-row Table.
    const bool table = request.header("accept").toStdString().find("as=Table") != std::string::npos;
    IncludeObject include = IncludeObject::Metadata;
    if (q.value("includeObject") == "Object")
        include = IncludeObject::Object;
    else if (q.value("includeObject") == "None")
        include = IncludeObject::None;
    w.present = [shown, v1Events, table, include](const json& stored, std::int64_t nowMs) {
        json obj = v1Events ? ServedKubeObjects::toEventsV1(stored) : stored;
        if (!table)
            return obj;
        return makeTable(shown->kind, { obj }, nowMs, include,
            { { "resourceVersion", obj["metadata"].value("resourceVersion", "") } });
    };
    w.bookmark = [shown, table](std::int64_t version) {
        const json meta = { { "resourceVersion", std::to_string(version) } };
        if (table)
            return json { { "kind", "Table" }, { "apiVersion", "meta.k8s.io/v1" }, { "metadata", meta },
                { "columnDefinitions", json::array() }, { "rows", json::array() } };
        return json { { "kind", shown->kind }, { "apiVersion", shown->groupVersion() }, { "metadata", meta } };
    };

    HttpResponse response;
    response.status = 200;
    response.contentType = table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json";
    response.headers.emplace_back("Cache-Control", "no-cache, private");
    WatchHub& hub = m_watch;
    const Clock clock = m_clock;
    response.stream = [&hub, clock, w](ResponseStream* stream) { new WatchSession(hub, clock, w, stream); };
    return response;
}

} // namespace leakdesk::sandbox
