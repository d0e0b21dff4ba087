#include "core/common/Quantity.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace leakdesk {

Result<double> parseQuantity(std::string_view text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    if (text.empty())
        return makeError(ErrorCode::Parse, "empty quantity");

    size_t numEnd = 0;
    while (numEnd < text.size()
        && (std::isdigit(static_cast<unsigned char>(text[numEnd])) || text[numEnd] == '.' || text[numEnd] == '+'
            || text[numEnd] == '-'))
        ++numEnd;
    // Decimal exponent form "1e3" / "1E3".
    if (numEnd < text.size() && (text[numEnd] == 'e' || text[numEnd] == 'E') && numEnd + 1 < text.size()
        && (std::isdigit(static_cast<unsigned char>(text[numEnd + 1])) || text[numEnd + 1] == '-'
            || text[numEnd + 1] == '+')) {
        ++numEnd;
        while (numEnd < text.size()
            && (std::isdigit(static_cast<unsigned char>(text[numEnd])) || text[numEnd] == '-' || text[numEnd] == '+'))
            ++numEnd;
    }
    const std::string number(text.substr(0, numEnd));
    const std::string_view suffix = text.substr(numEnd);
    if (number.empty())
        return makeError(ErrorCode::Parse, "quantity '" + std::string(text) + "' has no number");
    char* end = nullptr;
    const double base = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size() || !std::isfinite(base))
        return makeError(ErrorCode::Parse, "quantity '" + std::string(text) + "' is not a number");

    struct Suffix {
        std::string_view s;
        double factor;
    };
    static constexpr Suffix suffixes[] = {
        { "", 1.0 },
        { "Ki", 1024.0 },
        { "Mi", 1024.0 * 1024 },
        { "Gi", 1024.0 * 1024 * 1024 },
        { "Ti", 1024.0 * 1024 * 1024 * 1024 },
        { "Pi", 1024.0 * 1024 * 1024 * 1024 * 1024 },
        { "Ei", 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024 },
        { "n", 1e-9 },
        { "u", 1e-6 },
        { "m", 1e-3 },
        { "k", 1e3 },
        { "M", 1e6 },
        { "G", 1e9 },
        { "T", 1e12 },
        { "P", 1e15 },
        { "E", 1e18 },
    };
    for (const auto& s : suffixes) {
        if (s.s == suffix)
            return base * s.factor;
    }
    return makeError(ErrorCode::Parse, "quantity '" + std::string(text) + "' has an unknown suffix",
        "use a Kubernetes quantity such as 512Mi, 2Gi or 1G");
}

Result<std::int64_t> parseMemoryBytes(std::string_view text)
{
    auto q = parseQuantity(text);
    if (!q)
        return q.error();
    if (*q < 0)
        return makeError(ErrorCode::Parse, "memory quantity '" + std::string(text) + "' is negative");
    return static_cast<std::int64_t>(std::llround(*q));
}

std::string formatMemoryQuantity(std::int64_t bytes)
{
    static constexpr const char* units[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi" };
    int u = 0;
    std::int64_t v = bytes;
    while (u < 5 && v != 0 && v % 1024 == 0) {
        v /= 1024;
        ++u;
    }
    if (u == 0 && bytes >= 1024 * 1024) {
        // Not a whole binary multiple: kubectl top rounds to Mi.
        return std::to_string((bytes + 512 * 1024) / (1024 * 1024)) + "Mi";
    }
    return std::to_string(v) + units[u];
}

std::string formatBytes(double bytes)
{
    static constexpr const char* units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int u = 0;
    double v = bytes;
    while (u < 4 && std::fabs(v) >= 1024.0) {
        v /= 1024.0;
        ++u;
    }
    char buf[64];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%.0f %s", v, units[u]);
    else
        std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f %s" : "%.2f %s", v, units[u]);
    return buf;
}

Result<std::int64_t> parseJvmSize(std::string_view text)
{
    if (text.empty())
        return makeError(ErrorCode::Parse, "empty size");
    std::int64_t factor = 1;
    char last = static_cast<char>(std::tolower(static_cast<unsigned char>(text.back())));
    if (last == 'k' || last == 'm' || last == 'g' || last == 't') {
        factor = last == 'k' ? 1024LL : last == 'm' ? 1024LL * 1024 : last == 'g' ? 1024LL * 1024 * 1024 : 1024LL * 1024 * 1024 * 1024;
        text.remove_suffix(1);
    }
    std::int64_t n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || p != text.data() + text.size() || n < 0)
        return makeError(ErrorCode::Parse, "JVM size '" + std::string(text) + "' is not a number with k/m/g suffix");
    return n * factor;
}

} // namespace leakdesk
