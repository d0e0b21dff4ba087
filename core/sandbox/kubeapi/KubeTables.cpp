#include "core/sandbox/kubeapi/KubeTables.h"
#include "core/sandbox/scenario/ScenarioTables.h"

#include <QDateTime>
#include <QString>

#include <map>

namespace leakdesk::sandbox {

using nlohmann::json;

namespace {

struct Column {
    const char* name;
    const char* type;
    const char* format;
    int priority;
    const char* description;
};

std::int64_t parseTime(const json& v)
{
    if (!v.is_string())
        return 0;
    return QDateTime::fromString(QString::fromStdString(v.get<std::string>()), Qt::ISODate).toMSecsSinceEpoch();
}

std::string age(const json& timestamp, std::int64_t nowMs)
{
    if (!timestamp.is_string())
        return "<unknown>";
    return humanDuration(nowMs - parseTime(timestamp));
}

std::string str(const json& v, const char* fallback = "<none>")
{
    return v.is_string() && !v.get<std::string>().empty() ? v.get<std::string>() : fallback;
}

std::string selectorText(const json& matchLabels)
{
    std::string out;
    for (auto it = matchLabels.begin(); it != matchLabels.end(); ++it) {
        if (!out.empty())
            out += ",";
        out += it.key() + "=" + it.value().get<std::string>();
    }
    return out.empty() ? "<none>" : out;
}

std::string containerNames(const json& podSpec, const char* field)
{
    std::string out;
    for (const auto& c : podSpec.value("containers", json::array())) {
        if (!out.empty())
            out += ",";
        out += c.value(field, "");
    }
    return out;
}

json podRow(const json& pod, std::int64_t nowMs)
{
    const json& status = pod["status"];
    int total = 0;
    int ready = 0;
    int restarts = 0;
    std::int64_t lastRestart = 0;
    std::string reason = status.value("phase", "Unknown");
    for (const auto& cs : status.value("containerStatuses", json::array())) {
        ++total;
        if (cs.value("ready", false))
            ++ready;
        restarts += cs.value("restartCount", 0);
        const json& last = cs["lastState"];
        if (last.contains("terminated"))
            lastRestart = std::max(lastRestart, parseTime(last["terminated"]["finishedAt"]));
        if (cs["state"].contains("waiting") && cs["state"]["waiting"].contains("reason"))
            reason = cs["state"]["waiting"]["reason"].get<std::string>();
        else if (cs["state"].contains("terminated"))
            reason = cs["state"]["terminated"].value("reason", "Terminated");
    }
    // What kubectl's printer shows for a pod being deleted, whatever its containers do.
    if (pod["metadata"].contains("deletionTimestamp"))
        reason = "Terminating";
    std::string restartText = std::to_string(restarts);
    if (restarts != 0 && lastRestart != 0)
        restartText += " (" + humanDuration(nowMs - lastRestart) + " ago)";
    return json::array({ pod["metadata"]["name"], std::to_string(ready) + "/" + std::to_string(total), reason,
        restartText, age(pod["metadata"]["creationTimestamp"], nowMs), str(status["podIP"]),
        str(pod["spec"]["nodeName"]), "<none>", "<none>" });
}

// events.k8s.io/v1 names the fields of a core/v1 Event differently; the API server prints both
// with the same columns.
json asCoreEvent(const json& v1)
{
    auto field
        = [&](const char* key, json fallback) { return v1.contains(key) && !v1[key].is_null() ? v1[key] : fallback; };
    return { { "metadata", field("metadata", json::object()) },
        { "involvedObject", field("regarding", json::object()) }, { "type", field("type", "") },
        { "reason", field("reason", "") }, { "message", field("note", "") },
        { "firstTimestamp", field("deprecatedFirstTimestamp", field("eventTime", "")) },
        { "lastTimestamp", field("deprecatedLastTimestamp", nullptr) },
        { "count",
            v1.contains("deprecatedCount") && v1["deprecatedCount"].is_number_integer() ? v1["deprecatedCount"]
                                                                                        : json(1) },
        { "source", field("deprecatedSource", json::object()) } };
}

json eventRow(const json& in, std::int64_t nowMs)
{
    const json e = in.contains("regarding") ? asCoreEvent(in) : in;
    const std::string first = age(e["firstTimestamp"], nowMs);
    const std::string last = e["lastTimestamp"].is_string() ? age(e["lastTimestamp"], nowMs) : first;
    const json& obj = e["involvedObject"];
    std::string kind = obj.value("kind", "");
    for (auto& c : kind)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string target = obj.value("name", "").empty() ? kind : kind + "/" + obj.value("name", "");
    std::string source = e["source"].value("component", "");
    if (!e["source"].value("host", "").empty())
        source += ", " + e["source"].value("host", "");
    return json::array({ last, e["type"], e["reason"], target, obj.value("fieldPath", ""), source, e["message"], first,
        e.value("count", 1), e["metadata"]["name"] });
}

json deploymentRow(const json& d, std::int64_t nowMs)
{
    const json& st = d["status"];
    const json& podSpec = d["spec"]["template"]["spec"];
    return json::array({ d["metadata"]["name"],
        std::to_string(st.value("readyReplicas", 0)) + "/" + std::to_string(d["spec"].value("replicas", 0)),
        st.value("updatedReplicas", 0), st.value("availableReplicas", 0),
        age(d["metadata"]["creationTimestamp"], nowMs), containerNames(podSpec, "name"),
        containerNames(podSpec, "image"), selectorText(d["spec"]["selector"]["matchLabels"]) });
}

json replicaSetRow(const json& rs, std::int64_t nowMs)
{
    const json& st = rs["status"];
    const json& podSpec = rs["spec"]["template"]["spec"];
    return json::array({ rs["metadata"]["name"], rs["spec"].value("replicas", 0), st.value("replicas", 0),
        st.value("readyReplicas", 0), age(rs["metadata"]["creationTimestamp"], nowMs), containerNames(podSpec, "name"),
        containerNames(podSpec, "image"), selectorText(rs["spec"]["selector"]["matchLabels"]) });
}

json nodeRow(const json& n, std::int64_t nowMs)
{
    std::string ip = "<none>";
    for (const auto& a : n["status"]["addresses"])
        if (a.value("type", "") == "InternalIP")
            ip = a.value("address", "<none>");
    const json& info = n["status"]["nodeInfo"];
    return json::array({ n["metadata"]["name"], "Ready", "<none>", age(n["metadata"]["creationTimestamp"], nowMs),
        info["kubeletVersion"], ip, "<none>", info["osImage"], info["kernelVersion"],
        info["containerRuntimeVersion"] });
}

json serviceRow(const json& svc, std::int64_t nowMs)
{
    const json& spec = svc["spec"];
    std::string ports;
    for (const json& p : spec.value("ports", json::array())) {
        if (!ports.empty())
            ports += ",";
        ports += std::to_string(p.value("port", 0));
        if (p.contains("nodePort"))
            ports += ":" + std::to_string(p.value("nodePort", 0));
        ports += "/" + p.value("protocol", std::string("TCP"));
    }
    std::string selector;
    const json sel = spec.value("selector", json::object());
    for (auto it = sel.begin(); it != sel.end(); ++it)
        selector += (selector.empty() ? "" : ",") + it.key() + "=" + it.value().get<std::string>();
    return json::array({ svc["metadata"]["name"], spec.value("type", "ClusterIP"), spec.value("clusterIP", "<none>"),
        "<none>", ports.empty() ? "<none>" : ports, age(svc["metadata"]["creationTimestamp"], nowMs),
        selector.empty() ? "<none>" : selector });
}

// As kubectl prints them: ip:port, at most three, then "+ N more...".
json endpointsRow(const json& ep, std::int64_t nowMs)
{
    std::vector<std::string> all;
    for (const json& subset : ep.value("subsets", json::array()))
        for (const json& a : subset.value("addresses", json::array()))
            for (const json& p : subset.value("ports", json::array()))
                all.push_back(a.value("ip", "") + ":" + std::to_string(p.value("port", 0)));
    std::string text;
    for (std::size_t i = 0; i < all.size() && i < 3; ++i)
        text += (i ? "," : "") + all[i];
    if (all.size() > 3)
        text += " + " + std::to_string(all.size() - 3) + " more...";
    return json::array({ ep["metadata"]["name"], text.empty() ? "<none>" : text,
        age(ep["metadata"]["creationTimestamp"], nowMs) });
}

// As kubectl prints them: the first three addresses, then "+ N more...".
json endpointSliceRow(const json& slice, std::int64_t nowMs)
{
    std::vector<std::string> addresses;
    for (const json& e : slice.value("endpoints", json::array()))
        for (const json& a : e.value("addresses", json::array()))
            addresses.push_back(a.get<std::string>());
    std::string text;
    for (std::size_t i = 0; i < addresses.size() && i < 3; ++i)
        text += (i ? "," : "") + addresses[i];
    if (addresses.size() > 3)
        text += " + " + std::to_string(addresses.size() - 3) + " more...";
    std::string ports;
    for (const json& p : slice.value("ports", json::array()))
        ports += (ports.empty() ? "" : ",") + std::to_string(p.value("port", 0));
    return json::array({ slice["metadata"]["name"], slice.value("addressType", ""), ports.empty() ? "<unset>" : ports,
        text.empty() ? "<unset>" : text, age(slice["metadata"]["creationTimestamp"], nowMs) });
}

const std::map<std::string, std::vector<Column>>& columnsByKind()
{
    static const std::map<std::string, std::vector<Column>> columns = {
        { "Pod",
            { { "Name", "string", "name", 0, "Name must be unique within a namespace." },
                { "Ready", "string", "", 0, "The aggregate readiness state of this pod for accepting traffic." },
                { "Status", "string", "", 0, "The aggregate status of the containers in this pod." },
                { "Restarts", "string", "", 0,
                    "The number of times the containers in this pod have been restarted and when the last container "
                    "in this pod has restarted." },
                { "Age", "string", "", 0,
                    "CreationTimestamp is a timestamp representing the server time when this "
                    "object was created." },
                { "IP", "string", "", 1, "podIP address allocated to the pod." },
                { "Node", "string", "", 1, "NodeName is a request to schedule this pod onto a specific node." },
                { "Nominated Node", "string", "", 1, "nominatedNodeName is set when this pod preempts other pods." },
                { "Readiness Gates", "string", "", 1, "If specified, all readiness gates will be evaluated." } } },
        { "Event",
            { { "Last Seen", "string", "", 0,
                  "The time at which the most recent occurrence of this event was recorded." },
                { "Type", "string", "", 0, "Type of this event (Normal, Warning)." },
                { "Reason", "string", "", 0, "This should be a short, machine understandable string." },
                { "Object", "string", "", 0, "The object that this event is about." },
                { "Subobject", "string", "", 1, "The subobject that this event is about." },
                { "Source", "string", "", 1, "The component reporting this event." },
                { "Message", "string", "", 0, "A human-readable description of the status of this operation." },
                { "First Seen", "string", "", 1, "The time at which the event was first recorded." },
                { "Count", "string", "", 1, "The number of times this event has occurred." },
                { "Name", "string", "name", 1, "Name must be unique within a namespace." } } },
        { "Deployment",
            { { "Name", "string", "name", 0, "Name must be unique within a namespace." },
                { "Ready", "string", "", 0, "Number of the pod with ready state" },
                { "Up-to-date", "string", "", 0, "Total number of non-terminated pods targeted by this deployment." },
                { "Available", "string", "", 0, "Total number of available pods targeted by this deployment." },
                { "Age", "string", "", 0, "CreationTimestamp of the object." },
                { "Containers", "string", "", 1, "Names of each container in the template." },
                { "Images", "string", "", 1, "Images referenced by each container in the template." },
                { "Selector", "string", "", 1, "Label selector for pods." } } },
        { "ReplicaSet",
            { { "Name", "string", "name", 0, "Name must be unique within a namespace." },
                { "Desired", "integer", "", 0, "Replicas is the number of desired replicas." },
                { "Current", "integer", "", 0, "Replicas is the most recently observed number of replicas." },
                { "Ready", "integer", "", 0, "The number of ready replicas for this replica set." },
                { "Age", "string", "", 0, "CreationTimestamp of the object." },
                { "Containers", "string", "", 1, "Names of each container in the template." },
                { "Images", "string", "", 1, "Images referenced by each container in the template." },
                { "Selector", "string", "", 1, "Label selector for pods." } } },
        { "Node",
            { { "Name", "string", "name", 0, "Name must be unique." },
                { "Status", "string", "", 0, "The status of the node" },
                { "Roles", "string", "", 0, "The roles of the node" },
                { "Age", "string", "", 0, "CreationTimestamp of the object." },
                { "Version", "string", "", 0, "Kubelet Version reported by the node." },
                { "Internal-IP", "string", "", 1, "List of addresses reachable to the node." },
                { "External-IP", "string", "", 1, "List of addresses reachable to the node." },
                { "OS-Image", "string", "", 1, "OS Image reported by the node." },
                { "Kernel-Version", "string", "", 1, "Kernel Version reported by the node." },
                { "Container-Runtime", "string", "", 1, "Container Runtime Version reported by the node." } } },
        { "Service",
            { { "Name", "string", "name", 0, "Name must be unique within a namespace." },
                { "Type", "string", "", 0, "The type of the service." },
                { "Cluster-IP", "string", "", 0, "The cluster IP address of the service." },
                { "External-IP", "string", "", 0, "The external IP address of the service." },
                { "Port(s)", "string", "", 0, "The ports on which the service is exposed." },
                { "Age", "string", "", 0, "CreationTimestamp of the object." },
                { "Selector", "string", "", 1, "Route service traffic to pods with label keys and values matching "
                                                "this selector." } } },
        { "Endpoints",
            { { "Name", "string", "name", 0, "Name must be unique within a namespace." },
                { "Endpoints", "string", "", 0, "Endpoints of the resource." },
                { "Age", "string", "", 0, "CreationTimestamp of the object." } } },
        { "EndpointSlice",
            { { "Name", "string", "name", 0, "Name must be unique within a namespace." },
                { "AddressType", "string", "", 0, "The IP protocol for this slice" },
                { "Ports", "string", "", 0, "The ports for this slice" },
                { "Endpoints", "string", "", 0, "First 3 endpoints for this slice" },
                { "Age", "string", "", 0, "CreationTimestamp of the object." } } },
        { "Namespace",
            { { "Name", "string", "name", 0, "Name must be unique." },
                { "Status", "string", "", 0, "The status of the namespace" },
                { "Age", "string", "", 0, "CreationTimestamp of the object." } } },
    };
    return columns;
}

} // namespace

std::string humanDuration(std::int64_t ms)
{
    const std::int64_t seconds = ms / 1000;
    if (seconds < -1)
        return "<invalid>";
    if (seconds < 0)
        return "0s";
    if (seconds < 60 * 2)
        return std::to_string(seconds) + "s";
    const std::int64_t minutes = seconds / 60;
    if (minutes < 10) {
        const std::int64_t s = seconds % 60;
        return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
    }
    if (minutes < 60 * 3)
        return std::to_string(minutes) + "m";
    const std::int64_t hours = minutes / 60;
    if (hours < 8) {
        const std::int64_t m = minutes % 60;
        return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
    }
    if (hours < 48)
        return std::to_string(hours) + "h";
    if (hours < 24 * 8) {
        const std::int64_t h = hours % 24;
        return h == 0 ? std::to_string(hours / 24) + "d" : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
    }
    if (hours < 24 * 365 * 2)
        return std::to_string(hours / 24) + "d";
    if (hours < 24 * 365 * 8) {
        const std::int64_t dy = (hours / 24) % 365;
        return dy == 0 ? std::to_string(hours / 24 / 365) + "y"
                       : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
    }
    return std::to_string(hours / 24 / 365) + "y";
}

json makeTable(const std::string& kind, const std::vector<json>& objects, std::int64_t nowMs, IncludeObject include,
    const json& listMetadata)
{
    // The kinds only scenarios serve have printers of their own.
    if (auto table = scenario::scenarioTable(kind, objects, nowMs, include, listMetadata))
        return *table;
    static const std::vector<Column> defaultColumns = {
        { "Name", "string", "name", 0, "Name must be unique within a namespace." },
        { "Created At", "date", "", 0, "CreationTimestamp of the object." },
    };
    const auto found = columnsByKind().find(kind);
    const std::vector<Column>& columns = found == columnsByKind().end() ? defaultColumns : found->second;
    json defs = json::array();
    for (const Column& c : columns)
        defs.push_back({ { "name", c.name }, { "type", c.type }, { "format", c.format },
            { "description", c.description }, { "priority", c.priority } });
    json rows = json::array();
    for (const json& o : objects) {
        json cells;
        if (kind == "Pod")
            cells = podRow(o, nowMs);
        else if (kind == "Event")
            cells = eventRow(o, nowMs);
        else if (kind == "Deployment")
            cells = deploymentRow(o, nowMs);
        else if (kind == "ReplicaSet")
            cells = replicaSetRow(o, nowMs);
        else if (kind == "Node")
            cells = nodeRow(o, nowMs);
        else if (kind == "Service")
            cells = serviceRow(o, nowMs);
        else if (kind == "Endpoints")
            cells = endpointsRow(o, nowMs);
        else if (kind == "EndpointSlice")
            cells = endpointSliceRow(o, nowMs);
        else if (kind == "Namespace")
            cells = json::array({ o["metadata"]["name"], "Active", age(o["metadata"]["creationTimestamp"], nowMs) });
        else
            cells = json::array({ o["metadata"]["name"], o["metadata"].value("creationTimestamp", "") });
        json row = { { "cells", cells } };
        if (include == IncludeObject::Object)
            row["object"] = o;
        else if (include == IncludeObject::Metadata)
            row["object"] = { { "kind", "PartialObjectMetadata" }, { "apiVersion", "meta.k8s.io/v1" },
                { "metadata", o["metadata"] } };
        rows.push_back(std::move(row));
    }
    return json { { "kind", "Table" }, { "apiVersion", "meta.k8s.io/v1" }, { "metadata", listMetadata },
        { "columnDefinitions", defs }, { "rows", rows } };
}

} // namespace leakdesk::sandbox
