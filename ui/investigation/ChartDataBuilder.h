#pragma once
// Turns Findings into the chart's snapshot: one line per pod, the limit, OOM-kill and restart
// markers, shaded sawtooth cycles, the growth slope, the 7-day baseline, the projection to the
// limit and the request rate. Pure, so it is tested without a widget.

#include "ui/chart/MemoryChartData.h"
#include "core/investigation/Findings.h"

#include <memory>

namespace leakdesk::ui {

std::shared_ptr<const MemoryChartData> buildMemoryChartData(const investigation::Findings& findings);

// The lines that come straight from Prometheus (pods' working set, the week-ago baseline, the
// request rate), replaced in `data`: the investigation's window, or a longer history (MemoryChartFeed).
void setPrometheusLines(MemoryChartData& data, const std::vector<Series>& workingSet,
    const std::vector<Series>& baseline, const std::vector<Series>& requestRate);

} // namespace leakdesk::ui
