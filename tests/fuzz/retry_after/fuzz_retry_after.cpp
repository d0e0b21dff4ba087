// A Retry-After header is untrusted bytes from the network (a proxy, a throttling gateway): the
// parser must turn anything into a delay or nothing, and the policy must bound what it waits.
#include "core/common/RetryPolicy.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view value(reinterpret_cast<const char*>(data), size);
    const auto delay = leakdesk::parseRetryAfterMs(value, 1796616000000LL);
    if (delay && *delay < 0)
        std::abort();
    leakdesk::RetryPolicy policy;
    policy.totalDeadlineMs = 60000;
    const auto wait = leakdesk::nextRetryDelayMs(policy, 1, 0, delay, 0.5);
    if (wait && (*wait < 0 || *wait > policy.maxRetryAfterMs || *wait >= policy.totalDeadlineMs))
        std::abort();
    return 0;
}
