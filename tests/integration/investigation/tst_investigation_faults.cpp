// Whole investigations against a sandbox that injects faults (500, 503, 429 with Retry-After,
// connections closed without an answer), with a fixed seed so every run sees the same faults:
// none aborts, and every one that ran on partial data says so (the missing evidence is exactly the
// queries that failed) with a confidence below the fault-free run's.
#include "core/investigation/ClusterConnection.h"
#include "core/investigation/Investigation.h"
#include "core/sandbox/SandboxHost.h"

#include <QSignalSpy>
#include <QTest>

#include "TestSupport.h"

#include <set>

using namespace leakdesk;
using namespace leakdesk::investigation;

namespace {

// 2026-03-02 12:00 UTC: the sandbox's history is a pure function of (seed, clock).
constexpr qint64 kNowMs = 1'772'452'800'000;

struct Outcome {
    std::shared_ptr<const Findings> findings;
    std::optional<Error> error;
};

Outcome investigate(ClusterConnection& connection, const std::string& service)
{
    Investigation job(connection);
    QSignalSpy finished(&job, &Investigation::finished);
    QSignalSpy failed(&job, &Investigation::failed);
    InvestigationRequest request;
    request.ns = "production";
    request.service = service;
    request.nowMs = kNowMs;
    job.start(request);
    (void)QTest::qWaitFor([&] { return finished.size() + failed.size() > 0; }, 120000);
    Outcome o;
    if (!finished.isEmpty())
        o.findings = finished.at(0).at(0).value<std::shared_ptr<const Findings>>();
    else if (!failed.isEmpty())
        o.error = failed.at(0).at(0).value<Error>();
    else
        o.error = makeError(ErrorCode::Timeout, "the investigation neither finished nor failed within 120 s");
    return o;
}

std::unique_ptr<ClusterConnection> connectTo(sandbox::SandboxHost& host)
{
    ConnectionOptions options;
    options.kubeconfig = host.kubeconfigPath();
    options.prometheusUrl = host.prometheusUrl();
    auto c = ClusterConnection::open(options);
    [&] { QVERIFY2(c.ok(), c.ok() ? "" : c.error().toString().c_str()); }();
    return c ? std::move(*c) : nullptr;
}

// The fault-free answer for checkout, for the same clock and seed.
Outcome faultFreeCheckout()
{
    sandbox::SandboxHost clean;
    sandbox::SandboxOptions options;
    options.fixedNowMs = kNowMs;
    if (const auto started = clean.start(options); !started)
        return { nullptr, started.error() };
    auto connection = connectTo(clean);
    if (!connection)
        return { nullptr, makeError(ErrorCode::Network, "cannot connect to the fault-free sandbox") };
    return investigate(*connection, "checkout");
}

sandbox::FaultSpec faults(const std::string& text)
{
    auto spec = sandbox::FaultSpec::parse(text);
    [&] { QVERIFY2(spec.ok(), spec.ok() ? "" : spec.error().toString().c_str()); }();
    return spec ? *spec : sandbox::FaultSpec {};
}

} // namespace

class TestInvestigationFaults : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<std::shared_ptr<const Findings>>();
        qRegisterMetaType<Error>();
    }

    // kube: the Kubernetes API's faults; prom: the Prometheus API's. `expectPartial`: this rate is
    // high enough that some queries fail even after their retries.
    void investigationsNeverAbortAndSayWhenPartial_data()
    {
        QTest::addColumn<QString>("kube");
        QTest::addColumn<QString>("prom");
        QTest::addColumn<bool>("expectPartial");
        QTest::newRow("10% errors, throttling and drops everywhere")
            << "error-rate=0.1,throttle-rate=0.04,drop-rate=0.03,seed=1313" << "error-rate=0.1,throttle-rate=0.04,drop-rate=0.03,seed=1314"
            << false;
        QTest::newRow("a failing Prometheus") << "error-rate=0.05,seed=7" << "error-rate=0.55,drop-rate=0.05,seed=8" << true;
    }
    void investigationsNeverAbortAndSayWhenPartial()
    {
        QFETCH(QString, kube);
        QFETCH(QString, prom);
        QFETCH(bool, expectPartial);

        const Outcome reference = faultFreeCheckout();
        QVERIFY2(reference.findings, reference.error ? reference.error->toString().c_str() : "");
        QVERIFY(reference.findings->verdict.missing.empty());
        const double fullConfidence = reference.findings->verdict.confidence;
        QVERIFY(fullConfidence > 0.5);

        sandbox::SandboxHost host;
        sandbox::SandboxOptions options;
        options.fixedNowMs = kNowMs;
        options.faults = faults(kube.toStdString());
        options.prometheusFaults = faults(prom.toStdString());
        QVERIFY(host.start(options).ok());
        auto connection = connectTo(host);
        QVERIFY(connection);

        int partial = 0;
        for (int run = 0; run < 25; ++run) {
            const Outcome o = investigate(*connection, "checkout");
            QVERIFY2(o.findings, qPrintable(QStringLiteral("run %1 aborted: %2").arg(run).arg(QString::fromStdString(o.error->toString()))));
            const auto& v = o.findings->verdict;
            std::set<std::string> failedTopics;
            // The per-container queries judge sidecars (checkout has none): not the main verdict's.
            for (const auto& q : o.findings->evidence->queries)
                if (!q.error.empty() && evidenceTopicOf(q.kind) != "containers")
                    failedTopics.insert(evidenceTopicOf(q.kind));
            for (const auto& m : o.findings->evidence->missing)
                failedTopics.insert(m.topic);
            std::set<std::string> missingTopics;
            for (const auto& m : v.missing)
                missingTopics.insert(m.topic);
            QVERIFY2(failedTopics == missingTopics, qPrintable(QStringLiteral("run %1").arg(run)));
            if (failedTopics.empty()) {
                QCOMPARE(v.pattern, reference.findings->verdict.pattern);
                QCOMPARE(v.confidence, fullConfidence);
                continue;
            }
            ++partial;
            if (failedTopics.count("memory")) {
                QCOMPARE(v.pattern, analysis::Pattern::Unknown);
                QVERIFY(!v.leak);
            } else {
                QVERIFY2(v.summary.find("Partial data") != std::string::npos, v.summary.c_str());
                QVERIFY(v.confidence < fullConfidence);
            }
            if (failedTopics.count("restarts"))
                QVERIFY(!v.restartsKnown);
        }
        const auto injected = host.prometheusFaultCounts();
        QVERIFY2(injected.errors + injected.drops + injected.throttled > 0, "no fault was injected: the test proves nothing");
        if (expectPartial)
            QVERIFY2(partial > 0, "no run lost a query: raise the Prometheus error rate");
        else
            QVERIFY2(partial < 25, "retries rescued no run");
        qInfo("%d of 25 runs on partial data; Prometheus faults: %lld errors, %lld throttled, %lld dropped", partial,
            static_cast<long long>(injected.errors), static_cast<long long>(injected.throttled), static_cast<long long>(injected.drops));
    }

    // Issue 15 item 1: Prometheus down, the cluster up. Whatever way Prometheus fails (nothing
    // listening, every answer 503, every connection dropped, the credentials refused), the
    // investigation finishes with the cluster's own evidence (every pod, their restarts, the OOM
    // kills from container status and events), names Prometheus as what is missing, and asks it
    // nothing more after the first refusal.
    void prometheusOutageKeepsTheClusterEvidence_data()
    {
        QTest::addColumn<QString>("outage");
        QTest::newRow("nothing listening") << "closed-port";
        QTest::newRow("every answer 503") << "error-rate=1,seed=3";
        QTest::newRow("every connection dropped") << "drop-rate=1,seed=4";
        QTest::newRow("token refused") << "token";
    }
    void prometheusOutageKeepsTheClusterEvidence()
    {
        QFETCH(QString, outage);
        const Outcome reference = faultFreeCheckout();
        QVERIFY2(reference.findings, reference.error ? reference.error->toString().c_str() : "");
        QVERIFY(reference.findings->oom.ruleMet);

        sandbox::SandboxHost host;
        sandbox::SandboxOptions options;
        options.fixedNowMs = kNowMs;
        if (outage == QStringLiteral("token"))
            options.prometheusToken = QStringLiteral("the-right-one"); // the connection sends none
        else if (outage != QStringLiteral("closed-port"))
            options.prometheusFaults = faults(outage.toStdString());
        QVERIFY(host.start(options).ok());
        ConnectionOptions connectionOptions;
        connectionOptions.kubeconfig = host.kubeconfigPath();
        connectionOptions.prometheusUrl = outage == QStringLiteral("closed-port")
            ? QUrl(QStringLiteral("http://127.0.0.1:%1").arg(test::freeLoopbackPort())) // nothing listens
            : host.prometheusUrl();
        auto connection = ClusterConnection::open(connectionOptions);
        QVERIFY2(connection.ok(), connection.ok() ? "" : connection.error().toString().c_str());

        const Outcome o = investigate(**connection, "checkout");
        QVERIFY2(o.findings, o.error ? o.error->toString().c_str() : "");
        const Findings& f = *o.findings;
        QVERIFY(f.evidence->prometheusUnreachable);
        QCOMPARE(f.verdict.pattern, analysis::Pattern::Unknown);
        QVERIFY(!f.verdict.leak);
        QVERIFY2(f.verdict.summary.find("Prometheus is unreachable") != std::string::npos, f.verdict.summary.c_str());
        // Every query is recorded as not asked; each topic is missing once.
        QCOMPARE(f.evidence->queries.size(), reference.findings->evidence->queries.size());
        for (const auto& q : f.evidence->queries)
            QVERIFY2(q.error.find("not asked") == 0, q.error.c_str());
        std::set<std::string> topics;
        for (const auto& m : f.verdict.missing)
            QVERIFY2(topics.insert(m.topic).second, m.topic.c_str());
        QVERIFY(topics.count("memory") && topics.count("traffic") && topics.count("baseline"));
        // The cluster's evidence is all there: the same pods with their restarts and limits, and the
        // OOM kills that container status and events show, enough for the runbook's rule.
        QCOMPARE(f.pods.size(), reference.findings->pods.size());
        for (const auto& row : f.pods) {
            QVERIFY(row.limitBytes);
            QVERIFY(row.memoryBytes); // kubectl top does not need Prometheus
        }
        QVERIFY(!f.oom.kills.empty());
        QVERIFY(f.oom.ruleMet);
        QVERIFY(std::any_of(f.oom.notes.begin(), f.oom.notes.end(),
            [](const std::string& n) { return n.find("Prometheus is unreachable") != std::string::npos; }));
        // No note blames the kubelet for series that were never asked for.
        for (const auto& n : f.oom.notes)
            QVERIFY2(n.find("older kubelet") == std::string::npos, n.c_str());
    }
};

QTEST_GUILESS_MAIN(TestInvestigationFaults)
#include "tst_investigation_faults.moc"
