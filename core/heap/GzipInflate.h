#pragma once
// Inflating a gzip-compressed heap dump (`jcmd GC.heap_dump -gz=N` writes many gzip members back
// to back) into a file, with the limits that keep a bad file from filling the disk: a cap on the
// inflated size relative to the compressed one, a floor of free space in the target directory
// checked before and while writing, and strict integrity (a bad header, a bad CRC or length, a
// cut-off member, trailing bytes that are not a member, or content that is not HPROF is an Error,
// never a short or empty dump).

#include "core/common/Result.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace leakdesk::heap {

class AnalysisProgress;

struct InflateLimits {
    // Most inflated bytes per compressed byte; 0 = no cap. Real `jcmd -gz=1` dumps compress 4.5-10x
    // (the JVM dumps in resources/heapdumps: 4.6x, 5.8x, 6.3x, 10.2x, and those carry megabytes of
    // all-zero session payloads, the most compressible content a heap holds). Deflate's ceiling is
    // about 1032x, which is what a gzip bomb uses (12.5 MB -> 12 GB). 50x leaves a margin of almost
    // 5x above the most compressible real dump measured and stops a bomb at 1/20th of its size. Only
    // a heap made mostly of untouched zeroed arrays goes beyond; the error says how to allow it.
    double maxRatio = 50;
    // Below this many inflated bytes the ratio is not enforced: tiny dumps of small heaps (and
    // header-heavy test dumps) compress further without being a threat to any disk.
    std::uint64_t ratioFloorBytes = 64ull << 20;
    // Inflation stops (and the partial file is dropped) when the target's free space would fall
    // below this, so the dump never takes the last bytes a system needs.
    std::uint64_t minFreeBytes = 256ull << 20;
    // How often free space is re-read while writing.
    std::uint64_t freeSpaceCheckEveryBytes = 64ull << 20;
};

// Free bytes available to an unprivileged writer on the filesystem of `fd`; nullopt when unknown.
using FreeSpaceProbe = std::function<std::optional<std::uint64_t>(int fd)>;
std::optional<std::uint64_t> freeSpaceOf(int fd);

struct InflateJob {
    int input = -1; // positioned anywhere; read with pread from offset 0
    std::uint64_t inputSize = 0;
    int output = -1; // written from its current position
    std::string inputPath; // for messages
    std::string outputDirectory; // for messages
    InflateLimits limits;
    FreeSpaceProbe freeSpace; // default: freeSpaceOf
    // The inflated content must start with this (the HPROF magic); checked as soon as it is
    // available, so a compressed non-dump is refused before it is inflated.
    std::string_view expectedPrefix = "JAVA PROFILE ";
    const AnalysisProgress* progress = nullptr; // cancellation
};

// Inflates every member of the gzip file; returns the inflated size.
Result<std::uint64_t> inflateGzip(const InflateJob& job);

// The ISIZE trailer of the last member (its inflated size mod 2^32): a lower bound on the inflated
// size of the whole file, never an estimate of it (a multi-member dump states only its last member).
std::optional<std::uint32_t> gzipLastMemberSize(int fd, std::uint64_t fileSize);

} // namespace leakdesk::heap
