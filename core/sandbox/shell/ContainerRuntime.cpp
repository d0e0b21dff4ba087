#include "core/sandbox/shell/ContainerRuntime.h"

#include "core/common/Quantity.h"

namespace leakdesk::sandbox {

namespace {
constexpr std::int64_t kRootCapacity = 101445540LL * 1024; // a 100 GB node disk, as df shows it
constexpr std::int64_t kRootUsed = 38LL * kGiB;
} // namespace

Result<ContainerVariation> parseContainerVariation(const std::string& spec)
{
    ContainerVariation v;
    std::size_t start = 0;
    while (start < spec.size()) {
        const std::size_t comma = spec.find(',', start);
        const std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        start = comma == std::string::npos ? spec.size() : comma + 1;
        const std::size_t eq = item.find('=');
        const std::string key = item.substr(0, eq);
        const std::string value = eq == std::string::npos ? std::string() : item.substr(eq + 1);
        auto bytes = [&](std::optional<std::int64_t>& out) -> Status {
            auto b = parseMemoryBytes(value);
            if (!b || *b < 0)
                return makeError(
                    ErrorCode::InvalidArgument, "'" + key + "' needs a size such as 1Mi, not '" + value + "'");
            out = *b;
            return Ok {};
        };
        if (key == "no-jdk")
            v.withoutJdkTools = true;
        else if (key == "memory-tmp")
            v.memoryBackedTmp = true;
        else if (key == "corrupt-reads")
            v.corruptReads = true;
        else if (key == "disk-free") {
            if (auto s = bytes(v.rootFreeBytes); !s)
                return s.error();
        } else if (key == "dump-bytes") {
            if (auto s = bytes(v.dumpBytes); !s)
                return s.error();
        } else if (!key.empty())
            return makeError(ErrorCode::InvalidArgument, "unknown container variation '" + key + "'",
                "use no-jdk, memory-tmp, disk-free=SIZE, corrupt-reads or dump-bytes=SIZE");
    }
    return v;
}

ContainerRuntime::ContainerRuntime(const SandboxModel& model)
    : m_model(model)
{ }

void ContainerRuntime::setVariation(const std::string& serviceOrPod, ContainerVariation variation)
{
    m_variations[serviceOrPod] = variation;
    m_fileSystems.clear(); // mounts change: every container starts over
}

ContainerVariation ContainerRuntime::variationOf(std::size_t pod) const
{
    const PodSpec& p = m_model.pods()[pod];
    auto it = m_variations.find(p.name);
    if (it == m_variations.end())
        it = m_variations.find(m_model.services()[p.service].name);
    return it == m_variations.end() ? ContainerVariation {} : it->second;
}

ContainerInfo ContainerRuntime::containerInfo(std::size_t pod, std::int64_t nowMs) const
{
    const PodSpec& p = m_model.pods()[pod];
    const ServiceSpec& s = m_model.services()[p.service];
    const ContainerVariation variation = variationOf(pod);
    ContainerInfo info;
    info.podName = p.name;
    info.container = s.name;
    info.service = s.name;
    info.jvm = s.jvm;
    info.jdkTools = s.jvm && !variation.withoutJdkTools;
    info.corruptReads = variation.corruptReads;
    info.dumpBytes = variation.dumpBytes;
    info.memoryLimitBytes = s.memoryLimitBytes;
    // checkout starts through an entrypoint script (PID 1) that execs nothing: the JVM is a child.
    info.jvmPid = s.profile == MemoryProfile::LeakToLimit ? 7 : 1;
    info.javaMain = "/app/app.jar --spring.profiles.active=production";
    info.seed = m_model.seed();
    double heap = 0;
    for (const auto& pool : SandboxModel::heapPoolIds())
        heap += m_model.jvmPoolUsedBytes(pod, pool, nowMs).value_or(0.0);
    info.heapUsedBytes = static_cast<std::int64_t>(heap);
    info.leakedBytes = s.jvm ? static_cast<std::int64_t>(m_model.leakedBytes(pod, nowMs).value_or(0.0)) : 0;
    return info;
}

std::unique_ptr<PodFileSystem> ContainerRuntime::makeFileSystem(std::size_t pod, std::int64_t nowMs) const
{
    const PodSpec& p = m_model.pods()[pod];
    const ServiceSpec& s = m_model.services()[p.service];
    const ContainerVariation variation = variationOf(pod);
    std::vector<Mount> mounts;
    Mount root { "overlay", "overlay", "/", kRootCapacity, kRootUsed };
    if (variation.rootFreeBytes)
        root.baseUsedBytes = kRootCapacity - *variation.rootFreeBytes;
    mounts.push_back(root);
    mounts.push_back({ "tmpfs", "tmpfs", "/dev", 64 * kMiB, 0 });
    mounts.push_back({ "shm", "tmpfs", "/dev/shm", 64 * kMiB, 0 });
    if (variation.memoryBackedTmp)
        mounts.push_back({ "tmpfs", "tmpfs", "/tmp", s.memoryLimitBytes, 0 });
    std::string procMounts;
    for (const Mount& m : mounts)
        procMounts += m.device + " " + m.mountPoint + " " + m.type + " rw,relatime 0 0\n";
    auto fs = std::make_unique<PodFileSystem>(std::move(mounts), nowMs);
    for (const char* dir : { "/app", "/tmp", "/etc", "/proc", "/var/tmp", "/opt/java/openjdk/bin", "/home/app" })
        fs->addDirectory(dir);
    const auto run = m_model.runIndexAt(pod, nowMs);
    const std::int64_t started = run ? p.runs[*run].startedMs : p.createdMs;
    // What a process-table scan reads when no JDK tool can list the JVMs: /proc/<pid>/cmdline.
    (void)fs->write("/proc/mounts", std::make_shared<const QByteArray>(QByteArray::fromStdString(procMounts)), started);
    auto cmdline = [&](int pid, const std::vector<std::string>& argv) {
        QByteArray bytes;
        for (const auto& a : argv) {
            bytes.append(QByteArray::fromStdString(a));
            bytes.append('\0'); // appended alone: QStringBuilder drops a '\0' in a concatenation
        }
        fs->addDirectory("/proc/" + std::to_string(pid));
        (void)fs->write(
            "/proc/" + std::to_string(pid) + "/cmdline", std::make_shared<const QByteArray>(bytes), started);
    };
    if (s.jvm) {
        const ContainerInfo info = containerInfo(pod, nowMs);
        const std::vector<std::string> java
            = { "java", "-XX:MaxRAMPercentage=75", "-jar", "/app/app.jar", "--spring.profiles.active=production" };
        if (info.jvmPid != 1)
            cmdline(1, { "/bin/sh", "/app/entrypoint.sh" });
        cmdline(info.jvmPid, java);
    } else {
        cmdline(1, { "/app/server", "--port=8080" });
    }
    (void)fs->write(
        "/etc/hostname", std::make_shared<const QByteArray>(QByteArray::fromStdString(p.name + "\n")), started);
    if (s.jvm) {
        // A stand-in for the service's jar: a zip end-of-central-directory record, so `file` and
        // sizes look plausible without shipping a real application.
        QByteArray jar(48 * 1024, '\0');
        jar.replace(jar.size() - 22, 4, QByteArrayView("PK\x05\x06", 4));
        (void)fs->write("/app/app.jar", std::make_shared<const QByteArray>(jar), p.createdMs);
        (void)fs->write("/app/entrypoint.sh",
            std::make_shared<const QByteArray>("#!/bin/sh\nexec java $JAVA_TOOL_OPTIONS -jar /app/app.jar \"$@\"\n"),
            p.createdMs, 0755);
    }
    return fs;
}

PodFileSystem& ContainerRuntime::fileSystem(std::size_t pod, std::int64_t nowMs)
{
    const PodSpec& p = m_model.pods()[pod];
    const auto run = m_model.runIndexAt(pod, nowMs);
    const std::string containerId = run ? p.runs[*run].containerId : std::string();
    auto& slot = m_fileSystems[p.name];
    if (!slot.second || slot.first != containerId)
        slot = { containerId, makeFileSystem(pod, nowMs) };
    return *slot.second;
}

ExecOutput ContainerRuntime::exec(
    std::size_t pod, const std::vector<std::string>& argv, std::int64_t nowMs, bool debugContainer)
{
    ContainerInfo info = containerInfo(pod, nowMs);
    if (debugContainer) {
        info.jdkTools = true;
        info.jvm = true;
        info.procRootPid = info.jvmPid;
    }
    ContainerShell shell(info, fileSystem(pod, nowMs));
    return shell.run(argv, nowMs);
}

} // namespace leakdesk::sandbox
