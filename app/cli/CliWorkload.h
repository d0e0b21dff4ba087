#pragma once
// What the cluster-changing subcommands (mitigate, isolate, heap capture) share for naming a
// workload (issue 16): --workload KIND/NAME, --service NAME, and --deployment NAME as a synonym of
// --workload deployment/NAME; resolved through kube::fetchWorkload to the workload and its pods.

#include "core/actions/WorkloadTarget.h"
#include "core/common/Result.h"
#include "core/kube/WorkloadResolution.h"

#include <QCommandLineOption>
#include <QCommandLineParser>

#include <optional>
#include <string>

namespace leakdesk::kube {
class KubeClient;
}

namespace leakdesk::cli {

class WorkloadOptions {
public:
    // Adds --workload and --service (and --deployment when `withDeployment`) to `parser`.
    WorkloadOptions(QCommandLineParser& parser, bool withDeployment);

    bool given() const; // any of them
    // After parsing: at most one given, and a KIND/NAME that parses; prints the problem (exit 2).
    bool validate() const;
    // What the user named: a ref with a kind for --workload KIND/NAME and --deployment, Service for
    // --service, no kind for a bare --workload NAME.
    kube::WorkloadRef ref() const;
    // The flag as typed, for messages: "--workload sts/search".
    std::string typed() const;

private:
    QCommandLineParser& m_p;
    bool m_withDeployment;
    QCommandLineOption m_workload, m_service, m_deployment;
};

// Resolves `ref` in `ns` (fetchWorkload), waiting up to `timeoutS`; notes go to stderr.
Result<kube::ResolvedWorkload> resolveWorkload(
    kube::KubeClient& client, const std::string& ns, const kube::WorkloadRef& ref, int timeoutS);

// The pod of a resolved workload to work on: the first Ready one by name (else the first), and its
// main container. NotFound when the workload has no pod.
struct ChosenPod {
    std::string pod;
    std::string mainContainer;
};
Result<ChosenPod> choosePod(const kube::ResolvedWorkload& workload);

} // namespace leakdesk::cli
