#include "core/common/HeaderValue.h"

#include <cstdio>

namespace leakdesk {

std::optional<std::string> headerValueProblem(std::string_view value)
{
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto c = static_cast<unsigned char>(value[i]);
        const std::string at = " at byte " + std::to_string(i);
        if (c == '\n')
            return "contains a line break (LF)" + at;
        if (c == '\r')
            return "contains a line break (CR)" + at;
        if (c == 0)
            return "contains a NUL byte" + at;
        if (c < 0x20 || c == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02X", c);
            return std::string("contains a control character (") + hex + ")" + at;
        }
    }
    return std::nullopt;
}

std::optional<Error> checkHeaderValue(std::string_view value, const std::string& setting, const std::string& fix)
{
    const auto problem = headerValueProblem(value);
    if (!problem)
        return std::nullopt;
    return makeError(ErrorCode::Config, setting + " " + *problem + ", which cannot be sent in an HTTP header", fix);
}

std::string_view trimCredentialFromFile(std::string_view text)
{
    // Go's strings.TrimSpace on ASCII: what client-go does with a tokenFile.
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
    while (!text.empty() && space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && space(text.back()))
        text.remove_suffix(1);
    return text;
}

} // namespace leakdesk
