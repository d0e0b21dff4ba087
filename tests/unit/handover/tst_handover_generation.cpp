// What the hand-over writes from untrusted names (a class name out of a heap dump, a workload name
// out of an incident file someone sent): file names stay file names, identifiers stay identifiers,
// and no name ends a comment, a string literal, a PromQL string or a YAML scalar. The rules follow
// each metric dialect; the runtime is told from the incident or not at all; the incident keeps and
// reports what was handed over.
#include "core/common/YamlDocuments.h"
#include "core/handover/AlertRules.h"
#include "core/handover/Handover.h"
#include "core/handover/HandoverNames.h"
#include "core/handover/RegressionTest.h"
#include "core/incident/IncidentJson.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentReport.h"

#include <QRegularExpression>
#include <QTest>

using namespace leakdesk;
using namespace leakdesk::handover;

namespace {

// Names an attacker (or an odd codebase) could put in a dump or an incident file.
const std::vector<std::pair<const char*, std::string>>& hostileNames()
{
    static const std::vector<std::pair<const char*, std::string>> names {
        { "plain", "checkout" },
        { "comment end and code", "Cache*/ static { System.exit(1); } /*" },
        { "java unicode escape", "Cache\\u000a System.exit(1); //" },
        { "newline", "Cache\n} class Evil {" },
        { "quotes", "a\"b'c`d${process.exit(1)}" },
        { "promql breakout", "x\"} or vector(1) or {a=\"" },
        { "yaml breakout", "x\"\n    severity: none\n#" },
        { "go template", "{{ query \"up\" }}" },
        { "path", "../../etc/passwd" },
        { "utf-8 and bytes", std::string("caf\xc3\xa9-\xff\xfe") },
        { "empty", "" },
        { "digits first", "9lives" },
        { "tab and cr", "a\tb\rc" },
    };
    return names;
}

RegressionSubject subjectNamed(const std::string& name)
{
    return { "inc-" + name, "prod-" + name, name, name, "unbounded_cache", "com.shop." + name + "$Cache",
        "static ENTRIES of class " + name, name + "Entry", 16u << 20, 7598 };
}

AlertTarget targetNamed(const std::string& name, prometheus::MetricsDialect dialect, kube::WorkloadKind kind)
{
    AlertTarget t;
    t.incidentId = "inc-" + name;
    t.ns = "prod" + name;
    t.kind = kind;
    t.workload = name.empty() ? std::string("x") : name;
    t.container = name.empty() ? std::string("c") : name;
    t.profile = prometheus::profileForDialect(dialect);
    return t;
}

// The lines of `content` a name appears on, raw: it must only ever sit inside a comment or a
// string literal there, and never bring a line break of its own.
bool rawNewlineFrom(const std::string& content, const std::string& name)
{
    const auto nl = name.find('\n');
    if (nl == std::string::npos || nl == 0)
        return false;
    return content.find(name) != std::string::npos;
}

} // namespace

class TestHandoverGeneration : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void namesAreSafe_data()
    {
        QTest::addColumn<QByteArray>("name");
        for (const auto& [label, name] : hostileNames())
            QTest::newRow(label) << QByteArray::fromStdString(name);
    }

    void namesAreSafe()
    {
        QFETCH(QByteArray, name);
        const std::string n = name.toStdString();
        const std::string stem = fileStem(n);
        QVERIFY(!stem.empty());
        QVERIFY(QRegularExpression(QStringLiteral("^[a-z0-9]+(-[a-z0-9]+)*$"))
                    .match(QString::fromStdString(stem))
                    .hasMatch());
        QVERIFY(stem.size() <= 48);
        const std::string camel = upperCamel(n);
        QVERIFY2(
            QRegularExpression(QStringLiteral("^[A-Z][A-Za-z0-9]*$")).match(QString::fromStdString(camel)).hasMatch(),
            camel.c_str());
        const std::string pkg = goPackageName(n);
        QVERIFY(QRegularExpression(QStringLiteral("^[a-z][a-z0-9]*$")).match(QString::fromStdString(pkg)).hasMatch());
        const std::string text = sourceSafeText(n);
        QVERIFY(text.find('\\') == std::string::npos);
        QVERIFY(text.find("*/") == std::string::npos);
        for (unsigned char c : text)
            QVERIFY(c >= 0x20 && c < 0x7f);
        // A string literal: starts and ends with its quotes, every quote inside escaped.
        const std::string lit = sourceStringLiteral(n);
        QVERIFY(lit.size() >= 2 && lit.front() == '"' && lit.back() == '"');
        for (std::size_t i = 1; i + 1 < lit.size(); ++i)
            if (lit[i] == '"')
                QVERIFY(lit[i - 1] == '\\');
        // PromQL: no raw quote ends it early, no raw control character or byte above ASCII.
        const std::string pq = promqlString(n);
        for (std::size_t i = 1; i + 1 < pq.size(); ++i) {
            QVERIFY(static_cast<unsigned char>(pq[i]) >= 0x20 && static_cast<unsigned char>(pq[i]) < 0x7f);
            if (pq[i] == '"') {
                std::size_t slashes = 0;
                for (std::size_t j = i; j > 0 && pq[j - 1] == '\\'; --j)
                    ++slashes;
                QVERIFY2(slashes % 2 == 1, pq.c_str());
            }
        }
        // YAML: one scalar the parser accepts as the whole value.
        const std::string yaml = "key: " + yamlString(n) + "\nnext: 1\n";
        QVERIFY2(checkYamlSyntax(yaml, "t.yaml", {}).ok(), yaml.c_str());
    }

    void skeletonPerRuntime_data()
    {
        QTest::addColumn<int>("runtime");
        QTest::addColumn<QByteArray>("name");
        for (Runtime r : { Runtime::Jvm, Runtime::Node, Runtime::Go })
            for (const auto& [label, name] : hostileNames())
                QTest::addRow("%s/%s", runtimeName(r), label) << int(r) << QByteArray::fromStdString(name);
    }

    void skeletonPerRuntime()
    {
        QFETCH(int, runtime);
        QFETCH(QByteArray, name);
        const std::string n = name.toStdString();
        const auto f = regressionTestFor(Runtime(runtime), subjectNamed(n));
        QCOMPARE(f.kind, std::string("regression-test"));
        QVERIFY(f.fileName.find('/') == std::string::npos && f.fileName.find("..") == std::string::npos);
        const char* pattern = Runtime(runtime) == Runtime::Jvm ? "^[A-Z][A-Za-z0-9]*LeakRegressionTest\\.java$"
            : Runtime(runtime) == Runtime::Node                ? "^[a-z0-9-]+\\.memory-regression\\.test\\.js$"
                                                               : "^[a-z0-9_]+_memory_test\\.go$";
        QVERIFY2(QRegularExpression(QLatin1String(pattern)).match(QString::fromStdString(f.fileName)).hasMatch(),
            f.fileName.c_str());
        // The Java class is the file's name; the placeholder is marked and fails with what to call.
        if (Runtime(runtime) == Runtime::Jvm)
            QVERIFY(f.content.find("public class " + f.fileName.substr(0, f.fileName.size() - 5) + " {")
                != std::string::npos);
        QVERIFY(f.content.find(kPlaceholderBegin) != std::string::npos);
        QVERIFY(f.content.find(kPlaceholderEnd) != std::string::npos);
        QVERIFY(f.content.find("LeakDesk placeholder: call the code path") != std::string::npos);
        QVERIFY(f.content.find(std::to_string(kIterations)) != std::string::npos);
        // No name brings its own line break, backslash escape or comment end into the source.
        QVERIFY(!rawNewlineFrom(f.content, n));
        if (n.find("*/") != std::string::npos || n.find("\\u") != std::string::npos)
            QVERIFY(f.content.find(n) == std::string::npos);
        // The skeletons have no block comment a name could close, and no \u escape (Java reads them
        // even in comments).
        QVERIFY(f.content.find("*/") == std::string::npos);
        QVERIFY(f.content.find("\\u") == std::string::npos);
        for (unsigned char c : f.content)
            QVERIFY2(c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f), "only ASCII text");
    }

    void rulesPerDialect_data()
    {
        QTest::addColumn<int>("dialect");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QByteArray>("name");
        for (auto d : prometheus::allMetricsDialects())
            for (auto k : { kube::WorkloadKind::Deployment, kube::WorkloadKind::StatefulSet,
                     kube::WorkloadKind::Rollout, kube::WorkloadKind::CronJob, kube::WorkloadKind::DaemonSet })
                QTest::addRow("%s/%s", prometheus::metricsDialectName(d), kube::workloadKindName(k))
                    << int(d) << int(k) << QByteArray("checkout");
        for (const auto& [label, name] : hostileNames())
            QTest::addRow("legacy/hostile %s", label)
                << int(prometheus::MetricsDialect::Legacy) << int(kube::WorkloadKind::Deployment)
                << QByteArray::fromStdString(name);
    }

    void rulesPerDialect()
    {
        QFETCH(int, dialect);
        QFETCH(int, kind);
        QFETCH(QByteArray, name);
        const auto d = prometheus::MetricsDialect(dialect);
        const auto k = kube::WorkloadKind(kind);
        const AlertTarget t = targetNamed(name.toStdString(), d, k);
        const auto p = t.profile;
        const std::string growth = growthAlertExpr(t);
        const std::string oom = oomAlertExpr(t);
        // The dialect's names: cAdvisor's working set and container label, kube-state-metrics' limits.
        QVERIFY(growth.find(p.workingSet + "{") != std::string::npos);
        QVERIFY(growth.find("," + p.containerLabel + "=") != std::string::npos);
        QVERIFY(growth.find(p.limits + "{") != std::string::npos);
        QCOMPARE(growth.find("resource=\"memory\"") != std::string::npos, p.limitsHaveResourceLabel());
        QCOMPARE(growth.find("\"pod\", \"$1\", \"pod_name\"") != std::string::npos, p.podLabel == "pod_name");
        QVERIFY(growth.find("predict_linear(") != std::string::npos);
        QVERIFY(oom.find(p.restarts + "{") != std::string::npos);
        QVERIFY(oom.find(p.lastTerminatedReason + "{") != std::string::npos);
        QVERIFY(oom.find("[60m]") != std::string::npos && oom.ends_with("> 2"));
        // The owner chain, never a pod-name pattern.
        QVERIFY(growth.find("kube_pod_owner{") != std::string::npos);
        const bool chain = k == kube::WorkloadKind::Deployment || k == kube::WorkloadKind::Rollout;
        QCOMPARE(growth.find("kube_replicaset_owner{") != std::string::npos, chain);
        QCOMPARE(growth.find("kube_job_owner{") != std::string::npos, k == kube::WorkloadKind::CronJob);
        QVERIFY(growth.find("=~") == std::string::npos);
        // Each file is YAML a parser accepts, whatever the names.
        const auto rules = alertRulesFile(t);
        const auto manifest = prometheusRuleManifest(t);
        const auto test = alertRulesTestFile(t, rules.fileName);
        for (const auto* f : { &rules, &manifest, &test }) {
            const auto st = checkYamlSyntax(f->content, f->fileName, {});
            QVERIFY2(st.ok(), (f->fileName + ": " + (st.ok() ? "" : st.error().message) + "\n" + f->content).c_str());
            QVERIFY(f->fileName.find('/') == std::string::npos);
        }
        QVERIFY(manifest.content.find("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n") == 0
            || manifest.content.find("\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n")
                != std::string::npos);
        // No Go template of a name reaches a label or an annotation (Prometheus expands both; a
        // PromQL string in `expr` is not expanded).
        for (const auto& line : QString::fromStdString(rules.content).split(QLatin1Char('\n')))
            if (!line.trimmed().startsWith(QLatin1String("(")) && !line.trimmed().startsWith(QLatin1String("sum by"))
                && !line.startsWith(QLatin1Char('#')))
                QVERIFY2(!line.contains(QLatin1String("{{ query")), qPrintable(line));
    }

    void runtimeFromTheIncident_data()
    {
        QTest::addColumn<QString>("dumpPath");
        QTest::addColumn<QString>("image");
        QTest::addColumn<QString>("suspectClass");
        QTest::addColumn<QString>("expected"); // "" for none
        QTest::newRow("hprof") << "/d/checkout.hprof.gz"
                               << ""
                               << ""
                               << "jvm";
        QTest::newRow("v8 snapshot") << "/d/cart.heapsnapshot"
                                     << ""
                                     << ""
                                     << "node";
        QTest::newRow("pprof") << "/d/heap.pb.gz"
                               << ""
                               << ""
                               << "go";
        QTest::newRow("temurin image") << ""
                                       << "eclipse-temurin:17-jre"
                                       << ""
                                       << "jvm";
        QTest::newRow("node image") << ""
                                    << "docker.io/library/node:20-slim"
                                    << ""
                                    << "node";
        QTest::newRow("golang image") << ""
                                      << "golang:1.21"
                                      << ""
                                      << "go";
        QTest::newRow("a tag does not decide") << ""
                                               << "registry/shop/cart:node-20"
                                               << ""
                                               << "";
        QTest::newRow("java class") << ""
                                    << ""
                                    << "java.util.HashMap"
                                    << "jvm";
        QTest::newRow("nothing tells") << ""
                                       << "registry/shop/api:1.2"
                                       << "Foo"
                                       << "";
    }

    void runtimeFromTheIncident()
    {
        QFETCH(QString, dumpPath);
        QFETCH(QString, image);
        QFETCH(QString, suspectClass);
        QFETCH(QString, expected);
        incident::IncidentDocument doc;
        if (!dumpPath.isEmpty() || !suspectClass.isEmpty()) {
            incident::HeapDumpRecord h;
            h.id = "H1";
            h.path = dumpPath.toStdString();
            if (!suspectClass.isEmpty())
                h.suspects.push_back({ "unbounded_cache", suspectClass.toStdString(), "", 1, 0.5, 1, "", "" });
            doc.heapDumps.push_back(h);
        }
        if (!image.isEmpty()) {
            incident::EvidenceSnapshot s;
            s.id = "E1";
            s.images = { image.toStdString() };
            doc.snapshots.push_back(s);
        }
        const RuntimeGuess g = detectRuntime(doc);
        QCOMPARE(QString::fromLatin1(g.runtime ? runtimeName(*g.runtime) : ""), expected);
        if (g.runtime)
            QVERIFY(!g.evidence.empty());
    }

    // The hand-over reads the incident: no suspect, no runtime or no workload is refused with what
    // to do; a complete one takes the top suspect of the newest analysis and the recorded dialect.
    void handoverFromTheIncident()
    {
        incident::IncidentDocument doc;
        doc.id = "inc-1";
        doc.ns = "production";
        doc.service = "checkout";
        auto refused = handoverFor(doc);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().detail.find("heap suspects") != std::string::npos);

        incident::HeapDumpRecord old;
        old.id = "H1";
        old.capturedMs = 1000;
        old.path = "/d/a.bin";
        old.suspects.push_back({ "unbounded_cache", "old.Thing", "static OLD of class Old", 1, 0.1, 1, "", "" });
        incident::HeapDumpRecord newer = old;
        newer.id = "H2";
        newer.capturedMs = 2000;
        newer.container = "checkout";
        newer.suspects = { { "listeners_not_deregistered", "Registry.listeners", "field listeners of class Bus", 5, 0.5,
            10, "Listener", "" } };
        doc.heapDumps = { old, newer };
        refused = handoverFor(doc);
        QVERIFY(!refused.ok()); // a .bin says no runtime, no class is Java's
        QVERIFY(refused.error().detail.find("--runtime") != std::string::npos);

        refused = handoverFor(doc, { Runtime::Go, {}, {}, {} });
        QVERIFY(!refused.ok()); // no workload in the evidence
        QVERIFY(refused.error().detail.find("--workload") != std::string::npos);

        incident::EvidenceSnapshot s;
        s.id = "E1";
        s.ns = "production";
        s.service = "checkout";
        s.findings
            = { { "workload", { { "kind", "StatefulSet" }, { "name", "search" }, { "main_container", "search" } } },
                  { "metrics_profile", prometheus::profileForDialect(prometheus::MetricsDialect::Legacy).asMap() } };
        doc.snapshots.push_back(s);
        auto h = handoverFor(doc, { Runtime::Go, {}, {}, {} });
        QVERIFY2(h.ok(), h.ok() ? "" : h.error().message.c_str());
        QCOMPARE(h->subject.className, std::string("Registry.listeners"));
        QCOMPARE(h->suspectFrom.substr(0, 12), std::string("heap dump H2"));
        QCOMPARE(h->alert.kind, kube::WorkloadKind::StatefulSet);
        QCOMPARE(h->alert.workload, std::string("search"));
        QCOMPARE(h->alert.profile.podLabel, std::string("pod_name"));
        const auto files = handoverFiles(*h);
        QCOMPARE(files.size(), std::size_t(4));
        QVERIFY(files[0].fileName.ends_with("_memory_test.go"));
        QCOMPARE(files[1].kind, std::string("alert-rules"));
        QVERIFY(files[2].content.find(files[1].fileName) != std::string::npos); // the test names the rules file
    }

    // Attached files survive a save and a reload, a second hand-over to the same path replaces
    // the record, and the report lists them (and says nothing of a hand-over there was none of).
    void attachmentsAreKeptAndReported()
    {
        incident::IncidentDocument doc
            = incident::newIncident({ "inc-1", {}, "production", "checkout", {}, nullptr, 1000 });
        incident::ReportOptions options;
        options.localZone = QTimeZone::utc();
        auto report = incident::buildIncidentReport(doc, options);
        for (const auto& b : report.blocks)
            QVERIFY(b.text != "Handed over");
        QVERIFY(incident::serializeIncident(doc).find("attachments") == std::string::npos);

        const auto id1 = incident::recordAttachment(doc,
            { {}, 0, "regression-test", "JUnit 5 regression test for X", "/out/XTest.java", "ab12", "from X" }, 2000);
        const auto id2 = incident::recordAttachment(
            doc, { {}, 0, "alert-rules", "Alerting rules", "/out/x.rules.yml", "cd34", "" }, 3000);
        const auto again = incident::recordAttachment(
            doc, { {}, 0, "regression-test", "JUnit 5 regression test for X", "/out/XTest.java", "ef56", "" }, 4000);
        QCOMPARE(id1, std::string("F1"));
        QCOMPARE(id2, std::string("F2"));
        QCOMPARE(again, id1);
        QCOMPARE(doc.attachments.size(), std::size_t(2));
        QCOMPARE(doc.attachments[0].sha256, std::string("ef56"));

        auto reread = incident::parseIncident(incident::serializeIncident(doc));
        QVERIFY(reread.ok());
        QCOMPARE(reread->attachments, doc.attachments);

        report = incident::buildIncidentReport(doc, options);
        bool listed = false;
        for (std::size_t i = 0; i < report.blocks.size(); ++i)
            if (report.blocks[i].text == "Handed over" && i + 1 < report.blocks.size()) {
                const auto& rows = report.blocks[i + 1].table.rows;
                QCOMPARE(rows.size(), std::size_t(2));
                QVERIFY(rows[0][2].find("/out/XTest.java") != std::string::npos);
                QCOMPARE(rows[1][1], std::string("alert-rules"));
                listed = true;
            }
        QVERIFY(listed);
    }
};

QTEST_GUILESS_MAIN(TestHandoverGeneration)
#include "tst_handover_generation.moc"
