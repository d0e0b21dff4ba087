#pragma once
// Runbook step 2: "Check OOMKilled events". The fused kill list, the count against the
// runbook's threshold, and why the literal kubectl command may show fewer.

#include "core/investigation/Findings.h"

#include <QWidget>

class QTableView;
class QLabel;

namespace leakdesk::ui {

class OomTableModel;
class VerdictBanner;

class OomEvidenceView : public QWidget {
    Q_OBJECT
public:
    explicit OomEvidenceView(QWidget* parent = nullptr);
    void setFindings(std::shared_ptr<const investigation::Findings> findings);

    QTableView* table() const { return m_table; }
    OomTableModel* model() const { return m_model; }
    VerdictBanner* banner() const { return m_banner; }

Q_SIGNALS:
    void killActivated(qint64 timeMs);

private:
    VerdictBanner* m_banner;
    OomTableModel* m_model;
    QTableView* m_table;
    QLabel* m_notes;
};

} // namespace leakdesk::ui
