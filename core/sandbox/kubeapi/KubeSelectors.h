#pragma once
// Kubernetes label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors
// (=, ==, !=), parsed as the API server does and matched against plain values.

#include "core/common/Result.h"

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::sandbox {

class LabelSelector {
public:
    enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist };
    struct Requirement {
        std::string key;
        Op op = Op::Equals;
        std::set<std::string> values;
    };

    static Result<LabelSelector> parse(std::string_view text);
    bool matches(const std::map<std::string, std::string>& labels) const;
    bool empty() const { return m_requirements.empty(); }
    const std::vector<Requirement>& requirements() const { return m_requirements; }

private:
    std::vector<Requirement> m_requirements;
};

class FieldSelector {
public:
    struct Requirement {
        std::string field;
        bool negated = false;
        std::string value;
    };
    // Looks a field up on an object; nullopt means the resource does not support that field.
    using FieldLookup = std::function<std::optional<std::string>(const std::string& field)>;

    static Result<FieldSelector> parse(std::string_view text);
    // Error "field label not supported: X" (the API server's wording) for an unsupported field.
    Result<bool> matches(const FieldLookup& lookup) const;
    bool empty() const { return m_requirements.empty(); }

private:
    std::vector<Requirement> m_requirements;
};

} // namespace leakdesk::sandbox
