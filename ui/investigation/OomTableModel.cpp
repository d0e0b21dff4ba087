#include "ui/investigation/OomTableModel.h"

#include <QDateTime>

namespace leakdesk::ui {

OomTableModel::OomTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void OomTableModel::setFinding(std::shared_ptr<const oom::OomFinding> finding)
{
    beginResetModel();
    m_finding = std::move(finding);
    endResetModel();
}

int OomTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_finding ? 0 : static_cast<int>(m_finding->kills.size());
}

int OomTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

const oom::OomKill& OomTableModel::killAt(int row) const
{
    // Newest first: the kills are stored ascending.
    return m_finding->kills[m_finding->kills.size() - 1 - static_cast<size_t>(row)];
}

QVariant OomTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time: return tr("Time");
    case Pod: return tr("Pod");
    case Node: return tr("Node");
    case Sources: return tr("Seen by");
    case Detail: return tr("Detail");
    }
    return {};
}

QVariant OomTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || !m_finding || index.row() >= rowCount())
        return {};
    const auto& k = killAt(index.row());
    if (role == TimeMsRole)
        return static_cast<qlonglong>(k.timeMs);
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Time: {
            const QString t = QDateTime::fromMSecsSinceEpoch(k.timeMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
            return k.uncertaintyMs > 0 ? tr("%1 ±%2 s").arg(t).arg(k.uncertaintyMs / 1000) : t;
        }
        case Pod: return k.pod.empty() ? tr("(unattributed)") : QString::fromStdString(k.pod);
        case Node: return QString::fromStdString(k.node);
        case Sources: {
            QStringList s;
            for (const auto& src : k.sources)
                s << QString::fromStdString(src);
            return s.join(QStringLiteral(", "));
        }
        case Detail: return QString::fromStdString(k.detail);
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Sources)
        return tr("pod-status: the kubelet's lastState.terminated; kube-state-metrics: restart with last reason OOMKilled; "
                  "cadvisor: container_oom_events_total; node-event: node-problem-detector's OOMKilling event");
    if (role == Qt::ToolTipRole && index.column() == Detail)
        return QString::fromStdString(k.detail);
    return {};
}

} // namespace leakdesk::ui
