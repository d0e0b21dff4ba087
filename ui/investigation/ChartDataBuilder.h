#pragma once
// Turns Findings into the chart's snapshot: one line per pod, the limit, OOM-kill and restart
// markers, shaded sawtooth cycles, the growth slope, the 7-day baseline, the projection to the
// limit and the request rate. Pure, so it is tested without a widget.

#include "ui/chart/MemoryChartData.h"
#include "core/investigation/Findings.h"

#include <memory>

namespace leakdesk::ui {

std::shared_ptr<const MemoryChartData> buildMemoryChartData(const investigation::Findings& findings);

} // namespace leakdesk::ui
