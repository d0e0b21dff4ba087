#pragma once
// Waits, spinning the event loop, for the one callback of an asynchronous call (KubeClient,
// Mitigation, ...): `start` receives the callback to pass on. A call that never answers within
// `timeoutMs` gives a Timeout error instead of hanging the test.

#include "core/common/Result.h"

#include <QTest>

#include <optional>
#include <string>

namespace leakdesk::test {

template<class T, class Start> Result<T> waitForResult(Start&& start, int timeoutMs = 30000)
{
    std::optional<Result<T>> got;
    start([&](Result<T> r) { got = std::move(r); });
    (void)QTest::qWaitFor([&] { return got.has_value(); }, timeoutMs);
    if (!got)
        return makeError(ErrorCode::Timeout, "test timed out: no answer within " + std::to_string(timeoutMs) + " ms");
    return std::move(*got);
}

} // namespace leakdesk::test
