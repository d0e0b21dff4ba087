#include "core/sandbox/scenario/ScenarioAnnotations.h"

#include <array>
#include <cmath>
#include <set>
#include <utility>
#include <vector>

namespace leakdesk::sandbox::scenario {

namespace {

// Above this a value is a typo, not a container: 4 EiB (and it keeps every sum of a few of them
// inside an int64).
constexpr long double kMaxBytes = 4.0L * 1024 * 1024 * 1024 * 1024 * 1024 * 1024;
// 400 days: longer than any history or run the sandbox simulates; beyond it a duration is a typo.
constexpr std::int64_t kMaxDurationMs = 400LL * 24 * 3600 * 1000;

Error bad(std::string message, std::string detail = {})
{
    return makeError(ErrorCode::InvalidArgument, std::move(message), std::move(detail));
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

std::string quoted(std::string_view text)
{
    return "\"" + std::string(text) + "\"";
}

// "key=value key=value": whitespace-separated pairs, each key at most once, in the order written.
Result<std::vector<std::pair<std::string, std::string>>> splitPairs(
    std::string_view text, const std::set<std::string, std::less<>>& known, std::string_view what)
{
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t i = 0;
    auto knownList = [&] {
        std::string list;
        for (const auto& k : known)
            list += (list.empty() ? "" : ", ") + k;
        return list;
    };
    while (i < text.size()) {
        if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\n' && text[end] != '\r')
            ++end;
        const std::string_view token = text.substr(i, end - i);
        i = end;
        const std::size_t eq = token.find('=');
        if (eq == std::string_view::npos)
            return bad(std::string(what) + ": " + quoted(token) + " is not key=value", "keys: " + knownList());
        const std::string key(token.substr(0, eq));
        const std::string value(token.substr(eq + 1));
        if (!known.count(key))
            return bad(std::string(what) + ": unknown key " + quoted(key), "keys: " + knownList());
        if (value.empty())
            return bad(std::string(what) + ": " + key + " has no value");
        for (const auto& [k, v] : out)
            if (k == key)
                return bad(std::string(what) + ": " + key + " is given twice");
        out.emplace_back(key, value);
    }
    return out;
}

// "40Mi/h", "5Mi/10m", "80Mi/3m": a quantity per duration (a bare unit means one of it).
Result<std::pair<std::int64_t, std::int64_t>> parsePerDuration(std::string_view text, std::string_view what)
{
    const std::size_t slash = text.find('/');
    if (slash == std::string_view::npos)
        return bad(std::string(what) + ": " + quoted(text) + " needs the form <quantity>/<duration>, e.g. 40Mi/h");
    auto bytes = parseByteQuantity(text.substr(0, slash));
    if (!bytes)
        return bad(std::string(what) + ": " + bytes.error().message);
    std::string_view per = text.substr(slash + 1);
    const std::string withCount = !per.empty() && !isDigit(per.front()) ? "1" + std::string(per) : std::string(per);
    auto ms = parseDurationMs(withCount);
    if (!ms)
        return bad(std::string(what) + ": " + ms.error().message);
    if (*ms <= 0)
        return bad(std::string(what) + ": the period must be longer than zero");
    return std::pair { *bytes, *ms };
}

Result<double> parseDecimal(std::string_view text, std::string_view what)
{
    // Plain decimals only ("20", "0.5", ".5"): no signs, exponents, inf or nan.
    if (text.empty() || text.size() > 24)
        return bad(std::string(what) + ": " + quoted(text) + " is not a number");
    double whole = 0;
    double scale = 0;
    bool digits = false;
    for (char c : text) {
        if (c == '.' && scale == 0) {
            scale = 1;
        } else if (isDigit(c)) {
            digits = true;
            if (scale == 0) {
                whole = whole * 10 + (c - '0');
            } else {
                scale /= 10;
                whole += (c - '0') * scale;
            }
        } else {
            return bad(std::string(what) + ": " + quoted(text) + " is not a number");
        }
    }
    if (!digits)
        return bad(std::string(what) + ": " + quoted(text) + " is not a number");
    return whole;
}

} // namespace

const char* runtimeName(Runtime runtime)
{
    switch (runtime) {
    case Runtime::Jvm:
        return "jvm";
    case Runtime::Node:
        return "node";
    case Runtime::Go:
        return "go";
    case Runtime::Python:
        return "python";
    case Runtime::None:
        return "none";
    }
    return "none";
}

Result<std::int64_t> parseByteQuantity(std::string_view text)
{
    const std::string shown = quoted(text);
    if (text.empty())
        return bad("an empty quantity", "write bytes with a suffix, e.g. 300Mi or 2Gi");
    std::size_t i = 0;
    if (text[i] == '+' || text[i] == '-') {
        if (text[i] == '-')
            return bad("the quantity " + shown + " is negative");
        ++i;
    }
    // The mantissa: digits with an optional fraction, as resource.Quantity reads it.
    long double mantissa = 0;
    long double fraction = 0;
    bool seenDot = false;
    std::size_t digits = 0;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '.' && !seenDot) {
            seenDot = true;
            fraction = 1;
        } else if (isDigit(c)) {
            if (++digits > 30)
                return bad("the quantity " + shown + " has too many digits");
            if (!seenDot) {
                mantissa = mantissa * 10 + (c - '0');
            } else {
                fraction /= 10;
                mantissa += (c - '0') * fraction;
            }
        } else {
            break;
        }
    }
    if (digits == 0)
        return bad(shown + " is not a quantity", "write bytes with a suffix, e.g. 300Mi or 2Gi");
    const std::string_view suffix = text.substr(i);
    static const std::array<std::pair<std::string_view, long double>, 15> suffixes { {
        { "Ki", 1024.0L },
        { "Mi", 1024.0L * 1024 },
        { "Gi", 1024.0L * 1024 * 1024 },
        { "Ti", 1024.0L * 1024 * 1024 * 1024 },
        { "Pi", 1024.0L * 1024 * 1024 * 1024 * 1024 },
        { "Ei", 1024.0L * 1024 * 1024 * 1024 * 1024 * 1024 },
        { "n", 1e-9L },
        { "u", 1e-6L },
        { "m", 1e-3L },
        { "k", 1e3L },
        { "M", 1e6L },
        { "G", 1e9L },
        { "T", 1e12L },
        { "P", 1e15L },
        { "E", 1e18L },
    } };
    long double multiplier = 1;
    if (!suffix.empty()) {
        bool found = false;
        for (const auto& [name, factor] : suffixes)
            if (suffix == name) {
                multiplier = factor;
                found = true;
            }
        if (!found && (suffix.front() == 'e' || suffix.front() == 'E') && suffix.size() >= 2) {
            // Decimal exponent: "129e6".
            std::size_t j = 1;
            const bool negative = suffix[j] == '-';
            if (suffix[j] == '+' || suffix[j] == '-')
                ++j;
            int exponent = 0;
            bool any = false;
            for (; j < suffix.size() && isDigit(suffix[j]); ++j) {
                exponent = exponent * 10 + (suffix[j] - '0');
                any = true;
                if (exponent > 30)
                    return bad("the quantity " + shown + " is too large");
            }
            if (any && j == suffix.size()) {
                multiplier = std::pow(10.0L, negative ? -exponent : exponent);
                found = true;
            }
        }
        if (!found)
            return bad("the quantity " + shown + " has an unknown suffix " + quoted(suffix),
                "suffixes: Ki Mi Gi Ti Pi Ei (powers of 1024), k M G T P E (powers of 1000), m, or an exponent e6");
    }
    const long double bytes = mantissa * multiplier;
    if (bytes > kMaxBytes)
        return bad("the quantity " + shown + " is too large (more than 4Ei)");
    // Memory is whole bytes: the API server rounds a fraction up.
    return static_cast<std::int64_t>(std::ceil(bytes));
}

Result<std::int64_t> parseDurationMs(std::string_view text)
{
    const std::string shown = quoted(text);
    if (text.empty())
        return bad("an empty duration", "write e.g. 90s, 10m, 1h30m or 7d");
    std::int64_t total = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::int64_t count = 0;
        std::size_t digits = 0;
        for (; i < text.size() && isDigit(text[i]); ++i) {
            count = count * 10 + (text[i] - '0');
            if (++digits > 12)
                return bad("the duration " + shown + " is too long");
        }
        if (digits == 0)
            return bad(
                shown + " is not a duration", "write e.g. 90s, 10m, 1h30m or 7d (whole numbers, units ms s m h d)");
        std::size_t unitEnd = i;
        while (unitEnd < text.size() && !isDigit(text[unitEnd]))
            ++unitEnd;
        const std::string_view unit = text.substr(i, unitEnd - i);
        i = unitEnd;
        std::int64_t factor = 0;
        if (unit == "ms")
            factor = 1;
        else if (unit == "s")
            factor = 1000;
        else if (unit == "m")
            factor = 60 * 1000;
        else if (unit == "h")
            factor = 3600 * 1000;
        else if (unit == "d")
            factor = 24 * 3600 * 1000;
        else if (unit.empty())
            return bad("the duration " + shown + " has a number without a unit", "units: ms s m h d");
        else
            return bad("the duration " + shown + " has an unknown unit " + quoted(unit), "units: ms s m h d");
        if (count > kMaxDurationMs / factor || total + count * factor > kMaxDurationMs)
            return bad("the duration " + shown + " is too long (more than 400d)");
        total += count * factor;
    }
    return total;
}

Result<Runtime> parseRuntime(std::string_view text)
{
    for (Runtime r : { Runtime::Jvm, Runtime::Node, Runtime::Go, Runtime::Python, Runtime::None })
        if (text == runtimeName(r))
            return r;
    return bad("unknown runtime " + quoted(text), "runtimes: jvm, node, go, python, none");
}

Result<MemoryBehaviour> parseMemoryBehaviour(std::string_view text)
{
    static const std::set<std::string, std::less<>> keys
        = { "base", "growth", "noise", "gc", "follow-traffic", "warmup" };
    auto pairs = splitPairs(text, keys, "memory");
    if (!pairs)
        return pairs.error();
    MemoryBehaviour out;
    for (const auto& pair : *pairs) {
        // Named references, not a structured binding: clang 14 cannot capture those in a lambda.
        const std::string& key = pair.first;
        const std::string& value = pair.second;
        auto fail = [&](const Error& e) { return bad("memory: " + key + "=" + value + ": " + e.message, e.detail); };
        if (key == "base" || key == "noise" || key == "follow-traffic") {
            auto bytes = parseByteQuantity(value);
            if (!bytes)
                return fail(bytes.error());
            (key == "base" ? out.baseBytes : key == "noise" ? out.noiseBytes : out.followTrafficBytes) = *bytes;
        } else if (key == "growth") {
            auto rate = parsePerDuration(value, "growth");
            if (!rate)
                return rate.error();
            out.growthBytesPerHour
                = static_cast<double>(rate->first) * (3600.0 * 1000.0) / static_cast<double>(rate->second);
        } else if (key == "gc") {
            auto teeth = parsePerDuration(value, "gc");
            if (!teeth)
                return teeth.error();
            if (teeth->second < 1000)
                return bad("memory: gc=" + value + ": the period must be at least 1s");
            out.gcHeightBytes = teeth->first;
            out.gcPeriodMs = teeth->second;
        } else if (key == "warmup") {
            auto ms = parseDurationMs(value);
            if (!ms)
                return fail(ms.error());
            out.warmupMs = *ms;
        }
    }
    return out;
}

Result<TrafficProfile> parseTraffic(std::string_view text)
{
    static const std::set<std::string, std::less<>> keys = { "rps", "diurnal" };
    auto pairs = splitPairs(text, keys, "traffic");
    if (!pairs)
        return pairs.error();
    TrafficProfile out;
    for (const auto& [key, value] : *pairs) {
        auto number = parseDecimal(value, "traffic: " + key);
        if (!number)
            return number.error();
        if (key == "rps") {
            if (*number > 1e6)
                return bad("traffic: rps=" + value + " is more than a pod takes (at most 1000000)");
            out.requestsPerSecond = *number;
        } else {
            if (*number > 1.0)
                return bad("traffic: diurnal=" + value + " is outside 0..1",
                    "0 is flat traffic, 1 swings from nothing at night to twice the mean at noon");
            out.diurnal = *number;
        }
    }
    return out;
}

std::string formatByteQuantity(std::int64_t bytes)
{
    static const std::array<std::string_view, 6> units { "Ki", "Mi", "Gi", "Ti", "Pi", "Ei" };
    if (bytes == 0 || bytes % 1024 != 0)
        return std::to_string(bytes);
    std::size_t unit = 0;
    bytes /= 1024;
    while (unit + 1 < units.size() && bytes % 1024 == 0) {
        bytes /= 1024;
        ++unit;
    }
    return std::to_string(bytes) + std::string(units[unit]);
}

} // namespace leakdesk::sandbox::scenario
