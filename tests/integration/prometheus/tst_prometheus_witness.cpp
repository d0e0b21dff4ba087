// A real Prometheus as the witness: the sandbox's history is exported as OpenMetrics, backfilled
// with promtool into a real Prometheus 2.x, and every query of the catalogue must get the same
// answer from the sandbox and from Prometheus (same series, same timestamps, values within a
// relative 1e-9: the only expected difference is floating-point summation order).

#include "PromAnswers.h"
#include "TestSupport.h"

#include "core/prometheus/QueryCatalogue.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <set>

using namespace leakdesk;
using nlohmann::json;

namespace {

constexpr double kRelativeTolerance = 1e-9;
constexpr qint64 kDayMs = 24 * 3600 * 1000LL;

bool waitForLine(QProcess& p, const QByteArray& prefix, QByteArray& out, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs && !out.contains(prefix)) {
        p.waitForReadyRead(500);
        out += p.readAllStandardOutput();
        if (p.state() != QProcess::Running)
            return out.contains(prefix);
    }
    return out.contains(prefix);
}

// One label matcher of a PromQL selector: name, operator, quoted value (with its escapes).
const QRegularExpression& labelMatcher()
{
    static const QRegularExpression re(QStringLiteral("([a-z_]+)(=~|!=|=)\"((?:[^\"\\\\]|\\\\.)*)\""));
    return re;
}

} // namespace

Q_DECLARE_METATYPE(leakdesk::prometheus::QueryKind)

class TestPrometheusWitness : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QProcess m_prometheus;
    QProcess m_sandbox;
    QUrl m_promUrl;
    QUrl m_sandboxUrl;
    qint64 m_now = 0;
    QNetworkAccessManager m_nam;
    int m_pointsCompared = 0;
    std::map<prometheus::QueryKind, int> m_pointsByKind;

    void stop(QProcess& p)
    {
        if (p.state() == QProcess::NotRunning)
            return;
        p.terminate();
        if (!p.waitForFinished(15000)) {
            p.kill();
            p.waitForFinished(5000);
        }
    }

    // A range off the scrape grid with an odd step, then an instant query at "now".
    QList<std::pair<QString, QUrlQuery>> queries(const std::string& promql) const
    {
        QUrlQuery range;
        // Percent-encoded as PromClient sends it: a bare '+' (".+") would be read as a space.
        const QString encoded = QString::fromUtf8(QUrl::toPercentEncoding(QString::fromStdString(promql)));
        range.addQueryItem(QStringLiteral("query"), encoded);
        range.addQueryItem(
            QStringLiteral("start"), QString::number((m_now - 2 * 3600 * 1000 + 13000) / 1000.0, 'f', 3));
        range.addQueryItem(QStringLiteral("end"), QString::number(m_now / 1000.0, 'f', 3));
        range.addQueryItem(QStringLiteral("step"), QStringLiteral("47s"));
        QUrlQuery instant;
        instant.addQueryItem(QStringLiteral("query"), encoded);
        instant.addQueryItem(QStringLiteral("time"), QString::number(m_now / 1000.0, 'f', 3));
        return { { QStringLiteral("/api/v1/query_range"), range }, { QStringLiteral("/api/v1/query"), instant } };
    }

    test::PromFetched get(const QUrl& base, const QString& path, const QUrlQuery& params)
    {
        QUrl url = base.resolved(QUrl(path));
        url.setQuery(params);
        return test::promFetch(m_nam, url);
    }

    // Empty when both answers hold the same series with the same points (values within
    // kRelativeTolerance); otherwise the first difference. `points` counts the points compared.
    static QString compare(const json& ours, const json& real, int& points)
    {
        const std::string ourType = ours["data"].value("resultType", "");
        const std::string realType = real["data"].value("resultType", "");
        if (ourType != realType)
            return QStringLiteral("result type %1 vs %2")
                .arg(QString::fromStdString(ourType), QString::fromStdString(realType));
        const test::PromMatrix a = test::promMatrix(ours["data"]);
        const test::PromMatrix b = test::promMatrix(real["data"]);
        QStringList aKeys, bKeys;
        for (const auto& [k, v] : a)
            aKeys << QString::fromStdString(k);
        for (const auto& [k, v] : b)
            bKeys << QString::fromStdString(k);
        if (aKeys != bKeys)
            return QStringLiteral("series differ: sandbox [%1], prometheus [%2]")
                .arg(aKeys.join(QStringLiteral(", ")), bKeys.join(QStringLiteral(", ")));
        for (const auto& [labels, ourPoints] : a) {
            const auto& other = b.at(labels);
            if (ourPoints.size() != other.size())
                return QStringLiteral("%1: %2 points vs %3")
                    .arg(QString::fromStdString(labels))
                    .arg(ourPoints.size())
                    .arg(other.size());
            for (const auto& [t, v] : ourPoints) {
                if (!other.count(t))
                    return QStringLiteral("%1 has no point at %2").arg(QString::fromStdString(labels)).arg(t);
                const double w = other.at(t);
                ++points;
                const double scale = std::max({ std::abs(v), std::abs(w), 1e-12 });
                if (std::abs(v - w) / scale > kRelativeTolerance)
                    return QStringLiteral("%1 at %2: sandbox %3, prometheus %4")
                        .arg(QString::fromStdString(labels))
                        .arg(t)
                        .arg(v, 0, 'g', 17)
                        .arg(w, 0, 'g', 17);
            }
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("promtool"));
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("prometheus"));
        const QString promtool = test::findProgram(QStringLiteral("promtool"));
        const QString prometheus = test::findProgram(QStringLiteral("prometheus"));
        QVERIFY2(QFile::exists(test::cliPath()), "LEAKDESK_CLI must point at the built leakdesk-cli");
        QVERIFY(m_dir.isValid());

        // A pinned "now" off the scrape grid, shared by the export and the server.
        m_now = (QDateTime::currentMSecsSinceEpoch() / 30000) * 30000 + 7000;
        const QString now = QString::number(m_now);
        // The last 3 hours, and the same 3 hours a week earlier for the `offset 7d` baseline.
        const QList<QPair<QString, qint64>> windows
            = { { QStringLiteral("recent.om"), m_now }, { QStringLiteral("week-ago.om"), m_now - 7 * kDayMs } };
        const QString data = m_dir.filePath(QStringLiteral("data"));
        for (const auto& [file, until] : windows) {
            const auto exported = test::runProgram(test::cliPath(),
                { QStringLiteral("sandbox"), QStringLiteral("export-metrics"), QStringLiteral("--out"),
                    m_dir.filePath(file), QStringLiteral("--hours"), QStringLiteral("3"), QStringLiteral("--now-ms"),
                    now, QStringLiteral("--until-ms"), QString::number(until) },
                120000);
            QVERIFY2(exported.exitCode == 0, exported.err.constData());
            const auto blocks = test::runProgram(promtool,
                { QStringLiteral("tsdb"), QStringLiteral("create-blocks-from"), QStringLiteral("openmetrics"),
                    m_dir.filePath(file), data },
                180000);
            QVERIFY2(blocks.exitCode == 0, QByteArray(blocks.out + blocks.err).constData());
        }

        // Our own minimal configuration: scrape nothing, serve the backfilled blocks.
        QString why;
        QVERIFY2(test::startLocalPrometheus(m_prometheus, prometheus, m_dir.path(), data,
                     { QStringLiteral("--storage.tsdb.retention.time=100y") }, m_promUrl, why),
            qPrintable(why));

        m_sandbox.start(test::cliPath(),
            { QStringLiteral("sandbox"), QStringLiteral("serve"), QStringLiteral("--now-ms"), now,
                QStringLiteral("--kubeconfig-out"), m_dir.filePath(QStringLiteral("kubeconfig")) });
        QByteArray out;
        QVERIFY2(waitForLine(m_sandbox, "prometheus: ", out, 30000), m_sandbox.readAllStandardError().constData());
        for (const QByteArray& line : out.split('\n'))
            if (line.startsWith("prometheus: "))
                m_sandboxUrl = QUrl(QString::fromUtf8(line.mid(12).trimmed()));
        QVERIFY(m_sandboxUrl.isValid());
    }

    void catalogueAgreesWithRealPrometheus_data()
    {
        QTest::addColumn<prometheus::QueryKind>("kind");
        QTest::addColumn<QString>("service");
        for (prometheus::QueryKind kind : prometheus::allQueryKinds())
            for (const char* service : { "checkout", "payments", "catalog" })
                QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(
                    QLatin1String(prometheus::queryKindName(kind)), QLatin1String(service))))
                    << kind << QString::fromLatin1(service);
    }
    void catalogueAgreesWithRealPrometheus()
    {
        QFETCH(prometheus::QueryKind, kind);
        QFETCH(QString, service);
        const prometheus::QueryCatalogue catalogue;
        const std::string promql
            = catalogue.build(kind, { "production", prometheus::podRegexForWorkload(service.toStdString()) });
        for (const auto& [path, params] : queries(promql)) {
            const test::PromFetched ours = get(m_sandboxUrl, path, params);
            const test::PromFetched real = get(m_promUrl, path, params);
            QVERIFY2(real.status == 200, real.body.dump().c_str()); // the catalogue is valid PromQL
            QCOMPARE(ours.status, 200);
            int points = 0;
            const QString difference = compare(ours.body, real.body, points);
            QVERIFY2(difference.isEmpty(), qPrintable(difference));
            m_pointsCompared += points;
            m_pointsByKind[kind] += points;
        }
    }

    // Agreeing on nothing proves nothing: every template of the catalogue (the catalogue's own list,
    // not a hand-made one) must have had the real Prometheus answer with data for some service. A
    // template with a wrong label gets an empty answer from a real Prometheus.
    void everyTemplateGotDataFromRealPrometheus()
    {
        for (prometheus::QueryKind kind : prometheus::allQueryKinds())
            QVERIFY2(m_pointsByKind[kind] > 0,
                qPrintable(
                    QStringLiteral("%1: no point compared").arg(QLatin1String(prometheus::queryKindName(kind)))));
    }

    // The comparison above can fail: each label matcher of each template, misspelt (its name, or for
    // an equality its value), changes the real Prometheus's answer away from the sandbox's answer to
    // the right template. This is what the sandbox alone cannot see: it recognises its own templates.
    void aWrongLabelIsCaught_data()
    {
        QTest::addColumn<prometheus::QueryKind>("kind");
        QTest::addColumn<QString>("wrongPromql");
        const prometheus::QueryCatalogue catalogue;
        const QRegularExpression& matcher = labelMatcher();
        for (prometheus::QueryKind kind : prometheus::allQueryKinds()) {
            const QString promql = QString::fromStdString(
                catalogue.build(kind, { "production", prometheus::podRegexForWorkload("checkout") }));
            for (auto it = matcher.globalMatch(promql); it.hasNext();) {
                const QRegularExpressionMatch m = it.next();
                const QString name = m.captured(1);
                const QString op = m.captured(2);
                // The one equivalent mutant: the pause container never OOMs, its OOM counter is 0 on
                // every cluster, so dropping container!="POD" cannot change a sum of OOM events.
                if (kind == prometheus::QueryKind::OomEvents && op == QLatin1String("!=")
                    && m.captured(3) == QLatin1String("POD"))
                    continue;
                QString misspeltName = promql;
                misspeltName.replace(m.capturedStart(1), m.capturedLength(1), QStringLiteral("k8s_") + name);
                QTest::newRow(
                    qPrintable(QStringLiteral("%1 label %2").arg(QLatin1String(prometheus::queryKindName(kind)), name)))
                    << kind << misspeltName;
                if (op == QLatin1String("=")) {
                    QString misspeltValue = promql;
                    misspeltValue.replace(
                        m.capturedStart(3), m.capturedLength(3), m.captured(3).toUpper() + QStringLiteral("x"));
                    QTest::newRow(qPrintable(
                        QStringLiteral("%1 value of %2").arg(QLatin1String(prometheus::queryKindName(kind)), name)))
                        << kind << misspeltValue;
                }
            }
        }
    }
    void aWrongLabelIsCaught()
    {
        QFETCH(prometheus::QueryKind, kind);
        QFETCH(QString, wrongPromql);
        const std::string right
            = prometheus::QueryCatalogue().build(kind, { "production", prometheus::podRegexForWorkload("checkout") });
        const auto [path, params] = queries(right).front(); // the range query: the most points
        const test::PromFetched ours = get(m_sandboxUrl, path, params);
        QCOMPARE(ours.status, 200);
        const auto [wrongPath, wrongParams] = queries(wrongPromql.toStdString()).front();
        const test::PromFetched real = get(m_promUrl, wrongPath, wrongParams);
        QVERIFY2(real.status == 200, real.body.dump().c_str());
        int points = 0;
        QVERIFY2(!compare(ours.body, real.body, points).isEmpty(),
            qPrintable(QStringLiteral("the real Prometheus answers %1 as the sandbox answers %2")
                           .arg(wrongPromql, QString::fromStdString(right))));
    }

    // kube-state-metrics' owner series, the way to a workload's pods over history: /api/v1/series
    // lists the same series (names and labels) in the sandbox and in the real Prometheus loaded
    // with its export, for the last two hours and for two hours a week earlier.
    void ownerSeriesAgreeWithRealPrometheus_data()
    {
        QTest::addColumn<QString>("selector");
        QTest::addColumn<qint64>("endMs");
        for (const qint64 end : { m_now, m_now - 7 * kDayMs }) {
            const char* when = end == m_now ? "now" : "a week ago";
            QTest::addRow("pods by ReplicaSet, %s", when)
                << QStringLiteral("kube_pod_owner{namespace=\"production\",owner_kind=\"ReplicaSet\"}") << end;
            QTest::addRow("ReplicaSets of checkout, %s", when)
                << QStringLiteral("kube_replicaset_owner{owner_kind=\"Deployment\",owner_name=\"checkout\"}") << end;
            QTest::addRow("every owner, %s", when) << QStringLiteral("{__name__=~\"kube_.*_owner\"}") << end;
        }
    }
    void ownerSeriesAgreeWithRealPrometheus()
    {
        QFETCH(QString, selector);
        QFETCH(qint64, endMs);
        QUrlQuery params;
        params.addQueryItem(QStringLiteral("match[]"), selector);
        params.addQueryItem(QStringLiteral("start"), QString::number((endMs - 2 * 3600 * 1000) / 1000.0, 'f', 3));
        params.addQueryItem(QStringLiteral("end"), QString::number(endMs / 1000.0, 'f', 3));
        const test::PromFetched ours = get(m_sandboxUrl, QStringLiteral("/api/v1/series"), params);
        const test::PromFetched real = get(m_promUrl, QStringLiteral("/api/v1/series"), params);
        QCOMPARE(ours.status, 200);
        QVERIFY2(real.status == 200, real.body.dump().c_str());
        std::set<std::string> a, b;
        for (const json& s : ours.body["data"])
            a.insert(s.dump());
        for (const json& s : real.body["data"])
            b.insert(s.dump());
        QVERIFY(!b.empty());
        QVERIFY2(a == b,
            qPrintable(QStringLiteral("sandbox %1\nprometheus %2")
                           .arg(QString::fromStdString(ours.body["data"].dump()),
                               QString::fromStdString(real.body["data"].dump()))));
    }

    // The whole pipeline, not just the queries: `investigate` against the real Prometheus and
    // against the sandbox's must reach the same verdict from the same history.
    // Tolerance: identical pattern, leak flag, stabilisation answer and OOM-kill count; slopes
    // within 1 % (relative) and OOM-kill times within one evaluation step.
    void investigateAgreesWithRealPrometheus_data()
    {
        QTest::addColumn<QString>("service");
        QTest::newRow("checkout") << QStringLiteral("checkout");
        QTest::newRow("payments") << QStringLiteral("payments");
        QTest::newRow("catalog") << QStringLiteral("catalog");
    }
    void investigateAgreesWithRealPrometheus()
    {
        QFETCH(QString, service);
        auto investigate = [&](const QUrl& prom) {
            const auto r = test::runProgram(test::cliPath(),
                { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"),
                    m_dir.filePath(QStringLiteral("kubeconfig")), QStringLiteral("--prometheus"), prom.toString(),
                    QStringLiteral("--namespace"), QStringLiteral("production"), QStringLiteral("--service"), service,
                    QStringLiteral("--window"), QStringLiteral("2.9"), QStringLiteral("--now-ms"),
                    QString::number(m_now), QStringLiteral("--format"), QStringLiteral("json") },
                120000);
            if (r.exitCode != 0)
                qWarning("investigate failed: %s", r.err.constData());
            return QJsonDocument::fromJson(r.out).object();
        };
        const QJsonObject real = investigate(m_promUrl);
        const QJsonObject ours = investigate(m_sandboxUrl);
        QVERIFY(!real.isEmpty() && !ours.isEmpty());
        const QJsonObject rv = real[QStringLiteral("verdict")].toObject();
        const QJsonObject ov = ours[QStringLiteral("verdict")].toObject();
        QCOMPARE(ov[QStringLiteral("pattern")].toString(), rv[QStringLiteral("pattern")].toString());
        QCOMPARE(ov[QStringLiteral("leak")].toBool(), rv[QStringLiteral("leak")].toBool());
        QCOMPARE(ov[QStringLiteral("stabilised_within_10min")], rv[QStringLiteral("stabilised_within_10min")]);
        const double rs = rv[QStringLiteral("slope_bytes_per_hour")].toDouble();
        const double os = ov[QStringLiteral("slope_bytes_per_hour")].toDouble();
        QVERIFY2(std::abs(rs - os) <= 0.01 * std::max(std::abs(rs), 1.0),
            qPrintable(QStringLiteral("%1 vs %2").arg(rs).arg(os)));
        const QJsonArray rk = real[QStringLiteral("oom")].toObject()[QStringLiteral("events")].toArray();
        const QJsonArray ok = ours[QStringLiteral("oom")].toObject()[QStringLiteral("events")].toArray();
        QCOMPARE(ok.size(), rk.size());
        for (qsizetype i = 0; i < rk.size(); ++i) {
            const auto rt = QDateTime::fromString(rk[i].toObject()[QStringLiteral("time")].toString(), Qt::ISODate);
            const auto ot = QDateTime::fromString(ok[i].toObject()[QStringLiteral("time")].toString(), Qt::ISODate);
            QVERIFY(std::abs(rt.secsTo(ot)) <= 30);
        }
        if (service == QLatin1String("checkout"))
            QVERIFY(rv[QStringLiteral("leak")].toBool());
        if (service == QLatin1String("catalog"))
            QVERIFY(!rv[QStringLiteral("leak")].toBool());
    }

    void comparedRealData()
    {
        // Guards against agreeing on nothing: 7 pods, ~150 steps, most queries per pod.
        QVERIFY2(m_pointsCompared > 5000, qPrintable(QString::number(m_pointsCompared)));
    }

    void cleanupTestCase()
    {
        stop(m_sandbox);
        stop(m_prometheus);
    }
};

QTEST_GUILESS_MAIN(TestPrometheusWitness)
#include "tst_prometheus_witness.moc"
