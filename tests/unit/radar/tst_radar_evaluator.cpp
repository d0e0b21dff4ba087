// The arithmetic the sandbox's radar evaluator shares with Prometheus, on made-up samples:
// linearRegression (deriv, predict_linear) and quantile (quantile_over_time). The whole evaluator
// is compared with a real Prometheus and VictoriaMetrics in tst_radar_witness.

#include "core/sandbox/model/RadarEvaluator.h"

#include <QTest>

#include <cmath>

using namespace leakdesk;
using sandbox::EvalPoint;
using sandbox::RadarEvaluator;

class TestRadarEvaluator : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void regressionOfALine_data()
    {
        QTest::addColumn<double>("slopePerSecond");
        QTest::addColumn<double>("start");
        QTest::addColumn<int>("points");
        QTest::newRow("growing 1 MiB/h from 1 GiB") << 1048576.0 / 3600 << 1073741824.0 << 720;
        QTest::newRow("falling") << -12.5 << 5e8 << 40;
        QTest::newRow("two points") << 3.0 << 100.0 << 2;
    }
    void regressionOfALine()
    {
        QFETCH(double, slopePerSecond);
        QFETCH(double, start);
        QFETCH(int, points);
        const std::int64_t t0 = 1'800'000'007'000;
        std::vector<EvalPoint> samples;
        for (int i = 0; i < points; ++i)
            samples.push_back({ t0 + i * 30000LL, start + slopePerSecond * 30.0 * i });
        // deriv: x from the first sample; predict_linear(..., 0) at the evaluation time.
        const auto fromFirst = RadarEvaluator::linearRegression(samples, t0);
        QVERIFY(std::abs(fromFirst.slope - slopePerSecond) <= 1e-9 * std::abs(slopePerSecond));
        QVERIFY(std::abs(fromFirst.intercept - start) <= 1e-9 * std::abs(start));
        const std::int64_t evalAt = t0 + points * 30000LL + 13000;
        const auto atEval = RadarEvaluator::linearRegression(samples, evalAt);
        const double expected = start + slopePerSecond * static_cast<double>(evalAt - t0) / 1000.0;
        QVERIFY(std::abs(atEval.intercept - expected) <= 1e-9 * std::abs(expected));
    }

    // A constant series has slope 0 and its value, without dividing by a zero variance of y.
    void constantSeries()
    {
        const std::vector<EvalPoint> samples { { 0, 7.0 }, { 30000, 7.0 }, { 60000, 7.0 } };
        const auto line = RadarEvaluator::linearRegression(samples, 60000);
        QCOMPARE(line.slope, 0.0);
        QCOMPARE(line.intercept, 7.0);
    }

    void quantileInterpolates_data()
    {
        QTest::addColumn<QList<double>>("values");
        QTest::addColumn<double>("q");
        QTest::addColumn<double>("expected");
        QTest::newRow("odd count, median") << QList<double> { 5, 1, 3 } << 0.5 << 3.0;
        QTest::newRow("even count, between the middle two") << QList<double> { 4, 1, 3, 2 } << 0.5 << 2.5;
        QTest::newRow("one value") << QList<double> { -2 } << 0.5 << -2.0;
        QTest::newRow("a quarter of the way") << QList<double> { 0, 10, 20, 30, 40 } << 0.3 << 12.0;
    }
    void quantileInterpolates()
    {
        QFETCH(QList<double>, values);
        QFETCH(double, q);
        QFETCH(double, expected);
        QCOMPARE(RadarEvaluator::quantile(q, { values.begin(), values.end() }), expected);
    }

    void noValuesIsNaN() { QVERIFY(std::isnan(RadarEvaluator::quantile(0.5, {}))); }
};

QTEST_GUILESS_MAIN(TestRadarEvaluator)
#include "tst_radar_evaluator.moc"
