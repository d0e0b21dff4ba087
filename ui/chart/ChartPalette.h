#pragma once
// Colours of the memory chart, in one place so the chart reads the same everywhere (screen, PNG export,
// screenshots in docs). Pods get a qualitative palette (Tableau 10 without its red and grey, which are
// reserved: red means "limit" or "OOM kill", grey means context such as bands, baseline and traffic).

#include <QColor>

#include <array>

namespace leakdesk::ui::chartpalette {

inline QColor podColor(int index)
{
    static const std::array<QColor, 8> colours { QColor(0x4E, 0x79, 0xA7), QColor(0xF2, 0x8E, 0x2B),
        QColor(0x59, 0xA1, 0x4F), QColor(0xB0, 0x7A, 0xA1), QColor(0x76, 0xB7, 0xB2), QColor(0x9C, 0x75, 0x5F),
        QColor(0xFF, 0x9D, 0xA7), QColor(0xED, 0xC9, 0x48) };
    return colours[static_cast<std::size_t>(index) % colours.size()];
}

inline QColor limit()
{
    return QColor(0xD6, 0x27, 0x28);
}
inline QColor oomKill()
{
    return QColor(0xC6, 0x1F, 0x1F);
}
inline QColor restart()
{
    return QColor(0x3C, 0x4A, 0x5A);
}
inline QColor slope()
{
    return QColor(0x5B, 0x2C, 0x83);
}
inline QColor baseline()
{
    return QColor(0x70, 0x70, 0x70);
}
inline QColor projection()
{
    return QColor(0xD6, 0x27, 0x28);
}
inline QColor requestRate()
{
    return QColor(0x9A, 0x9A, 0x9A);
}
inline QColor bandEven()
{
    return QColor(0, 0, 0, 22);
}
inline QColor bandOdd()
{
    return QColor(0, 0, 0, 10);
}
inline QColor bandLabel()
{
    return QColor(0x6A, 0x6A, 0x6A);
}
inline QColor grid()
{
    return QColor(0xE4, 0xE4, 0xE4);
}
inline QColor axisLine()
{
    return QColor(0xB4, 0xB4, 0xB4);
}
inline QColor now()
{
    return QColor(0x90, 0x90, 0x90);
}
inline QColor hiddenText()
{
    return QColor(0xB0, 0xB0, 0xB0);
}
inline QColor crosshair()
{
    return QColor(0x50, 0x50, 0x50, 160);
}

} // namespace leakdesk::ui::chartpalette
