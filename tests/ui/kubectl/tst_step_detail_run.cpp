// The step view offers "Run" only for what the runner will run, read from the filled-in text:
// read-only and change commands get the button; refused ones (another server, a plugin, an
// unfilled placeholder, shell syntax) get a "not run here" note with the reason instead.
#include "core/runbook/CommandLine.h"
#include "ui/runbook/StepDetailView.h"

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::ui;

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
        runbook::Step step;
        step.title = "Step";
        runbook::Command c;
        c.text = command.toStdString();
        runbook::classifyCommand(c);
        step.commands.push_back(c);
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
};

QTEST_MAIN(TestStepDetailRun)
#include "tst_step_detail_run.moc"
