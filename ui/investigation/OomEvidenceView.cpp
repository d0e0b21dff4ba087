#include "ui/investigation/OomEvidenceView.h"

#include "ui/investigation/OomTableModel.h"
#include "ui/investigation/VerdictBanner.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace leakdesk::ui {

OomEvidenceView::OomEvidenceView(QWidget* parent)
    : QWidget(parent)
    , m_banner(new VerdictBanner(this))
    , m_model(new OomTableModel(this))
    , m_table(new QTableView(this))
    , m_notes(new QLabel(this))
{
    m_table->setModel(m_model);
    m_table->setObjectName(QStringLiteral("oomTable"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_notes->setWordWrap(true);
    m_notes->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notes->setStyleSheet(QStringLiteral("color: #5f6368;"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_banner);
    layout->addWidget(new QLabel(tr("<b>OOM kills</b>, newest first, fused from every source"), this));
    layout->addWidget(m_table, 1);
    layout->addWidget(m_notes);
    connect(m_table, &QTableView::activated, this, [this](const QModelIndex& i) {
        Q_EMIT killActivated(m_model->data(i, OomTableModel::TimeMsRole).toLongLong());
    });
}

void OomEvidenceView::setFindings(std::shared_ptr<const investigation::Findings> f)
{
    if (!f) {
        m_model->setFinding(nullptr);
        m_banner->show(VerdictBanner::Tone::Neutral, tr("No data yet"));
        m_notes->clear();
        return;
    }
    // The OomFinding lives inside the shared Findings: alias its lifetime.
    m_model->setFinding(std::shared_ptr<const oom::OomFinding>(f, &f->oom));
    m_table->resizeColumnsToContents();
    const auto& o = f->oom;
    const QString rule = tr("more than %1 in 1 hour").arg(o.rule.threshold);
    if (o.ruleMet)
        m_banner->show(VerdictBanner::Tone::Bad,
            tr("%1 OOM kills in the last hour (at most %2 in any hour) — the runbook's rule (%3) is met: active memory leak")
                .arg(o.countLastHour)
                .arg(o.maxInAnyWindow)
                .arg(rule),
            tr("If these kills hit user-facing traffic, escalate to P1."));
    else if (!o.kills.empty())
        m_banner->show(VerdictBanner::Tone::Warning,
            tr("%1 OOM kills in the last hour, at most %2 in any hour — below the runbook's threshold (%3)").arg(o.countLastHour).arg(o.maxInAnyWindow).arg(rule));
    else
        m_banner->show(VerdictBanner::Tone::Good, tr("No OOM kills in the window"));
    QStringList notes;
    notes << tr("The runbook's command shows %1 OOMKilling event(s) in namespace %2.").arg(o.literalEventCount).arg(QString::fromStdString(f->request.ns));
    for (const auto& n : o.notes)
        notes << QString::fromStdString(n);
    m_notes->setText(notes.join(QStringLiteral("\n")));
}

} // namespace leakdesk::ui
