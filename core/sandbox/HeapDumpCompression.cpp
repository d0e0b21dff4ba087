#include "sandbox/HeapDumpCompression.h"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace leakdesk::sandbox {

namespace {

constexpr qsizetype kMaxBlockBytes = 64 * 1024 * 1024;

} // namespace

Result<QByteArray> compressHeapDump(QByteArrayView hprof, int level, unsigned threads, qsizetype blockBytes)
{
    if (level < 1 || level > 9)
        return makeError(ErrorCode::InvalidArgument, "gzip level " + std::to_string(level) + " is out of range",
            "HotSpot's -gz takes 1 (fastest) to 9 (smallest)");
    if (blockBytes <= 0 || blockBytes > kMaxBlockBytes)
        return makeError(ErrorCode::InvalidArgument,
            "gzip block size " + std::to_string(blockBytes) + " is out of range",
            "give 1 byte to 64 MiB; HotSpot uses 1 MiB");

    const qsizetype blocks = (hprof.size() + blockBytes - 1) / blockBytes;
    std::vector<QByteArray> members(static_cast<std::size_t>(blocks));
    std::atomic<qsizetype> next { 0 };
    std::atomic<bool> failed { false };
    // HotSpot writes the block size into the first member so a reader can size its buffers.
    std::string comment = "HPROF BLOCKSIZE=" + std::to_string(blockBytes);

    // One worker: its own deflate state and output buffer, reused for every block it takes.
    auto work = [&] {
        z_stream zs {};
        // windowBits 15 + 16: zlib writes the gzip header and trailer (CRC-32, size) of each member.
        if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            failed = true;
            return;
        }
        QByteArray buffer(static_cast<qsizetype>(deflateBound(&zs, static_cast<uLong>(blockBytes)))
                + static_cast<qsizetype>(comment.size()) + 64,
            Qt::Uninitialized);
        for (qsizetype b = next++; b < blocks && !failed; b = next++) {
            gz_header header {}; // mtime 0, OS 0: what HotSpot's own header for the first member says
            header.comment = reinterpret_cast<Bytef*>(comment.data());
            if (deflateReset(&zs) != Z_OK || deflateSetHeader(&zs, b == 0 ? &header : Z_NULL) != Z_OK) {
                failed = true;
                break;
            }
            const qsizetype offset = b * blockBytes;
            const qsizetype length = std::min(blockBytes, hprof.size() - offset);
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(hprof.data() + offset));
            zs.avail_in = static_cast<uInt>(length);
            zs.next_out = reinterpret_cast<Bytef*>(buffer.data());
            zs.avail_out = static_cast<uInt>(buffer.size());
            if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
                failed = true;
                break;
            }
            members[static_cast<std::size_t>(b)] = QByteArray(buffer.constData(), static_cast<qsizetype>(zs.total_out));
        }
        deflateEnd(&zs);
    };

    const unsigned wanted = threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
    const auto workers = static_cast<unsigned>(std::min<qsizetype>(wanted, std::max<qsizetype>(1, blocks)));
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < workers; ++i) {
        try {
            pool.emplace_back(work);
        } catch (const std::system_error&) {
            break; // no more threads to be had: the ones running (and this one) do all the blocks
        }
    }
    work();
    for (std::thread& t : pool)
        t.join();
    if (failed)
        return makeError(ErrorCode::Unknown, "the heap dump could not be gzip-compressed",
            "zlib failed (out of memory?); try again without -gz");

    qsizetype total = 0;
    for (const QByteArray& m : members)
        total += m.size();
    QByteArray out;
    out.reserve(total);
    for (QByteArray& m : members) {
        out.append(m);
        m = QByteArray(); // keeps the peak near input + output
    }
    return out;
}

} // namespace leakdesk::sandbox
