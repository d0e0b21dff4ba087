// common/RetryPolicy: the back-off, Retry-After and total deadline every HTTP client shares.
// Pure functions: no timer runs here.
#include "core/common/RetryPolicy.h"

#include <QTest>

using namespace leakdesk;

namespace {
// 2026-12-07T04:00:00Z
constexpr std::int64_t kNowMs = 1796616000000LL;
}

class TestRetryPolicy : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void retryAfter_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("readable");
        QTest::addColumn<qlonglong>("delayMs");
        QTest::newRow("seconds") << "3" << true << 3000LL;
        QTest::newRow("zero") << "0" << true << 0LL;
        QTest::newRow("padded") << " 17\t" << true << 17000LL;
        QTest::newRow("huge saturates") << "99999999999999999999" << true << 999999999000LL;
        QTest::newRow("date 90 s ahead") << "Mon, 07 Dec 2026 04:01:30 GMT" << true << 90000LL;
        QTest::newRow("date in the past") << "Sun, 06 Nov 1994 08:49:37 GMT" << true << 0LL;
        QTest::newRow("date across a year") << "Fri, 01 Jan 2027 00:00:00 GMT" << true
                                            << (1798761600000LL - kNowMs);
        QTest::newRow("empty") << "" << false << 0LL;
        QTest::newRow("negative") << "-5" << false << 0LL;
        QTest::newRow("fraction") << "1.5" << false << 0LL;
        QTest::newRow("not GMT") << "Mon, 07 Dec 2026 04:01:30 UTC" << false << 0LL;
        QTest::newRow("bad month") << "Mon, 07 Foo 2026 04:01:30 GMT" << false << 0LL;
        QTest::newRow("bad hour") << "Mon, 07 Dec 2026 25:01:30 GMT" << false << 0LL;
        QTest::newRow("rfc850 form") << "Monday, 07-Dec-26 04:01:30 GMT" << false << 0LL;
        QTest::newRow("words") << "soon" << false << 0LL;
    }
    void retryAfter()
    {
        QFETCH(QString, value);
        QFETCH(bool, readable);
        QFETCH(qlonglong, delayMs);
        const auto parsed = parseRetryAfterMs(value.toStdString(), kNowMs);
        QCOMPARE(parsed.has_value(), readable);
        if (readable)
            QCOMPARE(*parsed, delayMs);
    }

    void backoffGrowsAndStaysWithinBounds_data()
    {
        QTest::addColumn<double>("random");
        QTest::newRow("lowest") << 0.0;
        QTest::newRow("middle") << 0.5;
        QTest::newRow("highest") << 0.999999;
    }
    void backoffGrowsAndStaysWithinBounds()
    {
        QFETCH(double, random);
        RetryPolicy p;
        p.baseDelayMs = 100;
        p.maxDelayMs = 1600;
        std::int64_t previousCeiling = 0;
        for (int retry = 0; retry < 40; ++retry) {
            const std::int64_t ceiling = std::min<std::int64_t>(1600, 100LL << std::min(retry, 20));
            const std::int64_t d = backoffDelayMs(p, retry, random);
            // Equal jitter: at least half the exponential step, never more than it.
            QVERIFY2(d >= ceiling / 2 && d <= ceiling, qPrintable(QStringLiteral("retry %1: %2 ms").arg(retry).arg(d)));
            QVERIFY(ceiling >= previousCeiling);
            previousCeiling = ceiling;
        }
    }

    void jitterSpreadsClientsThatFailedTogether()
    {
        RetryPolicy p;
        QVERIFY(backoffDelayMs(p, 2, 0.0) < backoffDelayMs(p, 2, 0.9));
    }

    void attemptsAreBounded()
    {
        RetryPolicy p;
        p.maxAttempts = 3;
        QVERIFY(nextRetryDelayMs(p, 1, 0, std::nullopt, 0.5).has_value());
        QVERIFY(nextRetryDelayMs(p, 2, 0, std::nullopt, 0.5).has_value());
        QVERIFY(!nextRetryDelayMs(p, 3, 0, std::nullopt, 0.5).has_value());
        QVERIFY(!nextRetryDelayMs(p, 0, 0, std::nullopt, 0.5).has_value());
    }

    void retryAfterReplacesBackoffAndIsCapped_data()
    {
        QTest::addColumn<qlonglong>("retryAfterMs");
        QTest::addColumn<qlonglong>("expectedMs");
        QTest::newRow("short") << 1000LL << 1000LL;
        QTest::newRow("zero") << 0LL << 0LL;
        QTest::newRow("capped") << 3600'000LL << 30'000LL;
    }
    void retryAfterReplacesBackoffAndIsCapped()
    {
        QFETCH(qlonglong, retryAfterMs);
        QFETCH(qlonglong, expectedMs);
        RetryPolicy p;
        p.maxRetryAfterMs = 30'000;
        const auto d = nextRetryDelayMs(p, 1, 0, retryAfterMs, 0.5);
        QVERIFY(d.has_value());
        QCOMPARE(*d, expectedMs);
    }

    void totalDeadlineEndsRetries_data()
    {
        QTest::addColumn<qlonglong>("elapsedMs");
        QTest::addColumn<qlonglong>("retryAfterMs"); // -1: none
        QTest::addColumn<bool>("retries");
        QTest::newRow("early") << 1000LL << -1LL << true;
        QTest::newRow("wait would cross the deadline") << 9'950LL << -1LL << false;
        QTest::newRow("past the deadline") << 12'000LL << -1LL << false;
        QTest::newRow("retry-after longer than what is left") << 5'000LL << 8'000LL << false;
        QTest::newRow("retry-after fits") << 5'000LL << 2'000LL << true;
    }
    void totalDeadlineEndsRetries()
    {
        QFETCH(qlonglong, elapsedMs);
        QFETCH(qlonglong, retryAfterMs);
        QFETCH(bool, retries);
        RetryPolicy p;
        p.maxAttempts = 100;
        p.baseDelayMs = 200;
        p.totalDeadlineMs = 10'000;
        const auto d = nextRetryDelayMs(
            p, 2, elapsedMs, retryAfterMs < 0 ? std::nullopt : std::optional<std::int64_t>(retryAfterMs), 0.5);
        QCOMPARE(d.has_value(), retries);
        if (d)
            QVERIFY(elapsedMs + *d < p.totalDeadlineMs);
    }

    // Whatever the failures, a policy with a deadline gives up before it: the sum of the waits of
    // a run of retries stays under the budget.
    void waitsNeverAddUpPastTheDeadline()
    {
        RetryPolicy p;
        p.maxAttempts = 1000;
        p.baseDelayMs = 50;
        p.maxDelayMs = 2000;
        p.totalDeadlineMs = 15'000;
        for (double r : { 0.0, 0.3, 0.99 }) {
            std::int64_t elapsed = 0;
            int attempts = 1;
            while (auto d = nextRetryDelayMs(p, attempts, elapsed, std::nullopt, r)) {
                elapsed += *d + 10; // the try itself takes a little
                ++attempts;
                QVERIFY(attempts < 1000);
            }
            QVERIFY(elapsed < p.totalDeadlineMs + 10);
            QVERIFY(attempts > 3);
        }
    }
};

QTEST_APPLESS_MAIN(TestRetryPolicy)
#include "tst_retry_policy.moc"
