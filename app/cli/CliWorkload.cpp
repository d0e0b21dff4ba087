#include "CliWorkload.h"

#include "CliCluster.h"
#include "CliCommand.h"

#include "core/kube/JsonAccess.h"
#include "core/kube/KubeClient.h"

#include <algorithm>
#include <iostream>

namespace leakdesk::cli {

using nlohmann::json;

WorkloadOptions::WorkloadOptions(QCommandLineParser& parser, bool withDeployment)
    : m_p(parser)
    , m_withDeployment(withDeployment)
    , m_workload(QStringLiteral("workload"),
          QStringLiteral("Workload as KIND/NAME: deployment/deploy, statefulset/sts, daemonset/ds, rollout, "
                         "replicaset/rs, job, cronjob (kubectl's names); a bare NAME is a Service, else a workload."),
          QStringLiteral("KIND/NAME"))
    , m_service(QStringLiteral("service"),
          QStringLiteral("Kubernetes Service: the workload whose pods it selects (else a workload of that name)."),
          QStringLiteral("NAME"))
    , m_deployment(
          QStringLiteral("deployment"), QStringLiteral("Same as --workload deployment/NAME."), QStringLiteral("NAME"))
{
    parser.addOption(m_workload);
    parser.addOption(m_service);
    if (withDeployment)
        parser.addOption(m_deployment);
}

bool WorkloadOptions::given() const
{
    return m_p.isSet(m_workload) || m_p.isSet(m_service) || (m_withDeployment && m_p.isSet(m_deployment));
}

bool WorkloadOptions::validate() const
{
    const int count = (m_p.isSet(m_workload) ? 1 : 0) + (m_p.isSet(m_service) ? 1 : 0)
        + (m_withDeployment && m_p.isSet(m_deployment) ? 1 : 0);
    if (count > 1) {
        printError(QStringLiteral("name the workload once: --workload, --service%1")
                       .arg(m_withDeployment ? QStringLiteral(" or --deployment") : QString()));
        return false;
    }
    if (m_p.isSet(m_workload)) {
        const auto ref = kube::parseWorkloadRef(m_p.value(m_workload).toStdString());
        if (!ref) {
            printError(QString::fromStdString(ref.error().message), QString::fromStdString(ref.error().detail));
            return false;
        }
    }
    for (const QCommandLineOption* o : { &m_service, &m_deployment })
        if ((o != &m_deployment || m_withDeployment) && m_p.isSet(*o)
            && !kube::parseWorkloadRef(m_p.value(*o).toStdString())) {
            printError(QStringLiteral("'%1' is not a valid object name").arg(m_p.value(*o)));
            return false;
        }
    return true;
}

kube::WorkloadRef WorkloadOptions::ref() const
{
    if (m_p.isSet(m_service))
        return { kube::WorkloadKind::Service, m_p.value(m_service).toStdString() };
    if (m_withDeployment && m_p.isSet(m_deployment))
        return { kube::WorkloadKind::Deployment, m_p.value(m_deployment).toStdString() };
    auto parsed = kube::parseWorkloadRef(m_p.value(m_workload).toStdString());
    return parsed ? *parsed : kube::WorkloadRef {};
}

std::string WorkloadOptions::typed() const
{
    if (m_p.isSet(m_service))
        return "--service " + m_p.value(m_service).toStdString();
    if (m_withDeployment && m_p.isSet(m_deployment))
        return "--deployment " + m_p.value(m_deployment).toStdString();
    return "--workload " + m_p.value(m_workload).toStdString();
}

Result<kube::ResolvedWorkload> resolveWorkload(
    kube::KubeClient& client, const std::string& ns, const kube::WorkloadRef& ref, int timeoutS)
{
    auto resolved = await<kube::ResolvedWorkload>(
        [&](auto cb) { kube::fetchWorkload(client, QString::fromStdString(ns), ref, nullptr, cb); }, timeoutS);
    if (resolved)
        for (const auto& n : resolved->notes)
            std::cerr << "note: " << n << "\n";
    return resolved;
}

Result<ChosenPod> choosePod(const kube::ResolvedWorkload& workload)
{
    std::vector<const json*> pods;
    for (const json& p : workload.pods)
        pods.push_back(&p);
    if (pods.empty())
        return makeError(
            ErrorCode::NotFound, workload.workload.text() + " has no pod", "is it scaled to zero, or between runs?");
    auto ready = [](const json& pod) {
        const json& conditions = kube::jsonAt(pod, { "status", "conditions" });
        if (conditions.is_array())
            for (const json& c : conditions)
                if (kube::jsonString(c, { "type" }) == "Ready")
                    return kube::jsonString(c, { "status" }) == "True";
        return false;
    };
    std::stable_sort(pods.begin(), pods.end(), [&](const json* a, const json* b) {
        const bool ra = ready(*a);
        const bool rb = ready(*b);
        if (ra != rb)
            return ra;
        return kube::jsonString(*a, { "metadata", "name" }) < kube::jsonString(*b, { "metadata", "name" });
    });
    ChosenPod chosen;
    chosen.pod = kube::jsonString(*pods.front(), { "metadata", "name" });
    for (const auto& c : kube::classifyContainers(*pods.front(), workload.workload.name))
        if (c.role == kube::ContainerRole::Main)
            chosen.mainContainer = c.name;
    return chosen;
}

} // namespace leakdesk::cli
