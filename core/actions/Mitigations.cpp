// The three mitigations of runbook step 5: which fields each one reads and writes, and how each
// chooses its value.
#include "core/actions/Mitigation.h"

#include "core/actions/CapacityChecks.h"
#include "core/actions/MitigatedFields.h"
#include "core/common/Quantity.h"
#include "core/kube/JsonAccess.h"
#include "core/kube/KubeObjects.h"
#include "core/kube/KubePaths.h"

namespace leakdesk::actions {

using kube::jsonAt;
using kube::jsonString;

using nlohmann::json;

namespace {

constexpr const char* kLimitKey = "resources.limits.memory";
const std::string kEnvKey = std::string("env.") + kHeapLimitRestartEnv;
const std::string kRestartKey = std::string("annotations.") + kRestartedAtAnnotation;

const json& at(const json& j, std::initializer_list<const char*> keys)
{
    return jsonAt(j, keys);
}

const json& container(const json& deployment, const std::string& name)
{
    return containerNamed(deployment, name);
}

std::optional<std::string> text(const json& v)
{
    if (v.is_string())
        return v.get<std::string>();
    return std::nullopt;
}

// The field `key` of `values` (absent: removed), for patchForFields.
FieldValue fieldOf(const std::string& container, const MitigationValues& values, const std::string& key)
{
    auto it = values.find(key);
    return { container, key, it != values.end() ? it->second : std::nullopt };
}

std::string valueOr(const MitigationValues& values, const std::string& key)
{
    auto it = values.find(key);
    return it != values.end() && it->second ? *it->second : std::string();
}

std::optional<std::int64_t> currentLimit(const MitigationPlan& plan)
{
    const auto v = text(at(container(plan.object, plan.container), { "resources", "limits", "memory" }));
    if (!v)
        return std::nullopt;
    auto bytes = parseMemoryBytes(*v);
    return bytes ? std::optional<std::int64_t>(*bytes) : std::nullopt;
}

// How many pods the workload runs: spec.replicas, or for a DaemonSet the nodes it is scheduled on.
std::int64_t replicasOf(const json& workload)
{
    const json& replicas = at(workload, { "spec", "replicas" });
    if (replicas.is_number_integer())
        return replicas.get<std::int64_t>();
    const json& scheduled = at(workload, { "status", "desiredNumberScheduled" });
    return scheduled.is_number_integer() ? scheduled.get<std::int64_t>() : 1;
}

class RaiseMemoryLimit final : public Mitigation {
public:
    RaiseMemoryLimit(kube::KubeClient& client, QObject* parent)
        : Mitigation(MitigationKind::RaiseMemoryLimit, client, parent)
    { }

    MitigationValues read(const json& deployment, const std::string& name) const override
    {
        return { { kLimitKey, readMitigatedField(deployment, name, kLimitKey) } };
    }

    json patchFor(const std::string& name, const MitigationValues& values, const json& workload) const override
    {
        return patchForFields({ fieldOf(name, values, kLimitKey) }, workload);
    }

protected:
    void choose(std::shared_ptr<MitigationPlan> plan, Callback<std::shared_ptr<MitigationPlan>> done) override
    {
        const MitigationRequest& r = plan->request;
        std::int64_t chosen = r.runbook.memoryLimitBytes;
        plan->value = formatMemoryQuantity(chosen);
        if (!r.value.empty()) {
            auto bytes = parseMemoryLimit(r.value);
            if (!bytes)
                return done(bytes.error());
            chosen = *bytes;
            plan->value = r.value;
        }
        plan->after = { { kLimitKey, plan->value } };
        if (r.observedPeakBytes) {
            if (auto s = suggestMemoryLimit(*r.observedPeakBytes)) {
                plan->suggestedValue = formatMemoryQuantity(*s);
                if (chosen < *s)
                    plan->warnings.push_back("the observed peak of " + formatBytes(double(*r.observedPeakBytes))
                        + " with 25% headroom suggests " + *plan->suggestedValue + ", more than " + plan->value);
            }
        }
        if (const auto cur = currentLimit(*plan); cur && chosen <= *cur)
            plan->warnings.push_back(plan->value + " is not above the current limit of "
                + valueOr(plan->before, kLimitKey) + ": this does not buy time");
        const LimitChange change { chosen, plan->value, currentLimit(*plan).value_or(0), replicasOf(plan->object) };
        checkCapacity(plan, change, std::move(done));
    }

private:
    // Nodes, then LimitRanges, then ResourceQuotas; what the server does not serve (or does not let us
    // read) is said as "not checked" rather than skipped silently.
    void checkCapacity(
        std::shared_ptr<MitigationPlan> plan, LimitChange change, Callback<std::shared_ptr<MitigationPlan>> done)
    {
        const QString ns = QString::fromStdString(plan->request.ns);
        m_client.listNodes(this, [this, plan, change, ns, done](Result<kube::ParsedList<kube::Node>> nodes) {
            if (!nodes)
                plan->warnings.push_back("node allocatable memory not checked: " + nodes.error().message);
            else if (auto w = nodeAllocatableWarning(nodes->items, change))
                plan->warnings.push_back(*w);
            m_client.getJson(
                kube::paths::limitRanges(ns), {}, this, [this, plan, change, ns, done](Result<json> ranges) {
                    if (!ranges)
                        plan->warnings.push_back("LimitRange not checked: " + ranges.error().message);
                    else
                        for (auto& w : limitRangeWarnings(*ranges, change))
                            plan->warnings.push_back(std::move(w));
                    m_client.getJson(
                        kube::paths::resourceQuotas(ns), {}, this, [plan, change, done](Result<json> quotas) {
                            if (!quotas)
                                plan->warnings.push_back("ResourceQuota not checked: " + quotas.error().message);
                            else
                                for (auto& w : resourceQuotaWarnings(*quotas, change))
                                    plan->warnings.push_back(std::move(w));
                            done(plan);
                        });
                });
        });
    }
};

class SetHeapLimitRestart final : public Mitigation {
public:
    SetHeapLimitRestart(kube::KubeClient& client, QObject* parent)
        : Mitigation(MitigationKind::SetHeapLimitRestart, client, parent)
    { }

    MitigationValues read(const json& deployment, const std::string& name) const override
    {
        return { { kEnvKey, readMitigatedField(deployment, name, kEnvKey) } };
    }

    json patchFor(const std::string& name, const MitigationValues& values, const json& workload) const override
    {
        return patchForFields({ fieldOf(name, values, kEnvKey) }, workload);
    }

protected:
    void choose(std::shared_ptr<MitigationPlan> plan, Callback<std::shared_ptr<MitigationPlan>> done) override
    {
        const MitigationRequest& r = plan->request;
        // A value from a ConfigMap or Secret cannot be restored by a revert of a plain value, and a
        // patch adding `value` next to `valueFrom` is invalid: the change belongs in that source.
        const json& env = at(container(plan->object, plan->container), { "env" });
        if (env.is_array())
            for (const json& e : env)
                if (jsonString(e, { "name" }) == kHeapLimitRestartEnv && e.contains("valueFrom"))
                    return done(makeError(ErrorCode::Unsupported,
                        std::string(kHeapLimitRestartEnv) + " of container \"" + plan->container + "\" is set from "
                            + at(e, { "valueFrom" }).dump() + ", not as a plain value",
                        "change it where it comes from (the ConfigMap or Secret), then restart the workload"));
        const std::optional<std::int64_t> limit = currentLimit(*plan);
        const std::int64_t basis = r.memoryLimitBytes.value_or(limit.value_or(r.runbook.memoryLimitBytes));
        std::int64_t bytes = 0;
        if (r.value.empty()) {
            plan->value = heapLimitRestartFor(basis, r.runbook);
            bytes = parseJvmSize(plan->value).value();
        } else {
            auto parsed = parseHeapLimitRestart(r.value);
            if (!parsed)
                return done(parsed.error());
            plan->value = r.value;
            bytes = *parsed;
        }
        plan->after = { { kEnvKey, plan->value } };
        const std::int64_t effectiveLimit = r.memoryLimitBytes.value_or(limit.value_or(0));
        if (effectiveLimit > 0 && bytes >= effectiveLimit)
            plan->warnings.push_back(std::string(kHeapLimitRestartEnv) + "=" + plan->value
                + " is not below the memory limit of " + formatMemoryQuantity(effectiveLimit)
                + ": the container is OOMKilled before it restarts itself");
        if (!limit && !r.memoryLimitBytes)
            plan->warnings.push_back("container \"" + plan->container + "\" has no memory limit; " + plan->value
                + " was derived from the runbook's " + formatMemoryQuantity(r.runbook.memoryLimitBytes));
        done(plan);
    }
};

class RolloutRestart final : public Mitigation {
public:
    RolloutRestart(kube::KubeClient& client, QObject* parent)
        : Mitigation(MitigationKind::RolloutRestart, client, parent)
    { }

    MitigationValues read(const json& deployment, const std::string&) const override
    {
        return { { kRestartKey, readMitigatedField(deployment, {}, kRestartKey) } };
    }

    json patchFor(const std::string&, const MitigationValues& values, const json&) const override
    {
        return patchForFields({ fieldOf({}, values, kRestartKey) });
    }

protected:
    void choose(std::shared_ptr<MitigationPlan> plan, Callback<std::shared_ptr<MitigationPlan>> done) override
    {
        // As `kubectl rollout restart`: the pod template changes, so the controller rolls every pod.
        plan->value = plan->request.value.empty() ? kube::formatTimestamp(*plan->request.nowMs) : plan->request.value;
        if (kube::parseTimestampMs(plan->value) == 0)
            return done(makeError(ErrorCode::InvalidArgument, "'" + plan->value + "' is not an RFC 3339 time",
                "leave the value empty to restart now"));
        if (plan->before.at(kRestartKey) == plan->value)
            return done(makeError(ErrorCode::InvalidArgument,
                plan->request.workload.text() + " was restarted at " + plan->value + " already",
                "wait a second and try again"));
        plan->after = { { kRestartKey, plan->value } };
        done(plan);
    }
};

} // namespace

std::unique_ptr<Mitigation> Mitigation::create(MitigationKind kind, kube::KubeClient& client, QObject* parent)
{
    switch (kind) {
    case MitigationKind::RaiseMemoryLimit:
        return std::make_unique<RaiseMemoryLimit>(client, parent);
    case MitigationKind::SetHeapLimitRestart:
        return std::make_unique<SetHeapLimitRestart>(client, parent);
    case MitigationKind::RolloutRestart:
        return std::make_unique<RolloutRestart>(client, parent);
    }
    return nullptr;
}

} // namespace leakdesk::actions
