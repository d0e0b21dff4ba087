#pragma once
// Readers for what the tools in a container print during a heap-dump capture: `jcmd -l`, `jps -l`,
// /proc/<pid>/cmdline, `df -B1 -T`, /proc/mounts, `jcmd VM.version`, `jcmd GC.heap_info`, the
// HotSpot heap-dump messages and `sha256sum`. Pure functions, so the formats are tested on the
// real tools' output without a cluster.

#include "core/common/Result.h"

#include <QByteArray>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::capture {

struct JvmProcess {
    int pid = 0;
    std::string description; // main class or jar and its arguments
};

// `jcmd -l` and `jps -l`: "<pid> <main>" per line; the listing tool itself is left out.
std::vector<JvmProcess> parseJvmList(const std::string& text);
// A process whose argv[0] is a `java` binary, from its NUL-separated /proc/<pid>/cmdline.
std::optional<JvmProcess> jvmFromCmdline(int pid, const QByteArray& cmdline);

struct DiskSpace {
    std::string device;
    std::string type; // empty when df did not print types
    std::string mountPoint;
    std::int64_t sizeBytes = 0;
    std::int64_t usedBytes = 0;
    std::int64_t availableBytes = 0;
    bool memoryBacked() const { return type == "tmpfs" || type == "ramfs"; }
};
// `df -B1 -T DIR...` (GNU coreutils): one entry per line after the header, in argument order.
Result<std::vector<DiskSpace>> parseDf(const std::string& text);
// The file-system type of the mount holding `dir` from /proc/mounts (the longest matching mount point).
std::optional<std::string> mountTypeOf(const std::string& procMounts, const std::string& dir);

// "JDK 17.0.13" in `jcmd <pid> VM.version` -> 17 (0 when unknown).
int parseJdkMajor(const std::string& vmVersion);
// "used 123456K" of the heap line of `jcmd <pid> GC.heap_info` (G1, Parallel, Serial, ZGC, Shenandoah).
std::optional<std::int64_t> parseHeapUsedBytes(const std::string& heapInfo);

// What `jcmd GC.heap_dump` / `jmap -dump` printed: HotSpot reports failures on stdout and jcmd
// still exits 0, so the text decides.
struct DumpOutcome {
    bool ok = false;
    std::int64_t bytes = 0;
    std::string message; // the tool's own line for a failure
};
DumpOutcome parseDumpOutput(const std::string& text);

// The 64-hex-digit digest at the start of `sha256sum FILE`.
std::optional<std::string> parseSha256(const std::string& text);

} // namespace leakdesk::capture
