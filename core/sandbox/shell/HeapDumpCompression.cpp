#include "core/sandbox/shell/HeapDumpCompression.h"

#include <zlib.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace leakdesk::sandbox {

namespace {

constexpr qsizetype kMaxBlockBytes = 64 * 1024 * 1024;

std::optional<Error> checkParameters(int level, qsizetype blockBytes)
{
    if (level < 1 || level > 9)
        return makeError(ErrorCode::InvalidArgument, "gzip level " + std::to_string(level) + " is out of range",
            "HotSpot's -gz takes 1 (fastest) to 9 (smallest)");
    if (blockBytes <= 0 || blockBytes > kMaxBlockBytes)
        return makeError(ErrorCode::InvalidArgument,
            "gzip block size " + std::to_string(blockBytes) + " is out of range",
            "give 1 byte to 64 MiB; HotSpot uses 1 MiB");
    return std::nullopt;
}

// One worker's deflate state and output buffer, reused for every block it compresses.
class BlockCompressor {
public:
    BlockCompressor(int level, qsizetype blockBytes, std::string comment)
        : m_comment(std::move(comment))
    {
        // windowBits 15 + 16: zlib writes the gzip header and trailer (CRC-32, size) of each member.
        m_ok = deflateInit2(&m_zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
        if (m_ok)
            m_buffer.resize(static_cast<qsizetype>(deflateBound(&m_zs, static_cast<uLong>(blockBytes)))
                + static_cast<qsizetype>(m_comment.size()) + 64);
    }
    ~BlockCompressor()
    {
        if (m_ok)
            deflateEnd(&m_zs);
    }
    BlockCompressor(const BlockCompressor&) = delete;
    BlockCompressor& operator=(const BlockCompressor&) = delete;

    // `block` as one complete gzip member; the first member of a dump carries the comment.
    std::optional<QByteArray> compress(QByteArrayView block, bool first)
    {
        if (!m_ok)
            return std::nullopt;
        gz_header header {}; // mtime 0, OS 0: what HotSpot's own header for the first member says
        header.comment = reinterpret_cast<Bytef*>(m_comment.data());
        if (deflateReset(&m_zs) != Z_OK || deflateSetHeader(&m_zs, first ? &header : Z_NULL) != Z_OK)
            return std::nullopt;
        m_zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
        m_zs.avail_in = static_cast<uInt>(block.size());
        m_zs.next_out = reinterpret_cast<Bytef*>(m_buffer.data());
        m_zs.avail_out = static_cast<uInt>(m_buffer.size());
        if (deflate(&m_zs, Z_FINISH) != Z_STREAM_END)
            return std::nullopt;
        return QByteArray(m_buffer.constData(), static_cast<qsizetype>(m_zs.total_out));
    }

private:
    std::string m_comment;
    z_stream m_zs {};
    bool m_ok = false;
    QByteArray m_buffer;
};

} // namespace

// The blocks waiting for a worker, the members done (by block index) and the workers.
class HeapDumpGzipWriter::Pool {
public:
    Pool(int level, unsigned threads, qsizetype blockBytes)
        : m_level(level)
        , m_blockBytes(blockBytes)
        , m_error(checkParameters(level, blockBytes))
    {
        if (m_error)
            return;
        // HotSpot writes the block size into the first member so a reader can size its buffers.
        m_comment = "HPROF BLOCKSIZE=" + std::to_string(blockBytes);
        m_current.reserve(blockBytes);
        const unsigned workers = threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency());
        for (unsigned i = 0; i < workers; ++i) {
            try {
                m_workers.emplace_back([this] { work(); });
            } catch (const std::system_error&) {
                break; // no more threads to be had: those running (or finish() itself) do the blocks
            }
        }
    }

    ~Pool()
    {
        {
            std::lock_guard lock(m_mutex);
            m_queue.clear();
            m_closing = true;
        }
        m_wake.notify_all();
        for (std::thread& t : m_workers)
            t.join();
    }

    void write(QByteArrayView bytes)
    {
        if (m_error)
            return;
        while (!bytes.isEmpty()) {
            const qsizetype n = std::min(bytes.size(), m_blockBytes - m_current.size());
            m_current.append(bytes.first(n));
            bytes = bytes.sliced(n);
            if (m_current.size() == m_blockBytes)
                submitCurrent();
        }
    }

    Result<QByteArray> finish()
    {
        if (m_error)
            return *m_error;
        if (!m_current.isEmpty())
            submitCurrent();
        {
            std::lock_guard lock(m_mutex);
            m_closing = true;
        }
        m_wake.notify_all();
        if (m_workers.empty())
            work(); // no thread could be started: compress here
        for (std::thread& t : m_workers)
            t.join();
        m_workers.clear();
        if (m_failed)
            return makeError(ErrorCode::Unknown, "the heap dump could not be gzip-compressed",
                "zlib failed (out of memory?); try again without -gz");
        qsizetype total = 0;
        for (const QByteArray& m : m_members)
            total += m.size();
        QByteArray out;
        out.reserve(total);
        for (QByteArray& m : m_members) {
            out.append(m);
            m = QByteArray(); // keeps the peak near input + output
        }
        return out;
    }

private:
    void submitCurrent()
    {
        {
            std::lock_guard lock(m_mutex);
            m_queue.emplace_back(static_cast<qsizetype>(m_members.size()), std::move(m_current));
            m_members.emplace_back();
        }
        m_wake.notify_one();
        m_current = QByteArray();
        m_current.reserve(m_blockBytes);
    }

    void work()
    {
        BlockCompressor compressor(m_level, m_blockBytes, m_comment);
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return !m_queue.empty() || m_closing; });
            if (m_queue.empty())
                return;
            auto [index, block] = std::move(m_queue.front());
            m_queue.pop_front();
            lock.unlock();
            std::optional<QByteArray> member = compressor.compress(block, index == 0);
            block = QByteArray();
            lock.lock();
            if (member)
                m_members[static_cast<std::size_t>(index)] = std::move(*member);
            else
                m_failed = true;
        }
    }

    const int m_level;
    const qsizetype m_blockBytes;
    const std::optional<Error> m_error;
    std::string m_comment;
    QByteArray m_current; // the block being filled (writer thread only)
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::pair<qsizetype, QByteArray>> m_queue; // (block index, bytes)
    std::deque<QByteArray> m_members; // by block index; empty until compressed
    bool m_closing = false;
    bool m_failed = false;
    std::vector<std::thread> m_workers;
};

HeapDumpGzipWriter::HeapDumpGzipWriter(int level, unsigned threads, qsizetype blockBytes)
    : m_pool(std::make_unique<Pool>(level, threads, blockBytes))
{ }

HeapDumpGzipWriter::~HeapDumpGzipWriter() = default;

void HeapDumpGzipWriter::write(QByteArrayView bytes)
{
    m_pool->write(bytes);
}

Result<QByteArray> HeapDumpGzipWriter::finish()
{
    return m_pool->finish();
}

Result<QByteArray> compressHeapDump(QByteArrayView hprof, int level, unsigned threads, qsizetype blockBytes)
{
    HeapDumpGzipWriter writer(level, threads, blockBytes);
    writer.write(hprof);
    return writer.finish();
}

} // namespace leakdesk::sandbox
