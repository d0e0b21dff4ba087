#include "core/actions/MitigatedFields.h"

#include "core/common/Quantity.h"
#include "core/kube/JsonAccess.h"
#include "core/kube/KubeObjects.h"

#include <map>

namespace leakdesk::actions {

using kube::jsonAt;
using kube::jsonString;
using nlohmann::json;

namespace {

constexpr std::string_view kResources = "resources.";
constexpr std::string_view kEnv = "env.";
constexpr std::string_view kAnnotations = "annotations.";

bool startsWith(const std::string& s, std::string_view prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> split(const std::string& dotted)
{
    std::vector<std::string> parts;
    std::size_t from = 0;
    while (from <= dotted.size()) {
        const std::size_t dot = dotted.find('.', from);
        parts.push_back(dotted.substr(from, dot == std::string::npos ? std::string::npos : dot - from));
        if (dot == std::string::npos)
            break;
        from = dot + 1;
    }
    return parts;
}

std::optional<std::string> textOf(const json& v)
{
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_number())
        return v.dump(); // a quantity written as a number
    return std::nullopt;
}

// fieldsV1 keys of a list item addressed by name: k:{"name":"checkout"}.
bool isItemNamed(const std::string& fieldsKey, const std::string& name)
{
    if (!startsWith(fieldsKey, "k:"))
        return false;
    const json k = json::parse(fieldsKey.substr(2), nullptr, false);
    return k.is_object() && k.contains("name") && k["name"] == name;
}

// One step of a managedFields path: "f:<field>" or the list item named <name>.
struct FieldsStep {
    std::string field;
    std::string itemName;
};

std::vector<FieldsStep> fieldsPath(const std::string& container, const std::string& key, bool initContainer)
{
    if (startsWith(key, kAnnotations))
        return { { "spec", {} }, { "template", {} }, { "metadata", {} }, { "annotations", {} },
            { key.substr(kAnnotations.size()), {} } };
    std::vector<FieldsStep> path { { "spec", {} }, { "template", {} }, { "spec", {} },
        { initContainer ? "initContainers" : "containers", {} }, { {}, container } };
    if (startsWith(key, kEnv)) {
        path.push_back({ "env", {} });
        path.push_back({ {}, key.substr(kEnv.size()) });
        return path;
    }
    for (auto& part : split(key))
        path.push_back({ part, {} });
    return path;
}

bool ownsPath(const json& fields, const std::vector<FieldsStep>& path)
{
    const json* at = &fields;
    for (const FieldsStep& step : path) {
        if (!at->is_object())
            return false;
        const json* next = nullptr;
        if (!step.field.empty()) {
            auto it = at->find("f:" + step.field);
            if (it != at->end())
                next = &*it;
        } else {
            for (auto it = at->begin(); it != at->end() && !next; ++it)
                if (isItemNamed(it.key(), step.itemName))
                    next = &*it;
        }
        if (!next)
            return false;
        at = next;
    }
    return true;
}

} // namespace

bool isContainerField(const std::string& key)
{
    return !startsWith(key, kAnnotations);
}

std::vector<std::string> containerNamesOf(const json& deployment)
{
    std::vector<std::string> names;
    const json& containers = jsonAt(deployment, { "spec", "template", "spec", "containers" });
    if (containers.is_array())
        for (const json& c : containers)
            if (!jsonString(c, { "name" }).empty())
                names.push_back(jsonString(c, { "name" }));
    return names;
}

namespace {

const json* namedIn(const json& list, const std::string& name)
{
    if (list.is_array())
        for (const json& c : list)
            if (jsonString(c, { "name" }) == name)
                return &c;
    return nullptr;
}

} // namespace

const json& containerNamed(const json& deployment, const std::string& name)
{
    static const json none;
    if (const json* c = namedIn(jsonAt(deployment, { "spec", "template", "spec", "containers" }), name))
        return *c;
    if (const json* c = namedIn(jsonAt(deployment, { "spec", "template", "spec", "initContainers" }), name))
        return *c;
    return none;
}

bool hasContainer(const json& deployment, const std::string& container)
{
    return containerNamed(deployment, container).is_object();
}

bool isInitContainer(const json& workload, const std::string& container)
{
    return !namedIn(jsonAt(workload, { "spec", "template", "spec", "containers" }), container)
        && namedIn(jsonAt(workload, { "spec", "template", "spec", "initContainers" }), container);
}

std::optional<std::string> readMitigatedField(
    const json& deployment, const std::string& container, const std::string& key)
{
    if (startsWith(key, kAnnotations)) {
        const json& annotations = jsonAt(deployment, { "spec", "template", "metadata", "annotations" });
        const std::string name = key.substr(kAnnotations.size());
        return annotations.is_object() && annotations.contains(name) ? textOf(annotations[name]) : std::nullopt;
    }
    const json& c = containerNamed(deployment, container);
    if (!c.is_object())
        return std::nullopt;
    if (startsWith(key, kEnv)) {
        const std::string name = key.substr(kEnv.size());
        std::optional<std::string> value;
        const json& env = jsonAt(c, { "env" });
        if (env.is_array())
            for (const json& e : env) { // the last one of a name wins, as in the kubelet
                if (jsonString(e, { "name" }) != name)
                    continue;
                if (e.contains("valueFrom"))
                    value = "valueFrom " + e["valueFrom"].dump();
                else
                    value = textOf(jsonAt(e, { "value" })).value_or(std::string()); // no value: the empty string
            }
        return value;
    }
    const json* at = &c;
    for (const auto& part : split(key)) {
        if (!at->is_object() || !at->contains(part))
            return std::nullopt;
        at = &(*at)[part];
    }
    return textOf(*at);
}

bool sameFieldValue(const std::string& key, const std::optional<std::string>& a, const std::optional<std::string>& b)
{
    if (!a || !b)
        return !a && !b;
    if (*a == *b)
        return true;
    if (startsWith(key, kResources) && key.size() > 7 && key.compare(key.size() - 7, 7, ".memory") == 0) {
        const auto x = parseMemoryBytes(*a);
        const auto y = parseMemoryBytes(*b);
        return x && y && *x == *y;
    }
    return false;
}

std::string mitigatedFieldPath(const std::string& container, const std::string& key)
{
    if (startsWith(key, kAnnotations))
        return "spec.template.metadata.annotations[" + key.substr(kAnnotations.size()) + "]";
    const std::string c = "spec.template.spec.containers[" + container + "]";
    if (startsWith(key, kEnv))
        return c + ".env[" + key.substr(kEnv.size()) + "].value";
    return c + "." + key;
}

json patchForFields(const std::vector<FieldValue>& fields, const json& workload)
{
    std::map<std::string, json> containers; // by name, in name order: a stable patch
    json annotations = json::object();
    for (const FieldValue& f : fields) {
        if (startsWith(f.key, kAnnotations)) {
            annotations[f.key.substr(kAnnotations.size())] = f.value ? json(*f.value) : json(nullptr);
            continue;
        }
        json& c = containers[f.container];
        c["name"] = f.container;
        if (startsWith(f.key, kEnv)) {
            // env is a list merged by name: a `$patch: delete` item removes the variable.
            const std::string name = f.key.substr(kEnv.size());
            c["env"].push_back(f.value ? json { { "name", name }, { "value", *f.value } }
                                       : json { { "name", name }, { "$patch", "delete" } });
            continue;
        }
        json* at = &c;
        for (const auto& part : split(f.key))
            at = &(*at)[part];
        *at = f.value ? json(*f.value) : json(nullptr);
    }
    json patch = json::object();
    if (!annotations.empty())
        patch["spec"]["template"]["metadata"]["annotations"] = annotations;
    // Strategic merge matches list items by name within their own list: a native sidecar's fields
    // sent under `containers` would add a second container of that name instead.
    json regular = json::array();
    json inits = json::array();
    for (auto& entry : containers)
        (isInitContainer(workload, entry.first) ? inits : regular).push_back(std::move(entry.second));
    if (!regular.empty())
        patch["spec"]["template"]["spec"]["containers"] = std::move(regular);
    if (!inits.empty())
        patch["spec"]["template"]["spec"]["initContainers"] = std::move(inits);
    return patch;
}

std::string FieldWriter::toString() const
{
    return "\"" + manager + "\"" + (time.empty() ? std::string() : " at " + time);
}

std::optional<FieldWriter> fieldWriter(
    const json& deployment, const std::string& container, const std::string& key, const std::string& ourManager)
{
    const json& managed = jsonAt(deployment, { "metadata", "managedFields" });
    if (!managed.is_array())
        return std::nullopt;
    const auto path = fieldsPath(container, key, isInitContainer(deployment, container));
    std::optional<FieldWriter> owner;
    std::optional<FieldWriter> latest;
    for (const json& m : managed) {
        const std::string manager = jsonString(m, { "manager" });
        // The controller's status writes go to the status subresource: they never touch the spec.
        if (manager.empty() || manager == ourManager || jsonString(m, { "subresource" }) == "status")
            continue;
        FieldWriter w { manager, jsonString(m, { "time" }), false };
        // >=: with equal times (second precision) the later entry is the later write.
        if (!latest || kube::parseTimestampMs(w.time) >= kube::parseTimestampMs(latest->time))
            latest = w;
        if (ownsPath(jsonAt(m, { "fieldsV1" }), path)) {
            w.ownsField = true;
            if (!owner || kube::parseTimestampMs(w.time) >= kube::parseTimestampMs(owner->time))
                owner = w;
        }
    }
    return owner ? owner : latest;
}

} // namespace leakdesk::actions
