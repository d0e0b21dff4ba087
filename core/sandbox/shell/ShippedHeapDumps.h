#pragma once
// Heap dumps made by a real JVM (OpenJDK 17 running tests/support/java/LeakyService.java, see
// resources/heapdumps/make-dumps.sh), compiled into this library: two per leaking service, early
// and late in the leak. The sandbox serves generated dumps that grow with the leak
// (SyntheticHeapDump.h); these are the reference of what HotSpot writes, `-gz=1` included, that the
// generated ones and HeapDumpCompression are checked against.

#include <QByteArray>

#include <memory>
#include <string>

namespace leakdesk::sandbox {

// The dump for `service` ("checkout", "payments"), gzip-compressed as `jcmd GC.heap_dump -gz=1`
// wrote it or inflated; null when none is shipped for the service. Loaded once and shared.
std::shared_ptr<const QByteArray> shippedHeapDump(const std::string& service, bool late, bool gzip);

} // namespace leakdesk::sandbox
