#pragma once
// Reading a file the user named (kubeconfig, token, CA bundle, runbook, incident, record, heap
// dump): one place that refuses what is not a regular file and caps how much is read, so a wrong
// path (/dev/zero, a FIFO, a directory, a socket, a 10 GB log) fails at once with a message naming
// the file and the limit instead of hanging on open() or filling memory.
//
// Plain POSIX on purpose: core/heap opens dumps through here and must not depend on Qt. Qt callers
// pass QFile::encodeName(path).toStdString().

#include "core/common/Result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace leakdesk {

// How much LeakDesk reads of each kind of file. Generous for real files, small enough that a wrong
// pick is refused before it costs memory.
namespace fileLimits {
// Large kubeconfigs (hundreds of clusters with embedded CA data) are about 1 MiB.
inline constexpr std::uint64_t kKubeconfig = 8ull << 20;
// A bearer token (a service-account JWT is ~1 KiB, OIDC tokens a few KiB).
inline constexpr std::uint64_t kToken = 64ull << 10;
// A PEM bundle (the whole Mozilla CA set is ~220 KiB) or a client certificate/key.
inline constexpr std::uint64_t kPem = 4ull << 20;
// A Markdown runbook is a few KiB.
inline constexpr std::uint64_t kRunbook = 4ull << 20;
// An incident file carries the journal and sampled series of one incident (a few MiB at most).
inline constexpr std::uint64_t kIncident = 256ull << 20;
// A mitigation record (JSON of one change).
inline constexpr std::uint64_t kRecord = 16ull << 20;
} // namespace fileLimits

// "8 MiB", "64 KiB", "1.5 GiB": sizes in messages.
std::string byteSizeText(std::uint64_t bytes);

// Opens `path` read-only without blocking (a FIFO's open() would wait for a writer), then refuses
// anything but a regular file (checked with fstat on the opened descriptor, so a path swapped
// between check and open cannot slip through). Returns the descriptor in blocking mode, O_CLOEXEC;
// the caller closes it. `what` names the kind of file in messages ("kubeconfig", "heap dump").
Result<int> openRegularFile(const std::string& path, std::string_view what);

// The whole content of a regular file of at most `maxBytes` bytes. A larger file is refused with
// its size and the limit (also when it grows while being read, or its size is not reported).
Result<std::string> readRegularFile(const std::string& path, std::uint64_t maxBytes, std::string_view what);

} // namespace leakdesk
