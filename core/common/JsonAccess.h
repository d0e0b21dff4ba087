#pragma once
// Tolerant reads of JSON by a path of object keys: a missing field or one of an unexpected type
// reads as null or "", never as an exception. Kubernetes objects (core/kube, which differ by
// version and by controller) and the free-form parts of incident files are read this way.

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>

namespace leakdesk {

inline const nlohmann::json& jsonAt(const nlohmann::json& j, std::initializer_list<const char*> keys)
{
    static const nlohmann::json none;
    const nlohmann::json* cur = &j;
    for (const char* k : keys) {
        if (!cur->is_object())
            return none;
        auto it = cur->find(k);
        if (it == cur->end())
            return none;
        cur = &*it;
    }
    return *cur;
}

inline std::string jsonString(const nlohmann::json& j, std::initializer_list<const char*> keys)
{
    const nlohmann::json& v = jsonAt(j, keys);
    return v.is_string() ? v.get<std::string>() : std::string();
}

} // namespace leakdesk
