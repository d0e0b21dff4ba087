// Exec credential plugins that misbehave, as real scripts: one that prints forever, one that writes
// a single huge line, one that floods stderr, one that hangs, one whose forked child hangs holding
// the stdout pipe (why killing the plugin alone is not enough), one that exits but leaves such a
// child behind. Each ends with exactly one answer naming the plugin, and no process it started
// survives it.
#include "TestSupport.h"
#include "core/kube/ExecCredential.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/types.h>

using namespace leakdesk;
using namespace leakdesk::kube;

namespace {

struct Outcome {
    bool called = false;
    int calls = 0;
    std::optional<Result<QByteArray>> result;
};

} // namespace

class TestCredentialPlugin : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString script(const QString& name, const QString& body)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        f.write("#!/bin/sh\n" + body.toUtf8() + "\n");
        f.close();
        f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        return path;
    }

    static CredentialPluginIdentity identity(const QString& command)
    {
        return { command.toStdString(), "oncall@example", "/home/oncall/.kube/config" };
    }

    // Runs `program` and waits for its single answer.
    static Outcome run(const QString& program, const CredentialPluginLimits& limits)
    {
        ExecInvocation inv;
        inv.program = program;
        inv.environment = QProcessEnvironment::systemEnvironment();
        Outcome o;
        QObject context;
        CredentialPluginRun::start(inv, identity(program), limits, &context, [&o](Result<QByteArray> r) {
            ++o.calls;
            o.called = true;
            o.result = std::move(r);
        });
        // Generous: the limits under test are far shorter; this only keeps a broken build from hanging.
        (void)QTest::qWaitFor([&o] { return o.called; }, 60000);
        QTest::qWait(50); // a second (wrong) answer would arrive here
        return o;
    }

    QString pidFile(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

    static qint64 readPid(const QString& file)
    {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return 0;
        return f.readAll().trimmed().toLongLong();
    }

private Q_SLOTS:
    void misbehavingPluginIsStopped_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<int>("timeoutMs");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("says");
        QTest::addColumn<QString>("grandchildPidFile"); // empty: the script starts no child
        const QString json
            = QStringLiteral("printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                             "\"status\":{\"token\":\"t\"}}'");
        QTest::newRow("prints forever") << "exec yes credential" << 60000 << int(ErrorCode::LimitExceeded)
                                        << "more than 1 MiB on stdout" << QString();
        QTest::newRow("one huge line") << "head -c 3000000 /dev/zero | tr '\\0' a; exit 0" << 60000
                                       << int(ErrorCode::LimitExceeded) << "more than 1 MiB on stdout" << QString();
        QTest::newRow("floods stderr") << "exec yes warning >&2" << 60000 << int(ErrorCode::LimitExceeded)
                                       << "more than 1 MiB on stderr" << QString();
        QTest::newRow("hangs") << "exec sleep 1000" << 300 << int(ErrorCode::Timeout) << "did not answer within 300 ms"
                               << QString();
        QTest::newRow("hangs, its child holds stdout")
            << QStringLiteral("sleep 1000 &\necho $! > '%1'\n%2\nsleep 1000").arg(pidFile("child-a.pid"), json) << 500
            << int(ErrorCode::Timeout) << "did not answer within 500 ms" << pidFile("child-a.pid");
        QTest::newRow("prints forever from a child")
            << QStringLiteral("yes &\necho $! > '%1'\nwait").arg(pidFile("child-b.pid")) << 60000
            << int(ErrorCode::LimitExceeded) << "on stdout" << pidFile("child-b.pid");
        QTest::newRow("child ignores SIGTERM and SIGHUP")
            << QStringLiteral("sh -c 'trap \"\" TERM HUP; sleep 1000' &\necho $! > '%1'\nsleep 1000")
                   .arg(pidFile("child-c.pid"))
            << 500 << int(ErrorCode::Timeout) << "did not answer" << pidFile("child-c.pid");
        QTest::newRow("fails") << "echo 'please log in' >&2; exit 4" << 60000 << int(ErrorCode::Unauthorized)
                               << "exit code 4" << QString();
    }
    void misbehavingPluginIsStopped()
    {
        QFETCH(QString, body);
        QFETCH(int, timeoutMs);
        QFETCH(int, code);
        QFETCH(QString, says);
        QFETCH(QString, grandchildPidFile);
        const QString program
            = script(QStringLiteral("plugin-%1").arg(QTest::currentDataTag()).replace(' ', '-'), body);
        QVERIFY(!program.isEmpty());
        CredentialPluginLimits limits;
        limits.timeoutMs = timeoutMs;
        const Outcome o = run(program, limits);
        QVERIFY2(o.called, "the plugin run never answered");
        QCOMPARE(o.calls, 1);
        QVERIFY(o.result.has_value());
        QVERIFY2(!o.result->ok(), "a misbehaving plugin was accepted");
        const Error& e = o.result->error();
        QCOMPARE(int(e.code), code);
        const QString message = QString::fromStdString(e.message);
        QVERIFY2(message.contains(says), qPrintable(message));
        // Which plugin, for which kubeconfig user.
        QVERIFY2(message.contains(program), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("oncall@example")), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("/home/oncall/.kube/config")), qPrintable(message));
        QVERIFY(!e.detail.empty());
        if (!grandchildPidFile.isEmpty()) {
            QTRY_VERIFY_WITH_TIMEOUT(readPid(grandchildPidFile) > 0, 10000);
            const qint64 child = readPid(grandchildPidFile);
            QTRY_VERIFY2_WITH_TIMEOUT(test::processIsGone(child), qPrintable(QString::number(child)), 10000);
        }
    }

    // A plugin that answers and exits but leaves a child holding its stdout: the answer is used,
    // and the child (still in the plugin's process group) goes.
    void answerIsUsedAndStragglersAreKilled()
    {
        const QString pids = pidFile("straggler.pid");
        const QString program = script(QStringLiteral("plugin-straggler"),
            QStringLiteral(
                "sleep 1000 &\necho $! > '%1'\nprintf '{\"kind\":\"ExecCredential\","
                "\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{\"token\":\"tok\"}}'\nexit 0")
                .arg(pids));
        const Outcome o = run(program, CredentialPluginLimits {});
        QCOMPARE(o.calls, 1);
        QVERIFY2(o.result->ok(), o.result->ok() ? "" : o.result->error().message.c_str());
        auto cred = parseExecCredential(**o.result, "client.authentication.k8s.io/v1");
        QVERIFY(cred.ok());
        QCOMPARE(cred->token, std::string("tok"));
        const qint64 child = readPid(pids);
        QVERIFY(child > 0);
        QTRY_VERIFY2_WITH_TIMEOUT(test::processIsGone(child), qPrintable(QString::number(child)), 10000);
    }

    // The plugin runs in its own session: LeakDesk's own process group is never the target.
    void pluginRunsInItsOwnProcessGroup()
    {
        const QString program
            = script(QStringLiteral("plugin-pgid"), QStringLiteral("cut -d' ' -f5 /proc/$$/stat; exit 0"));
        const Outcome o = run(program, CredentialPluginLimits {});
        QVERIFY(o.result->ok());
        const qint64 pgid = (*o.result)->trimmed().toLongLong();
        QVERIFY(pgid > 0);
        QVERIFY(pgid != qint64(::getpgrp()));
    }

    void missingProgramSaysWhich()
    {
        const Outcome o = run(m_dir.filePath(QStringLiteral("no-such-plugin")), CredentialPluginLimits {});
        QVERIFY(!o.result->ok());
        QVERIFY(QString::fromStdString(o.result->error().message).contains(QLatin1String("no-such-plugin")));
    }
};

QTEST_GUILESS_MAIN(TestCredentialPlugin)
#include "tst_credential_plugin.moc"
