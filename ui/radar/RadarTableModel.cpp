#include "ui/radar/RadarTableModel.h"

#include "ui/heap/ByteText.h"
#include "ui/radar/RadarText.h"

#include <QColor>
#include <QDateTime>
#include <QIcon>
#include <QLocale>
#include <QPainter>
#include <QPixmap>

#include <algorithm>
#include <cmath>

namespace leakdesk::ui {

namespace {
QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QString bytesOrDash(const std::optional<double>& bytes)
{
    return bytes && *bytes >= 0 ? byteText(std::uint64_t(std::llround(*bytes))) : noValueText();
}

// The status colours of the rest of the window (the verdict banner, the connection dots).
const QColor kRed(0xc6, 0x28, 0x28);
const QColor kAmber(0xef, 0x8f, 0x00);
const QColor kGreen(0x2e, 0x7d, 0x32);
const QColor kGrey(0x9a, 0xa0, 0xa6);

// A dot in a status colour beside the score (a plain QColor decoration is a large square).
QIcon statusDot(const QColor& colour)
{
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(colour);
    painter.drawEllipse(QRectF(3, 3, 10, 10));
    return QIcon(pixmap);
}
} // namespace

RadarTableModel::RadarTableModel(QObject* parent)
    : QAbstractTableModel(parent)
    , m_redDot(statusDot(kRed))
    , m_amberDot(statusDot(kAmber))
    , m_greenDot(statusDot(kGreen))
    , m_greyDot(statusDot(kGrey))
{ }

QPolygonF RadarTableModel::unitSparkline(const std::vector<Sample>& samples)
{
    if (samples.size() < 2)
        return {};
    const auto [minIt, maxIt] = std::minmax_element(
        samples.begin(), samples.end(), [](const Sample& a, const Sample& b) { return a.value < b.value; });
    const double lo = minIt->value, hi = maxIt->value;
    const double mid = (lo + hi) / 2;
    const double half = std::max((hi - lo) / 2, std::fabs(hi) * 0.05);
    const double t0 = double(samples.front().tMs), span = double(samples.back().tMs - samples.front().tMs);
    QPolygonF unit;
    unit.reserve(qsizetype(samples.size()));
    for (const Sample& s : samples) {
        const double x = span > 0 ? (double(s.tMs) - t0) / span : 0.0;
        const double y = half > 0 ? 0.5 + (s.value - mid) / (2 * half) : 0.5;
        unit.append(QPointF(std::clamp(x, 0.0, 1.0), std::clamp(y, 0.0, 1.0)));
    }
    return unit;
}

void RadarTableModel::setReport(std::shared_ptr<const radar::RadarReport> report)
{
    beginResetModel();
    m_report = std::move(report);
    m_shown.clear();
    m_hasClusters = false;
    m_leaking = 0;
    if (m_report) {
        m_shown.reserve(m_report->rows.size());
        for (const radar::RadarRow& r : m_report->rows) {
            Shown s;
            s.workload = qs(r.workloadKind) + QLatin1Char('/') + qs(r.workloadName);
            s.growth = r.dataKnown ? growthPerHourText(r.growthBytesPerHour) : noValueText();
            s.timeToLimit = timeToLimitText(r.timeToLimitHours);
            s.sparkline = unitSparkline(r.sparkline);
            if (r.sparkline.size() >= 2) {
                const auto [lo, hi] = std::minmax_element(r.sparkline.begin(), r.sparkline.end(),
                    [](const Sample& a, const Sample& b) { return a.value < b.value; });
                s.sparklineTip
                    = tr("%1 memory from %2 to %3: between %4 and %5, now %6 (limit %7)")
                          .arg(qs(r.container).isEmpty() ? s.workload : qs(r.container),
                              QDateTime::fromMSecsSinceEpoch(r.sparkline.front().tMs).toString(QStringLiteral("HH:mm")),
                              QDateTime::fromMSecsSinceEpoch(r.sparkline.back().tMs).toString(QStringLiteral("HH:mm")),
                              bytesOrDash(lo->value), bytesOrDash(hi->value), bytesOrDash(r.workingSetBytes),
                              bytesOrDash(r.limitBytes));
            } else {
                s.sparklineTip = tr("No memory samples in the window");
            }
            QStringList containers;
            for (const radar::RadarContainer& c : r.containers)
                containers << tr("%1 (%2, score %3): %4")
                                  .arg(qs(c.name), c.main ? tr("main") : tr("sidecar"))
                                  .arg(c.score, 0, 'f', 2)
                                  .arg(qs(c.reason));
            s.workloadTip = tr("%1 in %2, %n pod(s)", nullptr, r.pods).arg(s.workload, qs(r.ns))
                + (containers.isEmpty() ? QString() : QStringLiteral("\n") + containers.join(QLatin1Char('\n')));
            m_shown.push_back(std::move(s));
            m_hasClusters = m_hasClusters || !r.cluster.empty();
            if (r.dataKnown && isLeakingScore(r.score))
                ++m_leaking;
        }
    }
    endResetModel();
}

const radar::RadarRow* RadarTableModel::rowAt(int row) const
{
    if (!m_report || row < 0 || row >= int(m_report->rows.size()))
        return nullptr;
    return &m_report->rows[std::size_t(row)];
}

int RadarTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_report ? 0 : int(m_report->rows.size());
}

int RadarTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RadarTableModel::sortValue(const radar::RadarRow& r, int column) const
{
    switch (column) {
    case Memory: // by the level now, as the sparkline's last point
        return r.workingSetBytes ? QVariant(*r.workingSetBytes) : QVariant();
    case Score: // a workload without data has no score, not a low one
        return r.dataKnown ? QVariant(r.score) : QVariant();
    case Cluster:
        return qs(r.cluster);
    case Namespace:
        return qs(r.ns);
    case Workload:
        return qs(r.workloadName);
    case Growth:
        return r.dataKnown ? QVariant(r.growthBytesPerHour) : QVariant();
    case OomKills:
        return r.oomKills24h;
    case Restarts:
        return r.restarts24h;
    case TimeToLimit:
        return r.timeToLimitHours && std::isfinite(*r.timeToLimitHours) ? QVariant(*r.timeToLimitHours) : QVariant();
    case Reason:
        return qs(r.reason);
    }
    return {};
}

QVariant RadarTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const radar::RadarRow& r = m_report->rows[std::size_t(index.row())];
    const Shown& s = m_shown[std::size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case SortRole:
        return sortValue(r, column);
    case SparklineRole:
        return s.sparkline;
    case LeakingRole:
        return r.dataKnown && isLeakingScore(r.score);
    case NamespaceRole:
        return qs(r.ns);
    case WorkloadRole:
        return s.workload;
    case ClusterRole:
        return qs(r.cluster);
    case Qt::DisplayRole:
    case Qt::AccessibleTextRole:
        switch (column) {
        case Memory: // painted by the delegate; screen readers get the level
            return role == Qt::AccessibleTextRole ? s.sparklineTip : QVariant();
        case Score:
            return r.dataKnown ? QLocale().toString(r.score, 'f', 2) : tr("no data");
        case Cluster:
            return qs(r.cluster);
        case Namespace:
            return qs(r.ns);
        case Workload:
            return s.workload;
        case Growth:
            return s.growth;
        case OomKills:
            return r.oomKills24h;
        case Restarts:
            return r.restarts24h;
        case TimeToLimit:
            return s.timeToLimit;
        case Reason:
            return qs(r.reason);
        }
        return {};
    case Qt::ToolTipRole:
        switch (column) {
        case Memory:
            return s.sparklineTip;
        case Workload:
            return s.workloadTip;
        case Reason:
            return qs(r.reason);
        case TimeToLimit:
            return r.timeToLimitHours ? tr("%1 now of a %2 limit, growing %3")
                                            .arg(bytesOrDash(r.workingSetBytes), bytesOrDash(r.limitBytes), s.growth)
                : r.limitBytes ? tr("Not growing towards its %1 limit").arg(bytesOrDash(r.limitBytes))
                               : tr("No memory limit, or not growing");
        case Score:
            return r.dataKnown
                ? tr("How likely this workload leaks memory now (0 to 1); %1 and above is shown as leaking")
                      .arg(QLocale().toString(kLeakingScore, 'f', 2))
                : tr("No memory samples in the window: unknown, not healthy");
        }
        return {};
    case Qt::DecorationRole:
        if (column == Score) // a dot in the window's status colours, beside the number
            return !r.dataKnown                ? m_greyDot
                : isLeakingScore(r.score)      ? m_redDot
                : r.score >= kLeakingScore / 2 ? m_amberDot
                                               : m_greenDot;
        return {};
    case Qt::ForegroundRole:
        if ((column == OomKills && r.oomKills24h > 0)
            || (column == TimeToLimit && r.timeToLimitHours && *r.timeToLimitHours < 24))
            return kRed;
        return {};
    case Qt::TextAlignmentRole:
        switch (column) {
        case Score:
        case Growth:
        case OomKills:
        case Restarts:
        case TimeToLimit:
            return int(Qt::AlignRight | Qt::AlignVCenter);
        }
        return int(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant RadarTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Memory:
            return tr("Memory");
        case Score:
            return tr("Score");
        case Cluster:
            return tr("Cluster");
        case Namespace:
            return tr("Namespace");
        case Workload:
            return tr("Workload");
        case Growth:
            return tr("Growth/h");
        case OomKills:
            return tr("OOM 24 h");
        case Restarts:
            return tr("Restarts 24 h");
        case TimeToLimit:
            return tr("Limit reached");
        case Reason:
            return tr("Reason");
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Memory:
            return tr("The main container's memory over the window, average over pods");
        case Growth:
            return tr("Memory growth per hour, per container lifetime (restarts do not hide it)");
        case OomKills:
            return tr("OOM kills in the last 24 hours");
        case Restarts:
            return tr("Container restarts in the last 24 hours");
        case TimeToLimit:
            return tr("When memory reaches the limit at the current growth; — when it is not growing or has no limit");
        }
    }
    return {};
}

} // namespace leakdesk::ui
