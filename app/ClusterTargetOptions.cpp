#include "ClusterTargetOptions.h"

#include "SandboxSession.h"

#include "core/sandbox/SandboxHost.h"

namespace leakdesk::app {

QString UsageProblem::text() const
{
    return hint.isEmpty() ? message : message + QStringLiteral(" (") + hint + QLatin1Char(')');
}

ClusterTargetOptions::ClusterTargetOptions(QCommandLineParser& parser, Uses uses)
    : m_parser(parser)
    , m_uses(uses)
    , m_sandbox(QStringLiteral("sandbox"), QStringLiteral("Use the built-in simulated cluster (in this process)."))
    , m_seed(QStringLiteral("seed"), QStringLiteral("Sandbox seed."), QStringLiteral("N"), QStringLiteral("42"))
    , m_kubeconfig(QStringLiteral("kubeconfig"),
          QStringLiteral("kubeconfig file (default: KUBECONFIG or ~/.kube/config)."), QStringLiteral("FILE"))
    , m_context(QStringLiteral("context"), QStringLiteral("kubeconfig context (default: current-context)."),
          QStringLiteral("NAME"))
    , m_namespace({ QStringLiteral("n"), QStringLiteral("namespace") },
          QStringLiteral("Namespace (default: the context's)."), QStringLiteral("NS"))
    , m_prometheus(QStringLiteral("prometheus"),
          QStringLiteral("Prometheus base URL, e.g. http://127.0.0.1:9090, or k8s://NAMESPACE/SERVICE:PORT to reach "
                         "one inside the cluster through the API server's service proxy. Without it (and without "
                         "--sandbox) LeakDesk looks for one among the cluster's Services."),
          QStringLiteral("URL"))
    , m_prometheusCa(QStringLiteral("prometheus-ca"),
          QStringLiteral(
              "PEM file of the CA that signed an https Prometheus's certificate (default: the system's CAs)."),
          QStringLiteral("FILE"))
    , m_prometheusTokenFile(QStringLiteral("prometheus-token-file"),
          QStringLiteral("File holding a bearer token for Prometheus (managed Prometheus, an authenticating proxy)."),
          QStringLiteral("FILE"))
    , m_prometheusInsecure(QStringLiteral("prometheus-insecure-skip-tls-verify"),
          QStringLiteral("Do not verify Prometheus's certificate (unsafe; for test servers)."))
    , m_noPrometheus(QStringLiteral("no-prometheus"),
          QStringLiteral("Investigate with the cluster's evidence alone (pods, kubectl top, restarts, OOM kills): "
                         "no memory history, baseline or traffic."))
    , m_scenario(QStringLiteral("scenario"),
          QStringLiteral("Also load this file's Kubernetes manifests into the sandbox; their sim.leakdesk.io "
                         "annotations say how the containers use memory (repeatable)."),
          QStringLiteral("FILE"))
{
    parser.addOptions({ m_sandbox, m_seed, m_kubeconfig, m_context, m_namespace, m_scenario });
    if (m_uses.prometheus)
        parser.addOptions(
            { m_prometheus, m_prometheusCa, m_prometheusTokenFile, m_prometheusInsecure, m_noPrometheus });
}

bool ClusterTargetOptions::sandbox() const
{
    if (m_parser.isSet(m_sandbox))
        return true;
    return m_uses.sandboxWhenNoCluster && !m_parser.isSet(m_kubeconfig)
        && !(m_uses.prometheus && m_parser.isSet(m_prometheus));
}

quint64 ClusterTargetOptions::seed() const
{
    return m_parser.value(m_seed).toULongLong();
}

bool ClusterTargetOptions::namespaceGiven() const
{
    return m_parser.isSet(m_namespace);
}

QString ClusterTargetOptions::namespaceName() const
{
    return m_parser.value(m_namespace);
}

std::optional<UsageProblem> ClusterTargetOptions::validate() const
{
    if (m_parser.isSet(m_sandbox) && (m_parser.isSet(m_kubeconfig) || m_parser.isSet(m_context)))
        return UsageProblem { QStringLiteral("--sandbox and --kubeconfig/--context exclude each other"), {} };
    if (m_parser.isSet(m_scenario) && !sandbox())
        return UsageProblem { QStringLiteral("--scenario is for the sandbox"),
            QStringLiteral("add --sandbox, or point --kubeconfig at a cluster that runs the manifests") };
    bool ok = false;
    (void)m_parser.value(m_seed).toULongLong(&ok);
    if (!ok)
        return UsageProblem { QStringLiteral("invalid --seed '%1'").arg(m_parser.value(m_seed)), {} };
    if (!m_uses.prometheus)
        return std::nullopt;
    if (m_parser.isSet(m_noPrometheus) && m_parser.isSet(m_prometheus))
        return UsageProblem { QStringLiteral("--prometheus and --no-prometheus exclude each other"), {} };
    if (m_parser.isSet(m_prometheusCa) && m_parser.isSet(m_prometheusInsecure))
        return UsageProblem { QStringLiteral(
                                  "--prometheus-ca and --prometheus-insecure-skip-tls-verify exclude each other"),
            QStringLiteral("verify with the CA, or (for a test server only) skip verification") };
    if (sandbox()
        && (m_parser.isSet(m_prometheusCa) || m_parser.isSet(m_prometheusTokenFile)
            || m_parser.isSet(m_prometheusInsecure)))
        return UsageProblem { QStringLiteral(
                                  "--prometheus-ca, --prometheus-token-file and --prometheus-insecure-skip-tls-verify "
                                  "are for a real Prometheus, not --sandbox"),
            {} };
    return std::nullopt;
}

investigation::ConnectionOptions ClusterTargetOptions::givenOptions() const
{
    investigation::ConnectionOptions o;
    o.kubeconfig = m_parser.value(m_kubeconfig);
    o.context = m_parser.value(m_context);
    if (m_uses.prometheus) {
        o.prometheusUrl = QUrl(m_parser.value(m_prometheus));
        o.prometheusCaFile = m_parser.value(m_prometheusCa);
        o.prometheusTokenFile = m_parser.value(m_prometheusTokenFile);
        o.prometheusInsecureSkipTlsVerify = m_parser.isSet(m_prometheusInsecure);
        o.noPrometheus = m_parser.isSet(m_noPrometheus);
    }
    return o;
}

Result<investigation::ConnectionOptions> ClusterTargetOptions::resolve(SandboxSession& session) const
{
    return resolve(session, sandbox::SandboxOptions {});
}

Result<investigation::ConnectionOptions> ClusterTargetOptions::resolve(
    SandboxSession& session, const sandbox::SandboxOptions& sandboxOptions) const
{
    if (!sandbox())
        return givenOptions();
    sandbox::SandboxOptions so = sandboxOptions;
    so.seed = seed();
    so.scenarioFiles += m_parser.values(m_scenario);
    if (auto st = session.start(so); !st)
        return st.error();
    investigation::ConnectionOptions o = session.connectionOptions();
    o.noPrometheus = m_uses.prometheus && m_parser.isSet(m_noPrometheus);
    return o;
}

} // namespace leakdesk::app
