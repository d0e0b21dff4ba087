#pragma once
// The incident timeline: the journal in chronological order, filterable by kind (finding, action,
// note, escalation, step) and by text, with the selected entry's detail underneath. Clicking an
// entry emits entryActivated(time) so the main window can move the memory chart to that moment.

#include "core/incident/IncidentDocument.h"

#include <QWidget>

#include <map>
#include <memory>

class QCheckBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace leakdesk::ui {

class TimelineModel;
class TimelineFilterModel;

class TimelineView : public QWidget {
    Q_OBJECT
public:
    explicit TimelineView(QWidget* parent = nullptr);

    void setDocument(std::shared_ptr<const incident::IncidentDocument> document);
    void setKindVisible(incident::JournalKind kind, bool visible); // same as ticking its box
    bool isKindVisible(incident::JournalKind kind) const;
    void setTextFilter(const QString& text);

    TimelineModel* model() const { return m_model; }
    TimelineFilterModel* filterModel() const { return m_filter; }
    QTableView* table() const { return m_table; }
    QCheckBox* kindBox(incident::JournalKind kind) const;
    QString detailText() const;

    // Selects the visible row (as a click does) and emits entryActivated.
    void activateRow(int visibleRow);

Q_SIGNALS:
    // The UTC epoch milliseconds of the entry the user activated (double-click or Enter).
    void entryActivated(qint64 timeMs);

private:
    void showDetail(const QModelIndex& proxyIndex);
    void onActivated(const QModelIndex& proxyIndex);

    TimelineModel* m_model;
    TimelineFilterModel* m_filter;
    QTableView* m_table;
    QLineEdit* m_search;
    QLabel* m_detail;
    std::map<incident::JournalKind, QCheckBox*> m_boxes;
};

} // namespace leakdesk::ui
