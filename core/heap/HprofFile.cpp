#include "core/heap/HprofFile.h"

#include "core/heap/GzipInflate.h"
#include "core/heap/HprofFormat.h"

#include "core/common/RegularFile.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace leakdesk::heap {

std::string hexOffset(std::uint64_t offset)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(offset));
    return buf;
}

struct HprofFile::Mapping {
    void* address = nullptr;
    std::size_t length = 0;
    std::vector<std::uint8_t> owned;

    ~Mapping()
    {
        if (address && length)
            ::munmap(address, length);
    }
};

HprofFile::HprofFile(HprofFile&&) noexcept = default;
HprofFile& HprofFile::operator=(HprofFile&&) noexcept = default;
HprofFile::~HprofFile() = default;

namespace {

std::string errnoText()
{
    return std::strerror(errno);
}

struct FileDescriptor {
    int fd = -1;
    explicit FileDescriptor(int f)
        : fd(f)
    { }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

// An unnamed file in `dir` that disappears with its last descriptor, so a failed or finished
// analysis never leaves gigabytes behind. O_TMPFILE first; a named file unlinked at once where the
// filesystem does not support it.
int unnamedTempFile(const std::string& dir)
{
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    std::string name = dir + "/leakdesk-inflate-XXXXXX";
    fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd >= 0)
        ::unlink(name.c_str());
    return fd;
}

} // namespace

Result<HprofFile> HprofFile::open(const std::string& path, const OpenOptions& options)
{
    // Non-blocking open and fstat on the descriptor: a FIFO or a device is refused at once instead
    // of hanging in open() or reading forever.
    auto opened = openRegularFile(path, "heap dump");
    if (!opened)
        return opened.error();
    FileDescriptor file(*opened);
    struct stat st { };
    if (::fstat(file.fd, &st) != 0)
        return makeError(ErrorCode::Io, "cannot stat " + path + ": " + errnoText());

    unsigned char magic[2] = { 0, 0 };
    const ssize_t got = ::pread(file.fd, magic, 2, 0);
    const bool gzip = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;

    HprofFile f;
    f.m_fileSize = std::uint64_t(st.st_size);
    f.m_compressed = gzip;
    f.m_mapping = std::make_unique<Mapping>();

    int mapFd = file.fd;
    std::unique_ptr<FileDescriptor> inflated;
    std::uint64_t mapSize = std::uint64_t(st.st_size);
    if (gzip) {
        std::string dir = options.tempDirectory;
        if (dir.empty()) {
            const char* t = std::getenv("TMPDIR");
            dir = t && *t ? t : "/tmp";
        }
        inflated = std::make_unique<FileDescriptor>(unnamedTempFile(dir));
        if (inflated->fd < 0)
            return makeError(ErrorCode::Io, "cannot create a temporary file in " + dir + ": " + errnoText(),
                "set TMPDIR to a writable directory with room for the uncompressed dump");
        InflateJob job;
        job.input = file.fd;
        job.inputSize = std::uint64_t(st.st_size);
        job.output = inflated->fd;
        job.inputPath = path;
        job.outputDirectory = dir;
        job.limits = options.inflate;
        job.freeSpace = options.freeSpace ? options.freeSpace : FreeSpaceProbe(freeSpaceOf);
        job.progress = options.progress;
        // Before writing anything: the inflated dump needs at least the last member's stated size
        // (a true lower bound, mod 2^32) and in practice at least the compressed size.
        const std::uint64_t needed
            = std::max<std::uint64_t>(job.inputSize, gzipLastMemberSize(file.fd, job.inputSize).value_or(0));
        if (const auto free = job.freeSpace(inflated->fd); free && *free < needed + job.limits.minFreeBytes)
            return makeError(ErrorCode::Io,
                "not enough space in " + dir + " to inflate " + path + ": it needs at least " + byteSizeText(needed)
                    + " and " + byteSizeText(job.limits.minFreeBytes) + " must stay free, but only "
                    + byteSizeText(*free) + " are free",
                "set TMPDIR to a directory with room for the uncompressed dump (about 5-10x the .gz)");
        auto r = inflateGzip(job);
        if (!r)
            return r.error(); // the unnamed partial file goes with its descriptor
        struct stat ist { };
        ::fstat(inflated->fd, &ist);
        mapSize = std::uint64_t(ist.st_size);
        mapFd = inflated->fd;
    }

    if (mapSize > 0) {
        void* p = ::mmap(nullptr, mapSize, PROT_READ, MAP_PRIVATE, mapFd, 0);
        if (p == MAP_FAILED)
            return makeError(ErrorCode::Io, "cannot map " + path + " into memory: " + errnoText(),
                "a 64-bit address space is needed for large dumps");
        // Segments are read in parallel but each one front to back.
        ::madvise(p, mapSize, MADV_WILLNEED);
        f.m_mapping->address = p;
        f.m_mapping->length = mapSize;
        f.m_data = static_cast<const std::uint8_t*>(p);
        f.m_size = mapSize;
    }
    if (auto s = f.index(); !s)
        return s.error();
    return f;
}

Result<HprofFile> HprofFile::fromMemory(const std::uint8_t* data, std::size_t size)
{
    HprofFile f;
    f.m_mapping = std::make_unique<Mapping>();
    f.m_data = data;
    f.m_size = size;
    f.m_fileSize = size;
    if (auto s = f.index(); !s)
        return s.error();
    return f;
}

Result<HprofFile> HprofFile::fromBytes(std::vector<std::uint8_t> bytes)
{
    HprofFile f;
    f.m_mapping = std::make_unique<Mapping>();
    f.m_mapping->owned = std::move(bytes);
    f.m_data = f.m_mapping->owned.data();
    f.m_size = f.m_mapping->owned.size();
    f.m_fileSize = f.m_size;
    if (auto s = f.index(); !s)
        return s.error();
    return f;
}

std::string_view HprofFile::utf8(std::uint64_t id) const
{
    auto it = std::lower_bound(
        m_strings.begin(), m_strings.end(), id, [](const StringRef& s, std::uint64_t v) { return s.id < v; });
    if (it == m_strings.end() || it->id != id)
        return {};
    return { reinterpret_cast<const char*>(m_data + it->offset), it->length };
}

Status HprofFile::index()
{
    const std::uint8_t* d = m_data;
    const std::uint64_t size = m_size;
    // Header: version string, NUL, u4 id size, u8 timestamp.
    const std::uint64_t scanLimit = std::min<std::uint64_t>(size, 64);
    const void* nul = scanLimit ? std::memchr(d, 0, scanLimit) : nullptr;
    if (!nul || std::memcmp(d, "JAVA PROFILE ", std::min<std::uint64_t>(13, size)) != 0 || size < 13)
        return makeError(ErrorCode::Parse, "not an HPROF heap dump: the file does not start with \"JAVA PROFILE\"",
            "pass a file written by jcmd GC.heap_dump, jmap -dump or -XX:+HeapDumpOnOutOfMemoryError");
    const std::uint64_t versionEnd = std::uint64_t(static_cast<const std::uint8_t*>(nul) - d);
    m_header.version.assign(reinterpret_cast<const char*>(d), versionEnd);
    if (size < versionEnd + 1 + 12)
        return makeError(ErrorCode::Truncated,
            "the heap dump ends inside its header (" + std::to_string(size) + " bytes)",
            "the file was cut off; copy it again");
    m_header.idSize = readU4(d + versionEnd + 1);
    if (m_header.idSize != 4 && m_header.idSize != 8)
        return makeError(ErrorCode::Unsupported,
            "unsupported HPROF identifier size " + std::to_string(m_header.idSize) + " (expected 4 or 8)",
            "the file is corrupt or not from a Java VM");
    m_header.timestampMs = readU8(d + versionEnd + 5);
    m_header.recordsOffset = versionEnd + 13;

    const unsigned idSize = m_header.idSize;
    std::uint64_t pos = m_header.recordsOffset;
    auto damaged = [&](ErrorCode code, std::string msg, std::string detail) {
        m_damage = makeError(code, std::move(msg), std::move(detail));
    };
    while (pos < size) {
        if (size - pos < 9) {
            damaged(ErrorCode::Truncated, "the heap dump ends inside the record header at offset " + hexOffset(pos),
                "the file was cut off; the records before it are analysed");
            break;
        }
        const std::uint8_t t = d[pos];
        const std::uint64_t length = readU4(d + pos + 5);
        const std::uint64_t body = pos + 9;
        const std::uint64_t available = size - body;
        ++m_recordCount;
        if (t == tag::HeapDump || t == tag::HeapDumpSegment) {
            const bool cut = length > available;
            m_segments.push_back({ pos, body, cut ? available : length, cut });
            if (cut) {
                damaged(ErrorCode::Truncated,
                    "the heap dump segment at offset " + hexOffset(pos) + " declares " + std::to_string(length)
                        + " bytes but only " + std::to_string(available) + " remain",
                    "the file was cut off; the objects before the cut are analysed");
                break;
            }
            pos = body + length;
            continue;
        }
        if (length > available) {
            damaged(ErrorCode::Truncated,
                "the record with tag " + hexOffset(t) + " at offset " + hexOffset(pos) + " declares "
                    + std::to_string(length) + " bytes but only " + std::to_string(available) + " remain",
                "the file was cut off; the records before it are analysed");
            break;
        }
        const std::uint8_t* b = d + body;
        auto tooShort = [&](const char* what) {
            damaged(ErrorCode::Parse,
                std::string("the ") + what + " record at offset " + hexOffset(pos) + " is too short ("
                    + std::to_string(length) + " bytes)",
                "the file is corrupt; the records before it are analysed");
        };
        switch (t) {
        case tag::Utf8:
            if (length < idSize) {
                tooShort("UTF8");
                return Ok {};
            }
            m_strings.push_back({ readId(b, idSize), body + idSize, std::uint32_t(length - idSize) });
            break;
        case tag::LoadClass:
            if (length < 8 + 2ull * idSize) {
                tooShort("LOAD CLASS");
                return Ok {};
            }
            m_loadClasses.push_back(
                { readU4(b), readId(b + 4, idSize), readU4(b + 4 + idSize), readId(b + 8 + idSize, idSize) });
            break;
        case tag::StackFrame:
            if (length < 8 + 4ull * idSize) {
                tooShort("STACK FRAME");
                return Ok {};
            }
            m_frames.push_back({ readId(b, idSize), readId(b + idSize, idSize), readId(b + 2 * idSize, idSize),
                readId(b + 3 * idSize, idSize), readU4(b + 4 * idSize), std::int32_t(readU4(b + 4 * idSize + 4)) });
            break;
        case tag::StackTrace: {
            if (length < 12) {
                tooShort("STACK TRACE");
                return Ok {};
            }
            StackTraceRecord tr { readU4(b), readU4(b + 4), {} };
            const std::uint64_t n = readU4(b + 8);
            if (length < 12 + n * idSize) {
                tooShort("STACK TRACE");
                return Ok {};
            }
            tr.frameIds.reserve(n);
            for (std::uint64_t i = 0; i < n; ++i)
                tr.frameIds.push_back(readId(b + 12 + i * idSize, idSize));
            m_traces.push_back(std::move(tr));
            break;
        }
        default:
            // UNLOAD CLASS, ALLOC SITES, HEAP SUMMARY, threads, CPU samples, control settings, HEAP
            // DUMP END and tags from newer writers carry nothing the analyses use: skip by length.
            break;
        }
        pos = body + length;
    }
    std::sort(m_strings.begin(), m_strings.end(), [](const StringRef& a, const StringRef& b) { return a.id < b.id; });
    return Ok {};
}

} // namespace leakdesk::heap
