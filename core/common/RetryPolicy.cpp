#include "core/common/RetryPolicy.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace leakdesk {

std::int64_t backoffDelayMs(const RetryPolicy& policy, int retryIndex, double random01)
{
    const double r = std::clamp(random01, 0.0, 1.0);
    // 2^retryIndex without overflow: past 30 doublings every realistic cap has been reached.
    const int doublings = std::clamp(retryIndex, 0, 30);
    const std::int64_t exponential = std::min(policy.maxDelayMs, policy.baseDelayMs * (std::int64_t(1) << doublings));
    const std::int64_t half = exponential / 2;
    return half + static_cast<std::int64_t>(static_cast<double>(exponential - half) * r);
}

namespace {

bool allDigits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int twoDigits(std::string_view s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t daysFromCivil(std::int64_t y, int m, int d)
{
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" → epoch ms.
std::optional<std::int64_t> parseImfFixdate(std::string_view s)
{
    if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':'
        || s[22] != ':' || s[25] != ' ' || s.substr(26) != "GMT")
        return std::nullopt;
    static constexpr std::array<std::string_view, 7> days { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
    if (std::find(days.begin(), days.end(), s.substr(0, 3)) == days.end())
        return std::nullopt;
    static constexpr std::array<std::string_view, 12> months { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
        "Sep", "Oct", "Nov", "Dec" };
    const auto month = std::find(months.begin(), months.end(), s.substr(8, 3));
    const std::string_view dd = s.substr(5, 2), yyyy = s.substr(12, 4), hh = s.substr(17, 2), mi = s.substr(20, 2),
                           ss = s.substr(23, 2);
    if (month == months.end() || !allDigits(dd) || !allDigits(yyyy) || !allDigits(hh) || !allDigits(mi)
        || !allDigits(ss))
        return std::nullopt;
    const int day = twoDigits(dd), hour = twoDigits(hh), minute = twoDigits(mi), second = twoDigits(ss);
    const int year = std::stoi(std::string(yyyy));
    if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return std::nullopt;
    const int m = static_cast<int>(month - months.begin()) + 1;
    const std::int64_t epochDays = daysFromCivil(year, m, day);
    return ((epochDays * 24 + hour) * 60 + minute) * 60'000 + std::int64_t(second) * 1000;
}

} // namespace

std::optional<std::int64_t> parseRetryAfterMs(std::string_view value, std::int64_t nowMs)
{
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
    if (allDigits(value)) {
        // More digits than a day has seconds is still "a long time": saturate, the caller caps.
        if (value.size() > 9)
            return std::int64_t(999'999'999) * 1000;
        return std::stoll(std::string(value)) * 1000;
    }
    const auto at = parseImfFixdate(value);
    if (!at)
        return std::nullopt;
    return std::max<std::int64_t>(0, *at - nowMs);
}

std::optional<std::int64_t> nextRetryDelayMs(const RetryPolicy& policy, int attemptsMade, std::int64_t elapsedMs,
    std::optional<std::int64_t> retryAfterMs, double random01)
{
    if (attemptsMade >= policy.maxAttempts || attemptsMade < 1)
        return std::nullopt;
    const std::int64_t delay = retryAfterMs ? std::clamp<std::int64_t>(*retryAfterMs, 0, policy.maxRetryAfterMs)
                                            : backoffDelayMs(policy, attemptsMade - 1, random01);
    if (policy.totalDeadlineMs > 0 && elapsedMs + delay >= policy.totalDeadlineMs)
        return std::nullopt;
    return delay;
}

} // namespace leakdesk
