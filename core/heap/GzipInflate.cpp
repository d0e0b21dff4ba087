#include "core/heap/GzipInflate.h"

#include "core/heap/AnalysisProgress.h"
#include "core/heap/HprofFile.h"

#include "core/common/RegularFile.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/statvfs.h>
#include <unistd.h>
#include <vector>

namespace leakdesk::heap {

std::optional<std::uint64_t> freeSpaceOf(int fd)
{
    struct statvfs vfs { };
    if (::fstatvfs(fd, &vfs) != 0)
        return std::nullopt;
    return std::uint64_t(vfs.f_bavail) * std::uint64_t(vfs.f_frsize);
}

std::optional<std::uint32_t> gzipLastMemberSize(int fd, std::uint64_t fileSize)
{
    // The smallest gzip member is 10 header + 2 deflate + 8 trailer bytes.
    if (fileSize < 20)
        return std::nullopt;
    unsigned char trailer[4];
    if (::pread(fd, trailer, 4, off_t(fileSize - 4)) != 4)
        return std::nullopt;
    return std::uint32_t(trailer[0]) | std::uint32_t(trailer[1]) << 8 | std::uint32_t(trailer[2]) << 16
        | std::uint32_t(trailer[3]) << 24;
}

namespace {

bool writeAll(int fd, const unsigned char* p, std::size_t n)
{
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= std::size_t(w);
    }
    return true;
}

struct ZStream {
    z_stream zs {};
    bool ready = false;
    ~ZStream()
    {
        if (ready)
            inflateEnd(&zs);
    }
};

// Printable preview of what a compressed non-dump starts with.
std::string preview(const std::string& bytes)
{
    std::string out;
    for (char c : bytes.substr(0, 16))
        out += (c >= 0x20 && c < 0x7f) ? c : '.';
    return out;
}

class Inflater {
public:
    explicit Inflater(const InflateJob& job)
        : m_job(job)
        , m_freeSpace(job.freeSpace ? job.freeSpace : FreeSpaceProbe(freeSpaceOf))
    { }

    Result<std::uint64_t> run()
    {
        ZStream z;
        // 16 + 15: gzip only (a raw zlib stream is not what a JVM writes), largest window.
        if (inflateInit2(&z.zs, 16 + 15) != Z_OK)
            return makeError(ErrorCode::Unknown, "cannot initialise zlib to read " + m_job.inputPath);
        z.ready = true;
        if (auto s = checkFreeSpace(); !s)
            return s.error();
        std::vector<unsigned char> inBuf(1 << 20), outBuf(4 << 20);
        bool inMember = true; // the caller saw the gzip magic at offset 0
        for (;;) {
            const ssize_t n = ::pread(m_job.input, inBuf.data(), inBuf.size(), off_t(m_consumed));
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return makeError(ErrorCode::Io, "cannot read " + m_job.inputPath + ": " + std::strerror(errno));
            }
            if (n == 0)
                break;
            z.zs.next_in = inBuf.data();
            z.zs.avail_in = unsigned(n);
            while (z.zs.avail_in > 0) {
                if (!inMember) {
                    // Between members: another member, or zero padding to the end (gzip(1) accepts
                    // it; tapes and some copy tools pad), or trailing garbage.
                    if (z.zs.next_in[0] == 0) {
                        if (auto s = restIsZeros(); !s)
                            return s.error();
                        return finish();
                    }
                    if (z.zs.next_in[0] != 0x1f)
                        return trailingGarbage(m_consumed);
                    inflateReset(&z.zs);
                    inMember = true;
                }
                z.zs.next_out = outBuf.data();
                z.zs.avail_out = unsigned(outBuf.size());
                const unsigned inBefore = z.zs.avail_in;
                const int rc = inflate(&z.zs, Z_NO_FLUSH);
                const std::size_t used = inBefore - z.zs.avail_in;
                m_consumed += used;
                const std::size_t produced = outBuf.size() - z.zs.avail_out;
                if (produced) {
                    if (auto s = accept(outBuf.data(), produced); !s)
                        return s.error();
                }
                if (rc == Z_STREAM_END) {
                    inMember = false;
                    ++m_members;
                } else if (rc == Z_BUF_ERROR && used == 0 && produced == 0 && z.zs.avail_in > 0) {
                    return corrupt("zlib made no progress");
                } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
                    return corrupt(z.zs.msg ? z.zs.msg : "zlib error " + std::to_string(rc));
                }
                if (m_job.progress && m_job.progress->cancelled())
                    return makeError(ErrorCode::Cancelled, "inflating " + m_job.inputPath + " was cancelled");
            }
        }
        if (inMember)
            return makeError(ErrorCode::Truncated,
                "the gzip file " + m_job.inputPath + " ends early: member " + std::to_string(m_members + 1)
                    + " is cut off at compressed offset " + hexOffset(m_consumed) + " after " + byteSizeText(m_produced)
                    + " inflated",
                "the file is incomplete (a copy that stopped?); copy or capture it again. To look at what is "
                "there, inflate it by hand (gzip -dc FILE > FILE.hprof; the error is expected) and open that: "
                "a cut-off plain dump is analysed up to the cut");
        return finish();
    }

private:
    Result<std::uint64_t> finish()
    {
        if (m_produced < m_job.expectedPrefix.size())
            return notAHeapDump();
        return m_produced;
    }

    Error notAHeapDump() const
    {
        return makeError(ErrorCode::Parse,
            m_job.inputPath + " is gzip-compressed but holds no HPROF heap dump (it starts with \"" + preview(m_prefix)
                + "\", not \"JAVA PROFILE\")",
            "pass a dump written by jcmd GC.heap_dump, jmap -dump or -XX:+HeapDumpOnOutOfMemoryError");
    }

    Error corrupt(const std::string& why) const
    {
        return makeError(ErrorCode::Parse,
            "the gzip data of " + m_job.inputPath + " is corrupt in member " + std::to_string(m_members + 1)
                + " near compressed offset " + hexOffset(m_consumed) + " (" + why + ")",
            "the file was damaged on disk or in transfer; copy it again (compare its SHA-256 with the one the "
            "capture printed) or take a new dump");
    }

    Status accept(const unsigned char* data, std::size_t n)
    {
        if (m_prefix.size() < m_job.expectedPrefix.size()) {
            const std::size_t take = std::min(n, m_job.expectedPrefix.size() - m_prefix.size());
            m_prefix.append(reinterpret_cast<const char*>(data), take);
            if (m_job.expectedPrefix.compare(0, m_prefix.size(), m_prefix) != 0) {
                m_prefix.append(reinterpret_cast<const char*>(data) + take, std::min<std::size_t>(n - take, 16));
                return notAHeapDump();
            }
        }
        m_produced += n;
        const InflateLimits& lim = m_job.limits;
        if (lim.maxRatio > 0) {
            const double allowed = std::max(double(lim.ratioFloorBytes), lim.maxRatio * double(m_job.inputSize));
            if (double(m_produced) > allowed)
                return makeError(ErrorCode::LimitExceeded,
                    m_job.inputPath + " inflates to more than " + byteSizeText(std::uint64_t(allowed)) + " ("
                        + formatRatio(lim.maxRatio) + " its compressed " + byteSizeText(m_job.inputSize)
                        + "), the signature of a gzip bomb; inflation stopped there",
                    "real heap dumps compress about 5-10x; if this one is really made of zeroed arrays, allow "
                    "more with leakdesk-cli heap --max-inflate-ratio N (0: no cap), or answer Yes when the Heap "
                    "view asks");
        }
        if (!writeAll(m_job.output, data, n))
            return makeError(ErrorCode::Io,
                "cannot write the inflated dump to " + m_job.outputDirectory + ": " + std::strerror(errno),
                "free space there or set TMPDIR to a directory with room for the uncompressed dump");
        if (m_produced >= m_nextSpaceCheck)
            return checkFreeSpace();
        return Ok {};
    }

    Status checkFreeSpace()
    {
        m_nextSpaceCheck = m_produced + std::max<std::uint64_t>(1, m_job.limits.freeSpaceCheckEveryBytes);
        const auto free = m_freeSpace(m_job.output);
        if (!free || *free >= m_job.limits.minFreeBytes)
            return Ok {};
        return makeError(ErrorCode::Io,
            "stopped inflating " + m_job.inputPath + " after " + byteSizeText(m_produced) + ": only "
                + byteSizeText(*free) + " free in " + m_job.outputDirectory + ", below the "
                + byteSizeText(m_job.limits.minFreeBytes) + " LeakDesk leaves free",
            "the partial copy was deleted; set TMPDIR to a directory with room for the uncompressed dump");
    }

    Error trailingGarbage(std::uint64_t offset) const
    {
        return makeError(ErrorCode::Parse,
            m_job.inputPath + " has bytes after its last gzip member (member " + std::to_string(m_members)
                + ") that are not another member, at offset " + hexOffset(offset),
            "the file is damaged or two files were joined; copy or capture it again");
    }

    Status restIsZeros()
    {
        std::vector<unsigned char> buf(1 << 16);
        for (std::uint64_t at = m_consumed;;) {
            const ssize_t n = ::pread(m_job.input, buf.data(), buf.size(), off_t(at));
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return makeError(ErrorCode::Io, "cannot read " + m_job.inputPath + ": " + std::strerror(errno));
            }
            if (n == 0)
                return Ok {};
            const auto nonZero = std::find_if(buf.begin(), buf.begin() + n, [](unsigned char c) { return c != 0; });
            if (nonZero != buf.begin() + n)
                return trailingGarbage(at + std::uint64_t(nonZero - buf.begin()));
            at += std::uint64_t(n);
        }
    }

    static std::string formatRatio(double r)
    {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%gx", r);
        return buf;
    }

    const InflateJob& m_job;
    FreeSpaceProbe m_freeSpace;
    std::uint64_t m_consumed = 0;
    std::uint64_t m_produced = 0;
    std::uint64_t m_members = 0;
    std::uint64_t m_nextSpaceCheck = 0;
    std::string m_prefix;
};

} // namespace

Result<std::uint64_t> inflateGzip(const InflateJob& job)
{
    return Inflater(job).run();
}

} // namespace leakdesk::heap
