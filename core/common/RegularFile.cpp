#include "core/common/RegularFile.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace leakdesk {

std::string byteSizeText(std::uint64_t bytes)
{
    static const char* const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
    if (bytes < 1024)
        return std::to_string(bytes) + " bytes";
    double v = double(bytes);
    int unit = 0;
    while (v >= 1024 && unit < 4) {
        v /= 1024;
        ++unit;
    }
    char buf[32];
    if (v == double(std::uint64_t(v)))
        std::snprintf(buf, sizeof buf, "%llu %s", static_cast<unsigned long long>(v), units[unit]);
    else
        std::snprintf(buf, sizeof buf, "%.1f %s", v, units[unit]);
    return buf;
}

namespace {

const char* fileTypeName(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a named pipe (FIFO)";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

std::string capitalised(std::string_view what)
{
    std::string s(what);
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z')
        s[0] = char(s[0] - 'a' + 'A');
    return s;
}

Error tooLarge(const std::string& path, std::string_view what, std::string size, std::uint64_t maxBytes)
{
    return makeError(ErrorCode::LimitExceeded,
        capitalised(what) + " " + path + " is " + size + ", more than the " + byteSizeText(maxBytes)
            + " LeakDesk reads for a " + std::string(what),
        "check that this is the right file");
}

} // namespace

Result<int> openRegularFile(const std::string& path, std::string_view what)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        const int e = errno;
        if (e == ENOENT)
            return makeError(ErrorCode::NotFound, capitalised(what) + " " + path + " does not exist", "check the path");
        return makeError(ErrorCode::Io, "cannot open " + std::string(what) + " " + path + ": " + std::strerror(e),
            e == EACCES ? "check the file's permissions" : "check the path");
    }
    struct stat st { };
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        return makeError(ErrorCode::Io, "cannot stat " + std::string(what) + " " + path + ": " + std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        return makeError(ErrorCode::InvalidArgument,
            capitalised(what) + " " + path + " is " + fileTypeName(st.st_mode) + ", not a regular file",
            "LeakDesk reads only regular files here; pass the file itself");
    }
    // Regular files never block, but later reads should not see EAGAIN semantics either.
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0)
        ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    return fd;
}

Result<std::string> readRegularFile(const std::string& path, std::uint64_t maxBytes, std::string_view what)
{
    auto opened = openRegularFile(path, what);
    if (!opened)
        return opened.error();
    const int fd = *opened;
    struct stat st { };
    if (::fstat(fd, &st) == 0 && std::uint64_t(st.st_size) > maxBytes) {
        ::close(fd);
        return tooLarge(path, what, byteSizeText(std::uint64_t(st.st_size)), maxBytes);
    }
    // st_size can lie (files in /proc say 0, a file can grow while read): stop at one byte past the cap.
    std::string content;
    content.reserve(std::size_t(std::min<std::uint64_t>(std::uint64_t(st.st_size), maxBytes)));
    char buf[64 * 1024];
    for (;;) {
        const std::uint64_t room = maxBytes + 1 - content.size();
        const ssize_t n = ::read(fd, buf, std::size_t(std::min<std::uint64_t>(sizeof buf, room)));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int e = errno;
            ::close(fd);
            return makeError(ErrorCode::Io, "cannot read " + std::string(what) + " " + path + ": " + std::strerror(e));
        }
        if (n == 0)
            break;
        content.append(buf, std::size_t(n));
        if (content.size() > maxBytes) {
            ::close(fd);
            return tooLarge(path, what, "larger than " + byteSizeText(maxBytes), maxBytes);
        }
    }
    ::close(fd);
    return content;
}

} // namespace leakdesk
