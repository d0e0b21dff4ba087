#pragma once
// The runbook's figures as editable parameters: each field starts at the value in effect and
// says what the runbook's text gives ("more than 2 in 1 hour", "4Gi", "within 2 hours"), with a
// button back to the runbook's values. What is accepted feeds the analyses, the mitigation
// defaults and the escalation rules.

#include "core/runbook/Parameters.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QSpinBox;

namespace leakdesk::ui {

class ThresholdsDialog : public QDialog {
    Q_OBJECT
public:
    ThresholdsDialog(const runbook::RunbookParameters& current, const runbook::RunbookParameters& fromRunbook, QWidget* parent = nullptr);

    // The edited parameters; invalid memory sizes keep the value in effect (the dialog refuses OK).
    runbook::RunbookParameters parameters() const;
    // "OOM kills: more than 3 in 60 min; ..." for the journal: what differs from `other`.
    static QString describeChanges(const runbook::RunbookParameters& before, const runbook::RunbookParameters& after);

    QSpinBox* oomCountBox() const { return m_oomCount; }
    QLineEdit* limitEdit() const { return m_limit; }

    void accept() override;

private:
    void load(const runbook::RunbookParameters& p);

    runbook::RunbookParameters m_current;
    runbook::RunbookParameters m_runbook;
    QSpinBox* m_oomCount;
    QSpinBox* m_oomWindow;
    QSpinBox* m_stabilise;
    QLineEdit* m_limit;
    QLineEdit* m_heapRestart;
    QSpinBox* m_ownerAfter;
    QLabel* m_error;
};

} // namespace leakdesk::ui
