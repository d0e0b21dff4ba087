#pragma once
// The strip that shows a running job (common/Job.h): its stage, a progress bar and a Cancel button.
// It shows itself when the job starts and hides when it ends; it knows nothing about what the job
// computes.

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QProgressBar;
class QPushButton;
QT_END_NAMESPACE

namespace leakdesk {
class Job;
struct JobProgress;
}

namespace leakdesk::ui {

class JobProgressBar : public QWidget {
    Q_OBJECT
public:
    JobProgressBar(Job* job, QWidget* parent = nullptr);

    // Call when the job has been started (the job's own started signals differ per job type).
    void jobStarted(const QString& what);

    QString stageText() const;
    int percent() const;

private:
    void setStage(const QString& stage, double fraction);
    void showProgress(const JobProgress& progress);

    Job* m_job;
    QString m_what;
    QLabel* m_stage;
    QProgressBar* m_bar;
    QPushButton* m_cancel;
};

} // namespace leakdesk::ui
