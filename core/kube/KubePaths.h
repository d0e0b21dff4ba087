#pragma once
// Every Kubernetes API path LeakDesk uses, in one place (the sandbox serves the same ones).

#include "core/kube/Workloads.h"

#include <QString>

namespace leakdesk::kube::paths {

inline QString version() { return QStringLiteral("/version"); }
inline QString namespaces() { return QStringLiteral("/api/v1/namespaces"); }
inline QString pods(const QString& ns) { return QStringLiteral("/api/v1/namespaces/%1/pods").arg(ns); }
inline QString pod(const QString& ns, const QString& name) { return pods(ns) + QLatin1Char('/') + name; }
inline QString podExec(const QString& ns, const QString& name) { return pod(ns, name) + QStringLiteral("/exec"); }
inline QString services(const QString& ns) { return QStringLiteral("/api/v1/namespaces/%1/services").arg(ns); }
inline QString servicesAllNamespaces() { return QStringLiteral("/api/v1/services"); }
// The API server's service proxy: `service` is NAME, NAME:PORT or SCHEME:NAME:PORT (PORT a name or
// number); what follows is the path on the Service's port.
inline QString serviceProxy(const QString& ns, const QString& service)
{
    return QStringLiteral("/api/v1/namespaces/%1/services/%2/proxy").arg(ns, service);
}
inline QString endpoints(const QString& ns, const QString& name) { return QStringLiteral("/api/v1/namespaces/%1/endpoints/%2").arg(ns, name); }
inline QString events(const QString& ns) { return QStringLiteral("/api/v1/namespaces/%1/events").arg(ns); }
inline QString eventsAllNamespaces() { return QStringLiteral("/api/v1/events"); }
inline QString nodes() { return QStringLiteral("/api/v1/nodes"); }
inline QString limitRanges(const QString& ns) { return QStringLiteral("/api/v1/namespaces/%1/limitranges").arg(ns); }
inline QString resourceQuotas(const QString& ns) { return QStringLiteral("/api/v1/namespaces/%1/resourcequotas").arg(ns); }
inline QString deployments(const QString& ns) { return QStringLiteral("/apis/apps/v1/namespaces/%1/deployments").arg(ns); }
inline QString deployment(const QString& ns, const QString& name) { return deployments(ns) + QLatin1Char('/') + name; }
inline QString replicaSets(const QString& ns) { return QStringLiteral("/apis/apps/v1/namespaces/%1/replicasets").arg(ns); }
inline QString replicaSet(const QString& ns, const QString& name) { return replicaSets(ns) + QLatin1Char('/') + name; }
// Any workload kind's list in a namespace, and one of them: "/apis/apps/v1/namespaces/NS/statefulsets[/NAME]".
inline QString workloads(WorkloadKind kind, const QString& ns)
{
    return QStringLiteral("/apis/%1/namespaces/%2/%3")
        .arg(QString::fromLatin1(workloadApiVersion(kind)), ns, QString::fromLatin1(workloadResource(kind)));
}
inline QString workload(WorkloadKind kind, const QString& ns, const QString& name)
{
    return workloads(kind, ns) + QLatin1Char('/') + name;
}
inline QString podMetrics(const QString& ns) { return QStringLiteral("/apis/metrics.k8s.io/v1beta1/namespaces/%1/pods").arg(ns); }
inline QString selfSubjectAccessReviews() { return QStringLiteral("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"); }

} // namespace leakdesk::kube::paths
