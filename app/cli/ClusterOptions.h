#pragma once
// The options the investigating subcommands (investigate, oom) share: which cluster
// (app::ClusterTargetOptions, with Prometheus), --service or --workload, --format, --window, --timeout, --now-ms;
// and running one investigation with them.

#include "ClusterTargetOptions.h"

#include "core/investigation/ClusterConnection.h"
#include "core/investigation/Findings.h"
#include "core/kube/Workloads.h"

#include <QCommandLineParser>

#include <functional>
#include <memory>

namespace leakdesk::cli {

class ClusterOptions {
public:
    explicit ClusterOptions(QCommandLineParser& parser);

    // What to investigate comes from elsewhere (investigate --from-alert): --service/--workload
    // are then not required, and not allowed.
    void takeTargetFromElsewhere() { m_targetElsewhere = true; }

    // Validates the parsed values; prints the problem and returns false (exit code 2) when wrong.
    bool validate() const;
    QString format() const;
    // What to investigate: --workload KIND/NAME, or --service NAME (a bare name: a Service first).
    Result<kube::WorkloadRef> target() const;
    const app::ClusterTargetOptions& cluster() const { return m_cluster; }
    // `chosen` (namespace, workload) replaces --namespace and --service/--workload when given.
    investigation::InvestigationRequest request(const investigation::ClusterConnection& connection,
        const std::optional<std::pair<std::string, kube::WorkloadRef>>& chosen = std::nullopt) const;
    int timeoutSeconds() const;

private:
    QCommandLineParser& m_parser;
    app::ClusterTargetOptions m_cluster;
    QCommandLineOption m_service, m_workload, m_format, m_window, m_timeout, m_nowMs;
    bool m_targetElsewhere = false;
};

// Chooses the namespace and workload once the cluster is reached (investigate --from-alert).
using ChooseTarget
    = std::function<Result<std::pair<std::string, kube::WorkloadRef>>(investigation::ClusterConnection&)>;

// Opens the connection (starting the sandbox when asked), runs steps 1-2, and hands the findings and
// the connection to `onFindings`, which returns the exit code. Errors are printed; returns 1 on failure.
int runInvestigation(const ClusterOptions& options,
    const std::function<int(const investigation::Findings&, const investigation::ClusterConnection&)>& onFindings,
    const ChooseTarget& chooseTarget = {});

} // namespace leakdesk::cli
