#pragma once
// Fault injection for `sandbox serve --faults latency=200ms,error-rate=0.1,drop-rate=0.05,seed=7`:
// every request waits `latency`, then a fraction is answered 500/503, a fraction 429 with
// Retry-After (throttle-rate) and a fraction has its connection closed without an answer, so a client's retries,
// timeouts and error messages meet real failures. With a seed the n-th request's fate is a pure function of (seed, n):
// a test that sends the same requests in the same order sees the same faults.

#include "common/Result.h"

#include <QtGlobal>

#include <atomic>
#include <optional>
#include <string>

namespace leakdesk::sandbox {

struct FaultSpec {
    int latencyMs = 0;
    double errorRate = 0; // fraction of requests answered 500 or 503
    double dropRate = 0; // fraction whose connection is closed without an answer
    double throttleRate = 0; // fraction answered 429 Too Many Requests with Retry-After: 1
    int streamDropAfterMs = -1; // streamed answers (watch) lose their connection after this long
    std::optional<quint64> seed; // none: a fresh random seed per run

    bool enabled() const
    {
        return latencyMs > 0 || errorRate > 0 || dropRate > 0 || throttleRate > 0 || streamDropAfterMs >= 0;
    }
    // "latency=200ms,error-rate=0.1,drop-rate=0.05,throttle-rate=0.1,stream-drop-after=30s,seed=7";
    // durations in ms, s or a bare number of ms.
    static Result<FaultSpec> parse(const std::string& text);
    std::string toString() const;
};

struct FaultCounts {
    qint64 requests = 0;
    qint64 errors = 0;
    qint64 drops = 0;
    qint64 throttled = 0;
};

class FaultInjector {
public:
    enum class Action { Answer, Error500, Error503, Drop, Throttle };
    struct Decision {
        int delayMs = 0;
        Action action = Action::Answer;
        int dropStreamAfterMs = -1;
    };

    explicit FaultInjector(const FaultSpec& spec);

    const FaultSpec& spec() const { return m_spec; }
    Decision next(); // the fate of the next request; any thread
    FaultCounts counts() const; // any thread

private:
    FaultSpec m_spec;
    quint64 m_seed = 0;
    std::atomic<quint64> m_sequence { 0 };
    std::atomic<qint64> m_errors { 0 };
    std::atomic<qint64> m_drops { 0 };
    std::atomic<qint64> m_throttled { 0 };
};

} // namespace leakdesk::sandbox
