#pragma once
// The incident's journal as a table, oldest first: time in UTC, local time, time since the
// incident was opened, kind, and what happened (the detail is the tooltip). Reset from a new
// document snapshot; never edits the document.

#include "core/incident/IncidentDocument.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <QTimeZone>

#include <memory>
#include <set>

namespace leakdesk::ui {

class TimelineModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Time, Local, SinceOpened, Kind, Entry, ColumnCount };
    enum Role {
        TimeMsRole = Qt::UserRole + 1, // qint64, UTC epoch ms
        KindRole, // int(incident::JournalKind)
        DetailRole, // QString
        RefRole, // QString: id of the record the entry is about ("E1", "A2")
    };

    explicit TimelineModel(QObject* parent = nullptr);

    void setDocument(std::shared_ptr<const incident::IncidentDocument> document);
    std::shared_ptr<const incident::IncidentDocument> document() const { return m_doc; }
    void setLocalZone(const QTimeZone& zone);
    const incident::JournalEntry* entry(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const incident::IncidentDocument> m_doc;
    QTimeZone m_zone = QTimeZone::systemTimeZone();
};

// Shows only the kinds switched on (all by default) and, optionally, entries containing a text.
class TimelineFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit TimelineFilterModel(QObject* parent = nullptr);

    void setKindVisible(incident::JournalKind kind, bool visible);
    bool isKindVisible(incident::JournalKind kind) const { return m_visible.count(kind) > 0; }
    void setTextFilter(const QString& text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    std::set<incident::JournalKind> m_visible;
    QString m_text;
};

} // namespace leakdesk::ui
