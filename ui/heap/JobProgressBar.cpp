#include "ui/heap/JobProgressBar.h"

#include "core/common/Job.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>

namespace leakdesk::ui {

JobProgressBar::JobProgressBar(Job* job, QWidget* parent)
    : QWidget(parent)
    , m_job(job)
    , m_stage(new QLabel(this))
    , m_bar(new QProgressBar(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
{
    m_stage->setObjectName(QStringLiteral("jobStage"));
    m_bar->setObjectName(QStringLiteral("jobProgress"));
    m_cancel->setObjectName(QStringLiteral("jobCancel"));
    m_bar->setRange(0, 100);
    m_bar->setMaximumWidth(240);
    m_cancel->setToolTip(tr("Stop the analysis; what is already shown stays"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stage, 1);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    connect(m_cancel, &QPushButton::clicked, job, &Job::cancel);
    connect(job, &Job::progress, this, &JobProgressBar::showProgress);
    connect(job, &Job::ended, this, &QWidget::hide);
    hide();
}

void JobProgressBar::jobStarted(const QString& what)
{
    m_what = what;
    setStage(tr("opening"), 0);
    show();
}

void JobProgressBar::setStage(const QString& stage, double fraction)
{
    m_stage->setText(tr("%1: %2…").arg(m_what, stage));
    m_bar->setValue(int(fraction * 100));
}

void JobProgressBar::showProgress(const JobProgress& progress)
{
    setStage(progress.stage, progress.fraction);
}

QString JobProgressBar::stageText() const
{
    return m_stage->text();
}

int JobProgressBar::percent() const
{
    return m_bar->value();
}

} // namespace leakdesk::ui
