#pragma once
// The one clock of a running sandbox: every server (Kubernetes API, Prometheus API, exec, the
// scenario's controllers) asks it for "now", so the served history, the samples, the events, the
// pods' ages and timestamps, the OOM kills and the rollouts all follow the same simulated time.
//
// Simulated time starts at the start moment (SandboxOptions::fixedNowMs, else the wall clock when
// the sandbox starts) and runs `speed` times as fast as the wall clock from then on; advance()
// moves it forward at once (tests). Without a speed a pinned start stays put (tests that must not
// depend on when they run); with one it runs from the pinned moment. So at --clock-speed 60 an
// hour of simulated time passes in a wall minute, and the sandbox's "now" runs ahead of the wall
// clock: a client must ask the sandbox for its time (Prometheus `time()`, the API server's
// timestamps), as a real Prometheus has no samples after its own now either.

#include <QDateTime>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <optional>

namespace leakdesk::sandbox {

class SandboxClock {
public:
    // The fastest pace accepted: an hour a second. Faster, a scrape interval would pass between
    // two requests of one client and nothing it reads would agree.
    static constexpr double kMaxSpeed = 3600.0;

    // `speed`: nullopt = the wall clock's pace, or frozen when `pinnedStartMs` is given.
    SandboxClock(std::optional<std::int64_t> pinnedStartMs, std::optional<double> speed,
        std::int64_t wallStartMs = QDateTime::currentMSecsSinceEpoch())
        : m_wallStartMs(wallStartMs)
        , m_startMs(pinnedStartMs.value_or(wallStartMs))
        , m_speed(speed ? *speed : (pinnedStartMs ? 0.0 : 1.0))
    { }

    // Simulated now at the wall time `wallMs`.
    std::int64_t nowAt(std::int64_t wallMs) const
    {
        const double elapsed = static_cast<double>(wallMs - m_wallStartMs) * m_speed;
        return m_startMs + static_cast<std::int64_t>(std::llround(elapsed)) + m_offsetMs.load();
    }
    std::int64_t now() const { return nowAt(QDateTime::currentMSecsSinceEpoch()); }
    void advance(std::int64_t ms) { m_offsetMs += ms; }
    std::int64_t advancedMs() const { return m_offsetMs.load(); }
    double speed() const { return m_speed; }

private:
    std::int64_t m_wallStartMs;
    std::int64_t m_startMs;
    double m_speed;
    std::atomic<std::int64_t> m_offsetMs { 0 };
};

} // namespace leakdesk::sandbox
