#pragma once
// The runbook as a checklist: one row per step, each pending, done or skipped with a note. The
// check mark only shows the state: it changes through the step's Mark done / Skip / Reopen buttons
// (with their note), never by a click or the Space key on the list, which would tick a step done
// without a word.

#include "core/runbook/Runbook.h"

#include <QAbstractListModel>

#include <memory>
#include <vector>

namespace leakdesk::ui {

enum class StepState { Pending, Done, Skipped };

class RunbookChecklistModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { StateRole = Qt::UserRole + 1, NoteRole, StepNumberRole, HasEvidenceRole };

    explicit RunbookChecklistModel(QObject* parent = nullptr);

    void setRunbook(std::shared_ptr<const runbook::Runbook> runbook);
    std::shared_ptr<const runbook::Runbook> runbook() const { return m_runbook; }
    const runbook::Step* step(int row) const;

    void setStepState(int row, StepState state, const QString& note = {});
    StepState stepState(int row) const;
    QString stepNote(int row) const;
    int doneCount() const; // done only: a skipped step is not done
    int skippedCount() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;

Q_SIGNALS:
    void stepStateChanged(int row, leakdesk::ui::StepState state, const QString& note);

private:
    struct Progress {
        StepState state = StepState::Pending;
        QString note;
    };
    std::shared_ptr<const runbook::Runbook> m_runbook;
    std::vector<Progress> m_progress;
};

} // namespace leakdesk::ui
