#pragma once
// How the radar writes its numbers for a person: growth per hour in binary units with a sign
// ("+12.3 MiB/h"), the time until the limit as a duration from now ("in 3 h 20 min"), "—" when
// there is none (not growing, or no limit). Pure functions, tested on their own.

#include <QString>

#include <optional>

namespace leakdesk::ui {

// "+12.3 MiB/h", "−640.0 KiB/h", "0 B/h".
QString growthPerHourText(double bytesPerHour);
// nullopt, NaN or infinite: "—" (no projection); <= 0: "at the limit"; otherwise "in 45 min",
// "in 3 h 20 min", "in 4 d 6 h" (past two days, hours are precision enough).
QString timeToLimitText(std::optional<double> hours);
// The dash the radar shows where a value does not exist (sorted last whatever the order).
QString noValueText();

} // namespace leakdesk::ui
