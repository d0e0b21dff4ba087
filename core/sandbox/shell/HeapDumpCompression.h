#pragma once
// `jcmd GC.heap_dump -gz=N` (and `jmap -dump:gz=N`) output as HotSpot writes it since JDK 15
// (heapDumperCompression.cpp): the dump is cut into blocks that several worker threads deflate
// independently, each block one complete gzip member, written back to back in dump order. The
// first member's header carries the comment "HPROF BLOCKSIZE=1048576" (mtime 0, OS 0, as HotSpot
// fills that header itself); the others have zlib's default header. Any gzip reader that goes on
// after the first member (gunzip, our HprofFile) reads the whole dump, and a reader that knows the
// comment can inflate the members in parallel or seek by block.
//
// HotSpot's blocks hold at most the block size (its writer hands a buffer over when less than a
// record's worth of room is left), the sandbox's exactly that size (the last one less): readers
// must not rely on either.

#include "core/common/Result.h"

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

namespace leakdesk::sandbox {

inline constexpr qsizetype kHeapDumpGzipBlockBytes = 1024 * 1024; // HotSpot's block size

// The gzip members of `hprof` at `level` (1 fastest, as `-gz=1`, to 9 smallest), compressed by
// `threads` workers (0: one per hardware thread). The output does not depend on the number of
// threads. InvalidArgument for a level or block size out of range.
Result<QByteArray> compressHeapDump(
    QByteArrayView hprof, int level, unsigned threads = 0, qsizetype blockBytes = kHeapDumpGzipBlockBytes);

// The same, fed while the dump is being written, as HotSpot's writer hands each full block to the
// compression workers and goes on with the heap: write() the dump's bytes in order (any pieces),
// then finish(). The result is byte for byte compressHeapDump's of the whole. Not thread-safe: one
// writer thread; the workers are its own.
class HeapDumpGzipWriter {
public:
    HeapDumpGzipWriter(int level, unsigned threads = 0, qsizetype blockBytes = kHeapDumpGzipBlockBytes);
    ~HeapDumpGzipWriter(); // stops the workers; whatever was not finished is dropped
    HeapDumpGzipWriter(const HeapDumpGzipWriter&) = delete;
    HeapDumpGzipWriter& operator=(const HeapDumpGzipWriter&) = delete;

    void write(QByteArrayView bytes);
    // The gzip members of everything written; InvalidArgument for a level or block size out of
    // range (said here, not by the constructor). Call once.
    Result<QByteArray> finish();

private:
    class Pool;
    std::unique_ptr<Pool> m_pool;
};

} // namespace leakdesk::sandbox
