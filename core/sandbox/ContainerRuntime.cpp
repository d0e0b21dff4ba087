#include "sandbox/ContainerRuntime.h"

namespace leakdesk::sandbox {

namespace {
constexpr std::int64_t kRootCapacity = 101445540LL * 1024; // a 100 GB node disk, as df shows it
constexpr std::int64_t kRootUsed = 38LL * kGiB;
} // namespace

ContainerRuntime::ContainerRuntime(const SandboxModel& model)
    : m_model(model)
{ }

void ContainerRuntime::setVariation(const std::string& service, ContainerVariation variation)
{
    m_variations[service] = variation;
    m_fileSystems.clear(); // mounts change: every container starts over
}

ContainerInfo ContainerRuntime::containerInfo(std::size_t pod, std::int64_t nowMs) const
{
    const PodSpec& p = m_model.pods()[pod];
    const ServiceSpec& s = m_model.services()[p.service];
    const auto variation = m_variations.find(s.name);
    ContainerInfo info;
    info.podName = p.name;
    info.container = s.name;
    info.jvm = s.jvm;
    info.jdkTools = s.jvm && !(variation != m_variations.end() && variation->second.withoutJdkTools);
    // checkout starts through an entrypoint script (PID 1) that execs nothing: the JVM is a child.
    info.jvmPid = s.profile == MemoryProfile::LeakToLimit ? 7 : 1;
    info.javaMain = "/app/app.jar --spring.profiles.active=production";
    info.seed = m_model.seed();
    double heap = 0;
    for (const auto& pool : SandboxModel::heapPoolIds())
        heap += m_model.jvmPoolUsedBytes(pod, pool, nowMs).value_or(0.0);
    info.heapUsedBytes = static_cast<std::int64_t>(heap);
    return info;
}

std::unique_ptr<PodFileSystem> ContainerRuntime::makeFileSystem(std::size_t pod, std::int64_t nowMs) const
{
    const PodSpec& p = m_model.pods()[pod];
    const ServiceSpec& s = m_model.services()[p.service];
    const auto it = m_variations.find(s.name);
    const ContainerVariation variation = it == m_variations.end() ? ContainerVariation {} : it->second;
    std::vector<Mount> mounts;
    Mount root { "overlay", "overlay", "/", kRootCapacity, kRootUsed };
    if (variation.rootFreeBytes)
        root.baseUsedBytes = kRootCapacity - *variation.rootFreeBytes;
    mounts.push_back(root);
    mounts.push_back({ "tmpfs", "tmpfs", "/dev", 64 * kMiB, 0 });
    mounts.push_back({ "shm", "tmpfs", "/dev/shm", 64 * kMiB, 0 });
    if (variation.memoryBackedTmp)
        mounts.push_back({ "tmpfs", "tmpfs", "/tmp", s.memoryLimitBytes, 0 });
    auto fs = std::make_unique<PodFileSystem>(std::move(mounts), nowMs);
    for (const char* dir : { "/app", "/tmp", "/etc", "/proc", "/var/tmp", "/opt/java/openjdk/bin", "/home/app" })
        fs->addDirectory(dir);
    const auto run = m_model.runIndexAt(pod, nowMs);
    const std::int64_t started = run ? p.runs[*run].startedMs : p.createdMs;
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

ExecOutput ContainerRuntime::exec(std::size_t pod, const std::vector<std::string>& argv, std::int64_t nowMs)
{
    ContainerShell shell(containerInfo(pod, nowMs), fileSystem(pod, nowMs));
    return shell.run(argv, nowMs);
}

} // namespace leakdesk::sandbox
