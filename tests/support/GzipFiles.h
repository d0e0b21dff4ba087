#pragma once
// Gzip files for the heap tests (unit and UI): a dump split into members like `jcmd -gz`, and a
// bomb (a valid HPROF header followed by zeros, about 1000:1), deflated streaming so the test never
// holds the inflated bytes. Header-only: a test that includes it links ZLIB::ZLIB.
#include <zlib.h>

#include <QByteArray>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace leakdesk::heap::test {

// zlib's deflateInit2() level and memLevel; the defaults are what `jcmd -gz` and gzip(1) use.
struct DeflateSettings {
    int level = 6;
    int memLevel = 8;
};

// gzip of `prefix` followed by `zeros` zero bytes, split into independent members of `memberSize`
// input bytes each (one member by default).
inline std::vector<std::uint8_t> gzipOf(const std::uint8_t* prefix, std::size_t prefixSize, std::uint64_t zeros,
    std::uint64_t memberSize = ~0ull, DeflateSettings settings = {})
{
    std::vector<std::uint8_t> out;
    std::vector<unsigned char> buf(1 << 16);
    z_stream zs {};
    bool open = false;
    std::uint64_t inMember = 0;
    auto pump = [&](const unsigned char* p, std::size_t n, int flush) {
        zs.next_in = const_cast<Bytef*>(p);
        zs.avail_in = uInt(n);
        do {
            zs.next_out = buf.data();
            zs.avail_out = uInt(buf.size());
            deflate(&zs, flush);
            out.insert(out.end(), buf.begin(), buf.begin() + std::ptrdiff_t(buf.size() - zs.avail_out));
        } while (zs.avail_out == 0);
    };
    auto feed = [&](const unsigned char* p, std::size_t n) {
        while (n > 0) {
            if (!open) {
                zs = z_stream {};
                deflateInit2(&zs, settings.level, Z_DEFLATED, 15 + 16, settings.memLevel, Z_DEFAULT_STRATEGY);
                open = true;
                inMember = 0;
            }
            const std::size_t take = std::size_t(std::min<std::uint64_t>(n, memberSize - inMember));
            pump(p, take, Z_NO_FLUSH);
            p += take;
            n -= take;
            inMember += take;
            if (inMember == memberSize) {
                pump(nullptr, 0, Z_FINISH);
                deflateEnd(&zs);
                open = false;
            }
        }
    };
    feed(prefix, prefixSize);
    const std::vector<unsigned char> chunk(1 << 20, 0);
    for (std::uint64_t left = zeros; left > 0;) {
        const std::size_t n = std::size_t(std::min<std::uint64_t>(left, chunk.size()));
        feed(chunk.data(), n);
        left -= n;
    }
    if (open) {
        pump(nullptr, 0, Z_FINISH);
        deflateEnd(&zs);
    }
    return out;
}

inline std::vector<std::uint8_t> gzipOf(const std::vector<std::uint8_t>& prefix, std::uint64_t zeros,
    std::uint64_t memberSize = ~0ull, DeflateSettings settings = {})
{
    return gzipOf(prefix.data(), prefix.size(), zeros, memberSize, settings);
}

inline QByteArray gzipOf(
    const QByteArray& prefix, std::uint64_t zeros, std::uint64_t memberSize = ~0ull, DeflateSettings settings = {})
{
    const std::vector<std::uint8_t> gz = gzipOf(reinterpret_cast<const std::uint8_t*>(prefix.constData()),
        std::size_t(prefix.size()), zeros, memberSize, settings);
    return QByteArray(reinterpret_cast<const char*>(gz.data()), qsizetype(gz.size()));
}

// "JAVA PROFILE 1.0.2", NUL, id size 8, timestamp: a valid header and nothing else.
inline QByteArray hprofHeader()
{
    QByteArray h("JAVA PROFILE 1.0.2");
    h.append('\0');
    h.append(QByteArray::fromHex("00000008"));
    h.append(QByteArray::fromHex("0000018bcfe56800"));
    return h;
}

} // namespace leakdesk::heap::test
