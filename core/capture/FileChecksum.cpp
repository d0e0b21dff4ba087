#include "core/capture/FileChecksum.h"

#include <QCryptographicHash>
#include <QFile>

namespace leakdesk::capture {

std::string sha256OfFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    if (!hash.addData(&f))
        return {};
    return hash.result().toHex().toStdString();
}

} // namespace leakdesk::capture
