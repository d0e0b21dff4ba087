#include "core/sandbox/shell/ShippedHeapDumps.h"

#include <QFile>

#include <zlib.h>

#include <map>
#include <mutex>
#include <tuple>

// Q_INIT_RESOURCE must be called outside any namespace. The resource lives in a static library,
// so nothing registers it unless someone asks.
static void initHeapDumpResources()
{
    Q_INIT_RESOURCE(heapdumps);
}

namespace leakdesk::sandbox {

namespace {

// Every gzip member in turn (jcmd -gz writes many, one per chunk it compressed in parallel).
QByteArray gunzip(const QByteArray& in)
{
    QByteArray out;
    z_stream zs {};
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return {};
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.constData()));
    zs.avail_in = static_cast<uInt>(in.size());
    char buf[256 * 1024];
    for (;;) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        const int rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buf, static_cast<qsizetype>(sizeof buf - zs.avail_out));
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0)
                break;
            inflateReset(&zs);
        } else if (rc != Z_OK) {
            out.clear();
            break;
        }
    }
    inflateEnd(&zs);
    return out;
}

} // namespace

std::shared_ptr<const QByteArray> shippedHeapDump(const std::string& service, bool late, bool gzip)
{
    static std::mutex mutex;
    static std::map<std::tuple<std::string, bool, bool>, std::shared_ptr<const QByteArray>> cache;
    static std::once_flag resources;
    std::call_once(resources, initHeapDumpResources);
    const std::lock_guard lock(mutex);
    const auto key = std::make_tuple(service, late, gzip);
    if (auto it = cache.find(key); it != cache.end())
        return it->second;
    QFile file(QStringLiteral(":/heapdumps/%1-%2.hprof.gz")
                   .arg(QString::fromStdString(service), late ? QStringLiteral("late") : QStringLiteral("early")));
    std::shared_ptr<const QByteArray> dump;
    if (file.open(QIODevice::ReadOnly)) {
        QByteArray bytes = file.readAll();
        if (!gzip)
            bytes = gunzip(bytes);
        if (!bytes.isEmpty())
            dump = std::make_shared<const QByteArray>(std::move(bytes));
    }
    cache[key] = dump;
    return dump;
}

} // namespace leakdesk::sandbox
