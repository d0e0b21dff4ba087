// The radar's queries round-trip: what radarQuery() spells, matchRadarQuery() recognises with the
// same kind and parameters, in every metric dialect; other text is not recognised.

#include "core/prometheus/RadarQueries.h"

#include <QTest>

using namespace leakdesk;
using prometheus::RadarQueryKind;

Q_DECLARE_METATYPE(prometheus::RadarQueryKind)

class TestRadarQueries : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyKindRoundTrips_data()
    {
        QTest::addColumn<RadarQueryKind>("kind");
        QTest::addColumn<int>("variant");
        QTest::addColumn<QString>("ns");
        QTest::addColumn<qint64>("windowMs");
        QTest::addColumn<QString>("clusterLabel");
        const auto& variants = prometheus::knownProfileVariants();
        for (RadarQueryKind kind : prometheus::allRadarQueryKinds())
            for (int v = 0; v < static_cast<int>(variants.size()); ++v) {
                QTest::addRow("%s variant %d", prometheus::radarQueryKindName(kind), v)
                    << kind << v << QStringLiteral("shop-eu") << qint64(6 * 3600 * 1000) << QStringLiteral("cluster");
                // An odd namespace (quotes, backslash), a window over a day, another cluster label.
                QTest::addRow("%s variant %d odd", prometheus::radarQueryKindName(kind), v)
                    << kind << v << QStringLiteral("we\"ird\\ns") << qint64(30 * 3600 * 1000)
                    << QStringLiteral("k8s_cluster");
            }
    }
    void everyKindRoundTrips()
    {
        QFETCH(RadarQueryKind, kind);
        QFETCH(int, variant);
        QFETCH(QString, ns);
        QFETCH(qint64, windowMs);
        QFETCH(QString, clusterLabel);
        const prometheus::MetricsProfile& profile
            = prometheus::knownProfileVariants()[static_cast<std::size_t>(variant)];
        prometheus::RadarQueryParams params;
        params.ns = ns.toStdString();
        params.windowMs = windowMs;
        params.stepMs = 8 * 60 * 1000;
        params.clusterLabel = clusterLabel.toStdString();
        const std::string promql = prometheus::radarQuery(kind, profile, params);
        // Recognised from the default profile too: the sandbox does not know the client's.
        const auto matched = prometheus::matchRadarQuery(promql);
        QVERIFY2(matched, promql.c_str());
        QCOMPARE(matched->kind, kind);
        QCOMPARE(matched->params.clusterLabel, params.clusterLabel);
        if (kind != RadarQueryKind::Namespaces)
            QCOMPARE(QString::fromStdString(matched->params.ns), ns);
        // Kinds without the window in them know the owners' range, which follows from it.
        QCOMPARE(prometheus::radarOwnerRangeMs(matched->params.windowMs), prometheus::radarOwnerRangeMs(windowMs));
        if (kind == RadarQueryKind::Growth || kind == RadarQueryKind::Namespaces)
            QCOMPARE(matched->params.windowMs, windowMs);
        if (kind == RadarQueryKind::Sparkline || kind == RadarQueryKind::BaselineSparkline)
            QCOMPARE(matched->params.stepMs, params.stepMs);
        // The spelling read back names the metrics the query used.
        QCOMPARE(prometheus::radarQuery(kind, matched->profile, matched->params), promql);
        // Whitespace does not matter; other text does.
        std::string spaced = promql;
        for (std::size_t pos = spaced.find(','); pos != std::string::npos; pos = spaced.find(',', pos + 3))
            if (spaced.compare(pos + 1, 1, "\"") != 0 && spaced.compare(pos - 1, 1, "\"") != 0)
                spaced.replace(pos, 1, " , ");
        QVERIFY2(prometheus::matchRadarQuery(spaced), spaced.c_str());
        QVERIFY(!prometheus::matchRadarQuery(promql + " + 1"));
        QVERIFY(!prometheus::matchRadarQuery("sum(" + promql + ")"));
    }

    void otherQueriesAreNotTheRadars_data()
    {
        QTest::addColumn<QString>("promql");
        const std::string growth = prometheus::radarQuery(RadarQueryKind::Growth, {}, { "shop", 6 * 3600 * 1000, 0 });
        QTest::newRow("a metric name changed") << QString::fromStdString(growth).replace(
            QStringLiteral("container_memory_working_set_bytes"), QStringLiteral("container_memory_rss"));
        QTest::newRow("the window differs in one place")
            << QString::fromStdString(growth).replace(QStringLiteral("[6h])"), QStringLiteral("[5h])"));
        QTest::newRow("owners over another range")
            << QString::fromStdString(growth).replace(QStringLiteral("[1d]"), QStringLiteral("[2d]"));
        QTest::newRow("the catalogue's") << QStringLiteral(
            R"(sum by (pod) (container_memory_working_set_bytes{namespace="a",pod=~"b",container=~".+",container!="",container!="POD"}))");
        QTest::newRow("empty") << QString();
    }
    void otherQueriesAreNotTheRadars()
    {
        QFETCH(QString, promql);
        QVERIFY(!prometheus::matchRadarQuery(promql.toStdString()));
    }

    void durationsAsPrometheusWritesThem()
    {
        QCOMPARE(prometheus::promDuration(6 * 3600 * 1000), std::string("6h"));
        QCOMPARE(prometheus::promDuration(24 * 3600 * 1000), std::string("1d"));
        QCOMPARE(prometheus::promDuration(90 * 60 * 1000), std::string("90m"));
        QCOMPARE(prometheus::promDuration(450 * 1000), std::string("450s"));
        QCOMPARE(prometheus::radarOwnerRangeMs(6 * 3600 * 1000), qint64(24 * 3600 * 1000));
        QCOMPARE(prometheus::radarOwnerRangeMs(48 * 3600 * 1000), qint64(48 * 3600 * 1000));
    }
};

QTEST_GUILESS_MAIN(TestRadarQueries)
#include "tst_radar_queries.moc"
