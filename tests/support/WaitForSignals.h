#pragma once
// Waits until a QSignalSpy has recorded `count` signals in all, counting those that came before the
// call. QSignalSpy::wait() waits for a NEW signal: when the signal already fired while the test
// was spinning the event loop for something else (a second job finishing in the same turn as the
// first), wait() sits out its whole timeout and then fails, or, written as
// `spy.wait(t) || !spy.isEmpty()`, passes t seconds late.

#include <QSignalSpy>
#include <QTest>

namespace leakdesk::test {

inline bool waitForSignals(const QSignalSpy& spy, int count, int timeoutMs)
{
    return QTest::qWaitFor([&] { return spy.count() >= count; }, timeoutMs);
}

} // namespace leakdesk::test
