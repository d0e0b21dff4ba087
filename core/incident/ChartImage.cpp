#include "core/incident/ChartImage.h"

#include "core/common/Quantity.h"
#include "core/prometheus/QueryCatalogue.h"

#include <QBuffer>
#include <QDateTime>
#include <QFontMetrics>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <array>
#include <cmath>

namespace leakdesk::incident {

namespace {

constexpr std::array<QRgb, 8> kPalette { 0xff1f77b4, 0xffff7f0e, 0xff2ca02c, 0xff9467bd, 0xff8c564b, 0xffe377c2,
    0xff17becf, 0xffbcbd22 };

// What a chart draws from a file is bounded, whatever the file says: times between 1970 and the
// end of year 9999 (what QDateTime prints), byte values below an exabyte, a step below a year,
// and at most kMaxTicks grid lines per axis. A hostile incident file once made the tick loops run
// forever (a time range ending at INT64_MAX wrapped `t += step`; a value of 1e308 made the step
// infinite).
constexpr std::int64_t kLatestChartMs = 253'402'300'799'999; // 9999-12-31 23:59:59.999 UTC
constexpr double kMaxChartBytes = 1e18;
constexpr std::int64_t kMaxStepMs = 365LL * 86'400'000;
constexpr int kMaxTicks = 64;

std::int64_t chartTime(std::int64_t t)
{
    return std::clamp<std::int64_t>(t, 0, kLatestChartMs);
}

bool drawable(const Sample& x)
{
    return x.tMs >= 0 && x.tMs <= kLatestChartMs && std::isfinite(x.value) && std::abs(x.value) < kMaxChartBytes;
}

double niceByteStep(double span)
{
    // Binary steps (1, 2, 4 ... MiB/GiB) read naturally next to Kubernetes quantities.
    double step = 1024.0 * 1024.0;
    while (span / step > 6.0)
        step *= 2.0;
    while (span / step < 2.5 && step > 1.0)
        step /= 2.0;
    return step;
}

std::int64_t niceTimeStep(std::int64_t spanMs)
{
    static constexpr std::array<std::int64_t, 12> steps { 60'000, 300'000, 600'000, 900'000, 1'800'000, 3'600'000,
        7'200'000, 10'800'000, 21'600'000, 43'200'000, 86'400'000, 172'800'000 };
    for (std::int64_t s : steps)
        if (spanMs / s <= 8)
            return s;
    return steps.back() * std::max<std::int64_t>(1, spanMs / (8 * steps.back()));
}

std::vector<const SnapshotSeries*> podLines(const EvidenceSnapshot& s)
{
    auto lines = s.seriesOf(prometheus::queryKindName(prometheus::QueryKind::MemoryWorkingSet));
    std::sort(lines.begin(), lines.end(),
        [](const SnapshotSeries* a, const SnapshotSeries* b) { return a->label("pod") < b->label("pod"); });
    return lines;
}

std::optional<double> valueAt(const SnapshotSeries& s, std::int64_t tMs)
{
    // The last sample at or before the time (the value the kill cut short).
    auto it = std::upper_bound(
        s.samples.begin(), s.samples.end(), tMs, [](std::int64_t t, const Sample& x) { return t < x.tMs; });
    if (it == s.samples.begin())
        return std::nullopt;
    return std::prev(it)->value;
}

QColor lineColour(const ChartImageOptions& o, const SnapshotSeries& line, int index)
{
    if (o.groupLabel.empty())
        return chartLineColour(index);
    const std::string value = line.label(o.groupLabel);
    for (const ChartLineGroup& g : o.groups)
        if (g.value == value)
            return g.colour;
    return QColor(150, 150, 150);
}

// The median time between two samples of the chart's lines (gaps of three of them break a line).
std::int64_t typicalStepMs(const EvidenceSnapshot& s)
{
    std::vector<std::int64_t> gaps;
    for (const auto& line : s.series)
        for (std::size_t i = 1; i < line.samples.size() && gaps.size() < 4096; ++i)
            if (drawable(line.samples[i]) && drawable(line.samples[i - 1]))
                gaps.push_back(std::clamp<std::int64_t>(line.samples[i].tMs - line.samples[i - 1].tMs, 0, kMaxStepMs));
    if (gaps.empty())
        return 0;
    std::nth_element(gaps.begin(), gaps.begin() + std::ptrdiff_t(gaps.size() / 2), gaps.end());
    return gaps[gaps.size() / 2];
}

} // namespace

QColor fixChartOldColour()
{
    return QColor(230, 120, 20);
}
QColor fixChartNewColour()
{
    return QColor(30, 140, 60);
}

EvidenceSnapshot fixCheckChartSnapshot(const FixCheckRecord& check)
{
    EvidenceSnapshot s;
    s.id = check.id;
    s.takenMs = check.takenMs;
    s.ns = check.ns;
    s.service = check.workload;
    s.limitBytes = check.limitBytes;
    s.images = check.images;
    s.series = check.series;
    // Every time from the file is clamped to what a chart draws, so the arithmetic below cannot
    // overflow whatever the file holds.
    std::int64_t first = kLatestChartMs;
    std::int64_t last = 0;
    bool any = false;
    for (const auto& line : s.series)
        for (const auto& x : line.samples)
            if (drawable(x)) {
                first = std::min(first, x.tMs);
                last = std::max(last, x.tMs);
                any = true;
            }
    const std::int64_t end = std::max(chartTime(check.serverNowMs), last);
    std::int64_t start = any ? first : std::max<std::int64_t>(0, end - 3'600'000);
    const std::int64_t made = chartTime(check.newRevisionCreatedMs);
    if (made > 0 && any) {
        // Enough of the old revision to see its pattern, not six hours that squeeze the new one.
        const std::int64_t ran = std::clamp<std::int64_t>(end - made, 0, kMaxStepMs);
        std::int64_t period = 0;
        if (check.verification.is_object()) {
            const auto p = check.verification.find("old_period_ms");
            if (p != check.verification.end() && p->is_number())
                period = std::int64_t(std::clamp(p->get<double>(), 0.0, double(kMaxStepMs)));
        }
        const std::int64_t oldSpan = std::max({ std::int64_t(90) * 60'000, 2 * period, 3 * ran });
        start = std::max(first, made - oldSpan);
    }
    s.windowStartMs = std::min(start, end);
    s.windowEndMs = end;
    s.stepMs = typicalStepMs(s);
    return s;
}

namespace {
QString podCount(int n)
{
    return n == 1 ? QStringLiteral("1 pod") : QStringLiteral("%1 pods").arg(n);
}
} // namespace

QImage renderFixCheckChart(const FixCheckRecord& check, ChartImageOptions o)
{
    const EvidenceSnapshot s = fixCheckChartSnapshot(check);
    auto podsOf = [&](const char* role) {
        int n = 0;
        for (const auto& line : s.series)
            n += line.label("role") == role ? 1 : 0;
        return n;
    };
    o.groupLabel = "role";
    o.groups.clear();
    const int oldPods = podsOf("old");
    const int newPods = podsOf("new");
    if (oldPods > 0)
        o.groups.push_back({ "old",
            QStringLiteral("old revision %1 (%2)").arg(QString::fromStdString(check.oldRevision), podCount(oldPods)),
            fixChartOldColour() });
    if (newPods > 0)
        o.groups.push_back({ "new",
            QStringLiteral("new revision %1 (%2)").arg(QString::fromStdString(check.newRevision), podCount(newPods)),
            fixChartNewColour() });
    if (check.newRevisionCreatedMs > 0)
        o.events.push_back({ check.newRevisionCreatedMs, QStringLiteral("new revision") });
    if (o.title.isEmpty())
        o.title = QStringLiteral("Fix verification of %1 (%2): %3")
                      .arg(QString::fromStdString(check.workload), QString::fromStdString(check.ns),
                          QString::fromStdString(check.outcome == "not_fixed" ? "not fixed" : check.outcome));
    o.range.reset();
    return renderMemoryChart(s, o);
}

QColor chartLineColour(int index)
{
    return QColor::fromRgba(kPalette[std::size_t(index) % kPalette.size()]);
}
QColor chartLimitColour()
{
    return QColor(200, 30, 30);
}
QColor chartOomColour()
{
    return QColor(220, 0, 0);
}

QPointF ChartLayout::map(std::int64_t tMs, double bytes) const
{
    const double fx = range.durationMs() > 0 ? double(tMs - range.startMs) / double(range.durationMs()) : 0.0;
    const double fy = maxBytes > minBytes ? (bytes - minBytes) / (maxBytes - minBytes) : 0.0;
    return { plot.left() + fx * plot.width(), plot.bottom() - fy * plot.height() };
}

std::vector<SnapshotKill> snapshotKills(const EvidenceSnapshot& snapshot)
{
    std::vector<SnapshotKill> kills;
    if (!snapshot.findings.is_object() || !snapshot.findings.contains("oom"))
        return kills;
    for (const auto& k : snapshot.findings["oom"].value("events", nlohmann::json::array())) {
        SnapshotKill kill;
        if (k.contains("time") && k["time"].is_string())
            kill.tMs = QDateTime::fromString(QString::fromStdString(k["time"].get<std::string>()), Qt::ISODate)
                           .toMSecsSinceEpoch();
        if (k.contains("pod") && k["pod"].is_string())
            kill.pod = k["pod"].get<std::string>();
        if (k.contains("node") && k["node"].is_string())
            kill.node = k["node"].get<std::string>();
        for (const auto& s : k.value("sources", nlohmann::json::array()))
            if (s.is_string())
                kill.sources.push_back(s.get<std::string>());
        kills.push_back(std::move(kill));
    }
    return kills;
}

ChartLayout layoutMemoryChart(const EvidenceSnapshot& s, const ChartImageOptions& o)
{
    ChartLayout l;
    l.plot = QRectF(84, 46, std::max(50, o.width - 84 - 24), std::max(50, o.height - 46 - 44));
    l.range = o.range.value_or(TimeRange { s.windowStartMs, s.windowEndMs });
    l.range = { chartTime(l.range.startMs), chartTime(l.range.endMs) };
    if (l.range.durationMs() <= 0) {
        l.range = { kLatestChartMs, 0 };
        for (const auto* line : podLines(s))
            for (const auto& x : line->samples)
                if (drawable(x)) {
                    l.range.startMs = std::min(l.range.startMs, x.tMs);
                    l.range.endMs = std::max(l.range.endMs, x.tMs);
                }
        if (l.range.durationMs() <= 0)
            l.range = { 0, 3'600'000 };
    }
    double top = 0.0;
    if (s.limitBytes && std::isfinite(*s.limitBytes) && *s.limitBytes < kMaxChartBytes)
        top = *s.limitBytes;
    for (const auto* line : podLines(s))
        for (const auto& x : line->samples)
            if (drawable(x) && x.tMs >= l.range.startMs && x.tMs <= l.range.endMs)
                top = std::max(top, x.value);
    l.minBytes = 0.0;
    const double step = niceByteStep(std::max(top, 1024.0 * 1024.0));
    l.maxBytes = std::ceil(top * 1.06 / step) * step;
    if (l.maxBytes <= 0)
        l.maxBytes = step;
    return l;
}

QImage renderMemoryChart(const EvidenceSnapshot& s, const ChartImageOptions& o)
{
    QImage image(o.width, o.height, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::white);
    const ChartLayout l = layoutMemoryChart(s, o);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    QFont font = p.font();
    font.setPixelSize(11);
    p.setFont(font);
    const QFontMetrics fm(font);

    // Grid and value axis.
    const double yStep = niceByteStep(l.maxBytes - l.minBytes);
    p.setPen(QPen(QColor(225, 225, 225), 1));
    int ticks = 0;
    for (double v = l.minBytes; v <= l.maxBytes + 1 && ticks < kMaxTicks; v += yStep, ++ticks) {
        const QPointF a = l.map(l.range.startMs, v);
        p.drawLine(QPointF(l.plot.left(), a.y()), QPointF(l.plot.right(), a.y()));
        p.save();
        p.setPen(QColor(90, 90, 90));
        const QString label = QString::fromStdString(formatBytes(v));
        p.drawText(QRectF(0, a.y() - 8, l.plot.left() - 6, 16), Qt::AlignRight | Qt::AlignVCenter, label);
        p.restore();
    }
    // Time axis, ticks aligned to the display zone's wall clock.
    const std::int64_t tStep = niceTimeStep(l.range.durationMs());
    const std::int64_t offset
        = std::int64_t(o.zone.offsetFromUtc(QDateTime::fromMSecsSinceEpoch(l.range.startMs, QTimeZone::utc()))) * 1000;
    const bool multiDay = l.range.durationMs() > 86'400'000;
    ticks = 0;
    for (std::int64_t t = ((l.range.startMs + offset) / tStep + 1) * tStep - offset; t < l.range.endMs && ticks < kMaxTicks;
         t += tStep, ++ticks) {
        const QPointF a = l.map(t, l.minBytes);
        p.setPen(QPen(QColor(235, 235, 235), 1));
        p.drawLine(QPointF(a.x(), l.plot.top()), QPointF(a.x(), l.plot.bottom()));
        p.setPen(QColor(90, 90, 90));
        const QDateTime dt = QDateTime::fromMSecsSinceEpoch(t, o.zone);
        const QString label = dt.toString(multiDay ? QStringLiteral("MM-dd HH:mm") : QStringLiteral("HH:mm"));
        p.drawText(QRectF(a.x() - 50, l.plot.bottom() + 4, 100, 16), Qt::AlignHCenter | Qt::AlignTop, label);
    }
    p.setPen(QColor(90, 90, 90));
    const QString zoneName = o.zone == QTimeZone::utc()
        ? QStringLiteral("UTC")
        : o.zone.displayName(QDateTime::fromMSecsSinceEpoch(l.range.startMs), QTimeZone::OffsetName);
    p.drawText(QRectF(l.plot.left(), l.plot.bottom() + 22, l.plot.width(), 16), Qt::AlignHCenter | Qt::AlignTop,
        QStringLiteral("time (%1)").arg(zoneName));
    p.setPen(QPen(QColor(150, 150, 150), 1));
    p.drawRect(l.plot);

    // Pod lines, clipped to the plot; a gap of more than three steps breaks the line.
    p.save();
    p.setClipRect(l.plot.adjusted(-1, -1, 1, 1));
    const auto lines = podLines(s);
    const std::int64_t gapMs = std::max<std::int64_t>(3 * std::clamp<std::int64_t>(s.stepMs, 0, kMaxStepMs), 90'000);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        QPainterPath path;
        bool open = false;
        std::int64_t last = 0;
        for (const auto& x : lines[i]->samples) {
            if (!drawable(x))
                continue;
            const QPointF pt = l.map(x.tMs, x.value);
            if (!open || x.tMs - last > gapMs)
                path.moveTo(pt);
            else
                path.lineTo(pt);
            open = true;
            last = x.tMs;
        }
        p.setPen(QPen(lineColour(o, *lines[i], int(i)), 1.6));
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
    }
    // Limit.
    if (s.limitBytes && std::isfinite(*s.limitBytes) && *s.limitBytes < kMaxChartBytes) {
        const QPointF a = l.map(l.range.startMs, *s.limitBytes);
        p.setPen(QPen(chartLimitColour(), 1.5, Qt::DashLine));
        p.drawLine(QPointF(l.plot.left(), a.y()), QPointF(l.plot.right(), a.y()));
        p.setPen(chartLimitColour());
        p.drawText(QRectF(l.plot.left() + 4, a.y() - 16, 200, 14), Qt::AlignLeft | Qt::AlignBottom,
            QStringLiteral("limit %1").arg(QString::fromStdString(formatMemoryQuantity(std::int64_t(*s.limitBytes)))));
    }
    // Events (mitigations, severity changes): vertical lines with a label at the top.
    for (const auto& e : o.events) {
        if (e.tMs < l.range.startMs || e.tMs > l.range.endMs)
            continue;
        const QPointF a = l.map(e.tMs, l.maxBytes);
        p.setPen(QPen(QColor(40, 60, 160), 1.2, Qt::DashDotLine));
        p.drawLine(QPointF(a.x(), l.plot.top()), QPointF(a.x(), l.plot.bottom()));
        p.setPen(QColor(40, 60, 160));
        p.drawText(QRectF(a.x() + 3, l.plot.top() + 2, 160, 14), Qt::AlignLeft | Qt::AlignTop, e.label);
    }
    // OOM kills: a red triangle on the pod's line where it was killed.
    for (const auto& k : snapshotKills(s)) {
        if (k.tMs < l.range.startMs || k.tMs > l.range.endMs)
            continue;
        std::optional<double> v;
        for (const auto* line : lines)
            if (line->label("pod") == k.pod)
                v = valueAt(*line, k.tMs);
        const QPointF a = l.map(k.tMs, v.value_or(s.limitBytes.value_or(l.maxBytes)));
        QPolygonF tri;
        tri << QPointF(a.x() - 5, a.y() - 9) << QPointF(a.x() + 5, a.y() - 9) << QPointF(a.x(), a.y() - 1);
        p.setPen(QPen(chartOomColour().darker(130), 1));
        p.setBrush(chartOomColour());
        p.drawPolygon(tri);
    }
    p.restore();

    // Title and legend above the plot.
    p.setPen(QColor(30, 30, 30));
    QFont bold = font;
    bold.setBold(true);
    bold.setPixelSize(13);
    p.setFont(bold);
    const QString title = o.title.isEmpty() ? QStringLiteral("Memory working set of %1 (%2)")
                                                  .arg(QString::fromStdString(s.service), QString::fromStdString(s.ns))
                                            : o.title;
    p.drawText(QRectF(l.plot.left(), 4, l.plot.width(), 18), Qt::AlignLeft | Qt::AlignVCenter, title);
    p.setFont(font);
    double x = l.plot.left();
    const double y = 26;
    auto legend = [&](const QColor& c, const QString& text, Qt::PenStyle style) {
        if (x + 30 + fm.horizontalAdvance(text) > l.plot.right())
            return;
        p.setPen(QPen(c, 2, style));
        p.drawLine(QPointF(x, y + 7), QPointF(x + 18, y + 7));
        p.setPen(QColor(50, 50, 50));
        p.drawText(QPointF(x + 22, y + 11), text);
        x += 30 + fm.horizontalAdvance(text);
    };
    if (o.groupLabel.empty()) {
        for (std::size_t i = 0; i < lines.size(); ++i)
            legend(chartLineColour(int(i)), QString::fromStdString(lines[i]->label("pod")), Qt::SolidLine);
    } else {
        for (const ChartLineGroup& g : o.groups)
            legend(g.colour, g.legend, Qt::SolidLine);
    }
    if (s.limitBytes)
        legend(chartLimitColour(), QStringLiteral("limit"), Qt::DashLine);
    if (!snapshotKills(s).empty()) {
        if (x + 80 < l.plot.right()) {
            p.setPen(Qt::NoPen);
            p.setBrush(chartOomColour());
            QPolygonF tri;
            tri << QPointF(x + 4, y + 2) << QPointF(x + 14, y + 2) << QPointF(x + 9, y + 11);
            p.drawPolygon(tri);
            p.setPen(QColor(50, 50, 50));
            p.drawText(QPointF(x + 22, y + 11), QStringLiteral("OOM kill"));
        }
    }
    p.end();
    return image;
}

QByteArray renderMemoryChartPng(const EvidenceSnapshot& snapshot, const ChartImageOptions& options)
{
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    renderMemoryChart(snapshot, options).save(&buffer, "PNG");
    return png;
}

} // namespace leakdesk::incident
