#pragma once
// The sandbox's container runtime for exec: one in-memory file system per container run (a
// restart after an OOM kill starts from a fresh writable layer, as with a real runtime), the
// container's process table (the JVM is PID 7 behind an entrypoint shell in checkout, PID 1 in
// payments; catalog is not a JVM), and per-service image/mount variations that reproduce what goes
// wrong with heap dumps in real clusters: no JDK tools in the image, /tmp memory-backed, a full disk.

#include "core/sandbox/shell/ContainerShell.h"
#include "core/sandbox/shell/PodFileSystem.h"
#include "core/sandbox/model/SandboxModel.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::sandbox {

struct ContainerVariation {
    bool withoutJdkTools = false; // a JRE-only or distroless image: jcmd/jmap/jps are not found
    bool memoryBackedTmp = false; // /tmp is an emptyDir with medium: Memory (tmpfs sized to the limit)
    std::optional<std::int64_t> rootFreeBytes; // free space on the overlay root (a nearly full node disk)
    // `cat`/`tail -c` of a file deliver one byte flipped (a faulty proxy or NIC): only a checksum
    // compared with `sha256sum` in the pod notices.
    bool corruptReads = false;
    // Heap dumps are generated (SyntheticHeapDump) at about this size instead of the size of the
    // moment's leak: a benchmark needs a dump of hundreds of MB.
    std::optional<std::int64_t> dumpBytes;
};

// "no-jdk,memory-tmp,disk-free=1Mi,corrupt-reads,dump-bytes=256Mi" (for `sandbox serve --container`).
Result<ContainerVariation> parseContainerVariation(const std::string& spec);

class ContainerRuntime {
public:
    explicit ContainerRuntime(const SandboxModel& model);

    // For a service (all its pods) or one pod by name; a pod's own variation wins.
    void setVariation(const std::string& serviceOrPod, ContainerVariation variation);

    // Runs argv in the pod's application container at nowMs. The pod must be running (the caller
    // checks, and answers like the API server when it is not).
    // `debugContainer`: in an ephemeral container targeting the application's (kubectl debug
    // --target): a JDK image sharing its process namespace; the JVM's files are reached through
    // /proc/<pid>/root (the sandbox does not model the debug image's own file system layer).
    ExecOutput exec(
        std::size_t pod, const std::vector<std::string>& argv, std::int64_t nowMs, bool debugContainer = false);

    // The file system of the pod's current container run (created on first use).
    PodFileSystem& fileSystem(std::size_t pod, std::int64_t nowMs);
    ContainerInfo containerInfo(std::size_t pod, std::int64_t nowMs) const;

private:
    ContainerVariation variationOf(std::size_t pod) const;
    std::unique_ptr<PodFileSystem> makeFileSystem(std::size_t pod, std::int64_t nowMs) const;

    const SandboxModel& m_model;
    std::map<std::string, ContainerVariation> m_variations; // by service or pod name
    // by pod name: (container id of the run it belongs to, file system)
    std::map<std::string, std::pair<std::string, std::unique_ptr<PodFileSystem>>> m_fileSystems;
};

} // namespace leakdesk::sandbox
