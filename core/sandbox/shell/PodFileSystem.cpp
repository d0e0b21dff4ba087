#include "core/sandbox/shell/PodFileSystem.h"

#include <algorithm>

namespace leakdesk::sandbox {

namespace {

std::string parentOf(const std::string& absPath)
{
    const auto slash = absPath.rfind('/');
    return slash == 0 || slash == std::string::npos ? std::string("/") : absPath.substr(0, slash);
}

bool isUnder(const std::string& path, const std::string& dir)
{
    if (dir == "/")
        return true;
    return path == dir
        || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

} // namespace

PodFileSystem::PodFileSystem(std::vector<Mount> mounts, std::int64_t)
    : m_mounts(std::move(mounts))
{
    m_dirs.insert("/");
    for (const Mount& m : m_mounts)
        addDirectory(m.mountPoint);
}

std::string PodFileSystem::normalise(const std::string& path, const std::string& workingDir)
{
    const std::string full = !path.empty() && path[0] == '/' ? path : workingDir + "/" + path;
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= full.size()) {
        const std::size_t slash = full.find('/', start);
        const std::string part = full.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        if (slash == std::string::npos)
            break;
        start = slash + 1;
    }
    std::string out;
    for (const auto& p : parts)
        out += "/" + p;
    return out.empty() ? std::string("/") : out;
}

bool PodFileSystem::isDirectory(const std::string& absPath) const
{
    return m_dirs.count(absPath) > 0;
}

const SimFile* PodFileSystem::file(const std::string& absPath) const
{
    const auto it = m_files.find(absPath);
    return it == m_files.end() ? nullptr : &it->second;
}

void PodFileSystem::addDirectory(const std::string& absPath)
{
    for (std::string p = absPath; p != "/"; p = parentOf(p))
        m_dirs.insert(p);
}

Status PodFileSystem::write(
    const std::string& absPath, std::shared_ptr<const QByteArray> content, std::int64_t nowMs, int mode)
{
    if (isDirectory(absPath))
        return makeError(ErrorCode::Io, absPath + ": Is a directory");
    if (!isDirectory(parentOf(absPath)))
        return makeError(ErrorCode::Io, absPath + ": No such file or directory");
    const Mount& mount = mountOf(absPath);
    const qint64 previous = file(absPath) ? file(absPath)->size() : 0;
    const qint64 size = content ? content->size() : 0;
    if (size - previous > availableBytes(mount))
        return makeError(ErrorCode::Io, absPath + ": No space left on device");
    m_files[absPath] = SimFile { std::move(content), nowMs, mode };
    return Ok {};
}

bool PodFileSystem::remove(const std::string& absPath)
{
    return m_files.erase(absPath) > 0;
}

std::vector<std::string> PodFileSystem::list(const std::string& absDir) const
{
    std::vector<std::string> out;
    const std::string prefix = absDir == "/" ? std::string("/") : absDir + "/";
    for (const auto& d : m_dirs)
        if (d != absDir && d.compare(0, prefix.size(), prefix) == 0 && d.find('/', prefix.size()) == std::string::npos)
            out.push_back(d.substr(prefix.size()) + "/");
    for (const auto& [path, f] : m_files)
        if (path.compare(0, prefix.size(), prefix) == 0 && path.find('/', prefix.size()) == std::string::npos)
            out.push_back(path.substr(prefix.size()));
    std::sort(out.begin(), out.end());
    return out;
}

const Mount& PodFileSystem::mountOf(const std::string& absPath) const
{
    const Mount* best = &m_mounts.front();
    for (const Mount& m : m_mounts)
        if (isUnder(absPath, m.mountPoint) && m.mountPoint.size() >= best->mountPoint.size())
            best = &m;
    return *best;
}

std::int64_t PodFileSystem::usedBytes(const Mount& mount) const
{
    std::int64_t used = mount.baseUsedBytes;
    for (const auto& [path, f] : m_files)
        if (&mountOf(path) == &mount)
            used += f.size();
    return used;
}

} // namespace leakdesk::sandbox
