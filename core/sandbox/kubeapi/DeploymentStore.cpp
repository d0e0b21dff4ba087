#include "core/sandbox/kubeapi/DeploymentStore.h"

#include "core/common/Quantity.h"
#include "core/sandbox/kubeapi/MergePatch.h"
#include "core/sandbox/kubeapi/ObjectPatch.h"
#include "core/sandbox/model/ImageTags.h"

namespace leakdesk::sandbox {

using nlohmann::json;

namespace {

constexpr const char* kRevisionAnnotation = "deployment.kubernetes.io/revision";

Error invalid(const std::string& name, const std::string& cause)
{
    return makeError(ErrorCode::Invalid, "Deployment.apps \"" + name + "\" is invalid: " + cause);
}

std::string quantityText(const json& v)
{
    return v.is_string() ? v.get<std::string>() : v.dump();
}

} // namespace

DeploymentStore::DeploymentStore(SandboxModel& model, const ServedKubeObjects& objects, WriteVersions& versions)
    : m_model(model)
    , m_objects(objects)
    , m_versions(versions)
{ }

DeploymentStore::Stored& DeploymentStore::stored(std::size_t service) const
{
    auto it = m_stored.find(service);
    if (it != m_stored.end())
        return it->second;
    // As the Deployment was created: what ServedKubeObjects describes for revision 1.
    const std::int64_t created = m_model.originMs() + kMinuteMs;
    const json initial = m_objects.deployment(service, created);
    Stored s;
    s.metadata = { { "labels", initial["metadata"]["labels"] }, { "annotations", initial["metadata"]["annotations"] } };
    s.metadata["annotations"].erase(kRevisionAnnotation);
    s.spec = initial["spec"];
    s.resourceVersion = std::stoll(m_objects.listResourceVersion(created));
    return m_stored.emplace(service, std::move(s)).first->second;
}

json DeploymentStore::deployment(std::size_t service, std::int64_t nowMs) const
{
    json live = m_objects.deployment(service, nowMs);
    const Stored& s = stored(service);
    json& meta = live["metadata"];
    const json revision = meta["annotations"][kRevisionAnnotation];
    meta["labels"] = s.metadata["labels"];
    meta["annotations"] = s.metadata.contains("annotations") && s.metadata["annotations"].is_object()
        ? s.metadata["annotations"]
        : json::object();
    meta["annotations"][kRevisionAnnotation] = revision;
    if (s.metadata.contains("managedFields"))
        meta["managedFields"] = s.metadata["managedFields"];
    meta["generation"] = s.generation;
    // A status change (its pods) is a change of the object too, as the controller writes it.
    meta["resourceVersion"]
        = std::to_string(std::max<std::int64_t>(s.resourceVersion, std::stoll(meta.value("resourceVersion", "0"))));
    live["spec"] = s.spec;
    // The sandbox's controller acts at once: the new ReplicaSet exists as soon as the patch is stored.
    live["status"]["observedGeneration"] = s.generation;
    return live;
}

Status DeploymentStore::validate(const json& before, const json& after) const
{
    const std::string name = before["metadata"].value("name", "");
    if (!after.is_object() || !after.contains("metadata") || !after.contains("spec") || !after["spec"].is_object())
        return invalid(name, "the patched object is not a Deployment");
    if (after["metadata"].value("name", "") != name)
        return invalid(
            name, "metadata.name: Invalid value: \"" + after["metadata"].value("name", "") + "\": field is immutable");
    if (after["metadata"].value("namespace", "") != before["metadata"].value("namespace", ""))
        return invalid(name, "metadata.namespace: Invalid value: field is immutable");
    const json& spec = after["spec"];
    if (spec.value("selector", json()) != before["spec"].value("selector", json()))
        return invalid(
            name, "spec.selector: Invalid value: " + spec.value("selector", json()).dump() + ": field is immutable");
    if (!spec.contains("replicas") || !spec["replicas"].is_number_integer() || spec["replicas"].get<long long>() < 0)
        return invalid(name,
            "spec.replicas: Invalid value: " + spec.value("replicas", json()).dump()
                + ": must be greater than or equal to 0");
    const json labels = spec.contains("template")
        ? spec["template"].value("metadata", json::object()).value("labels", json::object())
        : json::object();
    // Named locals: items() of a temporary would dangle inside the range-for.
    const json matchLabels = spec["selector"].value("matchLabels", json::object());
    for (auto it = matchLabels.begin(); it != matchLabels.end(); ++it)
        if (!labels.contains(it.key()) || labels[it.key()] != it.value())
            return invalid(name,
                "spec.template.metadata.labels: Invalid value: " + labels.dump()
                    + ": `selector` does not match template `labels`");
    const json containers = spec.contains("template")
        ? spec["template"].value("spec", json::object()).value("containers", json())
        : json();
    if (!containers.is_array() || containers.empty())
        return invalid(name, "spec.template.spec.containers: Required value");
    for (std::size_t i = 0; i < containers.size(); ++i) {
        const json& c = containers[i];
        const std::string field = "spec.template.spec.containers[" + std::to_string(i) + "]";
        if (!c.is_object() || !c.contains("name") || !c["name"].is_string())
            return invalid(name, field + ".name: Required value");
        if (!c.contains("image") || !c["image"].is_string() || c["image"].get<std::string>().empty())
            return invalid(name, field + ".image: Required value");
        std::map<std::string, double> limits;
        const json resources = c.value("resources", json::object());
        for (const char* kind : { "limits", "requests" }) {
            const json quantities = resources.value(kind, json::object());
            for (auto it = quantities.begin(); it != quantities.end(); ++it) {
                const std::string& res = it.key();
                const json& v = it.value();
                auto q = parseQuantity(quantityText(v));
                if (!q || !v.is_string())
                    return invalid(name,
                        field + ".resources." + kind + "[" + res + "]: Invalid value: \"" + quantityText(v)
                            + "\": quantities must match the regular expression "
                              "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
                if (std::string(kind) == "limits") {
                    limits[res] = *q;
                } else if (limits.count(res) && *q > limits[res]) {
                    return invalid(name,
                        field + ".resources.requests: Invalid value: \"" + quantityText(v)
                            + "\": must be less than or equal to " + res + " limit of "
                            + quantityText(resources["limits"][res]));
                }
            }
        }
        const json env = c.value("env", json::array());
        for (std::size_t e = 0; e < env.size(); ++e)
            if (!env[e].is_object() || !env[e].contains("name") || !env[e]["name"].is_string()
                || env[e]["name"].get<std::string>().empty())
                return invalid(name, field + ".env[" + std::to_string(e) + "].name: Required value");
    }
    return Ok {};
}

Result<json> DeploymentStore::patch(std::size_t service, const PatchRequest& request, std::int64_t nowMs)
{
    const json current = deployment(service, nowMs);
    const std::string name = current["metadata"].value("name", "");
    auto patched = applyPatchRequest(current, request, "deployments.apps \"" + name + "\"", "Deployment.apps");
    if (!patched)
        return patched.error();
    json result = std::move(*patched);
    const std::string rv = current["metadata"].value("resourceVersion", "");
    if (auto v = validate(current, result); !v)
        return v.error();

    const bool specChanged = result["spec"] != current["spec"];
    const bool templateChanged = result["spec"]["template"] != current["spec"]["template"];
    Stored& s = stored(service);
    const std::int64_t generation = s.generation + (specChanged ? 1 : 0);

    const json managed = managedFieldsAfter(result["metadata"], request.fieldManager, "apps/v1", rfc3339(nowMs));
    result["metadata"]["managedFields"] = managed;
    result["metadata"]["generation"] = generation;

    if (request.dryRun)
        return result; // validated and computed, never stored: same resourceVersion, no rollout

    s.metadata = { { "labels", result["metadata"].value("labels", json::object()) },
        { "annotations", result["metadata"].value("annotations", json::object()) }, { "managedFields", managed } };
    s.metadata["annotations"].erase(kRevisionAnnotation);
    s.spec = result["spec"];
    s.generation = generation;
    s.resourceVersion = m_versions.next(std::stoll(m_objects.listResourceVersion(nowMs)), std::stoll(rv));

    if (templateChanged) {
        const json& tmpl = s.spec["template"];
        const std::string container = m_model.services()[service].name;
        json c = tmpl["spec"]["containers"][0];
        for (const json& candidate : tmpl["spec"]["containers"])
            if (candidate.value("name", "") == container)
                c = candidate;
        TemplateRevision rev = m_model.revisions(service).back();
        const json resources = c.value("resources", json::object());
        const json limits = resources.value("limits", json::object());
        const json requests = resources.value("requests", json::object());
        // Without a memory limit the container may grow up to what the node allows.
        rev.memoryLimitBytes = limits.contains("memory") ? parseMemoryBytes(limits["memory"].get<std::string>()).value()
                                                         : m_model.nodes().front().memoryCapacityBytes - kGiB;
        rev.memoryRequestBytes = requests.contains("memory")
            ? parseMemoryBytes(requests["memory"].get<std::string>()).value()
            : rev.memoryLimitBytes;
        // `kubectl set image`: a release that carries the fix stops the leak in the new pods.
        rev.image = c.value("image", m_model.services()[service].image);
        rev.leakFixed = tagCarriesFix(imageTag(rev.image), m_model.services()[service].fixedInTag);
        rev.env.clear();
        rev.restartAtBytes.reset();
        for (const json& e : c.value("env", json::array())) {
            const std::string key = e.value("name", "");
            const std::string value
                = e.contains("value") && e["value"].is_string() ? e["value"].get<std::string>() : "";
            rev.env.emplace_back(key, value);
            if (key == "HEAP_LIMIT_RESTART")
                if (auto bytes = parseJvmSize(value))
                    rev.restartAtBytes = *bytes;
        }
        rev.templateJson = tmpl.dump();
        rev.podTemplateHash
            = m_model.templateHash(rev.templateJson + "#" + std::to_string(m_model.revisions(service).size()));
        m_model.rollOut(service, std::move(rev), nowMs);
        if (m_onRollout)
            m_onRollout();
    }
    return deployment(service, nowMs);
}

} // namespace leakdesk::sandbox
