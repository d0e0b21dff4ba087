#pragma once
// The ephemeral debug container offered when the application's image has no JDK tools (a JRE-only
// or distroless image): what `kubectl debug POD --image=JDK --target=CONTAINER` creates, as the
// strategic-merge PATCH of the `ephemeralcontainers` subresource kubectl sends (Kubernetes 1.23+).
// With --target the debug container shares the target's process namespace, so its jcmd sees the JVM
// and attaches through /proc/<pid>/root/tmp; it must run as the JVM's user for the attach to work.

#include <QString>

#include <nlohmann/json.hpp>

namespace leakdesk::capture {

struct DebugContainerPlan {
    QString name; // leakdesk-jdk-<suffix>
    QString image;
    QString targetContainer;
    QString apiPath; // /api/v1/namespaces/NS/pods/POD/ephemeralcontainers
    nlohmann::json patch; // {"spec":{"ephemeralContainers":[...]}}
    QString kubectlEquivalent;
    // The commands the capture then runs in the debug container instead of the application's.
    QString dumpHint;
};

// `pod` is the Pod object as the API returns it; `suffix` makes the name unique (ephemeral
// containers can be added but never removed or renamed).
DebugContainerPlan planDebugContainer(
    const nlohmann::json& pod, const QString& targetContainer, const QString& image, const QString& suffix);

} // namespace leakdesk::capture
