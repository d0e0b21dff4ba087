#include "core/sandbox/scenario/CronSchedule.h"

#include "core/sandbox/model/SandboxModel.h"

#include <deque>
#include <string>
#include <utility>

namespace leakdesk::sandbox::scenario {

namespace {

Error bad(std::string message)
{
    return makeError(ErrorCode::InvalidArgument, std::move(message),
        "five fields: minute hour day-of-month month day-of-week, each *, a number, a range a-b, a step */n "
        "or a-b/n, or a list of those; or @hourly, @daily, @weekly, @monthly, @yearly");
}

Result<int> number(std::string_view text, std::string_view field)
{
    if (text.empty() || text.size() > 2)
        return bad("schedule: \"" + std::string(text) + "\" is not a number in the " + std::string(field) + " field");
    int value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return bad(
                "schedule: \"" + std::string(text) + "\" is not a number in the " + std::string(field) + " field");
        value = value * 10 + (c - '0');
    }
    return value;
}

// One field: a comma list of *, n, a-b, with an optional /step; values in [low, high].
template<std::size_t N>
Result<bool> parseField(std::string_view text, int low, int high, std::string_view name, std::bitset<N>& out)
{
    bool restricted = false;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        const std::string_view item
            = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
        std::string_view range = item;
        int step = 1;
        if (const std::size_t slash = item.find('/'); slash != std::string_view::npos) {
            auto s = number(item.substr(slash + 1), name);
            if (!s)
                return s.error();
            if (*s == 0)
                return bad("schedule: a step of 0 in the " + std::string(name) + " field");
            step = *s;
            range = item.substr(0, slash);
        }
        int from = low;
        int to = high;
        if (range == "*" || range == "?") {
            restricted = restricted || step != 1;
        } else {
            restricted = true;
            const std::size_t dash = range.find('-');
            auto a = number(range.substr(0, dash), name);
            if (!a)
                return a.error();
            from = *a;
            to = *a;
            if (dash != std::string_view::npos) {
                auto b = number(range.substr(dash + 1), name);
                if (!b)
                    return b.error();
                to = *b;
            } else if (step != 1) {
                to = high; // "5/15": from 5 every 15
            }
            // Day of week 7 is Sunday too.
            if (name == "day-of-week" && from == 7 && to == 7)
                from = to = 0;
            if (from < low || to > high || from > to)
                return bad("schedule: " + std::string(range) + " is outside " + std::to_string(low) + "-"
                    + std::to_string(high) + " in the " + std::string(name) + " field");
        }
        for (int v = from; v <= to; v += step)
            out.set(static_cast<std::size_t>(name == "day-of-week" ? v % 7 : v));
    }
    return restricted;
}

// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
void civilFromDays(std::int64_t z, int& year, unsigned& month, unsigned& day)
{
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = static_cast<int>(yoe + era * 400) + (month <= 2 ? 1 : 0);
}

} // namespace

bool CronSchedule::matchesMinute(std::int64_t minuteStartMs) const
{
    const std::int64_t days = floorDiv(minuteStartMs, kDayMs);
    const std::int64_t inDay = minuteStartMs - days * kDayMs;
    const auto minute = static_cast<std::size_t>((inDay / kMinuteMs) % 60);
    const auto hour = static_cast<std::size_t>(inDay / (60 * kMinuteMs));
    if (!minutes.test(minute) || !hours.test(hour))
        return false;
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    civilFromDays(days, year, month, day);
    if (!months.test(month))
        return false;
    const auto weekday = static_cast<std::size_t>(((days % 7) + 11) % 7); // 1970-01-01 was a Thursday
    const bool domOk = daysOfMonth.test(day);
    const bool dowOk = daysOfWeek.test(weekday);
    if (dayOfMonthRestricted && dayOfWeekRestricted)
        return domOk || dowOk;
    return domOk && dowOk;
}

Result<CronSchedule> parseCronSchedule(std::string_view text)
{
    static const std::pair<std::string_view, std::string_view> macros[] = { { "@yearly", "0 0 1 1 *" },
        { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" }, { "@weekly", "0 0 * * 0" },
        { "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" }, { "@hourly", "0 * * * *" } };
    for (const auto& [macro, expansion] : macros)
        if (text == macro)
            return parseCronSchedule(expansion);
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == ' ' || text[i] == '\t') {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && text[end] != ' ' && text[end] != '\t')
            ++end;
        fields.push_back(text.substr(i, end - i));
        i = end;
    }
    if (fields.size() != 5)
        return bad("schedule: \"" + std::string(text) + "\" has " + std::to_string(fields.size()) + " fields, not 5");
    CronSchedule out;
    if (auto r = parseField(fields[0], 0, 59, "minute", out.minutes); !r)
        return r.error();
    if (auto r = parseField(fields[1], 0, 23, "hour", out.hours); !r)
        return r.error();
    auto dom = parseField(fields[2], 1, 31, "day-of-month", out.daysOfMonth);
    if (!dom)
        return dom.error();
    if (auto r = parseField(fields[3], 1, 12, "month", out.months); !r)
        return r.error();
    auto dow = parseField(fields[4], 0, 7, "day-of-week", out.daysOfWeek);
    if (!dow)
        return dow.error();
    out.dayOfMonthRestricted = *dom;
    out.dayOfWeekRestricted = *dow;
    return out;
}

std::vector<std::int64_t> scheduledTimes(
    const CronSchedule& schedule, std::int64_t fromMs, std::int64_t toMs, std::size_t max)
{
    std::deque<std::int64_t> kept;
    if (max == 0 || toMs <= fromMs)
        return {};
    for (std::int64_t t = (floorDiv(fromMs, kMinuteMs) + 1) * kMinuteMs; t <= toMs; t += kMinuteMs) {
        if (!schedule.matchesMinute(t))
            continue;
        kept.push_back(t);
        if (kept.size() > max)
            kept.pop_front();
    }
    return { kept.begin(), kept.end() };
}

} // namespace leakdesk::sandbox::scenario
