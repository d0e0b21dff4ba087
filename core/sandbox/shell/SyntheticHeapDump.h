#pragma once
// The heap dumps the sandbox's JVM containers hand out (`jcmd <pid> GC.heap_dump`, `jmap -dump`):
// a valid HPROF 1.0.2 file (8-byte ids), generated on demand for the moment of the capture, shaped
// like the heap of tests/support/java/LeakyService.java as a real JVM dumps it:
//   - the leak: static SessionCache.ENTRIES, a java.util.HashMap of String keys to
//     LeakyService$Session values (user String, payload byte[], counters int[]); one cached
//     session per kLeakedBytesPerSession the service's leak holds at that moment, so a later
//     capture of a leaking pod finds more of them and a heap diff shows the cache growing;
//   - what does not grow: 2000 RequestScopedListener in EventBus.INSTANCE.listeners (an
//     ArrayList), 8 BackendConnection in the static OPEN list, 1500 products held by the
//     request threads' stack frames;
//   - with `liveOnly` false (`-all`), unreachable order requests a live dump would have collected.
// Deterministic: the same shape gives the same bytes (two captures at one moment are one heap).
// Payloads and product descriptions are JSON-like text, so the file compresses the way real dumps
// do (`jcmd GC.heap_dump -gz=1`, HeapDumpCompression): to a third or less.

#include <QByteArray>
#include <QByteArrayView>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

namespace leakdesk::sandbox {

// The sandbox's heaps are hundreds of MiB; its dumps stay a few MiB (at most about 9 MB): one
// session of 1 KiB payload stands for this much of the simulated leak.
inline constexpr std::int64_t kLeakedBytesPerSession = 400 * 1024;
inline constexpr std::size_t kMaxSessions = 4000;

struct HeapDumpShape {
    std::uint64_t seed = 0; // of the pod: another pod's dump of the same moment differs
    std::int64_t timestampMs = 0;
    std::int64_t leakedBytes = 0; // what the service's leak holds at timestampMs (SandboxModel::leakedBytes)
    // A forced size of the file (a benchmark's hundreds of MB): sessions fill it, whatever the leak.
    std::optional<std::int64_t> targetBytes;
    bool liveOnly = true;
};

// How many LeakyService$Session the dump of `shape` holds.
std::size_t sessionsInDump(const HeapDumpShape& shape);

// The dump, whole. With a `sink`, its bytes are also handed over in order as they become final (at
// the end of each heap-dump segment, every few MiB, since a segment's length is written last), so
// they can be compressed while the rest is written, as a JVM's dump is.
QByteArray syntheticHeapDump(const HeapDumpShape& shape, const std::function<void(QByteArrayView)>& sink = {});

} // namespace leakdesk::sandbox
