#include "core/sandbox/scenario/ScenarioTables.h"

#include <QDateTime>

#include <map>

namespace leakdesk::sandbox::scenario {

using nlohmann::json;

namespace {

struct Column {
    const char* name;
    const char* type;
    int priority;
    const char* description;
};

std::string ageOf(const json& object, std::int64_t nowMs)
{
    const std::string text = object["metadata"].value("creationTimestamp", "");
    const QDateTime at = QDateTime::fromString(QString::fromStdString(text), Qt::ISODate);
    if (!at.isValid())
        return "<unknown>";
    return humanDuration(nowMs - at.toMSecsSinceEpoch());
}

std::string sinceOf(const json& timestamp, std::int64_t nowMs)
{
    if (!timestamp.is_string())
        return "<none>";
    const QDateTime at = QDateTime::fromString(QString::fromStdString(timestamp.get<std::string>()), Qt::ISODate);
    return at.isValid() ? humanDuration(nowMs - at.toMSecsSinceEpoch()) : "<none>";
}

const json& podSpecOf(const json& o, const std::string& kind)
{
    static const json empty = json::object();
    const json& spec = o.value("spec", empty).is_object() ? o["spec"] : empty;
    const json* templ = nullptr;
    if (kind == "CronJob" && spec.contains("jobTemplate") && spec["jobTemplate"].contains("spec"))
        templ = spec["jobTemplate"]["spec"].contains("template") ? &spec["jobTemplate"]["spec"]["template"] : nullptr;
    else if (spec.contains("template"))
        templ = &spec["template"];
    return templ && templ->contains("spec") ? (*templ)["spec"] : empty;
}

std::string joined(const json& containers, const char* field)
{
    std::string out;
    for (const json& c : containers)
        out += (out.empty() ? "" : ",") + c.value(field, std::string());
    return out;
}

std::string selectorText(const json& o)
{
    std::string out;
    const json labels
        = o.value("spec", json::object()).value("selector", json::object()).value("matchLabels", json::object());
    for (auto it = labels.begin(); it != labels.end(); ++it)
        out += (out.empty() ? "" : ",") + it.key() + "="
            + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
    return out.empty() ? "<none>" : out;
}

int intAt(const json& o, const char* section, const char* field, int fallback = 0)
{
    const json s = o.value(section, json::object());
    return s.contains(field) && s[field].is_number_integer() ? s[field].get<int>() : fallback;
}

const std::map<std::string, std::vector<Column>>& columns()
{
    static const std::map<std::string, std::vector<Column>> byKind = {
        { "StatefulSet",
            { { "Name", "string", 0, "Name must be unique within a namespace." },
                { "Ready", "string", 0, "Number of the pod with ready state" },
                { "Age", "string", 0, "CreationTimestamp of the object." },
                { "Containers", "string", 1, "Names of each container in the template." },
                { "Images", "string", 1, "Images referenced by each container in the template." } } },
        { "DaemonSet",
            { { "Name", "string", 0, "Name must be unique within a namespace." },
                { "Desired", "integer", 0, "The total number of nodes that should be running the daemon pod." },
                { "Current", "integer", 0, "The number of nodes that are running at least 1 daemon pod." },
                { "Ready", "integer", 0, "The number of nodes running the daemon pod that are ready." },
                { "Up-to-date", "integer", 0, "The total number of nodes that are running updated daemon pod" },
                { "Available", "integer", 0,
                    "The number of nodes that should be running the daemon pod and are available." },
                { "Node Selector", "string", 0,
                    "NodeSelector is a selector which must be true for the pod to fit on a node." },
                { "Age", "string", 0, "CreationTimestamp of the object." },
                { "Containers", "string", 1, "Names of each container in the template." },
                { "Images", "string", 1, "Images referenced by each container in the template." },
                { "Selector", "string", 1, "A label query over pods that are managed by the daemon set." } } },
        { "Job",
            { { "Name", "string", 0, "Name must be unique within a namespace." },
                { "Status", "string", 0, "Status of the job." },
                { "Completions", "string", 0, "The completion status of the job" },
                { "Duration", "string", 0, "Time required to complete the job." },
                { "Age", "string", 0, "CreationTimestamp of the object." },
                { "Containers", "string", 1, "Names of each container in the template." },
                { "Images", "string", 1, "Images referenced by each container in the template." },
                { "Selector", "string", 1, "A label query over pods that should match the pod count." } } },
        { "CronJob",
            { { "Name", "string", 0, "Name must be unique within a namespace." },
                { "Schedule", "string", 0, "The schedule in Cron format." },
                { "Timezone", "string", 0, "The time zone name for the given schedule." },
                { "Suspend", "boolean", 0, "This flag tells the controller to suspend subsequent executions." },
                { "Active", "integer", 0, "A list of pointers to currently running jobs." },
                { "Last Schedule", "string", 0,
                    "Information when was the last time the job was successfully scheduled." },
                { "Age", "string", 0, "CreationTimestamp of the object." },
                { "Containers", "string", 1, "Names of each container in the template." },
                { "Images", "string", 1, "Images referenced by each container in the template." },
                { "Selector", "string", 1, "A label query over pods that should match the pod count." } } },
        { "HorizontalPodAutoscaler",
            { { "Name", "string", 0, "Name must be unique within a namespace." },
                { "Reference", "string", 0,
                    "reference to scaled resource; horizontal pod autoscaler will learn the current resource "
                    "consumption and will set the desired number of pods by using its Scale subresource." },
                { "Targets", "string", 0, "the metrics used to calculate the desired replica count" },
                { "MinPods", "string", 0,
                    "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale "
                    "down." },
                { "MaxPods", "integer", 0,
                    "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up." },
                { "Replicas", "integer", 0,
                    "currentReplicas is current number of replicas of pods managed by this autoscaler." },
                { "Age", "string", 0, "CreationTimestamp of the object." } } },
        // Argo Rollouts' CRD additionalPrinterColumns.
        { "Rollout",
            { { "Name", "string", 0, "Name must be unique within a namespace." },
                { "Desired", "integer", 0, "Number of desired pods" },
                { "Current", "integer", 0, "Total number of non-terminated pods targeted by this rollout" },
                { "Up-to-date", "integer", 0,
                    "Total number of non-terminated pods targeted by this rollout that have the desired template "
                    "spec" },
                { "Available", "integer", 0,
                    "Total number of available pods (ready for at least minReadySeconds) targeted by this rollout" },
                { "Age", "date", 0, "Time since resource was created" } } },
    };
    return byKind;
}

json row(const std::string& kind, const json& o, std::int64_t nowMs)
{
    const std::string name = o["metadata"].value("name", "");
    const std::string age = ageOf(o, nowMs);
    const json status = o.value("status", json::object());
    const json& podSpec = podSpecOf(o, kind);
    const json containers = podSpec.value("containers", json::array());
    if (kind == "StatefulSet")
        return json::array({ name,
            std::to_string(intAt(o, "status", "readyReplicas")) + "/" + std::to_string(intAt(o, "spec", "replicas", 1)),
            age, joined(containers, "name"), joined(containers, "image") });
    if (kind == "DaemonSet") {
        std::string nodeSelector;
        const json selector = podSpec.value("nodeSelector", json::object());
        for (auto it = selector.begin(); it != selector.end(); ++it)
            nodeSelector += (nodeSelector.empty() ? "" : ",") + it.key() + "="
                + (it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
        return json::array(
            { name, intAt(o, "status", "desiredNumberScheduled"), intAt(o, "status", "currentNumberScheduled"),
                intAt(o, "status", "numberReady"), intAt(o, "status", "updatedNumberScheduled"),
                intAt(o, "status", "numberAvailable"), nodeSelector.empty() ? "<none>" : nodeSelector, age,
                joined(containers, "name"), joined(containers, "image"), selectorText(o) });
    }
    if (kind == "Job") {
        std::string state = "Running";
        for (const json& c : status.value("conditions", json::array()))
            if (c.value("status", "") == "True")
                state = c.value("type", "") == "Complete" ? "Complete"
                    : c.value("type", "") == "Failed"     ? "Failed"
                                                          : state;
        const int completions = intAt(o, "spec", "completions", intAt(o, "spec", "parallelism", 1));
        std::string duration;
        const QDateTime start
            = QDateTime::fromString(QString::fromStdString(status.value("startTime", "")), Qt::ISODate);
        const QDateTime end
            = QDateTime::fromString(QString::fromStdString(status.value("completionTime", "")), Qt::ISODate);
        if (start.isValid())
            duration = humanDuration((end.isValid() ? end.toMSecsSinceEpoch() : nowMs) - start.toMSecsSinceEpoch());
        return json::array(
            { name, state, std::to_string(intAt(o, "status", "succeeded")) + "/" + std::to_string(completions),
                duration, age, joined(containers, "name"), joined(containers, "image"), selectorText(o) });
    }
    if (kind == "CronJob") {
        const json spec = o.value("spec", json::object());
        return json::array({ name, spec.value("schedule", ""), spec.value("timeZone", "<none>"),
            spec.value("suspend", false), static_cast<int>(status.value("active", json::array()).size()),
            sinceOf(status.value("lastScheduleTime", json()), nowMs), age, joined(containers, "name"),
            joined(containers, "image"), "<none>" });
    }
    if (kind == "HorizontalPodAutoscaler") {
        const json spec = o.value("spec", json::object());
        const json target = spec.value("scaleTargetRef", json::object());
        std::string targets;
        for (const json& m : spec.value("metrics", json::array()))
            if (m.value("type", "") == "Resource") {
                const json r = m.value("resource", json::object());
                const json t = r.value("target", json::object());
                targets += (targets.empty() ? "" : ", ") + r.value("name", "") + ": <unknown>/"
                    + (t.contains("averageUtilization") ? std::to_string(t.value("averageUtilization", 0)) + "%"
                                                        : t.value("averageValue", std::string("?")));
            }
        return json::array({ name, target.value("kind", "") + "/" + target.value("name", ""),
            targets.empty() ? "<none>" : targets, std::to_string(spec.value("minReplicas", 1)),
            spec.value("maxReplicas", 0), intAt(o, "status", "currentReplicas"), age });
    }
    // Rollout
    return json::array({ name, intAt(o, "spec", "replicas", 1), intAt(o, "status", "replicas"),
        intAt(o, "status", "updatedReplicas"), intAt(o, "status", "availableReplicas"), age });
}

} // namespace

std::optional<json> scenarioTable(const std::string& kind, const std::vector<json>& objects, std::int64_t nowMs,
    IncludeObject include, const json& listMetadata)
{
    const auto found = columns().find(kind);
    if (found == columns().end())
        return std::nullopt;
    json defs = json::array();
    for (const Column& c : found->second) {
        // kubectl prefixes the "name"-format column with the kind when it prints several kinds.
        const std::string format = std::string(c.name) == "Name" ? "name" : c.type == std::string("date") ? "date" : "";
        defs.push_back({ { "name", c.name }, { "type", c.type }, { "format", format }, { "description", c.description },
            { "priority", c.priority } });
    }
    json rows = json::array();
    for (const json& o : objects) {
        json r = { { "cells", row(kind, o, nowMs) } };
        if (include == IncludeObject::Object)
            r["object"] = o;
        else if (include == IncludeObject::Metadata)
            r["object"] = { { "kind", "PartialObjectMetadata" }, { "apiVersion", "meta.k8s.io/v1" },
                { "metadata", o["metadata"] } };
        rows.push_back(std::move(r));
    }
    return json { { "kind", "Table" }, { "apiVersion", "meta.k8s.io/v1" }, { "metadata", listMetadata },
        { "columnDefinitions", defs }, { "rows", rows } };
}

} // namespace leakdesk::sandbox::scenario
