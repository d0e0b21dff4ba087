#pragma once
// How the heap view writes byte counts: the same "12.3 MiB" as leakdesk-cli, and signed growth.

#include "core/heap/LeakSuspects.h"

#include <QString>

#include <cstdint>

namespace leakdesk::ui {

inline QString byteText(std::uint64_t bytes)
{
    return QString::fromStdString(heap::formatBytes(bytes));
}

inline QString growthText(std::int64_t bytes)
{
    if (bytes == 0)
        return QStringLiteral("0 B");
    const QString magnitude = byteText(std::uint64_t(bytes < 0 ? -bytes : bytes));
    return (bytes < 0 ? QStringLiteral("−") : QStringLiteral("+")) + magnitude;
}

} // namespace leakdesk::ui
