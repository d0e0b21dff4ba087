// `leakdesk-cli runbook parse` on the fixtures: the JSON a script (or a reviewer) relies on.
#include "TestSupport.h"
#include "core/runbook/KubectlCommand.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk::test;

class TestRunbookCli : public QObject {
    Q_OBJECT
private:
    static QString fixture(const QString& name)
    {
        return sourceDir() + QStringLiteral("/tests/fixtures/runbooks/") + name;
    }
    static QJsonObject parseJson(const QStringList& args)
    {
        const ProcessResult r = runProgram(cliPath(), args, 30000);
        if (r.exitCode != 0)
            qWarning("leakdesk-cli failed (%d): %s", r.exitCode, r.err.constData());
        QJsonParseError err;
        const auto doc = QJsonDocument::fromJson(r.out, &err);
        if (err.error != QJsonParseError::NoError)
            qWarning("not JSON: %s", qPrintable(err.errorString()));
        return doc.object();
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (cliPath().isEmpty() || sourceDir().isEmpty())
            QFAIL("LEAKDESK_CLI / LEAKDESK_SOURCE_DIR not set: run through ctest");
    }

    // The Run button's reading, printed by the CLI: the same function the GUI calls before running.
    void runClassificationIsTheGuis_data()
    {
        QTest::addColumn<int>("step");
        QTest::addColumn<int>("command");
        QTest::addColumn<QString>("effect");
        QTest::addColumn<bool>("sensitive");
        QTest::newRow("get") << 0 << 0 << "read-only" << false;
        QTest::newRow("--cache-dir hides delete") << 0 << 1 << "refused" << false;
        QTest::newRow("-s another server") << 0 << 2 << "refused" << false;
        QTest::newRow("secret yaml") << 0 << 3 << "read-only" << true;
        QTest::newRow("plugin") << 0 << 4 << "refused" << false;
        QTest::newRow("delete") << 1 << 0 << "change" << false;
        QTest::newRow("cp without a folder") << 1 << 1 << "refused" << false;
    }

    void runClassificationIsTheGuis()
    {
        QFETCH(int, step);
        QFETCH(int, command);
        QFETCH(QString, effect);
        QFETCH(bool, sensitive);
        const QJsonObject j = parseJson({ QStringLiteral("runbook"), QStringLiteral("parse"),
            fixture(QStringLiteral("run-safety.md")), QStringLiteral("--format"), QStringLiteral("json"),
            QStringLiteral("--set"), QStringLiteral("pod-name=checkout-0") });
        const QJsonObject c = j.value(QLatin1String("steps"))
                                  .toArray()
                                  .at(step)
                                  .toObject()
                                  .value(QLatin1String("commands"))
                                  .toArray()
                                  .at(command)
                                  .toObject();
        // The filled-in text is what the GUI's Run button reads.
        const QJsonObject filledRun
            = c.value(QLatin1String("filled")).toObject().value(QLatin1String("run")).toObject();
        QCOMPARE(filledRun.value(QLatin1String("effect")).toString(), effect);
        QCOMPARE(filledRun.value(QLatin1String("sensitive_output")).toBool(), sensitive);
        QVERIFY(!filledRun.value(QLatin1String("reason")).toString().isEmpty());
        // As written, an unfilled placeholder is refused and says so.
        const QJsonObject run = c.value(QLatin1String("run")).toObject();
        if (c.value(QLatin1String("text")).toString().contains(QLatin1String("<pod-name>"))) {
            QCOMPARE(run.value(QLatin1String("effect")).toString(), QStringLiteral("refused"));
            QVERIFY(
                run.value(QLatin1String("reason")).toString().contains(QLatin1String("<pod-name> is not filled in")));
        }
        // And exactly what the GUI's reading says of the same text.
        const auto gui
            = leakdesk::runbook::analyseKubectlCommand(c.value(QLatin1String("text")).toString().toStdString());
        QCOMPARE(run.value(QLatin1String("effect")).toString(),
            QString::fromLatin1(leakdesk::runbook::kubectlEffectName(gui.effect)));
        QCOMPARE(run.value(QLatin1String("reason")).toString(), QString::fromStdString(gui.reason));
    }

    void runClassificationAsText()
    {
        const ProcessResult r = runProgram(cliPath(),
            { QStringLiteral("runbook"), QStringLiteral("parse"), fixture(QStringLiteral("run-safety.md")),
                QStringLiteral("--set"), QStringLiteral("pod-name=checkout-0") },
            30000);
        QCOMPARE(r.exitCode, 0);
        const QString out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains(QStringLiteral("run: refused - --server changes where or as whom kubectl connects")),
            r.out.constData());
        QVERIFY(out.contains(QStringLiteral("run: read-only - kubectl get only reads")));
        QVERIFY(out.contains(QStringLiteral("output hidden and never journaled")));
        QVERIFY(out.contains(QStringLiteral("run: change - kubectl delete")));
    }

    void localFolderLetsCpRun()
    {
        QTemporaryDir folder;
        const QJsonObject j = parseJson({ QStringLiteral("runbook"), QStringLiteral("parse"),
            fixture(QStringLiteral("run-safety.md")), QStringLiteral("--format"), QStringLiteral("json"),
            QStringLiteral("--local-folder"), folder.path(), QStringLiteral("--set"), QStringLiteral("pod-name=p") });
        const QJsonObject cp = j.value(QLatin1String("steps"))
                                   .toArray()
                                   .at(1)
                                   .toObject()
                                   .value(QLatin1String("commands"))
                                   .toArray()
                                   .at(1)
                                   .toObject();
        const QJsonObject filled = cp.value(QLatin1String("filled")).toObject();
        QCOMPARE(filled.value(QLatin1String("run")).toObject().value(QLatin1String("effect")).toString(),
            QStringLiteral("change"));
    }

    void seedAsJson()
    {
        const QJsonObject j = parseJson({ QStringLiteral("runbook"), QStringLiteral("parse"),
            fixture(QStringLiteral("seed-memory-leak.md")), QStringLiteral("--format"), QStringLiteral("json") });
        QCOMPARE(j.value(QLatin1String("title")).toString(), QStringLiteral("Memory Leak Detection and Remediation"));
        QVERIFY(j.value(QLatin1String("severity")).toString().startsWith(QLatin1String("P2")));
        QCOMPARE(j.value(QLatin1String("owner")).toString(), QStringLiteral("Platform Engineering"));
        QCOMPARE(j.value(QLatin1String("default_namespace")).toString(), QStringLiteral("production"));
        const QJsonArray steps = j.value(QLatin1String("steps")).toArray();
        QCOMPARE(steps.size(), 6);
        const QJsonObject top = steps.at(0).toObject().value(QLatin1String("commands")).toArray().at(0).toObject();
        QCOMPARE(top.value(QLatin1String("action")).toString(), QStringLiteral("memory-evidence"));
        QCOMPARE(top.value(QLatin1String("mutates_cluster")).toBool(), false);
        QCOMPARE(top.value(QLatin1String("placeholders")).toArray().at(0).toString(), QStringLiteral("service-name"));
        const QJsonObject limit = steps.at(4).toObject().value(QLatin1String("commands")).toArray().at(0).toObject();
        QCOMPARE(limit.value(QLatin1String("action")).toString(), QStringLiteral("raise-limit"));
        QCOMPARE(limit.value(QLatin1String("arguments")).toObject().value(QLatin1String("memory-limit")).toString(),
            QStringLiteral("4Gi"));
        QCOMPARE(j.value(QLatin1String("placeholders")).toArray().size(), 2);
        bool sawOom = false;
        for (const auto& t : j.value(QLatin1String("thresholds")).toArray()) {
            const QJsonObject o = t.toObject();
            if (o.value(QLatin1String("key")).toString() == QLatin1String("oom.max_per_window")) {
                sawOom = true;
                QCOMPARE(o.value(QLatin1String("value")).toDouble(), 2.0);
                QCOMPARE(o.value(QLatin1String("window_seconds")).toDouble(), 3600.0);
                QCOMPARE(o.value(QLatin1String("text")).toString(), QStringLiteral("more than 2 in 1 hour"));
            }
        }
        QVERIFY(sawOom);
        QCOMPARE(j.value(QLatin1String("warnings")).toArray().size(), 0);
        QCOMPARE(j.value(QLatin1String("parameters")).toObject().value(QLatin1String("memory_limit_bytes")).toDouble(),
            4294967296.0);
    }

    void fillsForTheInvestigatedNamespace()
    {
        const QJsonObject j
            = parseJson({ QStringLiteral("runbook"), QStringLiteral("parse"), QStringLiteral("--bundled"),
                QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--namespace"),
                QStringLiteral("staging"), QStringLiteral("--set"), QStringLiteral("service-name=checkout") });
        const QJsonObject filled = j.value(QLatin1String("steps"))
                                       .toArray()
                                       .at(0)
                                       .toObject()
                                       .value(QLatin1String("commands"))
                                       .toArray()
                                       .at(0)
                                       .toObject()
                                       .value(QLatin1String("filled"))
                                       .toObject();
        QCOMPARE(filled.value(QLatin1String("text")).toString(),
            QStringLiteral("kubectl top pods -n staging -l app=checkout --sort-by=memory"));
        QVERIFY(filled.value(QLatin1String("namespace_replaced")).toBool());
    }

    void oddRunbookListsWarnings()
    {
        const QJsonObject j = parseJson({ QStringLiteral("runbook"), QStringLiteral("parse"),
            fixture(QStringLiteral("odd-markdown.md")), QStringLiteral("--format=json") });
        QVERIFY(j.value(QLatin1String("warnings")).toArray().size() >= 8);
        const ProcessResult text = runProgram(cliPath(),
            { QStringLiteral("runbook"), QStringLiteral("parse"), fixture(QStringLiteral("odd-markdown.md")) });
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("Payments leak runbook"));
        QVERIFY(text.out.contains("Warnings"));
    }

    void errors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("stderrNeedle");
        QTest::newRow("missing file") << QStringList { "runbook", "parse", "/nonexistent/rb.md" } << 1
                                      << "does not exist";
        QTest::newRow("bad format") << QStringList { "runbook", "parse", "x.md", "--format", "yaml" } << 2
                                    << "unknown --format";
        QTest::newRow("no file") << QStringList { "runbook", "parse" } << 2 << "usage";
        QTest::newRow("bad --set") << QStringList { "runbook", "parse", "--bundled", "--set", "oops" } << 2
                                   << "NAME=VALUE";
    }
    void errors()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, stderrNeedle);
        const ProcessResult r = runProgram(cliPath(), args);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(stderrNeedle.toUtf8()), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestRunbookCli)
#include "tst_runbook_cli.moc"
