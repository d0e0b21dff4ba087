#pragma once
// A CronJob's spec.schedule (the five fields of Kubernetes' cron, plus @hourly, @daily, ...), in
// UTC as a CronJob without spec.timeZone runs, so the sandbox knows when each Job was created.

#include "core/common/Result.h"

#include <bitset>
#include <cstdint>
#include <string_view>
#include <vector>

namespace leakdesk::sandbox::scenario {

struct CronSchedule {
    std::bitset<60> minutes;
    std::bitset<24> hours;
    std::bitset<32> daysOfMonth; // 1..31
    std::bitset<13> months; // 1..12
    std::bitset<7> daysOfWeek; // 0 = Sunday
    // Cron's rule: when both day fields are restricted, a day matching either runs.
    bool dayOfMonthRestricted = false;
    bool dayOfWeekRestricted = false;

    bool matchesMinute(std::int64_t minuteStartMs) const;
};

Result<CronSchedule> parseCronSchedule(std::string_view text);

// Scheduled instants in (fromMs, toMs], ascending, at most `max` of them (the latest ones).
std::vector<std::int64_t> scheduledTimes(
    const CronSchedule& schedule, std::int64_t fromMs, std::int64_t toMs, std::size_t max);

} // namespace leakdesk::sandbox::scenario
