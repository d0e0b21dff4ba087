#pragma once
// The sandbox's container runtime for exec: one in-memory file system per container run (a
// restart after an OOM kill starts from a fresh writable layer, as with a real runtime), the
// container's process table (the JVM is PID 7 behind an entrypoint shell in checkout, PID 1 in
// payments; catalog is not a JVM), and per-service image/mount variations that reproduce what goes
// wrong with heap dumps in real clusters: no JDK tools in the image, /tmp memory-backed, a full disk.

#include "sandbox/ContainerShell.h"
#include "sandbox/PodFileSystem.h"
#include "sandbox/SandboxModel.h"

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
};

class ContainerRuntime {
public:
    explicit ContainerRuntime(const SandboxModel& model);

    void setVariation(const std::string& service, ContainerVariation variation);

    // Runs argv in the pod's application container at nowMs. The pod must be running (the caller
    // checks, and answers like the API server when it is not).
    ExecOutput exec(std::size_t pod, const std::vector<std::string>& argv, std::int64_t nowMs);

    // The file system of the pod's current container run (created on first use).
    PodFileSystem& fileSystem(std::size_t pod, std::int64_t nowMs);
    ContainerInfo containerInfo(std::size_t pod, std::int64_t nowMs) const;

private:
    std::unique_ptr<PodFileSystem> makeFileSystem(std::size_t pod, std::int64_t nowMs) const;

    const SandboxModel& m_model;
    std::map<std::string, ContainerVariation> m_variations; // by service
    // by pod name: (container id of the run it belongs to, file system)
    std::map<std::string, std::pair<std::string, std::unique_ptr<PodFileSystem>>> m_fileSystems;
};

} // namespace leakdesk::sandbox
