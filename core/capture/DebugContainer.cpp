#include "core/capture/DebugContainer.h"

#include "core/kube/KubePaths.h"

namespace leakdesk::capture {

DebugContainerPlan planDebugContainer(
    const nlohmann::json& pod, const QString& targetContainer, const QString& image, const QString& suffix)
{
    DebugContainerPlan plan;
    const auto meta = pod.value("metadata", nlohmann::json::object());
    const QString ns = QString::fromStdString(meta.value("namespace", ""));
    const QString name = QString::fromStdString(meta.value("name", ""));
    plan.name = QStringLiteral("leakdesk-jdk-") + suffix;
    plan.image = image;
    plan.targetContainer = targetContainer;
    plan.apiPath = kube::paths::pod(ns, name) + QStringLiteral("/ephemeralcontainers");

    nlohmann::json container = {
        { "name", plan.name.toStdString() },
        { "image", image.toStdString() },
        { "imagePullPolicy", "IfNotPresent" },
        // Ends by itself: an ephemeral container cannot be removed once added.
        { "command", { "sleep", "3600" } },
        { "targetContainerName", targetContainer.toStdString() },
        { "terminationMessagePolicy", "File" },
        { "stdin", false },
        { "tty", false },
    };
    // The attach API only lets the JVM's own user in: copy the target's user, group and the pod's.
    nlohmann::json security = nlohmann::json::object();
    const auto spec = pod.value("spec", nlohmann::json::object());
    for (const auto& c : spec.value("containers", nlohmann::json::array())) {
        if (c.value("name", "") != targetContainer.toStdString())
            continue;
        const auto sc = c.value("securityContext", nlohmann::json::object());
        for (const char* key : { "runAsUser", "runAsGroup", "runAsNonRoot" })
            if (sc.contains(key))
                security[key] = sc[key];
    }
    const auto podSecurity = spec.value("securityContext", nlohmann::json::object());
    for (const char* key : { "runAsUser", "runAsGroup" })
        if (!security.contains(key) && podSecurity.contains(key))
            security[key] = podSecurity[key];
    if (!security.empty())
        container["securityContext"] = security;
    plan.patch = { { "spec", { { "ephemeralContainers", nlohmann::json::array({ container }) } } } };
    plan.kubectlEquivalent
        = QStringLiteral("kubectl debug -n %1 %2 --image=%3 --target=%4 --container=%5 -- sleep 3600")
              .arg(ns, name, image, targetContainer, plan.name);
    plan.dumpHint = QStringLiteral(
        "then in %1: jcmd -l (the JVM keeps its PID), jcmd <pid> GC.heap_dump -gz=1 /tmp/<file> (written in the JVM's "
        "/tmp), and read it as /proc/<pid>/root/tmp/<file>")
                        .arg(plan.name);
    return plan;
}

} // namespace leakdesk::capture
