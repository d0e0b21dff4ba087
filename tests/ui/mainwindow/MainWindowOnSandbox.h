#pragma once
// The real main window on the real sandbox (served on 127.0.0.1 by the same process), as the app
// opens it: the tests of tests/ui/mainwindow start from here.
#include "SandboxSession.h"

#include "WaitForSignals.h"
#include "core/runbook/RunbookParser.h"
#include "ui/investigation/InvestigationController.h"
#include "ui/main/MainWindow.h"
#include "ui/runbook/RunbookChecklistModel.h"

#include <QSignalSpy>
#include <QStandardPaths>

#include <memory>

namespace leakdesk::test {

// A main window on `controller` with the bundled runbook; null when the runbook does not load.
inline std::unique_ptr<ui::MainWindow> newMainWindow(ui::InvestigationController* controller)
{
    auto book = runbook::loadBundledRunbook();
    if (!book)
        return nullptr;
    return std::make_unique<ui::MainWindow>(
        controller, std::make_shared<const runbook::Runbook>(std::move(book).value()));
}

// The first step of the runbook with a command of `kind`, -1 when there is none.
inline int firstStepWith(const ui::RunbookChecklistModel& checklist, runbook::ActionKind kind)
{
    for (int r = 0; r < checklist.rowCount(); ++r)
        for (const auto& c : checklist.step(r)->commands)
            if (c.action == kind)
                return r;
    return -1;
}

// Starts the sandbox, opens `controller` on it and makes `window` (not shown yet; incidents
// autosave in a test folder). Returns what failed, empty when all went well.
inline QString newMainWindowOnSandbox(
    app::SandboxSession& sandbox, ui::InvestigationController& controller, std::unique_ptr<ui::MainWindow>& window)
{
    QStandardPaths::setTestModeEnabled(true);
    qRegisterMetaType<std::shared_ptr<const investigation::Findings>>();
    if (const auto started = sandbox.start({}); !started)
        return QString::fromStdString(started.error().message);
    if (auto st = controller.open(sandbox.connectionOptions()); !st)
        return QString::fromStdString(st.error().message);
    window = newMainWindow(&controller);
    if (!window)
        return QStringLiteral("the bundled runbook does not load");
    return {};
}

// newMainWindowOnSandbox(), then shows `window` on `service` and waits until its first findings
// are recorded in the incident. Returns what failed, empty when all went well.
inline QString showMainWindowOnSandbox(app::SandboxSession& sandbox, ui::InvestigationController& controller,
    std::unique_ptr<ui::MainWindow>& window, const QString& service)
{
    if (const QString failed = newMainWindowOnSandbox(sandbox, controller, window); !failed.isEmpty())
        return failed;
    window->setPreferredService(service);
    window->show();
    QSignalSpy recorded(window.get(), &ui::MainWindow::findingsRecorded);
    controller.refreshNamespaces();
    if (!waitForSignals(recorded, 1, 30000))
        return QStringLiteral("no findings recorded within 30 s");
    return {};
}

} // namespace leakdesk::test
