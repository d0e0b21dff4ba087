// `leakdesk-cli heap capture --sandbox` run as a user would: every stage printed, the verified
// SHA-256 matches the file it wrote, the file opens with core/heap; a resumed transfer and a clear
// usage error.
#include "TestSupport.h"

#include "core/heap/ClassHistogram.h"
#include "core/heap/HprofFile.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::test;

class TestCliHeapCapture : public QObject {
    Q_OBJECT
    qint64 m_now = 0;
    QString m_pod;

    QStringList args(const QString& out) const
    {
        return { QStringLiteral("heap"), QStringLiteral("capture"), QStringLiteral("--sandbox"),
            QStringLiteral("--now-ms"), QString::number(m_now), QStringLiteral("--namespace"),
            QStringLiteral("production"), QStringLiteral("--pod"), m_pod, QStringLiteral("--out"), out };
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_now = QDateTime::currentMSecsSinceEpoch();
        const sandbox::SandboxModel model(42, m_now);
        for (std::size_t p = 0; p < model.pods().size() && m_pod.isEmpty(); ++p)
            if (model.services()[model.pods()[p].service].name == "payments" && model.runIndexAt(p, m_now))
                m_pod = QString::fromStdString(model.pods()[p].name);
        QVERIFY(!m_pod.isEmpty());
    }

    void capturesAndPrintsTheVerifiedChecksum()
    {
        QTemporaryDir out;
        const auto r = runProgram(cliPath(), args(out.path()), 90000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString text = QString::fromUtf8(r.out);
        for (const char* stage : { "[pre-flight]", "[dump]", "[transfer]", "[verify]", "[clean up]" })
            QVERIFY2(text.contains(QLatin1String(stage)), qPrintable(text));
        // payments runs its JVM as PID 1.
        QVERIFY2(text.contains(QStringLiteral("JVM: PID 1 ")), qPrintable(text));
        const auto m
            = QRegularExpression(QStringLiteral("\ncaptured: (\\S+) .*\nsha256: ([0-9a-f]{64}) \\(verified against "
                                                "sha256sum in the pod\\)\nremote file: removed\n"))
                  .match(text);
        QVERIFY2(m.hasMatch(), qPrintable(text));
        QFile f(m.captured(1));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256).toHex(), m.captured(2).toLatin1());
        QCOMPARE(f.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther), QFileDevice::Permissions {});
        auto dump = heap::HprofFile::open(m.captured(1).toStdString());
        QVERIFY(dump.ok());
        auto histogram = heap::computeClassHistogram(*dump);
        QVERIFY(histogram.ok());
        bool session = false;
        for (const auto& row : histogram->rows)
            session = session || row.className == "LeakyService$Session";
        QVERIFY(session);
    }

    void resumesWithTheSandboxDroppingConnections()
    {
        QTemporaryDir out;
        const auto r = runProgram(cliPath(),
            args(out.path())
                + QStringList { QStringLiteral("--no-gzip"), QStringLiteral("--sandbox-drop-after"),
                    QStringLiteral("2500000") },
            90000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("resuming from there"), r.out.constData());
        QVERIFY(QRegularExpression(QStringLiteral("resumed \\d+ times")).match(QString::fromUtf8(r.out)).hasMatch());
    }

    void preflightOnlyChangesNothingAndNoJdkExplains()
    {
        QTemporaryDir out;
        const auto r = runProgram(cliPath(),
            args(out.path())
                + QStringList { QStringLiteral("--sandbox-container"), QStringLiteral("payments=no-jdk"),
                    QStringLiteral("--preflight-only") },
            90000);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains("BLOCKER: the image has no JDK tools"), r.out.constData());
        QVERIFY2(r.out.contains("Debug container offer: kubectl debug -n production"), r.out.constData());
        QVERIFY(!r.out.contains("[dump]"));
        QCOMPARE(QDir(out.path()).entryList(QDir::Files).size(), 0);
    }

    void debugContainerWhenTheImageHasNoJdk()
    {
        QTemporaryDir out;
        const auto r = runProgram(cliPath(),
            args(out.path())
                + QStringList { QStringLiteral("--sandbox-container"), QStringLiteral("payments=no-jdk"),
                    QStringLiteral("--debug-container"), QStringLiteral("--debug-image"), QStringLiteral("jdk:17") },
            90000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("[dump] creating ephemeral container leakdesk-jdk-"), r.out.constData());
        QVERIFY(r.out.contains("(jdk:17) targeting payments"));
        QVERIFY(r.out.contains("(verified against sha256sum in the pod)"));
        QVERIFY(r.out.contains("note: created ephemeral container leakdesk-jdk-"));
        QCOMPARE(QDir(out.path()).entryList(QDir::Files).size(), 1);
    }

    // --isolate: out of the Service first (the replacement ready, the endpoints without the pod),
    // the record next to the dump, the pre-flight knows; --put-back restores it afterwards.
    void isolateCapturePutBack()
    {
        QTemporaryDir out;
        QStringList a = args(out.path());
        a.removeAt(a.indexOf(QStringLiteral("--now-ms")) + 1); // the replacement starts on the sandbox's clock
        a.removeAll(QStringLiteral("--now-ms"));
        const auto r = runProgram(cliPath(), a + QStringList { QStringLiteral("--isolate"), QStringLiteral("--put-back") }, 90000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QString text = QString::fromUtf8(r.out);
        QVERIFY2(text.contains(QStringLiteral("[isolate] removing label(s) {\"app\":\"payments\"}")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("is ready; the Service no longer sends it traffic")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("the pod is out of its Service")), qPrintable(text));
        QVERIFY(text.indexOf(QStringLiteral("is ready")) < text.indexOf(QStringLiteral("[dump]")));
        QVERIFY(text.contains(QStringLiteral("(verified against sha256sum in the pod)")));
        QVERIFY2(text.contains(QStringLiteral("is selected by payments again")), qPrintable(text));
        QVERIFY(QFile::exists(out.filePath(m_pod + QStringLiteral("-isolation.json"))));

        const auto wrong = runProgram(cliPath(), args(out.path()) + QStringList { QStringLiteral("--put-back") });
        QCOMPARE(wrong.exitCode, 2);
    }

    // -n is --namespace, as in every other command: the pod is looked up where -n says.
    void dashNNamesTheNamespace()
    {
        const QStringList base { QStringLiteral("heap"), QStringLiteral("capture"), QStringLiteral("--sandbox"),
            QStringLiteral("--now-ms"), QString::number(m_now), QStringLiteral("--pod"), m_pod,
            QStringLiteral("--preflight-only") };
        const auto there
            = runProgram(cliPath(), base + QStringList { QStringLiteral("-n"), QStringLiteral("production") }, 90000);
        QVERIFY2(there.exitCode == 0, there.err.constData());
        QVERIFY2(there.out.contains("JVM: PID 1 "), there.out.constData());
        const auto elsewhere
            = runProgram(cliPath(), base + QStringList { QStringLiteral("-n"), QStringLiteral("kube-system") }, 90000);
        QCOMPARE(elsewhere.exitCode, 1);
        QVERIFY2(!elsewhere.out.contains("JVM: PID 1 "), elsewhere.out.constData());
    }

    void usageErrors()
    {
        const auto r
            = runProgram(cliPath(), { QStringLiteral("heap"), QStringLiteral("capture"), QStringLiteral("--sandbox") });
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("needs --pod"));
        const auto both = runProgram(cliPath(),
            { QStringLiteral("heap"), QStringLiteral("capture"), QStringLiteral("--sandbox"), QStringLiteral("--pod"),
                QStringLiteral("x"), QStringLiteral("--live"), QStringLiteral("--all") });
        QCOMPARE(both.exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestCliHeapCapture)
#include "tst_cli_heap_capture.moc"
