#include "core/handover/HandoverNames.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>

namespace leakdesk::handover {

namespace {

bool asciiAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char asciiLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

char asciiUpper(char c)
{
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

} // namespace

std::string fileStem(std::string_view text, std::string_view fallback)
{
    std::string out;
    for (char c : text) {
        if (out.size() >= 48)
            break;
        if (asciiAlnum(c))
            out.push_back(asciiLower(c));
        else if (!out.empty() && out.back() != '-')
            out.push_back('-');
    }
    while (!out.empty() && out.back() == '-')
        out.pop_back();
    return out.empty() ? fileStem(fallback, "file") : out;
}

std::string upperCamel(std::string_view text, std::string_view fallback)
{
    std::string out;
    bool wordStart = true;
    for (char c : text) {
        if (out.size() >= 48)
            break;
        if (!asciiAlnum(c)) {
            wordStart = true;
            continue;
        }
        out.push_back(wordStart ? asciiUpper(c) : c);
        wordStart = false;
    }
    if (out.empty())
        return fallback.empty() ? std::string("Service") : upperCamel(fallback, "Service");
    if (out.front() >= '0' && out.front() <= '9')
        out.insert(out.begin(), 'X'); // an identifier cannot start with a digit
    return out;
}

std::string simpleClassName(std::string_view className)
{
    std::string_view s = className;
    while (!s.empty() && (s.front() == '[' || s.front() == 'L'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ';' || s.back() == ']' || s.back() == '['))
        s.remove_suffix(1);
    std::size_t cut = std::string_view::npos;
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
        if (s[i] == '.' || s[i] == '/' || s[i] == '$')
            cut = i;
    if (cut != std::string_view::npos)
        s.remove_prefix(cut + 1);
    return std::string(s);
}

std::string goPackageName(std::string_view text)
{
    std::string out;
    for (char c : text)
        if (out.size() < 32 && asciiAlnum(c))
            out.push_back(asciiLower(c));
    if (out.empty() || (out.front() >= '0' && out.front() <= '9'))
        out.insert(0, "leak");
    return out;
}

std::string sourceSafeText(std::string_view text, std::size_t maxLength)
{
    std::string out;
    for (char c : text) {
        if (out.size() >= maxLength)
            break;
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7e || c == '\\')
            out.push_back('?');
        else
            out.push_back(c);
    }
    // A '*' next to a '/', or at either end where the surrounding text may put one, could form "*/"
    // (the end of a block comment) or "/*": it becomes '?'.
    for (std::size_t i = 0; i < out.size(); ++i)
        if (out[i] == '*' && (i == 0 || i + 1 == out.size() || out[i - 1] == '/' || out[i + 1] == '/'))
            out[i] = '?';
    return out;
}

std::string sourceStringLiteral(std::string_view text, std::size_t maxLength)
{
    std::string out = "\"";
    for (char c : sourceSafeText(text, maxLength)) {
        if (c == '"')
            out.push_back('\\');
        out.push_back(c);
    }
    return out + "\"";
}

std::string promqlString(std::string_view value)
{
    std::string out = "\"";
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\\' || c == '"') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (u < 0x20 || u >= 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", u);
            out += hex;
        } else {
            out.push_back(c);
        }
    }
    return out + "\"";
}

std::string yamlString(std::string_view value)
{
    // JSON's escapes are YAML's; ASCII only and invalid UTF-8 replaced, so any byte string fits.
    return nlohmann::json(std::string(value)).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

} // namespace leakdesk::handover
