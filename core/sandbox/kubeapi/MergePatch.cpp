#include "core/sandbox/kubeapi/MergePatch.h"

#include <map>

namespace leakdesk::sandbox {

using nlohmann::json;

json applyMergePatch(const json& target, const json& patch)
{
    if (!patch.is_object())
        return patch;
    json out = target.is_object() ? target : json::object();
    for (auto it = patch.begin(); it != patch.end(); ++it) {
        if (it.value().is_null())
            out.erase(it.key());
        else
            out[it.key()] = applyMergePatch(out.contains(it.key()) ? out[it.key()] : json(), it.value());
    }
    return out;
}

std::string strategicMergeKey(const std::string& field)
{
    // From the patchMergeKey tags of k8s.io/api core/v1 and apps/v1.
    static const std::map<std::string, std::string> keys = {
        { "containers", "name" },
        { "initContainers", "name" },
        { "ephemeralContainers", "name" },
        { "env", "name" },
        { "ports", "containerPort" },
        { "volumes", "name" },
        { "volumeMounts", "mountPath" },
        { "volumeDevices", "devicePath" },
        { "imagePullSecrets", "name" },
        { "hostAliases", "ip" },
        { "topologySpreadConstraints", "topologyKey" },
        { "conditions", "type" },
        { "ownerReferences", "uid" },
        { "resourceClaims", "name" },
    };
    const auto it = keys.find(field);
    return it == keys.end() ? std::string() : it->second;
}

namespace {

Result<json> mergeObject(const json& target, const json& patch);

Result<json> mergeList(const std::string& field, const json& target, const json& patch, const json* order)
{
    const std::string key = strategicMergeKey(field);
    if (key.empty() || !patch.is_array())
        return patch; // atomic lists are replaced, as in a JSON merge patch
    json out = target.is_array() ? target : json::array();
    for (const json& item : patch) {
        if (!item.is_object() || !item.contains(key)) {
            // `$patch: replace` as a list item replaces the whole list with the other items.
            if (item.is_object() && item.value("$patch", "") == "replace") {
                json replaced = json::array();
                for (const json& other : patch)
                    if (!(other.is_object() && other.contains("$patch") && !other.contains(key)))
                        replaced.push_back(other);
                return replaced;
            }
            return makeError(ErrorCode::InvalidArgument,
                "the strategic merge patch item of '" + field + "' has no merge key '" + key + "'");
        }
        auto existing = std::find_if(out.begin(), out.end(),
            [&](const json& e) { return e.is_object() && e.contains(key) && e[key] == item[key]; });
        const std::string directive = item.value("$patch", "");
        if (directive == "delete") {
            if (existing != out.end())
                out.erase(existing);
            continue;
        }
        if (existing == out.end()) {
            auto merged = mergeObject(json::object(), item);
            if (!merged)
                return merged;
            out.push_back(std::move(*merged));
        } else {
            auto merged = mergeObject(*existing, item);
            if (!merged)
                return merged;
            *existing = std::move(*merged);
        }
    }
    if (order && order->is_array()) {
        // `$setElementOrder/<list>`: the listed keys first, in that order; others keep their place after.
        json ordered = json::array();
        for (const json& wanted : *order) {
            if (!wanted.is_object() || !wanted.contains(key))
                continue;
            for (const json& e : out)
                if (e.is_object() && e.contains(key) && e[key] == wanted[key])
                    ordered.push_back(e);
        }
        for (const json& e : out) {
            const bool listed = std::any_of(order->begin(), order->end(),
                [&](const json& w) { return w.is_object() && w.contains(key) && e.contains(key) && w[key] == e[key]; });
            if (!listed)
                ordered.push_back(e);
        }
        out = std::move(ordered);
    }
    return out;
}

Result<json> mergeObject(const json& target, const json& patch)
{
    if (!patch.is_object())
        return patch;
    if (patch.value("$patch", "") == "replace") {
        json replaced = patch;
        replaced.erase("$patch");
        return replaced;
    }
    if (patch.value("$patch", "") == "delete")
        return json(); // caller drops it
    json out = target.is_object() ? target : json::object();
    if (patch.contains("$retainKeys") && patch["$retainKeys"].is_array()) {
        json kept = json::object();
        for (const json& k : patch["$retainKeys"])
            if (k.is_string() && out.contains(k.get<std::string>()))
                kept[k.get<std::string>()] = out[k.get<std::string>()];
        out = std::move(kept);
    }
    for (auto it = patch.begin(); it != patch.end(); ++it) {
        const std::string& name = it.key();
        if (name == "$patch" || name == "$retainKeys" || name.rfind("$setElementOrder/", 0) == 0)
            continue;
        if (name.rfind("$deleteFromPrimitiveList/", 0) == 0) {
            const std::string list = name.substr(25);
            if (out.contains(list) && out[list].is_array() && it.value().is_array()) {
                json kept = json::array();
                for (const json& v : out[list])
                    if (std::find(it.value().begin(), it.value().end(), v) == it.value().end())
                        kept.push_back(v);
                out[list] = std::move(kept);
            }
            continue;
        }
        if (it.value().is_null()) {
            out.erase(name);
            continue;
        }
        const json current = out.contains(name) ? out[name] : json();
        Result<json> merged = json();
        if (it.value().is_array()) {
            const std::string orderKey = "$setElementOrder/" + name;
            merged = mergeList(name, current, it.value(), patch.contains(orderKey) ? &patch[orderKey] : nullptr);
        } else if (it.value().is_object()) {
            merged = mergeObject(current, it.value());
        } else {
            merged = it.value();
        }
        if (!merged)
            return merged;
        if (merged->is_null())
            out.erase(name);
        else
            out[name] = std::move(*merged);
    }
    // A `$setElementOrder` without a patch of its list only reorders it.
    for (auto it = patch.begin(); it != patch.end(); ++it) {
        if (it.key().rfind("$setElementOrder/", 0) != 0)
            continue;
        const std::string list = it.key().substr(17);
        if (!patch.contains(list) && out.contains(list)) {
            auto reordered = mergeList(list, out[list], json::array(), &it.value());
            if (reordered)
                out[list] = std::move(*reordered);
        }
    }
    return out;
}

// RFC 6901 JSON pointer into `doc`; returns the parent and the last token.
Result<std::pair<json*, std::string>> pointerParent(json& doc, const std::string& pointer)
{
    if (pointer.empty() || pointer[0] != '/')
        return makeError(ErrorCode::InvalidArgument, "invalid JSON pointer '" + pointer + "'");
    std::vector<std::string> tokens;
    std::string cur;
    for (std::size_t i = 1; i <= pointer.size(); ++i) {
        if (i == pointer.size() || pointer[i] == '/') {
            std::string t;
            for (std::size_t j = 0; j < cur.size(); ++j) {
                if (cur[j] == '~' && j + 1 < cur.size()) {
                    t += cur[j + 1] == '1' ? '/' : '~';
                    ++j;
                } else {
                    t += cur[j];
                }
            }
            tokens.push_back(t);
            cur.clear();
        } else {
            cur += pointer[i];
        }
    }
    json* node = &doc;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        const std::string& t = tokens[i];
        if (node->is_object() && node->contains(t)) {
            node = &(*node)[t];
        } else if (node->is_array() && !t.empty() && std::all_of(t.begin(), t.end(), ::isdigit)
            && std::stoul(t) < node->size()) {
            node = &(*node)[std::stoul(t)];
        } else {
            return makeError(ErrorCode::InvalidArgument, "JSON patch path '" + pointer + "' does not exist");
        }
    }
    return std::make_pair(node, tokens.back());
}

Result<json> getAt(json& doc, const std::string& pointer)
{
    auto parent = pointerParent(doc, pointer);
    if (!parent)
        return parent.error();
    json& p = *parent->first;
    const std::string& t = parent->second;
    if (p.is_object() && p.contains(t))
        return p[t];
    if (p.is_array() && !t.empty() && std::all_of(t.begin(), t.end(), ::isdigit) && std::stoul(t) < p.size())
        return p[std::stoul(t)];
    return makeError(ErrorCode::InvalidArgument, "JSON patch path '" + pointer + "' does not exist");
}

Status removeAt(json& doc, const std::string& pointer)
{
    auto parent = pointerParent(doc, pointer);
    if (!parent)
        return parent.error();
    json& p = *parent->first;
    const std::string& t = parent->second;
    if (p.is_object() && p.contains(t)) {
        p.erase(t);
        return Ok {};
    }
    if (p.is_array() && !t.empty() && std::all_of(t.begin(), t.end(), ::isdigit) && std::stoul(t) < p.size()) {
        p.erase(std::stoul(t));
        return Ok {};
    }
    return makeError(ErrorCode::InvalidArgument, "JSON patch cannot remove '" + pointer + "': it does not exist");
}

Status addAt(json& doc, const std::string& pointer, const json& value, bool replace)
{
    auto parent = pointerParent(doc, pointer);
    if (!parent)
        return parent.error();
    json& p = *parent->first;
    const std::string& t = parent->second;
    if (p.is_object()) {
        if (replace && !p.contains(t))
            return makeError(
                ErrorCode::InvalidArgument, "JSON patch cannot replace '" + pointer + "': it does not exist");
        p[t] = value;
        return Ok {};
    }
    if (p.is_array()) {
        if (t == "-" && !replace) {
            p.push_back(value);
            return Ok {};
        }
        if (t.empty() || !std::all_of(t.begin(), t.end(), ::isdigit) || std::stoul(t) > p.size()
            || (replace && std::stoul(t) == p.size()))
            return makeError(ErrorCode::InvalidArgument, "JSON patch index in '" + pointer + "' is out of range");
        if (replace)
            p[std::stoul(t)] = value;
        else
            p.insert(p.begin() + static_cast<std::ptrdiff_t>(std::stoul(t)), value);
        return Ok {};
    }
    return makeError(ErrorCode::InvalidArgument, "JSON patch path '" + pointer + "' does not exist");
}

} // namespace

Result<json> applyStrategicMergePatch(const json& target, const json& patch)
{
    if (!patch.is_object())
        return makeError(ErrorCode::InvalidArgument, "a strategic merge patch must be a JSON object");
    return mergeObject(target, patch);
}

Result<json> applyJsonPatch(const json& target, const json& patch)
{
    if (!patch.is_array())
        return makeError(ErrorCode::InvalidArgument, "a JSON patch must be an array of operations");
    json doc = target;
    for (const json& op : patch) {
        if (!op.is_object() || !op.contains("op") || !op.contains("path") || !op["path"].is_string())
            return makeError(ErrorCode::InvalidArgument, "a JSON patch operation needs 'op' and 'path'");
        const std::string name = op.value("op", "");
        const std::string path = op["path"].get<std::string>();
        Status st = Ok {};
        if (name == "add" || name == "replace") {
            if (!op.contains("value"))
                return makeError(ErrorCode::InvalidArgument, "JSON patch '" + name + "' needs a 'value'");
            st = addAt(doc, path, op["value"], name == "replace");
        } else if (name == "remove") {
            st = removeAt(doc, path);
        } else if (name == "move" || name == "copy") {
            auto value = getAt(doc, op.value("from", ""));
            if (!value)
                return value.error();
            if (name == "move")
                st = removeAt(doc, op.value("from", ""));
            if (st)
                st = addAt(doc, path, *value, false);
        } else if (name == "test") {
            auto value = getAt(doc, path);
            if (!value || *value != op.value("value", json()))
                return makeError(ErrorCode::Conflict, "JSON patch test failed at '" + path + "'");
        } else {
            return makeError(ErrorCode::InvalidArgument, "unknown JSON patch operation '" + name + "'");
        }
        if (!st)
            return st.error();
    }
    return doc;
}

} // namespace leakdesk::sandbox
