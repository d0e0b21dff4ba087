// The step view offers "Run" only for what the runner will run, read from the filled-in text:
// read-only and change commands get the button; refused ones (another server, a plugin, an
// unfilled placeholder, shell syntax) get a "not run here" note with the reason instead.
#include "core/runbook/CommandLine.h"
#include "ui/runbook/StepDetailView.h"

#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;

namespace {
runbook::Step stepOf(const QStringList& commands)
{
    runbook::Step step;
    step.title = "Step";
    for (const auto& text : commands) {
        runbook::Command c;
        c.text = text.toStdString();
        runbook::classifyCommand(c);
        step.commands.push_back(c);
    }
    return step;
}
} // namespace

class TestStepDetailRun : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void runOnlyWhatTheRunnerRuns_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<bool>("button");
        QTest::newRow("read-only") << "kubectl get pods -n production" << true;
        QTest::newRow("change") << "kubectl delete pod <pod-name> -n production" << true; // filled below
        QTest::newRow("another server") << "kubectl -s https://evil get pods" << false;
        QTest::newRow("plugin") << "kubectl foo" << false;
        QTest::newRow("unfilled placeholder") << "kubectl logs <container-name> -n production" << false;
        QTest::newRow("pipe") << "kubectl get pods | sh" << false;
        QTest::newRow("cp asks for a folder") << "kubectl cp production/<pod-name>:/tmp/h ./h" << true;
    }

    void runOnlyWhatTheRunnerRuns()
    {
        QFETCH(QString, command);
        QFETCH(bool, button);
        const runbook::Step step = stepOf({ command });
        StepDetailView view;
        view.setRunAvailable(true);
        view.setBindings(
            { { QStringLiteral("pod-name"), QStringLiteral("checkout-0") } }, QStringLiteral("production"));
        view.setStep(&step, nullptr, StepState::Pending, {});
        auto* run = view.findChild<QPushButton*>(QStringLiteral("runCommandButton"));
        QCOMPARE(run != nullptr, button);
        auto* refused = view.findChild<QLabel*>(QStringLiteral("runRefused"));
        QCOMPARE(refused != nullptr, !button);
        if (refused)
            QVERIFY(!refused->toolTip().isEmpty());
        if (run) {
            QSignalSpy requested(&view, &StepDetailView::runRequested);
            run->click();
            QCOMPARE(requested.count(), 1);
            QVERIFY(!requested.at(0).at(0).toString().contains(QLatin1String("<pod-name>")));
        }
    }

    // Issue 15 item 6: a step whose commands LeakDesk runs through a guarded path (heap capture
    // with its pre-flight, a mitigation with dry run, confirmation and revert) offers that path as
    // its primary button, once per kind, and lists the raw commands only to copy, without Run,
    // with the placeholders the pre-flight resolved (the JVM's PID) filled in. The step's other
    // commands keep their Run button.
    void guardedActionsArePrimaryAndTheirCommandsOnlyCopyable_data()
    {
        QTest::addColumn<QStringList>("commands");
        QTest::addColumn<QStringList>("primary"); // action kinds of the primary buttons, in order
        QTest::addColumn<int>("runButtons");
        QTest::newRow("jmap then cp, PID bound")
            << QStringList { "kubectl exec -n shop <pod-name> -- jmap -dump:live,format=b,file=/tmp/h.hprof 1",
                   "kubectl cp shop/<pod-name>:/tmp/h.hprof ./h.hprof" }
            << QStringList { "heap-capture" } << 0;
        QTest::newRow("jcmd variant next to a read-only command")
            << QStringList { "kubectl get pods -n shop", "kubectl exec <pod-name> -n shop -- jcmd 1 GC.heap_dump /tmp/x.hprof" }
            << QStringList { "heap-capture" } << 1;
        QTest::newRow("limit and env on a StatefulSet")
            << QStringList { "kubectl set env statefulset/ledger HEAP_LIMIT_RESTART=900m -n shop",
                   "kubectl set resources statefulset/ledger -n shop --limits=memory=2Gi",
                   "kubectl set env statefulset/ledger HEAP_LIMIT_RESTART=950m -n shop" }
            << QStringList { "heap-limit-restart", "raise-limit" } << 0;
        QTest::newRow("no guarded action") << QStringList { "kubectl describe pod <pod-name> -n shop" } << QStringList {} << 1;
    }
    void guardedActionsArePrimaryAndTheirCommandsOnlyCopyable()
    {
        QFETCH(QStringList, commands);
        QFETCH(QStringList, primary);
        QFETCH(int, runButtons);
        const runbook::Step step = stepOf(commands);
        StepDetailView view;
        view.setRunAvailable(true);
        view.setBindings({ { QStringLiteral("pod-name"), QStringLiteral("ledger-0") }, { QStringLiteral("jvm-pid"), QStringLiteral("7") } },
            QStringLiteral("shop"));
        view.setStep(&step, nullptr, StepState::Pending, {});

        const auto buttons = view.findChildren<QPushButton*>(QStringLiteral("guardedActionButton"));
        QStringList kinds;
        for (auto* b : buttons)
            kinds << b->property("actionKind").toString();
        QCOMPARE(kinds, primary);
        QCOMPARE(view.findChildren<QPushButton*>(QStringLiteral("runCommandButton")).size(), runButtons);
        const auto guardedLines = view.findChildren<QLineEdit*>(QStringLiteral("guardedCommandLine"));
        QCOMPARE(view.findChild<QLabel*>(QStringLiteral("guardedCommandsLabel")) != nullptr, !primary.isEmpty());
        for (auto* line : guardedLines) {
            QVERIFY2(!line->text().contains(QLatin1Char('<')), qPrintable(line->text()));
            if (line->text().contains(QLatin1String("jmap")) || line->text().contains(QLatin1String("jcmd")))
                QVERIFY2(line->text().contains(QLatin1String(" 7")), qPrintable(line->text())); // the PID found
            // The row holds the line and its Copy button, nothing that runs it.
            QCOMPARE(line->parentWidget()->findChildren<QPushButton*>().size(), 1);
        }
        for (auto* b : buttons) {
            QSignalSpy requested(&view, &StepDetailView::guardedActionRequested);
            b->click();
            QCOMPARE(requested.count(), 1);
            QCOMPARE(QString::fromLatin1(runbook::actionKindName(requested.at(0).at(0).value<runbook::ActionKind>())),
                b->property("actionKind").toString());
        }
    }
};

QTEST_MAIN(TestStepDetailRun)
#include "tst_step_detail_run.moc"
