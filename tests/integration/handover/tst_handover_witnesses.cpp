// The hand-over's files against the real tools: the JUnit 5 skeleton compiles with javac against
// Debian's junit5 jars and, run by the JUnit console, fails clearly while its placeholder stands,
// fails on a leaking path and passes on a bounded one; likewise node:test (node --check, node
// --test) and Go (go vet, go test in a module of its own). The alert rules pass `promtool check
// rules` and their `promtool test rules` file (the leaking pod fires, the flat one and another
// workload's do not) in every metric dialect, for hostile names too; a rule without its `for`
// fails that test, so the test can fail.
#include "TestSupport.h"

#include "core/handover/AlertRules.h"
#include "core/handover/RegressionTest.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::handover;

namespace {

// Debian's junit5 package puts its jars here (its standard location, not a machine's choice).
const QString kJavaDir = QStringLiteral("/usr/share/java");

QString jar(const char* name)
{
    return kJavaDir + QLatin1Char('/') + QLatin1String(name);
}

bool write(const QString& path, const std::string& content)
{
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(content.data(), qint64(content.size())) == qint64(content.size());
}

// The skeleton with its placeholder replaced by `body` (and `members` added to the class/module).
std::string withBody(const std::string& content, const std::string& body)
{
    // The marker lines ("// LEAKDESK-PLACEHOLDER-BEGIN"), not the header's sentence naming them.
    const auto begin = content.find("// " + std::string(kPlaceholderBegin));
    const auto end = content.find("// " + std::string(kPlaceholderEnd));
    if (begin == std::string::npos || end == std::string::npos)
        return content;
    const auto lineStart = content.rfind('\n', begin) + 1;
    const auto lineEnd = content.rfind('\n', end) + 1;
    return content.substr(0, lineStart) + body + "\n" + content.substr(lineEnd);
}

RegressionSubject subject(const std::string& workload, const std::string& cls)
{
    return { "inc-7", "production", workload, workload, "unbounded_cache", cls,
        "static ENTRIES of class LeakyService$SessionCache", "LeakyService$Session", 17u << 20, 7598 };
}

QString both(const test::ProcessResult& r)
{
    return QString::fromUtf8(r.out + "\n" + r.err);
}

} // namespace

class TestHandoverWitnesses : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void junitSkeleton_data()
    {
        QTest::addColumn<QByteArray>("workload");
        QTest::addColumn<QByteArray>("className");
        QTest::newRow("checkout") << QByteArray("checkout") << QByteArray("java.util.HashMap");
        QTest::newRow("hostile") << QByteArray("shop*/ }\\u000a class X {") << QByteArray("a\"b$c\nd");
    }

    void junitSkeleton()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("javac"));
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("java"));
        for (const char* j : { "junit-jupiter-api.jar", "junit-platform-console-standalone.jar", "opentest4j.jar",
                 "apiguardian-api.jar" })
            if (!QFileInfo::exists(jar(j)))
                LEAKDESK_WITNESS_MISSING(QStringLiteral("witness %1 is missing (apt-get install junit5)").arg(jar(j)));
        QFETCH(QByteArray, workload);
        QFETCH(QByteArray, className);
        const auto f = regressionTestFor(Runtime::Jvm, subject(workload.toStdString(), className.toStdString()));
        const QString testClass = QString::fromStdString(f.fileName).chopped(5);
        const QString classpath
            = QStringList { jar("junit-jupiter-api.jar"), jar("opentest4j.jar"), jar("apiguardian-api.jar") }.join(
                QLatin1Char(':'));
        // name -> (the placeholder's replacement, the exit code, what the output must say)
        const std::vector<std::tuple<QString, std::string, int, QByteArray>> variants {
            { QStringLiteral("placeholder"), f.content, 1, "LeakDesk placeholder: call the code path" },
            { QStringLiteral("leaking"), withBody(f.content, "        LEAKED.add(new byte[1024]);"), 1,
                "the heap grew by" },
            { QStringLiteral("bounded"),
                withBody(f.content,
                    "        java.util.Map<Integer, byte[]> m = new java.util.HashMap<>(); m.put(i, new byte[1024]);"),
                0, "1 tests successful" },
        };
        for (const auto& [name, source, exitCode, expected] : variants) {
            std::string code = source;
            // The leaking variant's collection: a static field that outlives each call.
            const std::string open = "public class " + testClass.toStdString() + " {";
            code.replace(code.find(open), open.size(),
                open + "\n    static final java.util.List<byte[]> LEAKED = new java.util.ArrayList<>();");
            const QString dir = m_dir.filePath(QString::fromLatin1(workload.toHex()) + QLatin1Char('/') + name);
            QVERIFY(write(dir + QLatin1Char('/') + QString::fromStdString(f.fileName), code));
            const auto compiled = test::runProgram(QStringLiteral("javac"),
                { QStringLiteral("-d"), dir + QStringLiteral("/classes"), QStringLiteral("-cp"), classpath,
                    dir + QLatin1Char('/') + QString::fromStdString(f.fileName) },
                120000);
            QVERIFY2(compiled.exitCode == 0, qPrintable(both(compiled) + QString::fromStdString(code)));
            const auto ran = test::runProgram(QStringLiteral("java"),
                { QStringLiteral("-jar"), jar("junit-platform-console-standalone.jar"),
                    QStringLiteral("--disable-banner"), QStringLiteral("--details=flat"), QStringLiteral("-cp"),
                    dir + QStringLiteral("/classes"), QStringLiteral("--select-class"), testClass },
                180000);
            QVERIFY2(ran.exitCode == exitCode, qPrintable(name + QStringLiteral(": ") + both(ran)));
            QVERIFY2(ran.out.contains(expected), qPrintable(name + QStringLiteral(": ") + both(ran)));
        }
    }

    void nodeSkeleton()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("node"));
        const auto f = regressionTestFor(Runtime::Node, subject("cart", "a'b\"c`${process.exit(3)}"));
        const std::vector<std::tuple<QString, std::string, int, QByteArray>> variants {
            { QStringLiteral("placeholder"), f.content, 1, "LeakDesk placeholder: call the code path" },
            { QStringLiteral("leaking"),
                withBody(f.content,
                    "  globalThis.leaked = globalThis.leaked || []; globalThis.leaked.push(Buffer.alloc(1024, "
                    "1).toString());"),
                1, "the heap grew by" },
            { QStringLiteral("bounded"), withBody(f.content, "  const m = new Map(); m.set(i, 'x'.repeat(1024));"), 0,
                "# pass 1" },
        };
        for (const auto& [name, code, exitCode, expected] : variants) {
            const QString path = m_dir.filePath(
                QStringLiteral("node/") + name + QLatin1Char('/') + QString::fromStdString(f.fileName));
            QVERIFY(write(path, code));
            const auto checked = test::runProgram(QStringLiteral("node"), { QStringLiteral("--check"), path });
            QVERIFY2(checked.exitCode == 0, qPrintable(both(checked)));
            const auto ran = test::runProgram(QStringLiteral("node"), { QStringLiteral("--test"), path }, 180000);
            QVERIFY2(ran.exitCode == exitCode, qPrintable(name + QStringLiteral(": ") + both(ran)));
            QVERIFY2(both(ran).toUtf8().contains(expected), qPrintable(name + QStringLiteral(": ") + both(ran)));
        }
    }

    void goSkeleton()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("go"));
        const auto f = regressionTestFor(Runtime::Go, subject("search-api", "main.(*Index).entries\"\n"));
        const std::vector<std::tuple<QString, std::string, int, QByteArray>> variants {
            { QStringLiteral("placeholder"), f.content, 1, "LeakDesk placeholder: call the code path" },
            { QStringLiteral("leaking"), withBody(f.content, "\tleaked = append(leaked, make([]byte, 1024))"), 1,
                "the heap grew by" },
            { QStringLiteral("bounded"),
                withBody(f.content, "\tm := map[int][]byte{}\n\tm[i] = make([]byte, 1024)\n\t_ = m"), 0, "ok" },
        };
        for (const auto& [name, source, exitCode, expected] : variants) {
            std::string code = source + (name == QLatin1String("leaking") ? "\nvar leaked [][]byte\n" : "");
            const QString dir = m_dir.filePath(QStringLiteral("go/") + name);
            QVERIFY(write(dir + QStringLiteral("/go.mod"), "module example.com/leakcheck\n\ngo 1.19\n"));
            QVERIFY(write(dir + QLatin1Char('/') + QString::fromStdString(f.fileName), code));
            // In the module's folder (go 1.19 has no -C); offline: the skeleton needs the standard library only.
            const QStringList env { QStringLiteral("GOPROXY=off"), QStringLiteral("GOFLAGS=") };
            auto inModule = [&](const QString& command) {
                return test::runProgram(QStringLiteral("sh"),
                    { QStringLiteral("-c"), QStringLiteral("cd \"$1\" && ") + command, QStringLiteral("sh"), dir },
                    300000, env);
            };
            const auto vet = inModule(QStringLiteral("go vet ./..."));
            QVERIFY2(vet.exitCode == 0, qPrintable(both(vet)));
            const auto ran = inModule(QStringLiteral("go test -count=1 ./..."));
            QVERIFY2(ran.exitCode == exitCode, qPrintable(name + QStringLiteral(": ") + both(ran)));
            QVERIFY2(both(ran).toUtf8().contains(expected), qPrintable(name + QStringLiteral(": ") + both(ran)));
        }
    }

    void rulesPassPromtool_data()
    {
        QTest::addColumn<int>("dialect");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QByteArray>("workload");
        for (auto d : prometheus::allMetricsDialects())
            QTest::addRow("%s deployment", prometheus::metricsDialectName(d))
                << int(d) << int(kube::WorkloadKind::Deployment) << QByteArray("checkout");
        QTest::newRow("statefulset") << int(prometheus::MetricsDialect::Current) << int(kube::WorkloadKind::StatefulSet)
                                     << QByteArray("search");
        QTest::newRow("cronjob") << int(prometheus::MetricsDialect::Current) << int(kube::WorkloadKind::CronJob)
                                 << QByteArray("report");
        QTest::newRow("rollout, legacy") << int(prometheus::MetricsDialect::Legacy) << int(kube::WorkloadKind::Rollout)
                                         << QByteArray("recommender");
        QTest::newRow("hostile, legacy") << int(prometheus::MetricsDialect::Legacy)
                                         << int(kube::WorkloadKind::Deployment)
                                         << QByteArray("x\"} or vector(1) or {a=\"\n  {{ query \"up\" }}\\");
    }

    void rulesPassPromtool()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("promtool"));
        QFETCH(int, dialect);
        QFETCH(int, kind);
        QFETCH(QByteArray, workload);
        AlertTarget t;
        t.incidentId = "inc-7 {{ $value }}";
        t.ns = "production";
        t.kind = kube::WorkloadKind(kind);
        t.workload = workload.toStdString();
        t.container = workload.toStdString() + "-main";
        t.profile = prometheus::profileForDialect(prometheus::MetricsDialect(dialect));
        const auto rules = alertRulesFile(t);
        const auto test = alertRulesTestFile(t, rules.fileName);
        const auto manifest = prometheusRuleManifest(t);
        const QString dir = m_dir.filePath(QStringLiteral("rules/")
            + QString::fromLatin1(QTest::currentDataTag())
                  .replace(QLatin1Char(' '), QLatin1Char('_'))
                  .remove(QLatin1Char(',')));
        QVERIFY(write(dir + QLatin1Char('/') + QString::fromStdString(rules.fileName), rules.content));
        QVERIFY(write(dir + QLatin1Char('/') + QString::fromStdString(test.fileName), test.content));
        const auto checked = test::runProgram(QStringLiteral("promtool"),
            { QStringLiteral("check"), QStringLiteral("rules"),
                dir + QLatin1Char('/') + QString::fromStdString(rules.fileName) });
        QVERIFY2(checked.exitCode == 0, qPrintable(both(checked) + QString::fromStdString(rules.content)));
        QVERIFY(checked.out.contains("SUCCESS: 2 rules found"));
        const auto tested = test::runProgram(QStringLiteral("promtool"),
            { QStringLiteral("test"), QStringLiteral("rules"),
                dir + QLatin1Char('/') + QString::fromStdString(test.fileName) });
        QVERIFY2(tested.exitCode == 0, qPrintable(both(tested) + QString::fromStdString(test.content)));
        // The PrometheusRule's spec is the same group: promtool checks it once unwrapped.
        std::string spec = manifest.content.substr(manifest.content.find("spec:\n") + 6);
        std::string unwrapped;
        for (std::size_t at = 0; at < spec.size();) {
            auto nl = spec.find('\n', at);
            std::string line = spec.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
            unwrapped += (line.rfind("  ", 0) == 0 ? line.substr(2) : line) + "\n";
            at = nl == std::string::npos ? spec.size() : nl + 1;
        }
        QVERIFY(write(dir + QStringLiteral("/unwrapped.yml"), unwrapped));
        const auto checkedManifest = test::runProgram(QStringLiteral("promtool"),
            { QStringLiteral("check"), QStringLiteral("rules"), dir + QStringLiteral("/unwrapped.yml") });
        QVERIFY2(checkedManifest.exitCode == 0, qPrintable(both(checkedManifest) + QString::fromStdString(unwrapped)));

        // The control: without its `for`, the growth alert fires at 5 minutes, where the test says
        // it must not: promtool's test fails, so a passing test means something.
        std::string eager = rules.content;
        eager.replace(eager.find("for: 10m"), 8, "for: 0m");
        QVERIFY(write(dir + QLatin1Char('/') + QString::fromStdString(rules.fileName), eager));
        const auto control = test::runProgram(QStringLiteral("promtool"),
            { QStringLiteral("test"), QStringLiteral("rules"),
                dir + QLatin1Char('/') + QString::fromStdString(test.fileName) });
        QVERIFY2(control.exitCode != 0, qPrintable(both(control)));
    }
};

QTEST_GUILESS_MAIN(TestHandoverWitnesses)
#include "tst_handover_witnesses.moc"
