#pragma once
// The immutable snapshot a MemoryChart draws. Built by whoever owns the findings (the investigation
// controller, a test, the benchmark) and handed over as std::shared_ptr<const MemoryChartData>: the chart
// keeps a reference and never mutates or copies the samples, so a 2-million-point history costs its
// memory once.

#include "core/common/Series.h"

#include <QString>
#include <QtGlobal>

#include <optional>
#include <vector>

namespace leakdesk::ui {

// One memory line: a pod (or container) with samples in bytes, ascending by time.
struct ChartSeries {
    QString name;
    std::vector<leakdesk::Sample> samples;
};

// A point event drawn on the pod's line. OOM kills and plain restarts get distinct symbols and colours.
struct ChartMarker {
    enum Kind { Restart, OomKill };
    qint64 tMs = 0;
    QString pod; // the ChartSeries::name it belongs to; empty or unknown puts it at the limit line
    Kind kind = Restart;
    QString tooltip; // shown on hover; a default is written when empty
};

// A shaded time span, e.g. one segment of a sawtooth between two restarts.
struct ChartBand {
    qint64 startMs = 0;
    qint64 endMs = 0;
    QString label; // drawn at the top of the band when it is wide enough, and shown on hover
};

// An analysis overlay in bytes: growth slope (solid), baseline 7 days ago (dashed), projection to the
// limit (dotted). Usually a handful of points, but a baseline can be a whole shifted series.
struct ChartLine {
    QString name; // legend text, e.g. "slope +84 MiB/h"
    std::vector<leakdesk::Sample> samples;
};

struct MemoryChartData {
    std::vector<ChartSeries> pods; // one line per pod, bytes
    std::optional<double> limitBytes; // horizontal limit line
    std::vector<ChartMarker> markers;
    std::vector<ChartBand> bands;
    std::optional<ChartLine> slope;
    std::optional<ChartLine> baseline;
    std::optional<ChartLine> projection;
    std::optional<ChartSeries> requestRate; // right axis, requests per second
    qint64 nowMs = 0; // the range presets end here (0: the latest sample)
};

// Visible time span presets offered as buttons above the chart.
enum class RangePreset { LastHour, Last6Hours, Last24Hours, Last7Days, All };

} // namespace leakdesk::ui
