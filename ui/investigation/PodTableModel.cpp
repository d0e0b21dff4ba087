#include "ui/investigation/PodTableModel.h"

#include "core/common/Quantity.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>

namespace leakdesk::ui {

PodTableModel::PodTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void PodTableModel::setFindings(std::shared_ptr<const investigation::Findings> findings)
{
    beginResetModel();
    m_findings = std::move(findings);
    endResetModel();
}

int PodTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_findings ? 0 : static_cast<int>(m_findings->pods.size());
}

int PodTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant PodTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Pod");
    case Memory: return tr("Memory (top)");
    case Limit: return tr("Limit");
    case PercentOfLimit: return tr("% of limit");
    case Restarts: return tr("Restarts");
    case LastTermination: return tr("Last termination");
    case TimeToLimit: return tr("Time to limit");
    }
    return {};
}

QVariant PodTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || !m_findings || index.row() >= rowCount())
        return {};
    const auto& p = m_findings->pods[static_cast<size_t>(index.row())];
    // -1 when memory or limit is unknown (a plain double: GCC's -O2 flow analysis warns about optional here)
    const double percent = p.memoryBytes && p.limitBytes && *p.limitBytes > 0
        ? 100.0 * static_cast<double>(*p.memoryBytes) / static_cast<double>(*p.limitBytes)
        : -1.0;
    if (role == PodNameRole)
        return QString::fromStdString(p.name);
    if (role == SortRole) {
        switch (index.column()) {
        case Name: return QString::fromStdString(p.name);
        case Memory: return p.memoryBytes ? QVariant(static_cast<qlonglong>(*p.memoryBytes)) : QVariant(-1LL);
        case Limit: return p.limitBytes ? QVariant(static_cast<qlonglong>(*p.limitBytes)) : QVariant(-1LL);
        case PercentOfLimit: return percent;
        case Restarts: return p.restarts;
        case LastTermination: return static_cast<qlonglong>(p.lastTerminatedMs);
        case TimeToLimit: return p.hoursToLimit.value_or(1e12);
        }
    }
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Name: return QString::fromStdString(p.name);
        case Memory: return p.memoryBytes ? QString::fromStdString(formatBytes(static_cast<double>(*p.memoryBytes))) : tr("n/a");
        case Limit: return p.limitBytes ? QString::fromStdString(formatMemoryQuantity(*p.limitBytes)) : tr("none");
        case PercentOfLimit: return percent >= 0 ? QStringLiteral("%1 %").arg(percent, 0, 'f', 0) : QStringLiteral("–");
        case Restarts: return p.restarts;
        case LastTermination: {
            if (p.lastTerminationReason.empty())
                return QStringLiteral("–");
            const QString when = QDateTime::fromMSecsSinceEpoch(p.lastTerminatedMs).toString(QStringLiteral("HH:mm:ss"));
            return QStringLiteral("%1 (exit %2) at %3").arg(QString::fromStdString(p.lastTerminationReason)).arg(p.lastExitCode).arg(when);
        }
        case TimeToLimit:
            if (!p.hoursToLimit)
                return QStringLiteral("–");
            if (*p.hoursToLimit < 1.0)
                return tr("%1 min").arg(*p.hoursToLimit * 60.0, 0, 'f', 0);
            return tr("%1 h").arg(*p.hoursToLimit, 0, 'f', 1);
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() != Name && index.column() != LastTermination)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole) {
        if (index.column() == LastTermination && p.lastTerminationReason == "OOMKilled")
            return QBrush(QColor(0xc6, 0x28, 0x28));
        if (index.column() == PercentOfLimit && percent >= 90.0)
            return QBrush(QColor(0xc6, 0x28, 0x28));
    }
    if (role == Qt::ToolTipRole && index.column() == Memory)
        return tr("Working set from metrics.k8s.io, as 'kubectl top pods' shows it");
    return {};
}

} // namespace leakdesk::ui
