#include "ui/incident/TimelineModel.h"

#include "core/incident/IncidentReport.h"

#include <QBrush>
#include <QColor>

namespace leakdesk::ui {

using incident::JournalKind;

TimelineModel::TimelineModel(QObject* parent)
    : QAbstractTableModel(parent)
{ }

void TimelineModel::setDocument(std::shared_ptr<const incident::IncidentDocument> document)
{
    beginResetModel();
    m_doc = std::move(document);
    endResetModel();
}

void TimelineModel::setLocalZone(const QTimeZone& zone)
{
    m_zone = zone;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, Local), index(rowCount() - 1, Local));
}

const incident::JournalEntry* TimelineModel::entry(int row) const
{
    if (!m_doc || row < 0 || row >= int(m_doc->journal.size()))
        return nullptr;
    return &m_doc->journal[std::size_t(row)];
}

int TimelineModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() || !m_doc ? 0 : int(m_doc->journal.size());
}

int TimelineModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TimelineModel::data(const QModelIndex& index, int role) const
{
    const incident::JournalEntry* e = index.isValid() ? entry(index.row()) : nullptr;
    if (!e)
        return {};
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return QString::fromStdString(incident::formatUtc(e->tMs));
        case Local:
            return QString::fromStdString(incident::formatLocal(e->tMs, m_zone));
        case SinceOpened:
            return QString::fromStdString(incident::formatDuration(e->tMs - m_doc->createdMs));
        case Kind:
            return QString::fromLatin1(incident::journalKindName(e->kind));
        case Entry:
            return QString::fromStdString(e->title);
        }
        return {};
    case Qt::ToolTipRole:
        return QString::fromStdString(e->detail.empty() ? e->title : e->title + "\n\n" + e->detail);
    case Qt::ForegroundRole:
        if (index.column() != Kind)
            return {};
        switch (e->kind) {
        case JournalKind::Finding:
            return QBrush(QColor(31, 119, 180));
        case JournalKind::Action:
            return QBrush(QColor(196, 90, 0));
        case JournalKind::Escalation:
            return QBrush(QColor(200, 30, 30));
        case JournalKind::Step:
            return QBrush(QColor(26, 127, 55));
        case JournalKind::Note:
            return {};
        }
        return {};
    case TimeMsRole:
        return QVariant::fromValue<qint64>(e->tMs);
    case KindRole:
        return int(e->kind);
    case DetailRole:
        return QString::fromStdString(e->detail);
    case RefRole:
        return QString::fromStdString(e->ref);
    }
    return {};
}

QVariant TimelineModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return tr("Time (UTC)");
    case Local:
        return tr("Local");
    case SinceOpened:
        return tr("Since opened");
    case Kind:
        return tr("Kind");
    case Entry:
        return tr("Entry");
    }
    return {};
}

TimelineFilterModel::TimelineFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    for (JournalKind k : incident::allJournalKinds())
        m_visible.insert(k);
}

void TimelineFilterModel::setKindVisible(JournalKind kind, bool visible)
{
    if (visible == isKindVisible(kind))
        return;
    if (visible)
        m_visible.insert(kind);
    else
        m_visible.erase(kind);
    invalidateRowsFilter();
}

void TimelineFilterModel::setTextFilter(const QString& text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateRowsFilter();
}

bool TimelineFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QModelIndex idx = sourceModel()->index(sourceRow, TimelineModel::Entry, sourceParent);
    if (!m_visible.count(JournalKind(idx.data(TimelineModel::KindRole).toInt())))
        return false;
    if (m_text.isEmpty())
        return true;
    return idx.data().toString().contains(m_text, Qt::CaseInsensitive)
        || idx.data(TimelineModel::DetailRole).toString().contains(m_text, Qt::CaseInsensitive);
}

} // namespace leakdesk::ui
