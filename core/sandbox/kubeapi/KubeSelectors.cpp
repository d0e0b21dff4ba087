#include "core/sandbox/kubeapi/KubeSelectors.h"

#include <cctype>
#include <regex>

namespace leakdesk::sandbox {

namespace {

std::string trim(std::string_view s)
{
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
        ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
        --e;
    return std::string(s.substr(b, e - b));
}

// Splits at commas outside parentheses ("a in (x,y),b" is two requirements).
std::vector<std::string> splitTopLevel(std::string_view s)
{
    std::vector<std::string> parts;
    int depth = 0;
    std::string cur;
    for (char c : s) {
        if (c == '(')
            ++depth;
        if (c == ')')
            --depth;
        if (c == ',' && depth == 0) {
            parts.push_back(trim(cur));
            cur.clear();
        } else {
            cur.push_back(c);
        }
    }
    parts.push_back(trim(cur));
    return parts;
}

bool validKey(const std::string& key)
{
    static const std::regex re(R"(^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$)");
    return key.size() <= 316 && std::regex_match(key, re);
}

bool validValue(const std::string& value)
{
    static const std::regex re(R"(^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$)");
    return value.size() <= 63 && std::regex_match(value, re);
}

Error selectorError(const std::string& text, const std::string& why)
{
    return makeError(ErrorCode::InvalidArgument, "unable to parse requirement: " + why,
        "in selector \"" + text + "\"; the syntax is key=value, key!=value, key in (a,b), key notin (a,b), key, !key");
}

} // namespace

Result<LabelSelector> LabelSelector::parse(std::string_view text)
{
    LabelSelector sel;
    const std::string all = trim(text);
    if (all.empty())
        return sel;
    static const std::regex setRe(R"(^(\S+)\s+(in|notin)\s*\(([^()]*)\)$)");
    for (const std::string& part : splitTopLevel(all)) {
        if (part.empty())
            return selectorError(all, "empty requirement");
        Requirement r;
        std::smatch m;
        if (std::regex_match(part, m, setRe)) {
            r.key = m[1].str();
            r.op = m[2].str() == "in" ? Op::In : Op::NotIn;
            for (const std::string& v : splitTopLevel(m[3].str())) {
                if (!validValue(v))
                    return selectorError(all, "invalid label value: \"" + v + "\"");
                r.values.insert(v);
            }
        } else if (part[0] == '!') {
            r.key = trim(std::string_view(part).substr(1));
            r.op = Op::DoesNotExist;
        } else if (auto pos = part.find("!="); pos != std::string::npos) {
            r.key = trim(std::string_view(part).substr(0, pos));
            r.op = Op::NotEquals;
            r.values.insert(trim(std::string_view(part).substr(pos + 2)));
        } else if (auto pos2 = part.find("=="); pos2 != std::string::npos) {
            r.key = trim(std::string_view(part).substr(0, pos2));
            r.values.insert(trim(std::string_view(part).substr(pos2 + 2)));
        } else if (auto pos3 = part.find('='); pos3 != std::string::npos) {
            r.key = trim(std::string_view(part).substr(0, pos3));
            r.values.insert(trim(std::string_view(part).substr(pos3 + 1)));
        } else {
            r.key = part;
            r.op = Op::Exists;
        }
        if (!validKey(r.key))
            return selectorError(all, "invalid label key \"" + r.key + "\"");
        for (const auto& v : r.values)
            if (!validValue(v))
                return selectorError(all, "invalid label value: \"" + v + "\"");
        sel.m_requirements.push_back(std::move(r));
    }
    return sel;
}

bool LabelSelector::matches(const std::map<std::string, std::string>& labels) const
{
    for (const auto& r : m_requirements) {
        const auto it = labels.find(r.key);
        const bool has = it != labels.end();
        switch (r.op) {
        case Op::Equals:
        case Op::In:
            if (!has || !r.values.count(it->second))
                return false;
            break;
        case Op::NotEquals:
        case Op::NotIn:
            if (has && r.values.count(it->second))
                return false;
            break;
        case Op::Exists:
            if (!has)
                return false;
            break;
        case Op::DoesNotExist:
            if (has)
                return false;
            break;
        }
    }
    return true;
}

Result<FieldSelector> FieldSelector::parse(std::string_view text)
{
    FieldSelector sel;
    const std::string all = trim(text);
    if (all.empty())
        return sel;
    for (const std::string& part : splitTopLevel(all)) {
        Requirement r;
        std::size_t opPos;
        std::size_t opLen;
        if ((opPos = part.find("!=")) != std::string::npos) {
            r.negated = true;
            opLen = 2;
        } else if ((opPos = part.find("==")) != std::string::npos) {
            opLen = 2;
        } else if ((opPos = part.find('=')) != std::string::npos) {
            opLen = 1;
        } else {
            return makeError(ErrorCode::InvalidArgument, "invalid field selector: '" + part + "'",
                "field selectors take field=value, field==value or field!=value");
        }
        r.field = trim(std::string_view(part).substr(0, opPos));
        r.value = trim(std::string_view(part).substr(opPos + opLen));
        if (r.field.empty())
            return makeError(ErrorCode::InvalidArgument, "invalid field selector: '" + part + "'");
        sel.m_requirements.push_back(std::move(r));
    }
    return sel;
}

Result<bool> FieldSelector::matches(const FieldLookup& lookup) const
{
    for (const auto& r : m_requirements) {
        const auto v = lookup(r.field);
        if (!v)
            return makeError(ErrorCode::InvalidArgument, "field label not supported: " + r.field);
        if ((*v == r.value) == r.negated)
            return false;
    }
    return true;
}

} // namespace leakdesk::sandbox
