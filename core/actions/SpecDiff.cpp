#include "core/actions/SpecDiff.h"

#include <set>

namespace leakdesk::actions {

using nlohmann::json;

namespace {

const std::string kNone = "<none>";

std::string leafText(const json& v)
{
    if (v.is_string())
        return v.get<std::string>();
    return v.dump();
}

// Keys that are not plain identifiers (annotation names with dots and slashes) are bracketed so
// the path stays unambiguous: annotations[kubectl.kubernetes.io/restartedAt].
std::string child(const std::string& path, const std::string& key)
{
    const bool plain = !key.empty() && key.find_first_of("./[] ") == std::string::npos;
    return plain ? path + "." + key : path + "[" + key + "]";
}

bool keyedByName(const json& list)
{
    std::set<std::string> seen;
    for (const json& item : list)
        if (!item.is_object() || !item.contains("name") || !item["name"].is_string()
            || !seen.insert(item["name"].get<std::string>()).second)
            return false;
    return true;
}

void diff(const json* before, const json* after, const std::string& path, std::vector<SpecChange>& out);

// One side is missing: every leaf of the other side is an addition (or a removal).
void oneSided(const json& v, const std::string& path, bool added, std::vector<SpecChange>& out)
{
    if (v.is_object() && !v.empty()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            oneSided(it.value(), child(path, it.key()), added, out);
        return;
    }
    if (v.is_array() && !v.empty() && keyedByName(v)) {
        // The name is already in the path; an item that is nothing but its name shows as "{}".
        for (const json& item : v) {
            json rest = item;
            rest.erase("name");
            oneSided(rest, path + "[" + item["name"].get<std::string>() + "]", added, out);
        }
        return;
    }
    out.push_back(added ? SpecChange { path, kNone, leafText(v) } : SpecChange { path, leafText(v), kNone });
}

void diff(const json* before, const json* after, const std::string& path, std::vector<SpecChange>& out)
{
    if (!before && !after)
        return;
    if (!before)
        return oneSided(*after, path, true, out);
    if (!after)
        return oneSided(*before, path, false, out);
    if (*before == *after)
        return;
    if (before->is_object() && after->is_object()) {
        for (auto it = before->begin(); it != before->end(); ++it)
            diff(&it.value(), after->contains(it.key()) ? &(*after)[it.key()] : nullptr, child(path, it.key()), out);
        for (auto it = after->begin(); it != after->end(); ++it)
            if (!before->contains(it.key()))
                diff(nullptr, &it.value(), child(path, it.key()), out);
        return;
    }
    if (before->is_array() && after->is_array()) {
        if (keyedByName(*before) && keyedByName(*after)) {
            auto find = [](const json& list, const std::string& name) -> const json* {
                for (const json& item : list)
                    if (item["name"] == name)
                        return &item;
                return nullptr;
            };
            // An item only on one side is listed without its name, which is already in the path.
            auto withoutName = [](json item) {
                item.erase("name");
                return item;
            };
            for (const json& item : *before) {
                const std::string name = item["name"].get<std::string>();
                if (const json* other = find(*after, name))
                    diff(&item, other, path + "[" + name + "]", out);
                else
                    oneSided(withoutName(item), path + "[" + name + "]", false, out);
            }
            for (const json& item : *after) {
                const std::string name = item["name"].get<std::string>();
                if (!find(*before, name))
                    oneSided(withoutName(item), path + "[" + name + "]", true, out);
            }
            return;
        }
        if (before->size() == after->size()) {
            for (std::size_t i = 0; i < before->size(); ++i)
                diff(&(*before)[i], &(*after)[i], path + "[" + std::to_string(i) + "]", out);
            return;
        }
    }
    out.push_back({ path, leafText(*before), leafText(*after) });
}

} // namespace

std::string SpecChange::toString() const
{
    return path + ": " + before + " → " + after;
}

std::vector<SpecChange> diffJson(const json& before, const json& after, const std::string& root)
{
    std::vector<SpecChange> out;
    diff(before.is_null() ? nullptr : &before, after.is_null() ? nullptr : &after, root, out);
    return out;
}

std::vector<SpecChange> diffDeploymentSpec(const json& before, const json& after)
{
    const json none;
    const json& b = before.is_object() && before.contains("spec") ? before["spec"] : none;
    const json& a = after.is_object() && after.contains("spec") ? after["spec"] : none;
    return diffJson(b, a, "spec");
}

} // namespace leakdesk::actions
