#pragma once
// HprofFile: a memory-mapped HPROF heap dump and the index of its top-level records.
//
// Opening maps the file read-only (zero copy) and walks the top-level records once, which only
// jumps from length to length, so it costs microseconds per megabyte. Gzip-compressed dumps (what
// `jcmd GC.heap_dump -gz=N` writes: a series of gzip members) are inflated by streaming into an
// anonymous temporary file that is then mapped the same way, so every analysis has one code path.
// Inflation is bounded (ratio cap, free-space floor) and strict: any gzip damage is an Error.
//
// A truncated or corrupt file is not necessarily useless: `damage()` says where (record offset)
// and why reading stopped, and everything before that point stays available.

#include "core/heap/GzipInflate.h"

#include "core/common/Result.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::heap {

struct HprofHeader {
    std::string version; // "JAVA PROFILE 1.0.2"
    unsigned idSize = 8; // 4 or 8
    std::uint64_t timestampMs = 0;
    std::uint64_t recordsOffset = 0; // first byte after the header
};

struct LoadClassRecord {
    std::uint32_t serial = 0;
    std::uint64_t classId = 0;
    std::uint32_t stackTraceSerial = 0;
    std::uint64_t nameId = 0;
};

struct StackFrameRecord {
    std::uint64_t frameId = 0;
    std::uint64_t methodNameId = 0;
    std::uint64_t signatureId = 0;
    std::uint64_t sourceFileId = 0;
    std::uint32_t classSerial = 0;
    std::int32_t line = 0;
};

struct StackTraceRecord {
    std::uint32_t serial = 0;
    std::uint32_t threadSerial = 0;
    std::vector<std::uint64_t> frameIds;
};

// A HEAP DUMP or HEAP DUMP SEGMENT record: [bodyOffset, bodyOffset + length) holds sub-records.
struct HeapSegment {
    std::uint64_t recordOffset = 0; // offset of the record's tag byte
    std::uint64_t bodyOffset = 0;
    std::uint64_t length = 0; // bytes available (less than declared when the file is cut off)
    bool truncated = false;
};

struct OpenOptions {
    // Where a compressed dump is inflated to (an unlinked file); empty: $TMPDIR or /tmp.
    std::string tempDirectory;
    // Ratio cap and free-space floor for inflating a compressed dump (see GzipInflate.h).
    InflateLimits inflate;
    // Free space of the inflation target; empty: statvfs. Tests set it to simulate a filling disk.
    FreeSpaceProbe freeSpace;
    // Cancels a long inflation (the GUI's Cancel).
    const AnalysisProgress* progress = nullptr;
};

class HprofFile {
public:
    // Maps `path` (plain or gzip-compressed HPROF) and indexes its records.
    static Result<HprofFile> open(const std::string& path, const OpenOptions& options = {});
    // Indexes a dump held in memory. The bytes are copied only by fromBytes.
    static Result<HprofFile> fromMemory(const std::uint8_t* data, std::size_t size);
    static Result<HprofFile> fromBytes(std::vector<std::uint8_t> bytes);

    HprofFile(HprofFile&&) noexcept;
    HprofFile& operator=(HprofFile&&) noexcept;
    ~HprofFile();

    const HprofHeader& header() const { return m_header; }
    unsigned idSize() const { return m_header.idSize; }
    std::span<const std::uint8_t> bytes() const { return { m_data, m_size }; }
    const std::uint8_t* data() const { return m_data; }
    std::uint64_t size() const { return m_size; }
    // Size of the file on disk (the compressed size for a gzip dump).
    std::uint64_t fileSize() const { return m_fileSize; }
    bool wasCompressed() const { return m_compressed; }

    const std::vector<HeapSegment>& heapSegments() const { return m_segments; }
    const std::vector<LoadClassRecord>& loadClasses() const { return m_loadClasses; }
    const std::vector<StackFrameRecord>& stackFrames() const { return m_frames; }
    const std::vector<StackTraceRecord>& stackTraces() const { return m_traces; }
    std::uint64_t recordCount() const { return m_recordCount; }
    std::uint64_t utf8Count() const { return m_strings.size(); }

    // The text of a UTF8 record; empty when the id is unknown.
    std::string_view utf8(std::uint64_t id) const;

    // Why reading stopped early (truncated or corrupt file), with the record offset; nullopt for
    // an intact file. Sub-record damage inside a heap segment is reported by the analyses.
    const std::optional<Error>& damage() const { return m_damage; }

private:
    HprofFile() = default;
    Status index();

    struct StringRef {
        std::uint64_t id;
        std::uint64_t offset;
        std::uint32_t length;
    };

    struct Mapping;
    std::unique_ptr<Mapping> m_mapping; // owns the mapped or copied bytes
    const std::uint8_t* m_data = nullptr;
    std::uint64_t m_size = 0;
    std::uint64_t m_fileSize = 0;
    bool m_compressed = false;

    HprofHeader m_header;
    std::vector<StringRef> m_strings; // sorted by id
    std::vector<LoadClassRecord> m_loadClasses;
    std::vector<StackFrameRecord> m_frames;
    std::vector<StackTraceRecord> m_traces;
    std::vector<HeapSegment> m_segments;
    std::uint64_t m_recordCount = 0;
    std::optional<Error> m_damage;
};

// "0x1a2b" style offset text used in error messages.
std::string hexOffset(std::uint64_t offset);

} // namespace leakdesk::heap
