// libFuzzer entry point for compressed dumps: the gzip member walker with its limits (ratio cap,
// free-space floor, strict integrity, HPROF prefix check), then the reader and the histogram on
// what it inflated. Whatever the bytes: an Error or a dump, never a crash, a hang or a disk filled.
#include "core/heap/AnalysisProgress.h"
#include "core/heap/ClassHistogram.h"
#include "core/heap/HprofFile.h"

#include <cstdint>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

using namespace leakdesk::heap;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    // The input as a regular file without touching the disk; opened by path like a user's dump.
    const int fd = ::memfd_create("fuzz.hprof.gz", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    // Always starts as gzip so every input exercises the inflater.
    static const std::uint8_t magic[2] = { 0x1f, 0x8b };
    const bool hasMagic = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    if ((!hasMagic && ::write(fd, magic, 2) != 2) || (size && ::write(fd, data, size) != ssize_t(size))) {
        ::close(fd);
        return 0;
    }
    OpenOptions options;
    options.inflate.maxRatio = 50;
    options.inflate.ratioFloorBytes = 4 << 20; // keeps every run small and fast
    options.inflate.freeSpaceCheckEveryBytes = 1 << 20;
    std::uint64_t probes = 0;
    // Alternates plenty and too little free space so both branches are reached.
    options.freeSpace = [&probes](int) -> std::optional<std::uint64_t> {
        return (++probes % 7 == 0) ? std::uint64_t(1) : std::uint64_t(1) << 40;
    };
    options.inflate.minFreeBytes = 2;
    auto file = HprofFile::open("/proc/self/fd/" + std::to_string(fd), options);
    ::close(fd);
    if (!file)
        return 0;
    AnalysisProgress progress;
    progress.threads = 1;
    (void)computeClassHistogram(*file, &progress);
    return 0;
}
