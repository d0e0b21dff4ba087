#pragma once
// The in-memory file system of one simulated container: a few directories, files whose content is
// shared and immutable (a `cat` that is still streaming keeps the bytes it started with, as an open
// file descriptor would after `rm`), and mount points with a capacity so `df` and "No space left on
// device" behave like a container's overlay root and its tmpfs mounts.

#include "core/common/Result.h"

#include <QByteArray>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace leakdesk::sandbox {

struct SimFile {
    std::shared_ptr<const QByteArray> content;
    std::int64_t modifiedMs = 0;
    int mode = 0644;
    qint64 size() const { return content ? content->size() : 0; }
};

struct Mount {
    std::string device; // "overlay", "tmpfs", "shm"
    std::string type; // "overlay", "tmpfs"
    std::string mountPoint;
    std::int64_t capacityBytes = 0;
    std::int64_t baseUsedBytes = 0; // image layers and whatever the container wrote before us
};

class PodFileSystem {
public:
    // `mounts` must contain "/"; directories are created for every mount point.
    explicit PodFileSystem(std::vector<Mount> mounts, std::int64_t createdMs = 0);

    // "/a/b/../c" style paths made absolute against `workingDir`; "." and ".." resolved.
    static std::string normalise(const std::string& path, const std::string& workingDir);

    bool isDirectory(const std::string& absPath) const;
    const SimFile* file(const std::string& absPath) const;
    bool exists(const std::string& absPath) const { return isDirectory(absPath) || file(absPath); }

    void addDirectory(const std::string& absPath);
    // Creates or replaces a file. Fails like the kernel would: missing directory (ENOENT), a
    // directory in the way (EISDIR), or not enough room on the mount (ENOSPC).
    Status write(
        const std::string& absPath, std::shared_ptr<const QByteArray> content, std::int64_t nowMs, int mode = 0644);
    bool remove(const std::string& absPath);

    // Entries directly under a directory: names, with a trailing '/' for sub-directories.
    std::vector<std::string> list(const std::string& absDir) const;

    const std::vector<Mount>& mounts() const { return m_mounts; }
    const Mount& mountOf(const std::string& absPath) const;
    std::int64_t usedBytes(const Mount& mount) const;
    std::int64_t availableBytes(const Mount& mount) const { return mount.capacityBytes - usedBytes(mount); }

private:
    std::vector<Mount> m_mounts;
    std::set<std::string> m_dirs;
    std::map<std::string, SimFile> m_files;
};

} // namespace leakdesk::sandbox
