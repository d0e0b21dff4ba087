// One radar run (core/radar's LeakRadar job) to its end on the test's event loop.
// Header-only: only tests that link leakdesk_radar include it.
#pragma once

#include "core/common/Result.h"
#include "core/prometheus/PromClient.h"
#include "core/radar/LeakRadar.h"

#include <QElapsedTimer>
#include <QTest>

#include <memory>
#include <optional>

namespace leakdesk::test {

// The report, or the job's error, or a timeout after `timeoutMs`.
inline Result<std::shared_ptr<const radar::RadarReport>> runRadarToEnd(
    prometheus::PromClient& client, const radar::RadarOptions& options, int timeoutMs = 300000)
{
    radar::LeakRadar job(client);
    std::optional<Result<std::shared_ptr<const radar::RadarReport>>> got;
    QObject::connect(&job, &radar::LeakRadar::finished, [&](std::shared_ptr<const radar::RadarReport> r) { got = r; });
    QObject::connect(&job, &radar::LeakRadar::failed, [&](const Error& e) { got = e; });
    job.start(options);
    QElapsedTimer t;
    t.start();
    while (!got && t.elapsed() < timeoutMs)
        QTest::qWait(20);
    if (!got)
        return makeError(ErrorCode::Timeout, "the radar did not end within " + std::to_string(timeoutMs / 1000) + " s");
    return *got;
}

} // namespace leakdesk::test
