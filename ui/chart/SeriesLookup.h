#pragma once
// Reading a value off a series at an instant, for the crosshair and for placing markers on their pod's
// line. Always on the full-resolution samples, never on the decimated copy drawn on screen.

#include "core/common/Series.h"

#include <cstdint>
#include <optional>
#include <span>

namespace leakdesk::ui {

// The sample nearest to tMs, if it is at most maxDistanceMs away (ties go to the earlier sample).
std::optional<leakdesk::Sample> nearestSample(
    std::span<const leakdesk::Sample> samples, std::int64_t tMs, std::int64_t maxDistanceMs);

// The last sample at or before tMs (the value a pod had just before an event at tMs).
std::optional<leakdesk::Sample> sampleAtOrBefore(std::span<const leakdesk::Sample> samples, std::int64_t tMs);

// Linear interpolation inside [first, last] sample; empty outside (used for fitted lines).
std::optional<double> interpolatedValue(std::span<const leakdesk::Sample> samples, std::int64_t tMs);

} // namespace leakdesk::ui
