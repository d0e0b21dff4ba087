#include "ui/main/RunbookCommandRunner.h"

#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"
#include "ui/incident/IncidentSession.h"
#include "ui/investigation/InvestigationController.h"
#include "core/kube/KubeConfig.h"
#include "core/runbook/CommandLine.h"
#include "ui/runbook/KubectlChangeConfirmation.h"
#include "ui/runbook/KubectlRunner.h"

#include <QDialog>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace leakdesk::ui {

RunbookCommandRunner::RunbookCommandRunner(PageContext context, QWidget* dialogParent)
    : QObject(dialogParent)
    , m_ctx(std::move(context))
    , m_dialogParent(dialogParent)
    , m_kubectl(new KubectlRunner(this))
{
    connect(m_kubectl, &KubectlRunner::finished, this, &RunbookCommandRunner::onCommandFinished);
}

RunbookCommandRunner::~RunbookCommandRunner() = default;

QWidget* RunbookCommandRunner::dialogParent() const
{
    return m_dialogParent->window();
}

bool RunbookCommandRunner::kubectlTarget(KubectlTarget& target)
{
    auto* conn = m_ctx.controller->connection();
    if (!conn)
        return false;
    const auto& ctx = conn->kube().context();
    if (conn->isSandbox()) {
        // The kubeconfig the app wrote for the sandbox it started.
        target.kubeconfigFiles = QStringList { conn->optionsForContext(conn->contextName()).kubeconfig };
        target.context = conn->contextName();
    } else {
        // The files LeakDesk itself read the cluster from: --kubeconfig, else KUBECONFIG or ~/.kube/config.
        const QString explicitFile = conn->optionsForContext(conn->contextName()).kubeconfig;
        if (!explicitFile.isEmpty()) {
            target.kubeconfigFiles = QStringList { explicitFile };
        } else {
            for (const std::string& f : kube::defaultKubeConfigFiles())
                target.kubeconfigFiles << QString::fromStdString(f);
        }
        target.context = conn->contextName();
        if (ctx.user.exec && !QString::fromStdString(ctx.user.exec->command).contains(QLatin1Char('/'))) {
            const QString plugin = QStandardPaths::findExecutable(QString::fromStdString(ctx.user.exec->command));
            if (!plugin.isEmpty())
                target.extraPath << QFileInfo(plugin).absolutePath();
        }
    }
    target.server = QString::fromStdString(ctx.cluster.server);
    target.localFolder = m_kubectlFolder;
    return true;
}

void RunbookCommandRunner::run(const QString& command)
{
    KubectlTarget target;
    if (!kubectlTarget(target)) {
        m_ctx.showStatus(tr("No cluster is open"));
        return;
    }
    if (m_kubectl->isRunning()) {
        m_ctx.showStatus(tr("A kubectl command is still running"));
        return;
    }
    // kubectl cp, -f, --from-file ... read or write this machine's files: only in a folder the user picks.
    if (m_kubectlFolder.isEmpty() && runbook::analyseKubectlCommand(command.toStdString()).needsLocalFolder) {
        const QString folder
            = QFileDialog::getExistingDirectory(dialogParent(), tr("Folder for kubectl's files"), QDir::homePath());
        if (folder.isEmpty())
            return;
        m_kubectlFolder = folder;
        target.localFolder = folder;
    }
    auto plan = planKubectlRun(command, target);
    if (!plan) {
        QMessageBox::warning(
            dialogParent(), tr("Cannot run the command"), QString::fromStdString(plan.error().toString()));
        return;
    }
    m_pendingChange.reset();
    m_lastPreview.clear();
    if (plan->analysis.effect == runbook::KubectlEffect::Change) {
        m_pendingChange = std::make_unique<KubectlPlan>(std::move(*plan));
        if (m_pendingChange->previewArguments.isEmpty()) {
            confirmAndRunChange(nullptr);
            return;
        }
        if (auto st = m_kubectl->run(*m_pendingChange, true); !st) {
            m_pendingChange.reset();
            QMessageBox::warning(
                dialogParent(), tr("Cannot run the command"), QString::fromStdString(st.error().toString()));
            return;
        }
        m_ctx.showStatus(tr("Server-side dry run: %1").arg(command));
        return;
    }
    if (auto st = m_kubectl->run(*plan); !st) {
        QMessageBox::warning(
            dialogParent(), tr("Cannot run the command"), QString::fromStdString(st.error().toString()));
        return;
    }
    m_ctx.showStatus(tr("Running: %1").arg(command));
}

void RunbookCommandRunner::confirmAndRunChange(const KubectlRun* preview)
{
    auto plan = std::move(m_pendingChange);
    if (!plan)
        return;
    KubectlTarget target;
    if (!kubectlTarget(target))
        return;
    runbook::Command asRunbookLine;
    asRunbookLine.text = plan->command.toStdString();
    runbook::classifyCommand(asRunbookLine);
    auto* conn = m_ctx.controller->connection();
    const QString html = changeConfirmationHtml(
        *plan, target, conn ? conn->defaultNamespace() : QString(), preview, asRunbookLine.action);
    const bool yes = m_confirmChange ? m_confirmChange(html)
                                     : QMessageBox::question(dialogParent(), tr("Change the cluster?"), html,
                                           QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel)
            == QMessageBox::Yes;
    if (!yes) {
        m_ctx.showStatus(tr("Not run: %1").arg(plan->command));
        return;
    }
    m_lastPreview = preview
        ? tr("server-side dry run (exit code %1):\n%2").arg(preview->exitCode).arg(journaledOutput(*preview))
        : QString();
    if (auto st = m_kubectl->run(*plan); !st) {
        QMessageBox::warning(
            dialogParent(), tr("Cannot run the command"), QString::fromStdString(st.error().toString()));
        return;
    }
    m_ctx.showStatus(tr("Running: %1").arg(plan->command));
}

void RunbookCommandRunner::onCommandFinished(const KubectlRun& run)
{
    if (run.preview) {
        confirmAndRunChange(&run);
        return;
    }
    QString note;
    if (run.timedOut)
        note = tr("stopped after the time limit");
    else if (run.outputTruncated)
        note = tr("stopped: it printed more than LeakDesk keeps");
    else if (run.exitCode != 0)
        note = tr("exit code %1").arg(run.exitCode);
    // Secret and ConfigMap data never reach the incident file: only that the command ran.
    const QString journaled = journaledOutput(run);
    QString actionId;
    if (m_ctx.ensureIncident()) {
        incident::RunbookCommandRun record;
        record.command = run.command.toStdString();
        record.journaledOutput = journaled.toStdString();
        record.preview = m_lastPreview.toStdString();
        record.succeeded = run.exitCode == 0 && !run.timedOut;
        record.note = note.toStdString();
        std::string id;
        m_ctx.incident->modify([&](incident::IncidentDocument& doc) {
            id = incident::recordRunbookCommand(doc, record, incident::currentTimeMs());
        });
        actionId = QString::fromStdString(id);
    }
    m_lastPreview.clear();
    m_ctx.showStatus(note.isEmpty() ? tr("Done in %1 s: %2").arg(run.elapsedMs / 1000.0, 0, 'f', 1).arg(run.command)
                                    : tr("%1: %2").arg(note, run.command));
    // The output, where the user looks: a small window that stays until closed. Masked when it
    // prints Secret data; "Show" reveals it in this window only, on purpose.
    auto* dialog = dialogParent()->findChild<QDialog*>(QStringLiteral("commandOutput"));
    QPlainTextEdit* text = nullptr;
    QPushButton* reveal = nullptr;
    if (!dialog) {
        dialog = new QDialog(dialogParent());
        dialog->setObjectName(QStringLiteral("commandOutput"));
        dialog->resize(900, 420);
        auto* l = new QVBoxLayout(dialog);
        text = new QPlainTextEdit(dialog);
        text->setReadOnly(true);
        text->setLineWrapMode(QPlainTextEdit::NoWrap);
        text->setStyleSheet(QStringLiteral("font-family: monospace"));
        l->addWidget(text);
        reveal = new QPushButton(tr("Show the hidden output"), dialog);
        reveal->setObjectName(QStringLiteral("revealOutput"));
        l->addWidget(reveal, 0, Qt::AlignLeft);
    } else {
        text = dialog->findChild<QPlainTextEdit*>();
        reveal = dialog->findChild<QPushButton*>(QStringLiteral("revealOutput"));
    }
    dialog->setWindowTitle(run.command);
    const QString header = QStringLiteral("$ ") + run.command + QStringLiteral("\n");
    const QString footer = note.isEmpty() ? QString() : QStringLiteral("\n[") + note + QStringLiteral("]");
    text->setPlainText(header + shownOutput(run) + footer);
    reveal->disconnect();
    reveal->setVisible(run.sensitive);
    if (run.sensitive) {
        const QString plain = header + QString::fromUtf8(run.output) + footer;
        connect(reveal, &QPushButton::clicked, text, [text, reveal, plain] {
            text->setPlainText(plain);
            reveal->hide();
        });
    }
    dialog->show();
    Q_EMIT commandFinished(actionId, run.exitCode, journaled);
}

} // namespace leakdesk::ui
