// VictoriaMetrics as a second witness: the sandbox's history is exported as OpenMetrics, imported
// into a real VictoriaMetrics through its Prometheus import API, and read back through a real vmauth
// that demands a bearer token, the way a team puts VictoriaMetrics behind an auth proxy. `investigate`
// through vmauth must reach the verdicts it reaches on the sandbox's own Prometheus, and without the
// token it must say Prometheus is unreachable and name the option that gives one.

#include "HttpPost.h"
#include "SandboxMoments.h"
#include "TestSupport.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace leakdesk;

namespace {

constexpr qint64 kHourMs = 3600 * 1000LL;
constexpr qint64 kDayMs = 24 * kHourMs;
// investigate's default window is 6 h; the export adds half an hour before it for rate()'s [5m]
// range and the 5 min lookback, and the same span a week earlier for the `offset 7d` baseline.
constexpr double kExportHours = 6.5;

using test::Posted;

// VictoriaMetrics' import of a large export takes a while; the timeout bounds a hang.
Posted post(QNetworkAccessManager& nam, const QUrl& url, const QByteArray& body)
{
    return test::postText(nam, url, body, 120000);
}

QString text(const QJsonObject& o, const char* key)
{
    return o[QLatin1String(key)].toString();
}

} // namespace

class TestVictoriaMetricsWitness : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QProcess m_victoria;
    QProcess m_vmauth;
    test::ServedSandbox m_sandbox;
    QUrl m_victoriaUrl;
    QUrl m_vmauthUrl;
    QString m_tokenFile;
    qint64 m_now = 0;
    QNetworkAccessManager m_nam;

    test::ProcessResult investigate(const QStringList& prometheusArgs, const QStringList& target)
    {
        return test::runProgram(test::cliPath(),
            QStringList { QStringLiteral("investigate"), QStringLiteral("--kubeconfig"), m_sandbox.kubeconfig }
                + prometheusArgs + target
                + QStringList { QStringLiteral("--now-ms"), QString::number(m_now), QStringLiteral("--format"),
                    QStringLiteral("json") },
            120000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("victoria-metrics"));
        LEAKDESK_REQUIRE_WITNESS(QStringLiteral("vmauth"));
        QVERIFY2(QFile::exists(test::cliPath()), "LEAKDESK_CLI must point at the built leakdesk-cli");
        QVERIFY(m_dir.isValid());
        QElapsedTimer took;
        took.start();

        // Off the scrape grid, so that no query lands exactly on a sample.
        m_now = (test::testNowMs() / 30000) * 30000 + 7000;
        qInfo("sandbox clock pinned to %lld (LEAKDESK_TEST_NOW_MS replays it)", static_cast<long long>(m_now));

        QString why;
        QVERIFY2(test::startLocalVictoriaMetrics(m_victoria, test::findProgram(QStringLiteral("victoria-metrics")),
                     m_dir.filePath(QStringLiteral("vmdata")),
                     // VictoriaMetrics hides points of the last 30 s of its wall clock (they may
                     // be incomplete while scrapes arrive); the pinned moment is within a minute
                     // of the wall clock, and the imported history is complete up to it.
                     { QStringLiteral("-search.latencyOffset=0s") }, m_victoriaUrl, why),
            qPrintable(why));

        for (const qint64 until : { m_now, m_now - 7 * kDayMs }) {
            const QString file = m_dir.filePath(QStringLiteral("export-%1.om").arg(until));
            const auto exported = test::runProgram(test::cliPath(),
                { QStringLiteral("sandbox"), QStringLiteral("export-metrics"), QStringLiteral("--out"), file,
                    QStringLiteral("--hours"), QString::number(kExportHours), QStringLiteral("--now-ms"),
                    QString::number(m_now), QStringLiteral("--until-ms"), QString::number(until) },
                120000);
            QVERIFY2(exported.exitCode == 0, exported.err.constData());
            QFile om(file);
            QVERIFY(om.open(QIODevice::ReadOnly));
            const QByteArray importText = test::openMetricsToImportText(om.readAll());
            QVERIFY(!importText.isEmpty());
            const Posted imported
                = post(m_nam, m_victoriaUrl.resolved(QUrl(QStringLiteral("/api/v1/import/prometheus"))), importText);
            QVERIFY2(imported.status / 100 == 2, imported.body.constData());
        }
        // Imported rows are searchable only once flushed from the in-memory buffers.
        const Posted flushed = post(m_nam, m_victoriaUrl.resolved(QUrl(QStringLiteral("/internal/force_flush"))), {});
        QVERIFY2(flushed.status == 200, flushed.body.constData());

        const QByteArray token = QByteArrayLiteral("vm-witness-") + QByteArray::number(m_now, 36);
        m_tokenFile = m_dir.filePath(QStringLiteral("token"));
        QCOMPARE(test::writeTestFile(m_tokenFile, token + '\n'), QString());
        const QString config = m_dir.filePath(QStringLiteral("vmauth.yml"));
        QCOMPARE(test::writeTestFile(config,
                     "users:\n  - bearer_token: \"" + token + "\"\n    url_prefix: \""
                         + m_victoriaUrl.toString().toUtf8() + "\"\n"),
            QString());
        QVERIFY2(
            test::startLocalVmauth(m_vmauth, test::findProgram(QStringLiteral("vmauth")), config, m_vmauthUrl, why),
            qPrintable(why));

        QVERIFY2(m_sandbox.start({ QStringLiteral("--now-ms"), QString::number(m_now),
                                     QStringLiteral("--kubeconfig-out"), m_dir.filePath(QStringLiteral("kubeconfig")) },
                     why),
            qPrintable(why));
        qInfo("set-up (2 x %.1f h exported and imported) took %lld ms", kExportHours,
            static_cast<long long>(took.elapsed()));
    }

    // Same verdict through vmauth as on the sandbox's own Prometheus: identical pattern, leak flag,
    // stabilisation answer, baseline direction, per-container names, roles and verdicts, OOM-kill
    // count (times within a minute: a kill is located between two scrapes).
    //
    // What VictoriaMetrics answers differently, found with this test:
    // - A range query of 50 points or more has its start and end shifted onto multiples of the
    //   step (for its response cache), so every point sits a few seconds away from the one asked
    //   for and reads another raw sample. On a flat, noisy series that moves the fitted slope
    //   inside its own noise (catalog: 40 KiB/h instead of 71 KiB/h, 99 % band -64..214 KiB/h);
    //   the verdict does not move. Without `nocache=1` the slope must therefore be within 1 % or
    //   within the sandbox's 99 % band (a leak's verdict may have no band); with
    //   `--prometheus-param nocache=1` (VictoriaMetrics' documented switch) the grid is the one
    //   asked for and the slopes agree within 1 %.
    // - Points of the last 30 s of its wall clock are left out (-search.latencyOffset); the test
    //   sets it to 0 (see initTestCase), else the last points of the window differ by the minute
    //   the test runs at.
    // - The pods from history are looked up over 31 days; the export holds only the window and the
    //   week-ago span, so pods that lived in between (an older ReplicaSet) are known to the
    //   sandbox only. They have no samples in the window, so the verdict is the same; the number
    //   of queried pods is not compared.
    void investigateAgreesThroughVmauth_data()
    {
        QTest::addColumn<QStringList>("target");
        QTest::addColumn<bool>("nocache");
        const QString ns = QStringLiteral("--namespace");
        const QList<QPair<const char*, QStringList>> targets {
            { "production checkout",
                { ns, QStringLiteral("production"), QStringLiteral("--service"), QStringLiteral("checkout") } },
            { "production payments",
                { ns, QStringLiteral("production"), QStringLiteral("--service"), QStringLiteral("payments") } },
            { "production catalog",
                { ns, QStringLiteral("production"), QStringLiteral("--service"), QStringLiteral("catalog") } },
            { "storefront statefulset/search",
                { ns, QStringLiteral("storefront"), QStringLiteral("--workload"),
                    QStringLiteral("statefulset/search") } },
        };
        for (const auto& [name, target] : targets) {
            QTest::addRow("%s, step-aligned grid", name) << target << false;
            QTest::addRow("%s, nocache=1", name) << target << true;
        }
    }
    void investigateAgreesThroughVmauth()
    {
        QFETCH(QStringList, target);
        QFETCH(bool, nocache);
        QStringList viaVmauth { QStringLiteral("--prometheus"), m_vmauthUrl.toString(),
            QStringLiteral("--prometheus-token-file"), m_tokenFile };
        if (nocache)
            viaVmauth << QStringLiteral("--prometheus-param") << QStringLiteral("nocache=1");
        const auto viaVm = investigate(viaVmauth, target);
        const auto viaSandbox = investigate({ QStringLiteral("--prometheus"), m_sandbox.prometheusUrl }, target);
        QVERIFY2(viaVm.exitCode == 0, viaVm.err.constData());
        QVERIFY2(viaSandbox.exitCode == 0, viaSandbox.err.constData());
        const QJsonObject real = QJsonDocument::fromJson(viaVm.out).object();
        const QJsonObject ours = QJsonDocument::fromJson(viaSandbox.out).object();
        QVERIFY(!real.isEmpty() && !ours.isEmpty());

        const QJsonObject rv = real[QStringLiteral("verdict")].toObject();
        const QJsonObject ov = ours[QStringLiteral("verdict")].toObject();
        QVERIFY(text(rv, "pattern") != QStringLiteral("unknown"));
        QCOMPARE(text(rv, "pattern"), text(ov, "pattern"));
        QCOMPARE(rv[QStringLiteral("leak")].toBool(), ov[QStringLiteral("leak")].toBool());
        // The sandbox's scenario: checkout leaks, catalog does not (a witness agreeing on "no verdict"
        // or on the opposite of the scenario would prove nothing).
        if (target.contains(QStringLiteral("checkout")))
            QVERIFY(rv[QStringLiteral("leak")].toBool());
        if (target.contains(QStringLiteral("catalog")))
            QVERIFY(!rv[QStringLiteral("leak")].toBool());
        QCOMPARE(rv[QStringLiteral("stabilised_within_10min")], ov[QStringLiteral("stabilised_within_10min")]);
        const double rs = rv[QStringLiteral("slope_bytes_per_hour")].toDouble();
        const double os = ov[QStringLiteral("slope_bytes_per_hour")].toDouble();
        const QJsonArray band = ov[QStringLiteral("slope_band_bytes_per_hour")].toArray();
        const bool withinOnePercent = std::abs(rs - os) <= 0.01 * std::max(std::abs(os), 1.0);
        const bool withinBand = band.size() == 2 && rs >= band[0].toDouble() && rs <= band[1].toDouble();
        // A flat series' slope is noise: one CI run under load read catalog at 7.8 KiB/h through
        // VictoriaMetrics against 5.7 KiB/h here even with nocache=1 (both deep inside the band of
        // -135 .. 148 KiB/h; not reproduced at the same pinned moment on an idle machine). A slope
        // the band says is zero is compared by the band; a real slope within 1 %.
        const bool flat = band.size() == 2 && band[0].toDouble() <= 0 && band[1].toDouble() >= 0;
        const bool close = nocache && !flat ? withinOnePercent : withinOnePercent || withinBand;
        QVERIFY2(close,
            qPrintable(QStringLiteral("slope: victoria %1, sandbox %2 (99% band %3 .. %4)")
                           .arg(rs)
                           .arg(os)
                           .arg(band.at(0).toDouble())
                           .arg(band.at(1).toDouble())));

        // The week-ago baseline comes from the second import, through `offset 7d`.
        const QJsonValue rb = real[QStringLiteral("baseline")];
        const QJsonValue ob = ours[QStringLiteral("baseline")];
        QCOMPARE(rb.isNull(), ob.isNull());
        if (!ob.isNull()) {
            QCOMPARE(rb[QStringLiteral("higher_than_baseline")], ob[QStringLiteral("higher_than_baseline")]);
            const double rm = rb[QStringLiteral("baseline_median_bytes")].toDouble();
            const double om = ob[QStringLiteral("baseline_median_bytes")].toDouble();
            QVERIFY2(std::abs(rm - om) <= 0.01 * std::max(std::abs(om), 1.0),
                qPrintable(QStringLiteral("baseline median: victoria %1, sandbox %2").arg(rm).arg(om)));
        }

        const QJsonArray rc = real[QStringLiteral("containers")].toArray();
        const QJsonArray oc = ours[QStringLiteral("containers")].toArray();
        QCOMPARE(rc.size(), oc.size());
        for (qsizetype i = 0; i < oc.size(); ++i) {
            const QJsonObject r = rc[i].toObject();
            const QJsonObject o = oc[i].toObject();
            QCOMPARE(text(r, "name"), text(o, "name"));
            QCOMPARE(text(r, "role"), text(o, "role"));
            QCOMPARE(r[QStringLiteral("oom_kills")], o[QStringLiteral("oom_kills")]);
            QCOMPARE(r[QStringLiteral("verdict")].isNull(), o[QStringLiteral("verdict")].isNull());
            if (!o[QStringLiteral("verdict")].isNull()) {
                QCOMPARE(text(r[QStringLiteral("verdict")].toObject(), "pattern"),
                    text(o[QStringLiteral("verdict")].toObject(), "pattern"));
                QCOMPARE(r[QStringLiteral("verdict")][QStringLiteral("leak")],
                    o[QStringLiteral("verdict")][QStringLiteral("leak")]);
            }
        }

        const QJsonArray rk = real[QStringLiteral("oom")][QStringLiteral("events")].toArray();
        const QJsonArray ok = ours[QStringLiteral("oom")][QStringLiteral("events")].toArray();
        QCOMPARE(rk.size(), ok.size());
        for (qsizetype i = 0; i < ok.size(); ++i) {
            const auto rt = QDateTime::fromString(rk[i][QStringLiteral("time")].toString(), Qt::ISODate);
            const auto ot = QDateTime::fromString(ok[i][QStringLiteral("time")].toString(), Qt::ISODate);
            QVERIFY2(std::abs(rt.secsTo(ot)) <= 60,
                qPrintable(
                    QStringLiteral("OOM kill at %1 vs %2").arg(rt.toString(Qt::ISODate), ot.toString(Qt::ISODate))));
        }
    }

    // vmauth refuses a request without the token (or with another one): investigate reports the
    // cluster's evidence, says Prometheus is unreachable, exits 3 (no verdict) and names the option.
    void vmauthRefusesWithoutTheToken_data()
    {
        QTest::addColumn<QByteArray>("token");
        QTest::newRow("no token") << QByteArray();
        QTest::newRow("another token") << QByteArrayLiteral("not-the-token");
    }
    void vmauthRefusesWithoutTheToken()
    {
        QFETCH(QByteArray, token);
        QStringList prometheusArgs { QStringLiteral("--prometheus"), m_vmauthUrl.toString() };
        if (!token.isEmpty()) {
            const QString wrong = m_dir.filePath(QStringLiteral("wrong-token"));
            QCOMPARE(test::writeTestFile(wrong, token + '\n'), QString());
            prometheusArgs << QStringLiteral("--prometheus-token-file") << wrong;
        }
        const auto r = investigate(prometheusArgs,
            { QStringLiteral("--namespace"), QStringLiteral("production"), QStringLiteral("--service"),
                QStringLiteral("checkout") });
        QCOMPARE(r.exitCode, 3);
        QVERIFY2(r.err.contains("Prometheus is unreachable"), r.err.constData());
        QVERIFY2(r.err.contains("--prometheus-token-file"), r.err.constData());
        const QJsonObject findings = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(text(findings[QStringLiteral("verdict")].toObject(), "pattern"), QStringLiteral("unknown"));
    }

    void cleanupTestCase()
    {
        m_sandbox.stop();
        test::stopProcess(m_vmauth);
        test::stopProcess(m_victoria);
    }
};

QTEST_GUILESS_MAIN(TestVictoriaMetricsWitness)
#include "tst_victoriametrics_witness.moc"
