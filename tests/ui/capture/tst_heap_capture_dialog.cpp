// HeapCaptureDialog on the sandbox, offscreen: the pre-flight is shown before anything runs, the
// Capture button drives the pipeline through its stages to a verified file and captured(); a
// container without JDK tools gets no Capture button until the offered debug container is chosen,
// then captures from there; Cancel during
// the dump removes the file once the JVM has written it, even when the dialog is deleted.
#include "ui/heap/HeapCaptureDialog.h"
#include "ui/heap/ServiceIsolationBox.h"

#include "SandboxCluster.h"
#include "WaitForResult.h"
#include "core/kube/KubeClient.h"
#include "core/sandbox/SandboxHost.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QCheckBox>
#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;

namespace {

// Sandbox time the tests may move on (a replacement pod starting, a settled isolation).
constexpr qint64 kSteadyMs = 5 * 60 * 1000;

// A checkout pod whose container runs at `now` and keeps running, in the same run, for the next
// kSteadyMs. A pod that merely has a run (runIndexAt) may be in its 10 s restart back-off after an
// OOM kill at that moment: its pre-flight fails ("not running") and the test sits out its wait.
// Of those, the oldest: when a pod is put back in its Service, the ReplicaSet gives up its newest
// pod, and the tests expect the one put back to stay.
QString steadyCheckoutPod(const sandbox::SandboxModel& model, qint64 now)
{
    std::optional<std::size_t> chosen;
    for (std::size_t p = 0; p < model.pods().size(); ++p) {
        if (model.services()[model.pods()[p].service].name == "checkout" && test::runsSteadily(model, p, now, kSteadyMs)
            && (!chosen || model.pods()[p].createdMs < model.pods()[*chosen].createdMs))
            chosen = p;
    }
    return chosen ? QString::fromStdString(model.pods()[*chosen].name) : QString();
}

struct Cluster : test::SandboxCluster {
    QString pod;

    // The sandbox's clock stands at `at` (default: now).
    Status start(sandbox::SandboxOptions options, std::optional<qint64> at = {})
    {
        const qint64 now = at.value_or(test::testNowMs());
        pod = steadyCheckoutPod(sandbox::SandboxModel(42, now), now);
        if (pod.isEmpty())
            return makeError(ErrorCode::NotFound, "no checkout pod runs steadily at the sandbox's time");
        options.seed = 42;
        return SandboxCluster::start(pinnedAt(options, now));
    }
};

// The pod's IP in the checkout Service's endpoints, and the pod's labels, as the API server has them;
// nullopt when the API server did not answer in time. The callbacks are bound to `alive`, which
// ends with this call: an answer that comes after the wait gave up is dropped instead of being
// written into this function's dead stack frame.
std::optional<bool> inEndpoints(kube::KubeClient& client, const QString& pod)
{
    QObject alive;
    std::optional<bool> found;
    client.getJson(
        QStringLiteral("/api/v1/namespaces/production/pods/") + pod, {}, &alive, [&](Result<nlohmann::json> p) {
            if (!p)
                return (void)(found = false);
            const std::string ip = (*p)["status"].value("podIP", "");
            client.getJson(QStringLiteral("/api/v1/namespaces/production/endpoints/checkout"), {}, &alive,
                [&, ip](Result<nlohmann::json> ep) {
                    bool in = false;
                    if (ep)
                        for (const auto& s : (*ep)["subsets"])
                            for (const auto& a : s.value("addresses", nlohmann::json::array()))
                                in = in || a.value("ip", "") == ip;
                    found = in;
                });
        });
    (void)QTest::qWaitFor([&] { return found.has_value(); }, 30000);
    return found;
}

// Whether any two of the dialog's visible parts (the pre-flight text, the boxes, the isolation
// box, the stages, the progress, the status, the buttons) share pixels; prints the first pair.
bool noOverlaps(QDialog& dialog)
{
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    QList<QWidget*> parts;
    for (QWidget* w : dialog.findChildren<QWidget*>(Qt::FindDirectChildrenOnly))
        if (w->isVisible() && !w->isWindow())
            parts << w;
    for (qsizetype i = 0; i < parts.size(); ++i)
        for (qsizetype j = i + 1; j < parts.size(); ++j)
            if (parts[i]->geometry().intersects(parts[j]->geometry())) {
                qWarning() << "overlap:" << parts[i] << parts[i]->geometry() << parts[j] << parts[j]->geometry()
                           << "dialog" << dialog.size() << "minimum" << dialog.minimumSize();
                return false;
            }
    return true;
}

QPushButton* button(QDialog& dialog, const QString& text)
{
    for (auto* b : dialog.findChildren<QPushButton*>())
        if (b->text().remove(QLatin1Char('&')) == text)
            return b;
    return nullptr;
}

} // namespace

class TestHeapCaptureDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void preflightThenCaptureToAVerifiedFile()
    {
        Cluster c;
        QVERIFY(c.start({}).ok());
        QTemporaryDir out;
        ui::HeapCaptureDialog dialog(*c.client, QStringLiteral("production"), c.pod, QString(), out.path());
        QVERIFY(!dialog.isModal());
        dialog.show();
        QSignalSpy captured(&dialog, &ui::HeapCaptureDialog::captured);
        QPushButton* captureButton = button(dialog, QStringLiteral("Capture"));
        QVERIFY(captureButton);
        QVERIFY(!captureButton->isEnabled()); // not before the pre-flight is read
        QTRY_VERIFY2_WITH_TIMEOUT(dialog.canStartCapture(), qPrintable(dialog.statusText()), 30000);
        QVERIFY(captureButton->isEnabled());
        const QString preflight = dialog.preflightText();
        QVERIFY2(preflight.contains(QStringLiteral("JVM: PID 7")), qPrintable(preflight));
        QVERIFY(preflight.contains(QStringLiteral("full GC")));
        QVERIFY(preflight.contains(QStringLiteral("Dump: jcmd 7 GC.heap_dump -gz=1 /tmp/")));
        // Nothing has been dumped yet.
        QCOMPARE(QDir(out.path()).entryList(QDir::Files).size(), 0);

        QTest::mouseClick(captureButton, Qt::LeftButton);
        QVERIFY(dialog.isCapturing());
        QVERIFY(!captureButton->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(captured.size(), 1, 60000);
        const QString path = captured.at(0).at(0).toString();
        const QString sha = captured.at(0).at(1).toString();
        QCOMPARE(captured.at(0).at(2).toString(), c.pod);
        QCOMPARE(captured.at(0).at(3).toString(), QStringLiteral("checkout"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex(), sha.toLatin1());
        QCOMPARE(dialog.percent(), 100);
        QVERIFY(dialog.statusText().contains(QStringLiteral("verified against sha256sum in the pod")));
        QVERIFY(!dialog.isCapturing());
        QVERIFY(!dialog.canStartCapture()); // one capture per dialog
        // Every stage ticked, the clean-up (rm of the dump in the pod) included.
        QVERIFY(dialog.result() && dialog.result()->remoteRemoved);
        for (const auto stage : { capture::CaptureStage::Preflight, capture::CaptureStage::Dump,
                 capture::CaptureStage::Transfer, capture::CaptureStage::Verify, capture::CaptureStage::Cleanup })
            QVERIFY2(dialog.stageMark(stage) == ui::HeapCaptureDialog::StageMark::Ticked,
                qPrintable(capture::stageName(stage) + QStringLiteral(": ") + dialog.stagesText()));
        QVERIFY2(dialog.stagesText().contains(
                     QStringLiteral("&#10003; ") + capture::stageName(capture::CaptureStage::Cleanup)),
            qPrintable(dialog.stagesText()));
        QVERIFY2(!dialog.stagesText().contains(QStringLiteral("&#9654;")), qPrintable(dialog.stagesText()));
        QVERIFY(noOverlaps(dialog));
    }

    // Whatever the pre-flight, the isolation box and the outcome say, and however small the screen
    // makes the dialog, no widget is drawn over another (the "All objects" box stood on the
    // pre-flight's last lines).
    void nothingIsDrawnOverThePreflight_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("as laid out") << QSize();
        QTest::newRow("1024x600 screen") << QSize(700, 600);
        QTest::newRow("small") << QSize(500, 420);
    }
    void nothingIsDrawnOverThePreflight()
    {
        QFETCH(QSize, size);
        Cluster c;
        QVERIFY(c.start({}).ok());
        QTemporaryDir out;
        ui::HeapCaptureDialog dialog(*c.client, QStringLiteral("production"), c.pod, QString(), out.path());
        dialog.show();
        if (size.isValid())
            dialog.resize(size);
        QVERIFY(noOverlaps(dialog));
        QTRY_VERIFY2_WITH_TIMEOUT(dialog.canStartCapture(), qPrintable(dialog.statusText()), 30000);
        QTRY_VERIFY_WITH_TIMEOUT(dialog.isolationBox()->takeOutButton()->isEnabled(), 30000);
        QCoreApplication::processEvents();
        QVERIFY(noOverlaps(dialog));
        QSignalSpy captured(&dialog, &ui::HeapCaptureDialog::captured);
        dialog.startCapture();
        QTRY_COMPARE_WITH_TIMEOUT(captured.size(), 1, 60000);
        QCoreApplication::processEvents();
        QVERIFY(noOverlaps(dialog));
        QFile::remove(captured.at(0).at(0).toString());
    }

    // Whatever the wall clock says when the test runs: at a moment when the first checkout pod is
    // in its restart back-off after an OOM kill, the test's pod is another one, and its pre-flight
    // completes. (Picking the first checkout pod with a run made this test fail, 30 s late, for
    // runs that started in such a window.)
    void preflightWhileAPodIsInRestartBackOff()
    {
        const qint64 base = QDateTime::currentMSecsSinceEpoch();
        std::optional<qint64> inBackOff;
        QString restarting;
        const sandbox::SandboxModel history(42, base);
        for (std::size_t p = 0; p < history.pods().size() && !inBackOff; ++p) {
            if (history.services()[history.pods()[p].service].name != "checkout")
                continue;
            for (const auto& run : history.pods()[p].runs) {
                const qint64 t = run.finishedMs + 2000;
                if (!run.terminated || t >= base)
                    continue;
                const sandbox::SandboxModel then(42, t);
                if (!then.containerRunningAt(p, t) && then.runIndexAt(p, t)) {
                    inBackOff = t;
                    restarting = QString::fromStdString(then.pods()[p].name);
                    break;
                }
            }
        }
        QVERIFY2(inBackOff, "no OOM kill of a checkout pod in the sandbox's history");
        Cluster c;
        QVERIFY(c.start({}, *inBackOff).ok());
        QVERIFY(c.pod != restarting);
        QTemporaryDir out;
        ui::HeapCaptureDialog dialog(*c.client, QStringLiteral("production"), c.pod, QString(), out.path());
        dialog.show();
        QTRY_VERIFY2_WITH_TIMEOUT(dialog.canStartCapture(), qPrintable(dialog.statusText()), 30000);
    }

    void withoutJdkNoCaptureButOffer()
    {
        Cluster c;
        sandbox::SandboxOptions options;
        options.containerVariations["checkout"].withoutJdkTools = true;
        QVERIFY(c.start(options).ok());
        QTemporaryDir out;
        ui::HeapCaptureDialog dialog(*c.client, QStringLiteral("production"), c.pod, QString(), out.path());
        dialog.show();
        QTRY_VERIFY2_WITH_TIMEOUT(dialog.preflight() != nullptr, qPrintable(dialog.statusText()), 30000);
        QVERIFY(!dialog.canStartCapture());
        QVERIFY(!button(dialog, QStringLiteral("Capture"))->isEnabled());
        QVERIFY(dialog.preflightText().contains(QStringLiteral("BLOCKER: the image has no JDK tools")));
        QVERIFY(dialog.preflightText().contains(QStringLiteral("Debug container offer: kubectl debug")));
        // Choosing the debug container lifts the blocker; the capture runs from there.
        QCheckBox* debug = nullptr;
        for (auto* box : dialog.findChildren<QCheckBox*>())
            if (box->text().contains(QStringLiteral("debug container")))
                debug = box;
        QVERIFY(debug && debug->isVisible() && debug->isEnabled());
        QSignalSpy captured(&dialog, &ui::HeapCaptureDialog::captured);
        debug->setChecked(true);
        QVERIFY(dialog.canStartCapture());
        QTest::mouseClick(button(dialog, QStringLiteral("Capture")), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(captured.size(), 1, 60000);
        QVERIFY(dialog.statusText().contains(QStringLiteral("created ephemeral container")));
        QVERIFY(dialog.result() && dialog.result()->notes.join(QLatin1Char(' ')).contains(QStringLiteral("ephemeral")));
    }

    // Step 3's advice for a live dump: the pod leaves its Service first (the ReplicaSet starts a
    // replacement), the dump is taken from the pod without traffic, then it is put back.
    void takeOutOfServiceCaptureAndPutBack()
    {
        Cluster c;
        QVERIFY(c.start({}).ok());
        QTemporaryDir out;
        ui::HeapCaptureDialog dialog(*c.client, QStringLiteral("production"), c.pod, QString(), out.path());
        ui::ServiceIsolationBox* box = dialog.isolationBox();
        QStringList asked;
        box->setConfirmer([&](const QString& title, const QString& text) {
            asked << title + QLatin1Char('\n') + text;
            return true;
        });
        QSignalSpy isolated(box, &ui::ServiceIsolationBox::isolated);
        QSignalSpy putBack(box, &ui::ServiceIsolationBox::putBackDone);
        dialog.show();
        QTRY_VERIFY_WITH_TIMEOUT(box->takeOutButton()->isEnabled(), 30000);
        QVERIFY2(box->stateText().contains(QStringLiteral("Served by Service checkout")), qPrintable(box->stateText()));
        QVERIFY(box->stateText().contains(QStringLiteral("app=checkout")));
        QVERIFY(inEndpoints(*c.client, c.pod) == true);

        QTest::mouseClick(box->takeOutButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(isolated.size(), 1, 30000);
        QCOMPARE(asked.size(), 1);
        QVERIFY2(asked[0].contains(QStringLiteral("kubectl label pod ") + c.pod), qPrintable(asked[0]));
        QVERIFY(box->isOut());
        QVERIFY(inEndpoints(*c.client, c.pod) == false);
        // The sandbox's clock stands still in tests: move it so the replacement starts.
        QTRY_VERIFY_WITH_TIMEOUT((c.host.advanceClock(5000), box->settled()), 30000);
        QVERIFY2(box->stateText().contains(QStringLiteral("is ready")), qPrintable(box->stateText()));
        QVERIFY(box->putBackButton()->isVisible() && box->putBackButton()->isEnabled());

        // The dump is taken from the pod that no longer serves.
        QSignalSpy captured(&dialog, &ui::HeapCaptureDialog::captured);
        QTRY_VERIFY2_WITH_TIMEOUT(dialog.canStartCapture(), qPrintable(dialog.statusText()), 30000);
        dialog.startCapture();
        QTRY_COMPARE_WITH_TIMEOUT(captured.size(), 1, 60000);
        if (const QString dir = qEnvironmentVariable("LEAKDESK_SCREENSHOT_DIR"); !dir.isEmpty())
            dialog.grab().save(dir + QStringLiteral("/leakdesk-capture-isolated.png"));

        QTest::mouseClick(box->putBackButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(putBack.size(), 1, 30000);
        QVERIFY(!box->isOut());
        QVERIFY(inEndpoints(*c.client, c.pod) == true);
        QVERIFY(box->stateText().contains(QStringLiteral("adopts it")));
    }

    // Once the dump is home the leaking pod may go: "Delete pod" deletes it (its replacement
    // serves), and neither button is offered afterwards.
    void deleteThePodOnceOut()
    {
        Cluster c;
        QVERIFY(c.start({}).ok());
        QTemporaryDir out;
        ui::HeapCaptureDialog dialog(*c.client, QStringLiteral("production"), c.pod, QString(), out.path());
        ui::ServiceIsolationBox* box = dialog.isolationBox();
        box->setConfirmer([](const QString&, const QString&) { return true; });
        QSignalSpy deleted(box, &ui::ServiceIsolationBox::deleted);
        dialog.show();
        QVERIFY(!box->deleteButton()->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(box->takeOutButton()->isEnabled(), 30000);
        box->takeOut();
        QTRY_VERIFY_WITH_TIMEOUT(box->isOut(), 30000);
        QVERIFY(box->deleteButton()->isVisible() && box->deleteButton()->isEnabled());
        QTest::mouseClick(box->deleteButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(deleted.size(), 1, 30000);
        QCOMPARE(deleted.at(0).at(2).toString(),
            QStringLiteral("kubectl delete pod ") + c.pod + QStringLiteral(" -n production"));
        QVERIFY(!box->isOut());
        QVERIFY(!box->deleteButton()->isVisible() && !box->putBackButton()->isVisible());
        QVERIFY2(box->stateText().contains(QStringLiteral("is terminating")), qPrintable(box->stateText()));
        QObject alive; // outlives the wait below, or the answer is dropped
        std::optional<bool> terminating;
        c.client->getJson(QStringLiteral("/api/v1/namespaces/production/pods/") + c.pod, {}, &alive,
            [&](Result<nlohmann::json> p) { terminating = p && (*p)["metadata"].contains("deletionTimestamp"); });
        QTRY_VERIFY(terminating.has_value());
        QVERIFY(*terminating);
    }

    void closingWhileOutAsksToPutBack()
    {
        Cluster c;
        QVERIFY(c.start({}).ok());
        QTemporaryDir out;
        auto* dialog = new ui::HeapCaptureDialog(*c.client, QStringLiteral("production"), c.pod, QString(), out.path());
        QPointer<ui::HeapCaptureDialog> alive(dialog);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        ui::ServiceIsolationBox* box = dialog->isolationBox();
        int asked = 0;
        box->setConfirmer([&](const QString&, const QString&) { return ++asked > 0; });
        dialog->show();
        QTRY_VERIFY_WITH_TIMEOUT(box->takeOutButton()->isEnabled(), 30000);
        box->takeOut();
        QTRY_VERIFY_WITH_TIMEOUT(box->isOut(), 30000);
        QVERIFY(inEndpoints(*c.client, c.pod) == false);
        dialog->close();
        QCOMPARE(asked, 2); // take out, then "put back?" on close
        // It closes once the pod is back.
        QTRY_VERIFY_WITH_TIMEOUT(alive.isNull(), 30000);
        QVERIFY(inEndpoints(*c.client, c.pod) == true);
    }

    void cancelDuringTheDump()
    {
        Cluster c;
        sandbox::SandboxOptions options;
        // A large dump: writing it takes the sandbox's JVM long enough to cancel in the middle.
        options.containerVariations["checkout"].dumpBytes = 96 * 1024 * 1024;
        QVERIFY(c.start(options).ok());
        QTemporaryDir out;
        ui::HeapCaptureDialog dialog(*c.client, QStringLiteral("production"), c.pod, QString(), out.path());
        dialog.show();
        QSignalSpy captured(&dialog, &ui::HeapCaptureDialog::captured);
        QTRY_VERIFY2_WITH_TIMEOUT(dialog.canStartCapture(), qPrintable(dialog.statusText()), 30000);
        dialog.startCapture();
        QVERIFY(dialog.statusText().contains(QStringLiteral("GC.heap_dump")));
        QTest::mouseClick(button(dialog, QStringLiteral("Cancel")), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isCapturing(), 30000);
        QCOMPARE(captured.size(), 0);
        QTRY_VERIFY(dialog.statusText().contains(QStringLiteral("cancelled")));
        QCOMPARE(QDir(out.path()).entryList(QDir::Files).size(), 0);
    }

    void destroyedWhileCapturingStillCleansUp()
    {
        Cluster c;
        sandbox::SandboxOptions options;
        options.containerVariations["checkout"].dumpBytes = 96 * 1024 * 1024;
        QVERIFY(c.start(options).ok());
        QTemporaryDir out;
        auto* dialog = new ui::HeapCaptureDialog(*c.client, QStringLiteral("production"), c.pod, QString(), out.path());
        dialog->show();
        QTRY_VERIFY2_WITH_TIMEOUT(dialog->canStartCapture(), qPrintable(dialog->statusText()), 30000);
        const QString remote = dialog->preflight()->remoteFile;
        dialog->startCapture();
        QVERIFY(dialog->statusText().contains(QStringLiteral("GC.heap_dump")));
        delete dialog;
        // The dump in the pod is removed by the job that outlived the dialog, and nothing stays here.
        // While the sandbox writes the 96 MB dump it answers nothing else, for seconds under load:
        // no answer is "not known to be gone", and a late answer is dropped with `alive`.
        auto remoteGone = [&] {
            kube::ExecRequest r;
            r.ns = QStringLiteral("production");
            r.pod = c.pod;
            r.command = { QStringLiteral("test"), QStringLiteral("-e"), remote };
            QObject alive;
            const auto o = test::waitForResult<kube::KubeClient::ExecOutput>(
                [&](auto done) { c.client->execCollect(r, &alive, done); });
            return o.ok() && o->result.exitCode == 1; // test -e: 1 when the file does not exist
        };
        QTRY_VERIFY_WITH_TIMEOUT(remoteGone(), 60000);
        QTRY_COMPARE(QDir(out.path()).entryList(QDir::Files).size(), 0);
    }
};

QTEST_MAIN(TestHeapCaptureDialog)
#include "tst_heap_capture_dialog.moc"
