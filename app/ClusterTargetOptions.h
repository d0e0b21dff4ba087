#pragma once
// The one way to say which cluster, for every leakdesk-cli command and the GUI: --sandbox [--seed]
// [--clock-speed N] [--scenario FILE]... or --kubeconfig/--context, -n/--namespace, and (where
// Prometheus is read) --prometheus with
// --prometheus-ca/--prometheus-token-file/--prometheus-insecure-skip-tls-verify/--prometheus-header/
// --prometheus-param, and the config file (--config, default ~/.config/leakdesk/config.yaml) that
// says the same per kube context. Declared once, checked once (validate), and turned into the
// connection options (resolve, which starts the sandbox when asked).

#include "core/common/Result.h"
#include "core/investigation/ClusterConnection.h"
#include "core/prometheus/PromConfigFile.h"

#include <QCommandLineOption>
#include <QCommandLineParser>

#include <map>
#include <optional>
#include <string>

namespace leakdesk::sandbox {
struct SandboxOptions;
}

namespace leakdesk::app {

class SandboxSession;

// A command line that cannot work: what is wrong and what to pass instead (may be empty).
struct UsageProblem {
    QString message;
    QString hint;
    QString text() const; // "message (hint)"
};

class ClusterTargetOptions {
public:
    struct Uses {
        bool prometheus = false; // the Prometheus options (investigate, oom, the GUI)
        bool sandboxWhenNoCluster = false; // the GUI: neither --kubeconfig nor --prometheus means --sandbox
    };
    // Adds the options to `parser`, which must outlive this object.
    ClusterTargetOptions(QCommandLineParser& parser, Uses uses);

    // After parsing: the first problem, or nothing when the options can work.
    std::optional<UsageProblem> validate() const;

    bool sandbox() const;
    quint64 seed() const;
    // --clock-speed: the sandbox's simulated time runs this many times as fast as the wall clock.
    std::optional<double> clockSpeed() const;
    bool namespaceGiven() const;
    QString namespaceName() const;

    // Starts the sandbox in `session` when asked (`sandboxOptions` carries a command's own sandbox
    // settings; its seed is --seed) and returns what reaches the cluster: the sandbox's kubeconfig,
    // context and URL, or the ones given.
    Result<investigation::ConnectionOptions> resolve(SandboxSession& session) const;
    Result<investigation::ConnectionOptions> resolve(
        SandboxSession& session, const sandbox::SandboxOptions& sandboxOptions) const;

    // The config file in effect: --config, or the default path.
    QString configPath() const;

private:
    Result<investigation::ConnectionOptions> givenOptions() const;
    // The config file's entry for the kube context in effect (--context, or the kubeconfig's
    // current-context); nothing when the file or the entry does not exist.
    Result<std::optional<prometheus::PromContextSettings>> configEntry() const;
    // --prometheus-header and --prometheus-param, checked.
    Result<QList<prometheus::PromHeader>> givenHeaders() const;
    Result<QList<prometheus::PromParam>> givenParams() const;
    // --metric KIND=NAME as a map (the config file's `metrics:` shape); an error names the bad one.
    Result<std::map<std::string, std::string>> metricOverrides() const;

    QCommandLineParser& m_parser;
    Uses m_uses;
    QCommandLineOption m_sandbox, m_seed, m_kubeconfig, m_context, m_namespace, m_prometheus, m_prometheusCa,
        m_prometheusTokenFile, m_prometheusInsecure, m_noPrometheus, m_prometheusHeader, m_prometheusParam, m_config,
        m_scenario, m_scaleWorkloads, m_clockSpeed;
    QCommandLineOption m_metric, m_metricsNaming; // metric dialects: names to use, the sandbox's names
};

} // namespace leakdesk::app
