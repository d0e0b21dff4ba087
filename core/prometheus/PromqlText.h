#pragma once
// Text helpers the query catalogue and the radar's queries share (internal to core/prometheus):
// the name tables of their query kinds, placeholders replaced in templates, and queries compared
// the way the sandbox recognises them (whitespace outside string literals does not count).

#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::prometheus::promql {

template<class Kind> struct KindName {
    Kind kind;
    const char* name;
};

template<class Kind, std::size_t N> const char* nameOf(const KindName<Kind> (&table)[N], Kind kind)
{
    for (const auto& k : table)
        if (k.kind == kind)
            return k.name;
    return "unknown";
}

template<class Kind, std::size_t N>
std::optional<Kind> kindNamed(const KindName<Kind> (&table)[N], std::string_view name)
{
    for (const auto& k : table)
        if (name == k.name)
            return k.kind;
    return std::nullopt;
}

template<class Kind, std::size_t N> std::vector<Kind> kindsOf(const KindName<Kind> (&table)[N])
{
    std::vector<Kind> out;
    for (const auto& k : table)
        out.push_back(k.kind);
    return out;
}

inline void replaceAll(std::string& s, std::string_view from, std::string_view to)
{
    for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
        s.replace(pos, from.size(), to);
}

// `s` without whitespace outside string literals (an escaped quote does not end a literal).
inline std::string stripSpaces(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    bool inQuotes = false;
    char previous = 0;
    for (char c : s) {
        if (c == '"' && previous != '\\')
            inQuotes = !inQuotes;
        previous = (previous == '\\' && c == '\\') ? 0 : c;
        if (!inQuotes && std::isspace(static_cast<unsigned char>(c)))
            continue;
        out.push_back(c);
    }
    return out;
}

// A string literal's content with its escapes undone.
inline std::string unquote(std::string_view v)
{
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '\\' && i + 1 < v.size())
            ++i;
        out.push_back(v[i]);
    }
    return out;
}

} // namespace leakdesk::prometheus::promql
