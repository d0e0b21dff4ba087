#pragma once
// Small helpers shared by HeapCapture's two source files (not part of the module's API).

#include "core/common/Quantity.h"
#include "core/kube/KubeClient.h"

#include <QString>

namespace leakdesk::capture::detail {

inline QString bytesText(qint64 bytes)
{
    return QString::fromStdString(formatBytes(static_cast<double>(bytes)));
}

inline QString text(const std::string& s)
{
    return QString::fromStdString(s);
}

// stdout and stderr of a small command, for messages.
inline QString outputText(const kube::KubeClient::ExecOutput& o)
{
    return QString::fromUtf8(QByteArray(o.stdoutBytes + o.result.stderrText)).trimmed();
}

} // namespace leakdesk::capture::detail
