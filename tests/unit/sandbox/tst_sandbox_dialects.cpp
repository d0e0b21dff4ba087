// The sandbox's --metrics-naming: a history renamed into a dialect answers that dialect's spelling
// of every catalogue query with exactly what the current names answer, the current spelling finds
// nothing where the names differ (as on a real cluster), and the export carries the dialect's names.

#include "core/prometheus/QueryCatalogue.h"
#include "core/sandbox/model/CatalogueEvaluator.h"
#include "core/sandbox/model/MetricsHistory.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QTest>

#include <sstream>

using namespace leakdesk;
using namespace leakdesk::sandbox;
using prometheus::MetricsDialect;
using prometheus::QueryKind;

namespace {

constexpr std::int64_t kNow = 1773152625000; // 2026-03-10T14:23:45Z

std::vector<EvalSeries> answer(const MetricsHistory& history, const prometheus::MetricsProfile& spelling,
    QueryKind kind, const std::string& service)
{
    const std::string promql = prometheus::QueryCatalogue(spelling).build(
        kind, { "production", prometheus::podRegexForWorkload(service), prometheus::exactRegex(service) });
    const auto matched = prometheus::QueryCatalogue().match(promql); // the sandbox's catalogue
    if (!matched)
        return {};
    auto r = CatalogueEvaluator(history).evaluate(*matched, kNow - 3 * kHourMs, kNow, 5 * kMinuteMs, kNow);
    return r ? *r : std::vector<EvalSeries> {};
}

} // namespace

class TestSandboxDialects : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sameAnswersInEveryDialect_data()
    {
        QTest::addColumn<int>("dialect");
        QTest::addColumn<QString>("service");
        for (auto d : { MetricsDialect::Legacy, MetricsDialect::Otel, MetricsDialect::JmxExporter })
            for (const char* service : { "checkout", "payments" })
                QTest::addRow("%s %s", prometheus::metricsDialectName(d), service)
                    << int(d) << QString::fromLatin1(service);
    }

    void sameAnswersInEveryDialect()
    {
        QFETCH(int, dialect);
        QFETCH(QString, service);
        const SandboxModel model(42, kNow);
        const MetricsHistory current(model);
        MetricsHistory renamed(model);
        const auto profile = prometheus::profileForDialect(static_cast<MetricsDialect>(dialect));
        renamed.setNaming(profile);
        for (QueryKind kind : prometheus::allQueryKinds()) {
            const auto expected = answer(current, {}, kind, service.toStdString());
            const auto got = answer(renamed, profile, kind, service.toStdString());
            const char* name = prometheus::queryKindName(kind);
            QVERIFY2(!expected.empty() || kind == QueryKind::LastTerminatedOom, name);
            QCOMPARE(got.size(), expected.size());
            for (std::size_t i = 0; i < got.size(); ++i) {
                // LastTerminatedOom keeps the raw labels (kube-state-metrics': no dialect renames them).
                QVERIFY2(got[i].labels == expected[i].labels, name);
                QCOMPARE(got[i].points.size(), expected[i].points.size());
                for (std::size_t p = 0; p < got[i].points.size(); ++p) {
                    QCOMPARE(got[i].points[p].tMs, expected[i].points[p].tMs);
                    QCOMPARE(got[i].points[p].value, expected[i].points[p].value);
                }
            }
        }
    }

    // Where the names differ, the other spelling finds nothing: the probe is what makes it work.
    void theCurrentSpellingFindsNothingInLegacy()
    {
        const SandboxModel model(42, kNow);
        MetricsHistory legacy(model);
        legacy.setNaming(prometheus::profileForDialect(MetricsDialect::Legacy));
        for (QueryKind kind : { QueryKind::MemoryWorkingSet, QueryKind::MemoryLimit, QueryKind::RequestRate,
                 QueryKind::MemoryWorkingSetByContainer })
            QVERIFY2(answer(legacy, {}, kind, "checkout").empty(), prometheus::queryKindName(kind));
        QVERIFY(!answer(legacy, {}, QueryKind::Restarts, "checkout").empty()); // same name in every dialect
    }

    void exportCarriesTheDialectsNames_data()
    {
        QTest::addColumn<int>("dialect");
        QTest::addColumn<QStringList>("present");
        QTest::addColumn<QStringList>("absent");
        QTest::newRow("legacy") << int(MetricsDialect::Legacy)
                                << QStringList { "container_memory_working_set_bytes{container_name=\"checkout\"",
                                       "# TYPE kube_pod_container_resource_limits_memory_bytes gauge",
                                       "# TYPE http_requests counter", "http_requests_total{" }
                                << QStringList { "http_server_requests_seconds_sum{", "resource=\"memory\"",
                                       "kube_pod_container_resource_limits{" };
        QTest::newRow("otel") << int(MetricsDialect::Otel)
                              << QStringList { "jvm_memory_used_bytes{container=\"checkout\"",
                                     "jvm_memory_type=\"heap\"", "jvm_memory_limit_bytes{", "jvm_memory_pool_name=" }
                              << QStringList { "area=\"heap\"", "jvm_memory_max_bytes{" };
        QTest::newRow("jmx-exporter") << int(MetricsDialect::JmxExporter)
                                      << QStringList { "jvm_memory_bytes_used{", "jvm_memory_bytes_max{", "pool=" }
                                      << QStringList { "jvm_memory_used_bytes{", "jvm_memory_max_bytes{" };
    }

    void exportCarriesTheDialectsNames()
    {
        QFETCH(int, dialect);
        QFETCH(QStringList, present);
        QFETCH(QStringList, absent);
        const SandboxModel model(42, kNow);
        MetricsHistory history(model);
        history.setNaming(prometheus::profileForDialect(static_cast<MetricsDialect>(dialect)));
        std::ostringstream out;
        history.writeOpenMetrics(out, kNow - 10 * kMinuteMs, kNow);
        const QString text = QString::fromStdString(out.str());
        for (const QString& p : present)
            QVERIFY2(text.contains(p), qPrintable(p));
        for (const QString& a : absent)
            QVERIFY2(!text.contains(a), qPrintable(a));
        // Each family once: promtool refuses a family split in two.
        const QStringList lines = text.split(QLatin1Char('\n'));
        QStringList types;
        for (const QString& l : lines)
            if (l.startsWith(QLatin1String("# TYPE ")))
                types << l.section(QLatin1Char(' '), 2, 2);
        QCOMPARE(QSet<QString>(types.begin(), types.end()).size(), types.size());
        QVERIFY(text.endsWith(QLatin1String("# EOF\n")));
    }

    // A scenario's series (external) are renamed as the model's are.
    void externalSeriesAreRenamedToo()
    {
        const SandboxModel model(42, kNow);
        MetricsHistory history(model);
        std::size_t workingSet = 0;
        for (std::size_t i = 0; i < history.families().size(); ++i)
            if (history.families()[i].name == "container_memory_working_set_bytes")
                workingSet = i;
        history.setExternalSeries({ RawSeries { "container_memory_working_set_bytes",
                                      { { "namespace", "storefront" }, { "pod", "web-0" }, { "container", "web" } },
                                      workingSet, SeriesSource::External, 0, 0, {} } },
            [](const RawSeries&, std::int64_t) { return std::optional<double>(1.0); });
        history.setNaming(prometheus::profileForDialect(MetricsDialect::Legacy));
        bool found = false;
        for (const RawSeries& s : history.series())
            if (s.source == SeriesSource::External) {
                found = true;
                QCOMPARE(s.labels.count("pod_name"), std::size_t(1));
                QCOMPARE(s.labels.count("pod"), std::size_t(0));
                QCOMPARE(s.labels.at("container_name"), std::string("web"));
            }
        QVERIFY(found);
    }
};

QTEST_GUILESS_MAIN(TestSandboxDialects)
#include "tst_sandbox_dialects.moc"
