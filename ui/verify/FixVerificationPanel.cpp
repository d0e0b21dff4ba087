#include "ui/verify/FixVerificationPanel.h"

#include "core/common/Quantity.h"
#include "core/investigation/ClusterConnection.h"
#include "ui/investigation/VerdictBanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace leakdesk::ui {

namespace {

QString rate(double bytesPerHour)
{
    return QString::fromStdString(formatBytes(bytesPerHour)) + QStringLiteral("/h");
}

QString minutes(std::int64_t ms)
{
    const double m = static_cast<double>(ms) / 60000.0;
    return m < 120 ? QStringLiteral("%1 min").arg(static_cast<int>(m + 0.5))
                   : QStringLiteral("%1 h").arg(m / 60.0, 0, 'f', 1);
}

} // namespace

FixVerificationPanel::FixVerificationPanel(QWidget* parent)
    : QWidget(parent)
    , m_banner(new VerdictBanner(this))
    , m_comparison(new QLabel(this))
    , m_observed(new QProgressBar(this))
    , m_evidence(new QListWidget(this))
    , m_check(new QPushButton(tr("Check now"), this))
    , m_follow(new QPushButton(tr("Follow live"), this))
    , m_actions(new QWidget(this))
    , m_timer(new QTimer(this))
{
    setObjectName(QStringLiteral("fixVerification"));
    m_comparison->setObjectName(QStringLiteral("fixComparison"));
    m_comparison->setWordWrap(true);
    m_comparison->setTextFormat(Qt::RichText);
    m_observed->setObjectName(QStringLiteral("fixObserved"));
    m_observed->setRange(0, 1000);
    m_observed->setTextVisible(true);
    m_evidence->setObjectName(QStringLiteral("fixEvidence"));
    m_evidence->setWordWrap(true);
    m_evidence->setSelectionMode(QAbstractItemView::NoSelection);
    m_check->setObjectName(QStringLiteral("fixCheckNow"));
    m_follow->setObjectName(QStringLiteral("fixFollow"));
    m_follow->setCheckable(true);
    m_follow->setToolTip(tr("Check again every %1 s while this step is shown").arg(kDefaultIntervalMs / 1000));
    m_timer->setInterval(kDefaultIntervalMs);
    m_banner->show(VerdictBanner::Tone::Neutral, tr("Deploy the fix, then verify it here"),
        tr("The workload's newest revision is compared with the one that leaked."));

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_check);
    buttons->addWidget(m_follow);
    buttons->addStretch(1);
    auto* actions = new QHBoxLayout(m_actions);
    actions->setContentsMargins(0, 0, 0, 0);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_banner);
    layout->addLayout(buttons);
    layout->addWidget(m_comparison);
    layout->addWidget(m_observed);
    layout->addWidget(m_evidence, 1);
    layout->addWidget(m_actions);
    m_observed->hide();

    connect(m_check, &QPushButton::clicked, this, &FixVerificationPanel::checkNow);
    connect(m_follow, &QPushButton::toggled, this, [this](bool on) {
        if (on) {
            m_timer->start();
            checkNow();
        } else {
            m_timer->stop();
        }
    });
    connect(m_timer, &QTimer::timeout, this, &FixVerificationPanel::checkNow);
}

FixVerificationPanel::~FixVerificationPanel() = default;

void FixVerificationPanel::setTarget(
    const QString& ns, const kube::WorkloadRef& workload, std::optional<qint64> incidentStartMs)
{
    const bool changed = !m_hasTarget || m_request.ns != ns.toStdString() || !(m_request.workload == workload);
    m_request.ns = ns.toStdString();
    m_request.workload = workload;
    m_request.incidentStartMs = incidentStartMs;
    m_hasTarget = !workload.name.empty();
    if (changed) {
        if (m_job && m_job->isRunning())
            m_job->cancel(); // its answer is about the workload before
        m_last.reset();
        m_fixedRevisionAnnounced.clear();
        m_evidence->clear();
        m_comparison->clear();
        m_observed->hide();
        m_banner->show(VerdictBanner::Tone::Neutral, tr("Deploy the fix, then verify it here"),
            tr("The newest revision of %1 is compared with the one that leaked.")
                .arg(QString::fromStdString(workload.text())));
        // Followed live: the new workload is checked at once, not at the next tick.
        if (following() && m_hasTarget)
            checkNow();
    }
}

void FixVerificationPanel::setFollowing(bool on)
{
    m_follow->setChecked(on);
}

bool FixVerificationPanel::following() const
{
    return m_follow->isChecked();
}

void FixVerificationPanel::setIntervalMs(int intervalMs)
{
    m_timer->setInterval(intervalMs);
}

void FixVerificationPanel::addActionWidget(QWidget* widget)
{
    m_actions->layout()->addWidget(widget);
}

void FixVerificationPanel::checkNow()
{
    investigation::ClusterConnection* connection = m_connectionSource ? m_connectionSource() : nullptr;
    if (!connection || !m_hasTarget) {
        m_banner->show(VerdictBanner::Tone::Warning, tr("Nothing to verify yet"),
            connection ? tr("Choose the service first.") : tr("Connect to the cluster first."));
        return;
    }
    if (m_job && m_job->isRunning() && connection == m_jobConnection)
        return; // the answer on its way is as fresh as another would be
    if (connection != m_jobConnection || !m_job) {
        // A job belongs to one connection (a context switch makes another).
        m_job = std::make_unique<investigation::FixVerificationJob>(*connection);
        m_jobConnection = connection;
        connect(m_job.get(), &investigation::FixVerificationJob::finished, this,
            [this](std::shared_ptr<const investigation::FixVerificationReport> report) { show(report); });
        connect(
            m_job.get(), &investigation::FixVerificationJob::failed, this, [this](const Error& e) { showFailure(e); });
    }
    m_check->setEnabled(false);
    m_job->start(m_request);
}

void FixVerificationPanel::showFailure(const Error& error)
{
    m_check->setEnabled(true);
    if (error.code == ErrorCode::Cancelled)
        return;
    m_banner->show(VerdictBanner::Tone::Warning,
        tr("The fix could not be verified: %1").arg(QString::fromStdString(error.message)),
        QString::fromStdString(error.detail));
}

void FixVerificationPanel::show(const std::shared_ptr<const investigation::FixVerificationReport>& report)
{
    m_check->setEnabled(true);
    m_last = report;
    const analysis::FixVerification& v = report->verification;
    const QString reason = QString::fromStdString(v.reason);
    switch (v.outcome) {
    case analysis::FixOutcome::Fixed:
        m_banner->show(VerdictBanner::Tone::Good,
            tr("Fixed: %1 stopped the leak (confidence %2%)")
                .arg(QString::fromStdString(v.newRevision))
                .arg(static_cast<int>(v.confidence * 100 + 0.5)),
            reason);
        break;
    case analysis::FixOutcome::NotFixed:
        m_banner->show(VerdictBanner::Tone::Bad,
            tr("Not fixed: %1 still leaks").arg(QString::fromStdString(v.newRevision)), reason);
        break;
    case analysis::FixOutcome::Pending:
        m_banner->show(VerdictBanner::Tone::Neutral,
            v.neededMinutes ? tr("Pending: about %n more minute(s) of observation", nullptr, *v.neededMinutes)
                            : tr("Pending"),
            reason);
        break;
    }

    // Old vs new growth, side by side.
    QString oldText = tr("no history");
    if (!v.oldRevision.empty()) {
        oldText = v.oldRateBytesPerHour ? tr("grew %1").arg(rate(*v.oldRateBytesPerHour)) : tr("not seen leaking");
        if (v.oldPeriodMs)
            oldText += tr(", OOMKilled about every %1").arg(minutes(*v.oldPeriodMs));
    }
    QString newText = tr("none yet");
    if (!v.newRevision.empty()) {
        newText = v.newRateBytesPerHour ? tr("grows %1").arg(rate(*v.newRateBytesPerHour)) : tr("not judged yet");
        if (v.newRateLowBytesPerHour && v.newRateHighBytesPerHour)
            newText
                += tr(" (99% band %1 to %2)").arg(rate(*v.newRateLowBytesPerHour), rate(*v.newRateHighBytesPerHour));
        if (v.newLevelledOffWithin10min)
            newText += *v.newLevelledOffWithin10min ? tr(", levelled off within 10 min")
                                                    : tr(", not levelled off within 10 min");
        newText += tr(", %n OOM kill(s)", nullptr, v.newOomKills);
        newText += tr(", %n restart(s)", nullptr, v.newRestarts);
    }
    m_comparison->setText(tr("<b>Old</b> %1: %2<br><b>New</b> %3: %4")
                              .arg(QString::fromStdString(v.oldRevision.empty() ? "-" : v.oldRevision).toHtmlEscaped(),
                                  oldText.toHtmlEscaped(),
                                  QString::fromStdString(v.newRevision.empty() ? "-" : v.newRevision).toHtmlEscaped(),
                                  newText.toHtmlEscaped()));
    m_observed->setVisible(v.requiredMs > 0);
    if (v.requiredMs > 0) {
        const double fraction = std::min(1.0, static_cast<double>(v.observedMs) / static_cast<double>(v.requiredMs));
        m_observed->setValue(static_cast<int>(fraction * 1000));
        m_observed->setFormat(tr("observed %1 of %2").arg(minutes(v.observedMs), minutes(v.requiredMs)));
    }
    m_evidence->clear();
    for (const analysis::Evidence& e : v.evidence)
        m_evidence->addItem(QString::fromStdString(e.sentence));
    for (const std::string& note : report->notes)
        m_evidence->addItem(tr("Note: %1").arg(QString::fromStdString(note)));

    Q_EMIT verified(report);
    if (v.outcome == analysis::FixOutcome::Fixed && v.newRevision != m_fixedRevisionAnnounced) {
        m_fixedRevisionAnnounced = v.newRevision;
        Q_EMIT fixVerified(report);
    }
}

QString FixVerificationPanel::comparisonText() const
{
    return m_comparison->text();
}

QStringList FixVerificationPanel::evidenceTexts() const
{
    QStringList out;
    for (int i = 0; i < m_evidence->count(); ++i)
        out << m_evidence->item(i)->text();
    return out;
}

} // namespace leakdesk::ui
