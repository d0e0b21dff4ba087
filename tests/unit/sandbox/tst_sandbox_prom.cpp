// The sandbox answers every query of the catalogue with Prometheus semantics over its raw series,
// and its OpenMetrics export has the shape promtool's backfill accepts.

#include "core/prometheus/QueryCatalogue.h"
#include "core/sandbox/model/CatalogueEvaluator.h"
#include "core/sandbox/model/MetricsHistory.h"
#include "core/sandbox/model/PromApi.h"
#include "core/sandbox/model/SandboxModel.h"
#include "core/sandbox/model/SeriesSelector.h"

#include <QTest>

#include <map>
#include <set>
#include <sstream>

using namespace leakdesk;
using namespace leakdesk::sandbox;
using prometheus::QueryKind;

namespace {

constexpr std::int64_t kNow = 1773152625000; // 2026-03-10T14:23:45Z

prometheus::MatchedQuery queryFor(QueryKind kind, const std::string& service)
{
    const prometheus::QueryCatalogue catalogue;
    const std::string promql
        = catalogue.build(kind, prometheus::PodSelector { "production", prometheus::podRegexForWorkload(service) });
    const auto matched = catalogue.match(promql);
    Q_ASSERT(matched);
    return *matched;
}

} // namespace

Q_DECLARE_METATYPE(leakdesk::prometheus::QueryKind)

class TestSandboxProm : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Issue 15: the chart's 7-day view needs a week of lines and, for its "7 days ago" baseline, the
    // week before that. Whatever the time of day the sandbox starts at (its history is laid out
    // from the day's start), both cover the whole week, and every pod line is one of the
    // service's; the pods of the week before are not served by the API.
    void aWeekAndTheWeekBeforeAreServed_data()
    {
        QTest::addColumn<QString>("service");
        QTest::addColumn<qint64>("now");
        for (const char* service : { "checkout", "payments", "catalog" }) {
            for (const std::int64_t offset :
                { std::int64_t(0), 9 * kHourMs + 17 * kMinuteMs, 26 * kHourMs, 3 * kDayMs + 23 * kHourMs }) {
                const qint64 now = qint64(kNow + offset);
                QTest::addRow("%s at %lld", service, static_cast<long long>(now % kDayMs / kMinuteMs))
                    << QString::fromLatin1(service) << now;
            }
        }
        // Just after midnight: the shortest history of the day.
        QTest::newRow("payments at 00:01")
            << QStringLiteral("payments") << qint64(kNow / kDayMs * kDayMs + kDayMs + kMinuteMs);
    }
    void aWeekAndTheWeekBeforeAreServed()
    {
        QFETCH(QString, service);
        QFETCH(qint64, now);
        const SandboxModel model(42, now);
        const MetricsHistory history(model);
        const CatalogueEvaluator eval(history);
        const std::int64_t step = 10 * kMinuteMs; // the 7d view's step
        const std::int64_t start = now - 7 * kDayMs;
        const std::int64_t steps = (now - start) / step + 1;
        const auto baseline
            = eval.evaluate(queryFor(QueryKind::MemoryPerPodAvgBaseline, service.toStdString()), start, now, step, now);
        QVERIFY(baseline);
        QCOMPARE(baseline->size(), std::size_t(1));
        QCOMPARE(std::int64_t(baseline->front().points.size()), steps);
        const auto memory
            = eval.evaluate(queryFor(QueryKind::MemoryWorkingSet, service.toStdString()), start, now, step, now);
        QVERIFY(memory);
        std::set<std::int64_t> covered;
        for (const EvalSeries& s : *memory) {
            QVERIFY(QString::fromStdString(s.labels.at("pod")).startsWith(service + QLatin1Char('-')));
            for (const EvalPoint& p : s.points)
                covered.insert(p.tMs);
        }
        // A pod restarting between two steps may leave one out; a week is there.
        QVERIFY2(std::int64_t(covered.size()) >= steps * 99 / 100, qPrintable(QString::number(covered.size())));
        // The former pods are history only: gone when the history's pods start, so never served.
        for (std::size_t p = 0; p < model.pods().size(); ++p) {
            if (!model.pods()[p].former)
                continue;
            QVERIFY(!model.podExistsAt(p, now));
            QVERIFY(model.pods()[p].deletedMs && *model.pods()[p].deletedMs <= model.originMs() + kMinuteMs);
        }
    }

    // The same moment reads the same whether the sandbox started earlier or later that day (tests pin
    // moments and compare against a real Prometheus fed with an export made by another process).
    void theWeekBeforeIsTheSameForEveryStartThatDay()
    {
        const std::int64_t moment = kNow / kDayMs * kDayMs + 15 * kHourMs;
        const SandboxModel early(42, moment - 14 * kHourMs);
        const SandboxModel late(42, moment + 8 * kHourMs);
        const MetricsHistory earlyHistory(early);
        const MetricsHistory lateHistory(late);
        for (const char* service : { "checkout", "payments" }) {
            const auto q = queryFor(QueryKind::MemoryPerPodAvgBaseline, service);
            const auto a
                = CatalogueEvaluator(earlyHistory).evaluate(q, moment - 7 * kDayMs, moment, 30 * kMinuteMs, moment);
            const auto b
                = CatalogueEvaluator(lateHistory).evaluate(q, moment - 7 * kDayMs, moment, 30 * kMinuteMs, moment);
            QVERIFY(a && b && a->size() == 1 && b->size() == 1);
            QCOMPARE(a->front().points.size(), b->front().points.size());
            for (std::size_t i = 0; i < a->front().points.size(); ++i)
                QCOMPARE(a->front().points[i].value, b->front().points[i].value);
        }
    }

    void everyCatalogueQueryIsAnswered_data()
    {
        QTest::addColumn<QueryKind>("kind");
        QTest::addColumn<QString>("service");
        QTest::addColumn<int>("expectedSeries");
        // Per pod: 3 checkout pods, 2 payments pods, 2 catalog pods; aggregates: one series.
        const struct {
            QueryKind kind;
            int checkout, payments, catalog;
        } rows[] = {
            { QueryKind::MemoryWorkingSet, 3, 2, 2 },
            { QueryKind::MemoryLimit, 3, 2, 2 },
            { QueryKind::Restarts, 3, 2, 2 },
            { QueryKind::LastTerminatedOom, 3, 0, 0 }, // catalog's last terminations are "Error"
            { QueryKind::OomEvents, 3, 2, 2 },
            { QueryKind::JvmHeapUsed, 3, 2, 0 }, // catalog is not a JVM
            { QueryKind::JvmHeapMax, 3, 2, 0 },
            { QueryKind::RequestRate, 1, 1, 1 },
            { QueryKind::MemoryPerPodAvg, 1, 1, 1 },
            { QueryKind::MemoryPerPodAvgBaseline, 1, 1, 1 },
            { QueryKind::MemoryWorkingSetByContainer, 3, 2, 2 }, // one container per pod
            { QueryKind::MemoryLimitByContainer, 3, 2, 2 },
            { QueryKind::MemoryPerPodAvgBaselineByContainer, 1, 1, 1 },
        };
        for (const auto& r : rows) {
            const QString name = QString::fromLatin1(prometheus::queryKindName(r.kind));
            QTest::newRow(qPrintable(name + QStringLiteral(" checkout")))
                << r.kind << QStringLiteral("checkout") << r.checkout;
            QTest::newRow(qPrintable(name + QStringLiteral(" payments")))
                << r.kind << QStringLiteral("payments") << r.payments;
            QTest::newRow(qPrintable(name + QStringLiteral(" catalog")))
                << r.kind << QStringLiteral("catalog") << r.catalog;
        }
        QCOMPARE(int(std::size(rows)), int(prometheus::allQueryKinds().size()));
    }
    void everyCatalogueQueryIsAnswered()
    {
        QFETCH(QueryKind, kind);
        QFETCH(QString, service);
        QFETCH(int, expectedSeries);
        const SandboxModel model(42, kNow);
        const MetricsHistory history(model);
        const CatalogueEvaluator eval(history);
        const auto result = eval.evaluate(queryFor(kind, service.toStdString()), kNow - kHourMs, kNow, 60000, kNow);
        QVERIFY(result.ok());
        QCOMPARE(int(result->size()), expectedSeries);
        for (const EvalSeries& s : *result) {
            QVERIFY(s.points.size() > 50);
            if (kind == QueryKind::LastTerminatedOom) {
                QCOMPARE(s.labels.at("__name__"), std::string("kube_pod_container_status_last_terminated_reason"));
                QCOMPARE(s.labels.at("reason"), std::string("OOMKilled"));
            } else if (kind == QueryKind::MemoryWorkingSetByContainer || kind == QueryKind::MemoryLimitByContainer) {
                // sum by (pod, container) keeps both, and the container is the service's own
                QCOMPARE(s.labels.size(), std::size_t(2));
                QCOMPARE(QString::fromStdString(s.labels.at("container")), service);
            } else if (kind == QueryKind::MemoryPerPodAvgBaselineByContainer) {
                QCOMPARE(s.labels.size(), std::size_t(1)); // avg by (container)
                QCOMPARE(QString::fromStdString(s.labels.at("container")), service);
            } else if (s.labels.count("pod")) {
                QCOMPARE(s.labels.size(), std::size_t(1)); // sum by (pod) keeps only pod
            } else {
                QVERIFY(s.labels.empty());
            }
        }
    }

    void valuesFollowTheModel()
    {
        const SandboxModel model(42, kNow);
        const MetricsHistory history(model);
        const CatalogueEvaluator eval(history);
        const std::int64_t t = MetricsHistory::gridFloor(kNow) - 7 * kMinuteMs;
        const auto mem = eval.evaluate(queryFor(QueryKind::MemoryWorkingSet, "payments"), t, t, 1, kNow);
        const auto restarts = eval.evaluate(queryFor(QueryKind::Restarts, "checkout"), t, t, 1, kNow);
        const auto limits = eval.evaluate(queryFor(QueryKind::MemoryLimit, "checkout"), t, t, 1, kNow);
        QVERIFY(mem.ok() && restarts.ok() && limits.ok());
        for (const EvalSeries& s : *mem) {
            const auto p = *model.podIndex(s.labels.at("pod"));
            QCOMPARE(s.points.at(0).value, *model.workingSetBytes(p, t)); // only the real container counts
        }
        for (const EvalSeries& s : *restarts) {
            const auto p = *model.podIndex(s.labels.at("pod"));
            QCOMPARE(s.points.at(0).value, double(model.restartCountAt(p, t)));
        }
        for (const EvalSeries& s : *limits)
            QCOMPARE(s.points.at(0).value, 2.0 * kGiB);
    }

    void baselineIsTheSameQuerySevenDaysEarlier()
    {
        const SandboxModel model(42, kNow);
        const MetricsHistory history(model);
        const CatalogueEvaluator eval(history);
        const auto now = eval.evaluate(queryFor(QueryKind::MemoryPerPodAvg, "payments"), kNow - 7 * kDayMs - kHourMs,
            kNow - 7 * kDayMs, 300000, kNow);
        const auto base = eval.evaluate(
            queryFor(QueryKind::MemoryPerPodAvgBaseline, "payments"), kNow - kHourMs, kNow, 300000, kNow);
        QVERIFY(now.ok() && base.ok());
        QCOMPARE(now->size(), std::size_t(1));
        QCOMPARE(base->size(), std::size_t(1));
        QCOMPARE(now->at(0).points.size(), base->at(0).points.size());
        for (std::size_t i = 0; i < now->at(0).points.size(); ++i) {
            QCOMPARE(base->at(0).points[i].tMs, now->at(0).points[i].tMs + 7 * kDayMs);
            QCOMPARE(base->at(0).points[i].value, now->at(0).points[i].value);
        }
    }

    void lookbackAndFutureFollowPrometheus()
    {
        const SandboxModel model(42, kNow);
        const MetricsHistory history(model);
        const CatalogueEvaluator eval(history);
        const auto q = queryFor(QueryKind::MemoryLimit, "catalog");
        // Nothing before the pods exist; within 5 minutes after the last sample the value still shows.
        const std::int64_t created = model.pods().back().createdMs;
        QVERIFY(eval.evaluate(q, created - kSecondMs, created - kSecondMs, 1, kNow)->empty());
        // Samples after "now" do not exist yet: 4 minutes later the last one is still seen, 6 minutes later not.
        QCOMPARE(eval.evaluate(q, kNow + 4 * kMinuteMs, kNow + 4 * kMinuteMs, 1, kNow)->size(), std::size_t(2));
        QVERIFY(eval.evaluate(q, kNow + 6 * kMinuteMs, kNow + 6 * kMinuteMs, 1, kNow)->empty());
    }

    void rateIsPrometheusExtrapolatedRate_data()
    {
        QTest::addColumn<QList<qint64>>("times");
        QTest::addColumn<QList<double>>("values");
        QTest::addColumn<double>("expected");
        // Window [0, 300 s]. Samples every 30 s from 0 to 300: no extrapolation needed.
        QList<qint64> full;
        QList<double> linear;
        for (int i = 0; i <= 10; ++i) {
            full << qint64(i) * 30000;
            linear << 100.0 + 30.0 * i;
        }
        QTest::newRow("full window") << full << linear << 300.0 / 300.0;
        // Counter reset at the 6th sample: the increase continues from zero.
        QList<double> reset = linear;
        for (int i = 5; i <= 10; ++i)
            reset[i] = 30.0 * (i - 5);
        // increase = (last - first) + value before the reset = (150 - 100) + 220 = 270 over a full window.
        QTest::newRow("counter reset") << full << reset << 270.0 / 300.0;
        // Samples from 15 s to 285 s: each end extrapolated by 15 s (< 1.1 * 30 s).
        QList<qint64> inner;
        QList<double> innerValues;
        for (int i = 0; i < 10; ++i) {
            inner << 15000 + qint64(i) * 30000;
            innerValues << 1000.0 + 60.0 * i;
        }
        QTest::newRow("extrapolated ends") << inner << innerValues << (540.0 * (300.0 / 270.0)) / 300.0;
        // A counter starting near zero is not extrapolated below zero: from 10 at t=150 s to 70 at t=300 s.
        QTest::newRow("zero floor") << QList<qint64> { 150000, 180000, 210000, 240000, 270000, 300000 }
                                    << QList<double> { 10, 22, 34, 46, 58, 70 }
                                    << (60.0 * ((150.0 + 25.0) / 150.0)) / 300.0;
        QTest::newRow("one sample") << QList<qint64> { 150000 } << QList<double> { 5 } << -1.0;
    }
    void rateIsPrometheusExtrapolatedRate()
    {
        QFETCH(QList<qint64>, times);
        QFETCH(QList<double>, values);
        QFETCH(double, expected);
        std::vector<EvalPoint> samples;
        for (qsizetype i = 0; i < times.size(); ++i)
            samples.push_back({ times[i], values[i] });
        const auto rate = CatalogueEvaluator::extrapolatedRate(samples, 0, 300000);
        if (expected < 0) {
            QVERIFY(!rate);
            return;
        }
        QVERIFY(rate);
        QVERIFY2(qAbs(*rate - expected) < 1e-9, qPrintable(QStringLiteral("%1 vs %2").arg(*rate).arg(expected)));
    }

    void rangeLimitsAreEnforced()
    {
        const SandboxModel model(42, kNow);
        const MetricsHistory history(model);
        const CatalogueEvaluator eval(history);
        const auto q = queryFor(QueryKind::MemoryWorkingSet, "checkout");
        const auto week = eval.evaluate(q, kNow - 7 * kDayMs, kNow, 60000, kNow);
        QVERIFY(week.ok());
        QVERIFY(week->at(0).points.size() >= 10000);
        const auto tooFine = eval.evaluate(q, kNow - 7 * kDayMs, kNow, 30000, kNow);
        QVERIFY(!tooFine.ok());
        QVERIFY(tooFine.error().message.find("11,000 points") != std::string::npos);
        QVERIFY(!eval.evaluate(q, kNow, kNow - 1, 1000, kNow).ok());
        QVERIFY(!eval.evaluate(q, kNow, kNow, 0, kNow).ok());
    }

    void timeAndDurationParameters_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("time");
        QTest::addColumn<qint64>("duration");
        QTest::newRow("unix seconds") << "1773152625" << qint64(1773152625000) << qint64(1773152625000);
        QTest::newRow("fraction") << "1773152625.25" << qint64(1773152625250) << qint64(1773152625250);
        QTest::newRow("rfc3339") << "2026-03-10T14:23:45Z" << qint64(1773152625000) << qint64(-1);
        QTest::newRow("rfc3339 ms offset") << "2026-03-10T15:23:45.5+01:00" << qint64(1773152625500) << qint64(-1);
        QTest::newRow("30s") << "30s" << qint64(-1) << qint64(30000);
        QTest::newRow("1h30m") << "1h30m" << qint64(-1) << qint64(5400000);
        QTest::newRow("7d") << "7d" << qint64(-1) << qint64(7 * kDayMs);
        QTest::newRow("garbage") << "soon" << qint64(-1) << qint64(-1);
        QTest::newRow("no zone") << "2026-03-10T14:23:45" << qint64(-1) << qint64(-1);
    }
    void timeAndDurationParameters()
    {
        QFETCH(QString, text);
        QFETCH(qint64, time);
        QFETCH(qint64, duration);
        const auto t = parsePromTime(text.toStdString());
        QCOMPARE(t.ok(), time >= 0);
        if (t.ok())
            QCOMPARE(*t, time);
        const auto d = parsePromDuration(text.toStdString());
        QCOMPARE(d.ok(), duration >= 0);
        if (d.ok())
            QCOMPARE(*d, duration);
    }

    void seriesSelectors_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::addColumn<int>("count"); // -1: parse error
        QTest::newRow("metric") << "kube_pod_container_status_restarts_total" << 7;
        QTest::newRow("regex") << R"(container_memory_working_set_bytes{pod=~"checkout-.*",container!~"|POD"})" << 3;
        QTest::newRow("all cAdvisor memory") << R"({__name__="container_memory_working_set_bytes"})" << 21;
        QTest::newRow("only empty matchers") << R"({container=""})" << -1;
        QTest::newRow("promql") << "rate(x[5m])" << -1;
        QTest::newRow("bad regex") << "x{a=~\"(\"}" << -1;
    }
    void seriesSelectors()
    {
        QFETCH(QString, selector);
        QFETCH(int, count);
        const auto sel = SeriesSelector::parse(selector.toStdString());
        QCOMPARE(sel.ok(), count >= 0);
        if (!sel.ok())
            return;
        const SandboxModel model(42, kNow);
        const MetricsHistory history(model);
        const CatalogueEvaluator eval(history);
        QCOMPARE(int(eval.seriesMatching({ *sel }, kNow - kHourMs, kNow).size()), count);
    }

    // kube_pod_owner follows its pod: 1 while the pod exists and its ReplicaSet owns it. While the
    // ReplicaSet has let go of it (labels changed, no ownerReference), the "<none>" series instead,
    // as kube-state-metrics writes a pod without owner; the replacement has its own series.
    void podOwnerFollowsThePodAndItsRelease()
    {
        SandboxModel model(42, kNow);
        MetricsHistory history(model);
        std::size_t pod = model.pods().size();
        for (std::size_t p = 0; p < model.pods().size() && pod == model.pods().size(); ++p)
            if (!model.pods()[p].former && model.services()[model.pods()[p].service].name == "payments")
                pod = p;
        QVERIFY(pod < model.pods().size());
        const std::int64_t releasedAt = MetricsHistory::gridFloor(kNow - kHourMs) + 10 * kSecondMs;
        const std::int64_t backAt = releasedAt + 20 * kMinuteMs;
        const std::size_t replacement = model.releasePod(pod, releasedAt);
        QCOMPARE(model.adoptPod(pod, backAt), replacement);
        history.rebuild();
        auto ownerSeries = [&](std::size_t p, const std::string& ownerKind) -> const RawSeries* {
            for (const RawSeries& s : history.series())
                if (s.metric == "kube_pod_owner" && s.labels.at("pod") == model.pods()[p].name
                    && s.labels.at("owner_kind") == ownerKind)
                    return &s;
            return nullptr;
        };
        const RawSeries* owned = ownerSeries(pod, "ReplicaSet");
        const RawSeries* none = ownerSeries(pod, "<none>");
        QVERIFY(owned && none);
        QCOMPARE(owned->labels.at("owner_name"), model.replicaSetName(model.pods()[pod].service, 0));
        QCOMPARE(owned->labels.at("owner_is_controller"), std::string("true"));
        QCOMPARE(none->labels.at("owner_name"), std::string("<none>"));
        const std::int64_t before = MetricsHistory::gridFloor(releasedAt);
        const std::int64_t during = MetricsHistory::gridCeil(releasedAt) + 5 * SandboxModel::kScrapeIntervalMs;
        const std::int64_t after = MetricsHistory::gridCeil(backAt) + SandboxModel::kScrapeIntervalMs;
        QCOMPARE(history.sampleAt(*owned, before), std::optional<double>(1.0));
        QCOMPARE(history.sampleAt(*none, before), std::optional<double>());
        QCOMPARE(history.sampleAt(*owned, during), std::optional<double>());
        QCOMPARE(history.sampleAt(*none, during), std::optional<double>(1.0));
        QCOMPARE(history.sampleAt(*owned, after), std::optional<double>(1.0));
        QCOMPARE(history.sampleAt(*none, after), std::optional<double>());
        QCOMPARE(history.sampleAt(*owned, MetricsHistory::gridFloor(model.pods()[pod].createdMs - kMinuteMs)),
            std::optional<double>());
        // The replacement: owned from its creation until the adopted pod's return deleted it.
        const RawSeries* replaced = ownerSeries(replacement, "ReplicaSet");
        QVERIFY(replaced && !ownerSeries(replacement, "<none>"));
        QCOMPARE(history.sampleAt(*replaced, during), std::optional<double>(1.0));
        QCOMPARE(history.sampleAt(*replaced, after), std::optional<double>());
    }

    // One kube_replicaset_owner series per ReplicaSet name, owned by the Deployment: a revision's
    // from its creation on (an older one stays, scaled to 0, as the API serves it; a template
    // patched back is its earlier ReplicaSet again), the former one while its pods lived.
    void replicaSetOwnerSeriesFollowTheReplicaSets()
    {
        SandboxModel model(42, kNow);
        MetricsHistory history(model);
        const std::size_t service = *model.serviceIndex("catalog");
        TemplateRevision changed = model.revisions(service).front();
        changed.memoryLimitBytes *= 2;
        changed.podTemplateHash = model.templateHash("replicaset-owner-test");
        const std::int64_t rollAt = kNow - 2 * kHourMs;
        model.rollOut(service, changed, rollAt);
        model.rollOut(service, model.revisions(service).front(), kNow - kHourMs);
        history.rebuild();
        std::map<std::string, const RawSeries*> byName;
        for (const RawSeries& s : history.series())
            if (s.metric == "kube_replicaset_owner" && s.labels.at("owner_name") == "catalog") {
                QCOMPARE(s.labels.at("owner_kind"), std::string("Deployment"));
                QVERIFY(byName.emplace(s.labels.at("replicaset"), &s).second);
            }
        QCOMPARE(byName.size(), std::size_t(3));
        const std::string first = model.replicaSetName(service, 0);
        const std::string second = model.replicaSetName(service, 1);
        QVERIFY(byName.count(first) && byName.count(second));
        std::string former;
        for (const PodSpec& p : model.pods())
            if (p.former && p.service == service)
                former = p.name.substr(0, p.name.rfind('-'));
        QVERIFY(byName.count(former));
        const std::int64_t origin = model.originMs();
        auto at = [&](const std::string& name, std::int64_t t) {
            return history.sampleAt(*byName.at(name), MetricsHistory::gridFloor(t));
        };
        QCOMPARE(at(former, origin - 3 * kDayMs), std::optional<double>(1.0));
        QCOMPARE(at(former, origin - 8 * kDayMs), std::optional<double>());
        QCOMPARE(at(former, origin + kHourMs), std::optional<double>());
        QCOMPARE(at(first, origin - kMinuteMs), std::optional<double>());
        QCOMPARE(at(first, origin), std::optional<double>(1.0));
        QCOMPARE(at(first, kNow), std::optional<double>(1.0));
        QCOMPARE(at(second, rollAt - kMinuteMs), std::optional<double>());
        QCOMPARE(at(second, rollAt + kMinuteMs), std::optional<double>(1.0));
        QCOMPARE(at(second, kNow), std::optional<double>(1.0));
    }

    void openMetricsExportHasBackfillShape()
    {
        const SandboxModel model(42, kNow);
        const MetricsHistory history(model);
        std::ostringstream out;
        history.writeOpenMetrics(out, kNow - 10 * kMinuteMs, kNow);
        const std::string text = out.str();
        QVERIFY(text.size() > 10000);
        QVERIFY(text.ends_with("# EOF\n"));
        std::istringstream in(text);
        std::string line;
        std::set<std::string> familiesSeen;
        std::string family;
        int samples = 0;
        while (std::getline(in, line)) {
            if (line.starts_with("# TYPE ")) {
                family = line.substr(7, line.find(' ', 7) - 7);
                QVERIFY2(familiesSeen.insert(family).second, "families must be contiguous");
                continue;
            }
            if (line.starts_with("#"))
                continue;
            ++samples;
            QVERIFY2(line.starts_with(family), line.c_str());
            if (family == "kube_pod_container_status_restarts" || family == "container_oom_events")
                QVERIFY(line.starts_with(family + "_total{"));
            // name{labels} value timestamp, timestamp in whole seconds on the 30 s grid
            const auto ts = std::stoll(line.substr(line.rfind(' ') + 1));
            QCOMPARE(ts % 30, 0LL);
        }
        QCOMPARE(familiesSeen.size(), history.families().size());
        // The owner series are exported with the rest (a ReplicaSet's on the Deployment's name).
        QVERIFY(text.find("\nkube_pod_owner{job=\"kube-state-metrics\",namespace=\"production\",owner_is_controller="
                          "\"true\",owner_kind=\"ReplicaSet\",owner_name=\"checkout-")
            != std::string::npos);
        QVERIFY(text.find("\nkube_replicaset_owner{job=\"kube-state-metrics\",namespace=\"production\","
                          "owner_is_controller=\"true\",owner_kind=\"Deployment\",owner_name=\"checkout\"")
            != std::string::npos);
        QVERIFY(samples > 20 * 100);
    }
};

QTEST_GUILESS_MAIN(TestSandboxProm)
#include "tst_sandbox_prom.moc"
