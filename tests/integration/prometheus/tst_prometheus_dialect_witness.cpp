// A real Prometheus holding another dialect's names (the sandbox's export with --metrics-naming
// legacy / otel, backfilled with promtool): the probe at connect finds that dialect, every query of
// the catalogue spelled in it (label_replace of legacy labels included) is valid PromQL that the
// real Prometheus answers exactly as the sandbox does, and `investigate` reaches the sandbox's verdict.

#include "TestSupport.h"

#include "core/investigation/ClusterConnection.h"
#include "core/prometheus/PromClient.h"
#include "core/prometheus/QueryCatalogue.h"

#include <QDir>
#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <map>
#include <memory>

using namespace leakdesk;
using prometheus::MetricsDialect;
using prometheus::QueryKind;

namespace {

constexpr qint64 kDayMs = 24 * 3600 * 1000LL;

// Runs `start` (which calls its argument once with the answer) and waits for the answer.
template<typename T, typename Start> T waitFor(Start start)
{
    std::optional<T> result;
    QEventLoop loop;
    start([&](T r) {
        result.emplace(std::move(r));
        loop.quit();
    });
    if (!result)
        loop.exec();
    return std::move(*result);
}

// Empty when the two answers hold the same series and points (values within a relative 1e-9).
QString difference(const std::vector<Series>& ours, const std::vector<Series>& real, int& points)
{
    std::map<Labels, const Series*> byLabels;
    for (const Series& s : real)
        byLabels[s.labels] = &s;
    if (byLabels.size() != ours.size() || ours.size() != real.size())
        return QStringLiteral("%1 series in the sandbox, %2 in Prometheus").arg(ours.size()).arg(real.size());
    for (const Series& s : ours) {
        const auto it = byLabels.find(s.labels);
        if (it == byLabels.end())
            return QStringLiteral("Prometheus has no series %1").arg(QString::fromStdString(s.label("pod")));
        const auto& other = it->second->samples;
        if (other.size() != s.samples.size())
            return QStringLiteral("%1 points vs %2").arg(s.samples.size()).arg(other.size());
        for (std::size_t i = 0; i < other.size(); ++i) {
            const double scale = std::max({ std::abs(s.samples[i].value), std::abs(other[i].value), 1e-12 });
            if (s.samples[i].tMs != other[i].tMs || std::abs(s.samples[i].value - other[i].value) / scale > 1e-9)
                return QStringLiteral("at %1: sandbox %2, prometheus %3")
                    .arg(s.samples[i].tMs)
                    .arg(s.samples[i].value, 0, 'g', 17)
                    .arg(other[i].value, 0, 'g', 17);
            ++points;
        }
    }
    return {};
}

} // namespace

Q_DECLARE_METATYPE(leakdesk::prometheus::QueryKind)

class TestPrometheusDialectWitness : public QObject {
    Q_OBJECT

    struct Witness {
        QProcess prometheus;
        QUrl prometheusUrl;
        test::ServedSandbox sandbox;
    };
    QTemporaryDir m_dir;
    qint64 m_now = 0;
    std::map<int, std::unique_ptr<Witness>> m_witnesses;
    std::map<std::pair<int, QueryKind>, int> m_points;

    Witness& witness(MetricsDialect d) { return *m_witnesses.at(int(d)); }

    std::unique_ptr<prometheus::PromClient> client(const QUrl& url)
    {
        prometheus::PromConnection c;
        c.baseUrl = url;
        return std::make_unique<prometheus::PromClient>(c);
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("promtool"));
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("prometheus"));
        const QString promtool = test::findProgram(QStringLiteral("promtool"));
        const QString prometheusProgram = test::findProgram(QStringLiteral("prometheus"));
        QVERIFY2(QFile::exists(test::cliPath()), "LEAKDESK_CLI must point at the built leakdesk-cli");
        QVERIFY(m_dir.isValid());
        m_now = (QDateTime::currentMSecsSinceEpoch() / 30000) * 30000 + 7000;
        qInfo("sandbox clock pinned at %lld", static_cast<long long>(m_now));
        for (MetricsDialect d : { MetricsDialect::Legacy, MetricsDialect::Otel }) {
            const QString naming = QString::fromLatin1(prometheus::metricsDialectName(d));
            auto w = std::make_unique<Witness>();
            const QString data = m_dir.filePath(naming + QStringLiteral("-data"));
            // The last 3 hours, and the same hours a week earlier for the `offset 7d` baselines.
            for (const qint64 until : { m_now, m_now - 7 * kDayMs }) {
                const QString file = m_dir.filePath(naming + QString::number(until) + QStringLiteral(".om"));
                const auto exported = test::runProgram(test::cliPath(),
                    { QStringLiteral("sandbox"), QStringLiteral("export-metrics"), QStringLiteral("--metrics-naming"),
                        naming, QStringLiteral("--out"), file, QStringLiteral("--hours"), QStringLiteral("3"),
                        QStringLiteral("--now-ms"), QString::number(m_now), QStringLiteral("--until-ms"),
                        QString::number(until) },
                    120000);
                QVERIFY2(exported.exitCode == 0, exported.err.constData());
                const auto blocks = test::runProgram(promtool,
                    { QStringLiteral("tsdb"), QStringLiteral("create-blocks-from"), QStringLiteral("openmetrics"), file,
                        data },
                    180000);
                QVERIFY2(blocks.exitCode == 0, QByteArray(blocks.out + blocks.err).constData());
                QFile::remove(file);
            }
            QString why;
            QVERIFY(QDir().mkpath(m_dir.filePath(naming)));
            QVERIFY2(test::startLocalPrometheus(w->prometheus, prometheusProgram, m_dir.filePath(naming), data,
                         { QStringLiteral("--storage.tsdb.retention.time=100y") }, w->prometheusUrl, why),
                qPrintable(why));
            QVERIFY2(w->sandbox.start({ QStringLiteral("--metrics-naming"), naming, QStringLiteral("--now-ms"),
                                          QString::number(m_now) },
                         why),
                qPrintable(why));
            m_witnesses[int(d)] = std::move(w);
        }
    }

    void cleanupTestCase()
    {
        for (auto& [d, w] : m_witnesses)
            test::stopProcess(w->prometheus);
    }

    // The probe a connection makes, against the real Prometheus: it finds the dialect's names.
    void probeFindsTheDialect_data()
    {
        QTest::addColumn<int>("dialect");
        QTest::newRow("legacy") << int(MetricsDialect::Legacy);
        QTest::newRow("otel") << int(MetricsDialect::Otel);
    }
    void probeFindsTheDialect()
    {
        QFETCH(int, dialect);
        Witness& w = witness(MetricsDialect(dialect));
        investigation::ConnectionOptions o;
        o.kubeconfig = w.sandbox.kubeconfig;
        o.prometheusUrl = w.prometheusUrl;
        auto connection = investigation::ClusterConnection::open(o);
        QVERIFY2(connection.ok(), connection.ok() ? "" : connection.error().toString().c_str());
        QObject context;
        waitFor<bool>([&](auto done) {
            (*connection)->probeMetricsProfile("production", m_now, &context, [done] { done(true); });
        });
        const auto& inUse = (*connection)->metricsProfile();
        QVERIFY(inUse.probed);
        QVERIFY2(inUse.profile == prometheus::profileForDialect(MetricsDialect(dialect)),
            qPrintable(QString::fromStdString(inUse.profile.podLabel + " " + inUse.profile.limits + " "
                + inUse.profile.jvmAreaLabel + " " + inUse.profile.httpRequests)));
        QCOMPARE((*connection)->catalogue().profile(), inUse.profile);
    }

    void everyQueryIsAnsweredAlike_data()
    {
        QTest::addColumn<int>("dialect");
        QTest::addColumn<QueryKind>("kind");
        QTest::addColumn<QString>("service");
        for (MetricsDialect d : { MetricsDialect::Legacy, MetricsDialect::Otel })
            for (QueryKind kind : prometheus::allQueryKinds())
                for (const char* service : { "checkout", "payments" })
                    QTest::addRow(
                        "%s %s %s", prometheus::metricsDialectName(d), prometheus::queryKindName(kind), service)
                        << int(d) << kind << QString::fromLatin1(service);
    }
    void everyQueryIsAnsweredAlike()
    {
        QFETCH(int, dialect);
        QFETCH(QueryKind, kind);
        QFETCH(QString, service);
        Witness& w = witness(MetricsDialect(dialect));
        const prometheus::QueryCatalogue catalogue(prometheus::profileForDialect(MetricsDialect(dialect)));
        const std::string promql = catalogue.build(kind,
            { "production", prometheus::podRegexForWorkload(service.toStdString()),
                prometheus::exactRegex(service.toStdString()) });
        const TimeRange range { m_now - 2 * 3600 * 1000 + 13000, m_now };
        auto ask = [&](const QUrl& url) {
            auto c = client(url);
            QObject context;
            return waitFor<Result<prometheus::QueryResult>>(
                [&](auto done) { c->queryRange(promql, range, 47000, &context, done); });
        };
        const auto real = ask(w.prometheusUrl);
        const auto ours = ask(QUrl(w.sandbox.prometheusUrl));
        QVERIFY2(real.ok(), (promql + ": " + (real.ok() ? "" : real.error().toString())).c_str());
        QVERIFY2(ours.ok(), (promql + ": " + (ours.ok() ? "" : ours.error().toString())).c_str());
        int points = 0;
        const QString diff = difference(ours->series, real->series, points);
        QVERIFY2(diff.isEmpty(), qPrintable(QString::fromStdString(promql) + QStringLiteral(": ") + diff));
        m_points[std::make_pair(dialect, kind)] += points;
    }

    // Agreeing on nothing proves nothing: each kind had data in each dialect.
    void everyKindGotData()
    {
        for (MetricsDialect d : { MetricsDialect::Legacy, MetricsDialect::Otel })
            for (QueryKind kind : prometheus::allQueryKinds())
                QVERIFY2(m_points[std::make_pair(int(d), kind)] > 0,
                    qPrintable(QStringLiteral("%1 %2: no point compared")
                                   .arg(QLatin1String(prometheus::metricsDialectName(d)),
                                       QLatin1String(prometheus::queryKindName(kind)))));
    }

    void investigateOnTheRealPrometheus_data()
    {
        QTest::addColumn<int>("dialect");
        QTest::addColumn<QString>("service");
        for (MetricsDialect d : { MetricsDialect::Legacy, MetricsDialect::Otel })
            for (const char* service : { "checkout", "payments" })
                QTest::addRow("%s %s", prometheus::metricsDialectName(d), service)
                    << int(d) << QString::fromLatin1(service);
    }
    void investigateOnTheRealPrometheus()
    {
        QFETCH(int, dialect);
        QFETCH(QString, service);
        Witness& w = witness(MetricsDialect(dialect));
        auto investigate = [&](const QString& prom) {
            const auto r = test::runProgram(test::cliPath(),
                { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"), w.sandbox.kubeconfig,
                    QStringLiteral("--prometheus"), prom, QStringLiteral("--namespace"), QStringLiteral("production"),
                    QStringLiteral("--service"), service, QStringLiteral("--window"), QStringLiteral("2.9"),
                    QStringLiteral("--now-ms"), QString::number(m_now), QStringLiteral("--format"),
                    QStringLiteral("json") },
                120000);
            if (r.exitCode != 0)
                qWarning("investigate failed: %s", r.err.constData());
            return QJsonDocument::fromJson(r.out).object();
        };
        const QJsonObject real = investigate(w.prometheusUrl.toString());
        const QJsonObject ours = investigate(w.sandbox.prometheusUrl);
        QVERIFY(!real.isEmpty() && !ours.isEmpty());
        const auto expected = prometheus::profileForDialect(MetricsDialect(dialect)).asMap();
        const QJsonObject profile = real[QStringLiteral("metrics_profile")].toObject();
        for (const auto& [key, value] : expected)
            QCOMPARE(profile[QString::fromStdString(key)].toString(), QString::fromStdString(value));
        const QJsonObject rv = real[QStringLiteral("verdict")].toObject();
        const QJsonObject ov = ours[QStringLiteral("verdict")].toObject();
        QVERIFY(rv[QStringLiteral("pattern")].toString() != QStringLiteral("unknown"));
        QCOMPARE(ov[QStringLiteral("pattern")].toString(), rv[QStringLiteral("pattern")].toString());
        QCOMPARE(ov[QStringLiteral("leak")].toBool(), rv[QStringLiteral("leak")].toBool());
        const double rs = rv[QStringLiteral("slope_bytes_per_hour")].toDouble();
        const double os = ov[QStringLiteral("slope_bytes_per_hour")].toDouble();
        QVERIFY2(std::abs(rs - os) <= 0.01 * std::max(std::abs(rs), 1.0),
            qPrintable(QStringLiteral("%1 vs %2").arg(rs).arg(os)));
        if (service == QLatin1String("checkout"))
            QVERIFY(rv[QStringLiteral("leak")].toBool());
    }
};

QTEST_GUILESS_MAIN(TestPrometheusDialectWitness)
#include "tst_prometheus_dialect_witness.moc"
