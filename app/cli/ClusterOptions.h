#pragma once
// The options every cluster-facing subcommand shares (--sandbox | --kubeconfig/--context/--prometheus
// [--prometheus-ca/--prometheus-token-file/--prometheus-insecure-skip-tls-verify], --namespace,
// --service, --format, --timeout) and running one investigation with them.

#include "investigation/ClusterConnection.h"
#include "investigation/Findings.h"

#include <QCommandLineParser>

#include <functional>
#include <memory>

namespace leakdesk::cli {

class ClusterOptions {
public:
    explicit ClusterOptions(QCommandLineParser& parser);

    // Validates the parsed values; prints the problem and returns false (exit code 2) when wrong.
    bool validate() const;
    QString format() const;
    investigation::ConnectionOptions connectionOptions() const;
    investigation::InvestigationRequest request(const investigation::ClusterConnection& connection) const;
    int timeoutSeconds() const;

private:
    QCommandLineParser& m_parser;
    QCommandLineOption m_sandbox, m_seed, m_kubeconfig, m_context, m_prometheus, m_prometheusCa, m_prometheusTokenFile,
        m_prometheusInsecure, m_namespace, m_service, m_format, m_window, m_timeout, m_nowMs;
};

// Opens the connection, runs steps 1-2, and hands the findings to `onFindings`, which returns the
// exit code. Errors are printed; returns 1 on failure.
int runInvestigation(const ClusterOptions& options, const std::function<int(const investigation::Findings&)>& onFindings);

} // namespace leakdesk::cli
