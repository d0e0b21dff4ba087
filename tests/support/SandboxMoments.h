// Moments of the sandbox's history that a test can pin its clock to.
//
// The sandbox's pods leak and get OOM-killed on a schedule laid out from the start of the day, so
// at the wall clock's "now" a pod may be in its restart back-off: not ready, out of its Service's
// ready addresses. A test that counts ready pods or endpoints must not depend on the time of day it
// runs at: it pins the clock to a moment where the service's pods all run steadily.
// Header-only: only tests that already link the sandbox include it.
#pragma once

#include "core/sandbox/SandboxHost.h"
#include "core/sandbox/model/SandboxModel.h"

#include <QDateTime>
#include <QtGlobal>

#include <cstdint>
#include <optional>
#include <string>

namespace leakdesk::test {

// The wall clock, or LEAKDESK_TEST_NOW_MS when set: a failure that depends on the time of day the
// suite ran at is replayed by setting it to that moment (tests print the sandbox time they pinned).
inline std::int64_t testNowMs()
{
    bool ok = false;
    const qint64 pinned = qEnvironmentVariable("LEAKDESK_TEST_NOW_MS").toLongLong(&ok);
    return ok ? pinned : QDateTime::currentMSecsSinceEpoch();
}

// Whether `pod`'s container runs at `tMs` and keeps running, in the same run, for `spanMs`. A pod
// that merely has a run may be in its restart back-off after an OOM kill at that moment.
inline bool runsSteadily(const sandbox::SandboxModel& model, std::size_t pod, std::int64_t tMs, std::int64_t spanMs)
{
    const auto run = model.runIndexAt(pod, tMs);
    return run && model.containerRunningAt(pod, tMs) && model.containerRunningAt(pod, tMs + spanMs)
        && model.runIndexAt(pod, tMs + spanMs) == run;
}

// The first whole minute at or after `fromMs` at which every pod of `service` that exists keeps
// its container running, in the same run, for the next `spanMs`; nullopt when none within a day.
inline std::optional<std::int64_t> steadyMoment(
    std::uint64_t seed, const std::string& service, std::int64_t fromMs, std::int64_t spanMs)
{
    constexpr std::int64_t kMinuteMs = 60 * 1000;
    const std::int64_t start = (fromMs / kMinuteMs + 1) * kMinuteMs;
    for (std::int64_t t = start; t < start + 24 * 60 * kMinuteMs; t += kMinuteMs) {
        const sandbox::SandboxModel model(seed, t);
        bool steady = true;
        int pods = 0;
        for (std::size_t p = 0; p < model.pods().size() && steady; ++p) {
            if (model.services()[model.pods()[p].service].name != service || !model.podExistsAt(p, t))
                continue;
            ++pods;
            steady = runsSteadily(model, p, t, spanMs);
        }
        if (steady && pods > 0)
            return t;
    }
    return std::nullopt;
}

// Starts `host` with `options` and its clock pinned to the first moment from testNowMs() at which
// `service` runs steadily for `spanMs` (printed, so that LEAKDESK_TEST_NOW_MS replays it). The
// moment, or nullopt (with a warning saying why) when there is none or the host does not start.
inline std::optional<std::int64_t> startAtSteadyMoment(sandbox::SandboxHost& host, const std::string& service,
    std::int64_t spanMs, sandbox::SandboxOptions options = {})
{
    const auto moment = steadyMoment(options.seed, service, testNowMs(), spanMs);
    if (!moment) {
        qWarning("no moment within a day at which %s runs steadily", service.c_str());
        return std::nullopt;
    }
    qInfo("sandbox clock pinned to %lld", static_cast<long long>(*moment));
    options.fixedNowMs = *moment;
    if (const auto started = host.start(options); !started) {
        qWarning("the sandbox did not start: %s", started.error().toString().c_str());
        return std::nullopt;
    }
    return moment;
}

} // namespace leakdesk::test
