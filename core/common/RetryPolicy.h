#pragma once
// One retry policy for every client that talks HTTP to a cluster (KubeClient, PromClient): which
// attempt waits how long, and when to give up. Pure functions, so the policy is tested without
// timers; the clients only supply the clock and the random number.

#include <cstdint>
#include <optional>
#include <string_view>

namespace leakdesk {

struct RetryPolicy {
    int maxAttempts = 4; // the first try included
    std::int64_t baseDelayMs = 200; // before the first retry; doubles with each retry
    std::int64_t maxDelayMs = 5000; // no single back-off waits longer
    std::int64_t maxRetryAfterMs = 30000; // a server's Retry-After is honoured up to this
    // Budget of one logical request from its first try to its last answer, retries and waits
    // included; 0: none (attempts alone bound it).
    std::int64_t totalDeadlineMs = 0;
};

// The back-off before retry number `retryIndex` (0 for the first retry): exponential, capped at
// maxDelayMs, with "equal jitter" (half fixed, half random) so that clients that failed together
// do not come back together. `random01` is a number in [0, 1).
std::int64_t backoffDelayMs(const RetryPolicy& policy, int retryIndex, double random01);

// A Retry-After header value as a delay from `nowMs` (epoch ms): delta-seconds ("120") or an
// HTTP-date in the IMF-fixdate form RFC 9110 makes senders use ("Sun, 06 Nov 1994 08:49:37 GMT").
// A date in the past is 0. Nothing for an empty or unreadable value (the caller then uses its own
// back-off). Not capped here.
std::optional<std::int64_t> parseRetryAfterMs(std::string_view value, std::int64_t nowMs);

// Whether and how long to wait before the next try, after `attemptsMade` tries have failed with a
// retryable answer and `elapsedMs` have passed since the first. Nothing: give up now (attempts
// used up, or the wait would end past the total deadline). A server's Retry-After (already
// parsed) replaces the back-off, capped at maxRetryAfterMs.
std::optional<std::int64_t> nextRetryDelayMs(const RetryPolicy& policy, int attemptsMade, std::int64_t elapsedMs,
    std::optional<std::int64_t> retryAfterMs, double random01);

} // namespace leakdesk
