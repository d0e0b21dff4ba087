#pragma once
// Fault injection for `sandbox serve --faults latency=200ms,error-rate=0.1,drop-rate=0.05,seed=7`:
// every request waits `latency`, then a fraction is answered 500/503, a fraction 429 with
// Retry-After (throttle-rate) and a fraction has its connection closed without an answer, so a client's retries,
// timeouts and error messages meet real failures. With a seed the n-th request's fate is a pure function of (seed, n):
// a test that sends the same requests in the same order sees the same faults.
//
// `bandwidth=50MB/s` models the link a heap dump crosses on a real cluster (kubelet → API server
// → client, over the network): exec streams' stdout leaves the sandbox at no more than that rate,
// shared by all streams as one link (LinkPacer). Request/response bodies of the API are small and
// are not paced.

#include "core/common/Result.h"

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
    double bandwidthBytesPerSecond = 0; // exec stdout paced to this rate; 0: as fast as loopback goes
    // The first N list requests with a continue token are answered 410 Expired, as after an etcd
    // compaction between two pages (the client must start the list again).
    int expireContinue = 0;

    bool enabled() const
    {
        return latencyMs > 0 || errorRate > 0 || dropRate > 0 || throttleRate > 0 || streamDropAfterMs >= 0
            || bandwidthBytesPerSecond > 0 || expireContinue > 0;
    }
    // "latency=200ms,error-rate=0.1,drop-rate=0.05,throttle-rate=0.1,stream-drop-after=30s,seed=7,
    // bandwidth=50MB/s,expire-continue=2"; durations in ms, s or a bare number of ms; rates in bytes per second, see
    // parseBandwidth.
    static Result<FaultSpec> parse(const std::string& text);
    // "50MB/s", "25MiB/s", "800KB/s", "1.5GB/s" or a bare number of bytes per second ("/s" may be
    // left out); decimal (kB, MB, GB) and binary (KiB, MiB, GiB) units. Bits (Mb/s, Mbit/s) are
    // refused, not guessed. 1 KB/s to 1 TB/s.
    static Result<double> parseBandwidth(const std::string& text);
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
        // A Throttle's Retry-After as an HTTP date instead of seconds (RFC 9110 allows both;
        // clients must read both), for about half of them.
        bool retryAfterAsHttpDate = false;
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

// A link of a fixed rate shared by several senders, on one thread: before sending n bytes a sender
// asks how long to wait, sends when that is 0 and records what it sent. The link runs ahead of
// the clock by at most one send and may catch up a few milliseconds it lost to late timers, but
// idle time earns no credit: over any stretch longer than that the rate is not exceeded.
// Times are nanoseconds on any monotonic clock.
class LinkPacer {
public:
    static constexpr qint64 kCatchUpNs = 5'000'000;

    explicit LinkPacer(double bytesPerSecond);

    double bytesPerSecond() const { return m_bytesPerSecond; }
    // How long to wait at `nowNs` before more bytes may go; 0: now.
    qint64 waitNs(qint64 nowNs) const;
    // `bytes` went out at `nowNs`: the link is busy with them for bytes / rate.
    void sent(qint64 nowNs, qint64 bytes);

private:
    double m_bytesPerSecond;
    double m_freeAtNs = 0; // when the link has carried everything sent so far
};

} // namespace leakdesk::sandbox
