#pragma once
// A plain memory chart for exports, painted with QPainter onto a QImage: one line per pod, the
// limit, OOM-kill markers and the times of mitigations. No widgets, so the CLI can export a
// report headlessly (QtGui with the offscreen platform). The interactive chart is ui/chart.

#include "core/common/Series.h"
#include "core/incident/IncidentDocument.h"

#include <QImage>
#include <QRectF>
#include <QString>
#include <QTimeZone>

#include <optional>
#include <vector>

namespace leakdesk::incident {

struct ChartEventMarker {
    std::int64_t tMs = 0;
    QString label; // "A1 applied"
};

// Pod lines coloured by one of their labels (the fix chart: "role", old or new revision), with one
// legend entry per group instead of one per pod.
struct ChartLineGroup {
    std::string value; // the label's value
    QString legend;
    QColor colour;
};

struct ChartImageOptions {
    int width = 1000;
    int height = 380;
    QTimeZone zone = QTimeZone::utc(); // for the time axis labels
    std::optional<TimeRange> range; // default: the snapshot's window
    std::vector<ChartEventMarker> events; // vertical lines (actions, severity changes)
    QString title;
    std::string groupLabel; // empty: a colour per pod
    std::vector<ChartLineGroup> groups;
};

// Where things land on the image: the plot rectangle and the data ranges it maps.
struct ChartLayout {
    QRectF plot;
    TimeRange range;
    double minBytes = 0.0;
    double maxBytes = 1.0;

    QPointF map(std::int64_t tMs, double bytes) const;
};

// Colour of the i-th pod line (also used by tests to find the line).
QColor chartLineColour(int index);
QColor chartLimitColour();
QColor chartOomColour();

ChartLayout layoutMemoryChart(const EvidenceSnapshot& snapshot, const ChartImageOptions& options);
QImage renderMemoryChart(const EvidenceSnapshot& snapshot, const ChartImageOptions& options);

// The same image as PNG bytes.
QByteArray renderMemoryChartPng(const EvidenceSnapshot& snapshot, const ChartImageOptions& options);

// A fix check's chart (runbook step 6): the leaking revision's pods and the new revision's, each
// revision one colour, the new revision's start marked, over the last part of the old revision's
// history that shows its pattern (at least 90 min, two of its OOM periods, three times the time the
// new one has run) up to when the fix was judged. `options.events` are drawn as well.
QImage renderFixCheckChart(const FixCheckRecord& check, ChartImageOptions options);
QColor fixChartOldColour();
QColor fixChartNewColour();
// The snapshot that chart draws (its series and window), for tests and the layout.
EvidenceSnapshot fixCheckChartSnapshot(const FixCheckRecord& check);

// Kill times (and pods) of a snapshot, read from its findings.
struct SnapshotKill {
    std::int64_t tMs = 0;
    std::string pod;
    std::string node;
    std::vector<std::string> sources;
};
std::vector<SnapshotKill> snapshotKills(const EvidenceSnapshot& snapshot);

} // namespace leakdesk::incident
