#pragma once
// Heap dumps for the sandbox's JVM containers when no dump made by a real JVM is available: a
// valid HPROF 1.0.2 file (8-byte ids) generated deterministically from a seed, shaped like the
// checkout leak (a static cache holding an Object[] of CartSnapshot entries, each with a byte[]
// payload) plus short-lived garbage when `liveOnly` is false. Payloads are JSON-like text, so the
// file compresses the way real dumps do (`jcmd GC.heap_dump -gz=1`, HeapDumpCompression).

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>
#include <functional>
#include <string>

namespace leakdesk::sandbox {

struct HeapDumpShape {
    std::uint64_t seed = 0;
    std::int64_t timestampMs = 0;
    std::int64_t targetBytes = 8 * 1024 * 1024; // approximate size of the file
    bool liveOnly = true;
    std::string leakingClass = "com.shop.checkout.cart.CartSnapshot";
    std::string cacheClass = "com.shop.checkout.cart.CartSnapshotCache";
};

// The dump, whole. With a `sink`, its bytes are also handed over in order as they become final (at
// the end of each heap-dump segment, every few MiB, since a segment's length is written last), so
// they can be compressed while the rest is written, as a JVM's dump is.
QByteArray syntheticHeapDump(const HeapDumpShape& shape, const std::function<void(QByteArrayView)>& sink = {});

} // namespace leakdesk::sandbox
