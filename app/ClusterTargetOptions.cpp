#include "ClusterTargetOptions.h"

#include "SandboxSession.h"

#include "core/kube/KubeConfig.h"
#include "core/sandbox/SandboxHost.h"
#include "core/sandbox/scenario/ScaleWorkloads.h"

#include <algorithm>

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
    , m_prometheusHeader(QStringLiteral("prometheus-header"),
          QStringLiteral("Send this header with every Prometheus request, e.g. 'X-Scope-OrgID: tenant-1' for a "
                         "Mimir/Cortex tenant (repeatable; values are never shown or logged)."),
          QStringLiteral("'NAME: VALUE'"))
    , m_prometheusParam(QStringLiteral("prometheus-param"),
          QStringLiteral("Add this parameter to every Prometheus request, e.g. dedup=true or partial_response=false "
                         "for Thanos (repeatable)."),
          QStringLiteral("KEY=VALUE"))
    , m_config(QStringLiteral("config"),
          QStringLiteral(
              "LeakDesk config file: how to reach Prometheus per kube context (default: "
              "$XDG_CONFIG_HOME/leakdesk/config.yaml or ~/.config/leakdesk/config.yaml); flags override it."),
          QStringLiteral("FILE"))
    , m_scenario(QStringLiteral("scenario"),
          QStringLiteral("Also load this file's Kubernetes manifests into the sandbox; their sim.leakdesk.io "
                         "annotations say how the containers use memory (repeatable)."),
          QStringLiteral("FILE"))
    , m_scaleWorkloads(QStringLiteral("scale-workloads"),
          QStringLiteral("Add N synthetic workloads to the sandbox (3 pods each, namespaces fleet-NN), a known few "
                         "leaking (index % 50 == 7 fast, == 39 slowly): the radar at fleet size."),
          QStringLiteral("N"))
    , m_clockSpeed(QStringLiteral("clock-speed"),
          QStringLiteral("The sandbox's simulated time runs N times as fast as the wall clock (e.g. 60: an hour a "
                         "minute), from now on; its history, metrics, events and pods all follow it."),
          QStringLiteral("N"))
    , m_metric(QStringLiteral("metric"),
          QStringLiteral("Use this metric or label name instead of the probed one (repeatable), e.g. "
                         "memory_working_set=NAME, pod_label=pod_name, memory_limit=NAME, jvm_heap_used=NAME, "
                         "jvm_area_label=NAME, request_rate=NAME."),
          QStringLiteral("KIND=NAME"))
    , m_metricsNaming(QStringLiteral("metrics-naming"),
          QStringLiteral("The sandbox's metric names: current, legacy, otel or jmx-exporter."),
          QStringLiteral("DIALECT"))
{
    parser.addOptions({ m_sandbox, m_seed, m_kubeconfig, m_context, m_namespace, m_scenario, m_scaleWorkloads, m_clockSpeed });
    if (m_uses.prometheus)
        parser.addOptions({ m_prometheus, m_prometheusCa, m_prometheusTokenFile, m_prometheusInsecure, m_noPrometheus,
            m_prometheusHeader, m_prometheusParam, m_config, m_metric, m_metricsNaming });
}

Result<std::map<std::string, std::string>> ClusterTargetOptions::metricOverrides() const
{
    std::map<std::string, std::string> out;
    if (!m_uses.prometheus)
        return out;
    for (const QString& given : m_parser.values(m_metric)) {
        const qsizetype eq = given.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return makeError(ErrorCode::Config, "invalid --metric '" + given.toStdString() + "'",
                "give KIND=NAME, e.g. --metric pod_label=pod_name");
        out[given.left(eq).toStdString()] = given.mid(eq + 1).toStdString();
    }
    if (auto checked = prometheus::applyMetricOverrides({}, out); !checked)
        return checked.error();
    return out;
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

std::optional<double> ClusterTargetOptions::clockSpeed() const
{
    if (!m_parser.isSet(m_clockSpeed))
        return std::nullopt;
    return m_parser.value(m_clockSpeed).toDouble();
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
    if (m_parser.isSet(m_scaleWorkloads)) {
        if (!sandbox())
            return UsageProblem { QStringLiteral("--scale-workloads is for the sandbox"),
                QStringLiteral("add --sandbox") };
        bool valid = false;
        const int n = m_parser.value(m_scaleWorkloads).toInt(&valid);
        if (!valid || n < 1 || n > sandbox::scenario::kMaxScaleWorkloads)
            return UsageProblem {
                QStringLiteral("invalid --scale-workloads '%1'").arg(m_parser.value(m_scaleWorkloads)),
                QStringLiteral("give between 1 and %1 workloads").arg(sandbox::scenario::kMaxScaleWorkloads)
            };
    }
    if (m_parser.isSet(m_clockSpeed)) {
        if (!sandbox())
            return UsageProblem { QStringLiteral("--clock-speed is for the sandbox"),
                QStringLiteral("a real cluster's clock is its own") };
        bool numeric = false;
        const double speed = m_parser.value(m_clockSpeed).toDouble(&numeric);
        if (!numeric || !(speed > 0) || speed > sandbox::SandboxClock::kMaxSpeed)
            return UsageProblem { QStringLiteral("invalid --clock-speed '%1'").arg(m_parser.value(m_clockSpeed)),
                QStringLiteral("give a number above 0 and at most 3600, e.g. 60 (an hour per minute)") };
    }
    bool ok = false;
    (void)m_parser.value(m_seed).toULongLong(&ok);
    if (!ok)
        return UsageProblem { QStringLiteral("invalid --seed '%1'").arg(m_parser.value(m_seed)), {} };
    if (!m_uses.prometheus)
        return std::nullopt;
    if (m_parser.isSet(m_noPrometheus) && m_parser.isSet(m_prometheus))
        return UsageProblem { QStringLiteral("--prometheus and --no-prometheus exclude each other"), {} };
    if (auto headers = givenHeaders(); !headers)
        return UsageProblem { QString::fromStdString(headers.error().message),
            QString::fromStdString(headers.error().detail) };
    if (auto params = givenParams(); !params)
        return UsageProblem { QString::fromStdString(params.error().message),
            QString::fromStdString(params.error().detail) };
    if (auto overrides = metricOverrides(); !overrides)
        return UsageProblem { QString::fromStdString(overrides.error().message),
            QString::fromStdString(overrides.error().detail) };
    if (m_parser.isSet(m_metricsNaming) && !sandbox())
        return UsageProblem { QStringLiteral("--metrics-naming is for the sandbox"),
            QStringLiteral("a real Prometheus's names are probed; override them with --metric KIND=NAME") };
    if (m_parser.isSet(m_metricsNaming)
        && !prometheus::metricsDialectFromName(m_parser.value(m_metricsNaming).toStdString()))
        return UsageProblem { QStringLiteral("invalid --metrics-naming '%1'").arg(m_parser.value(m_metricsNaming)),
            QStringLiteral("use current, legacy, otel or jmx-exporter") };
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
    if (sandbox())
        return std::nullopt;
    // A broken config file is said now, with its line, whether or not it was needed.
    const auto entry = configEntry();
    if (!entry)
        return UsageProblem { QString::fromStdString(entry.error().message),
            QString::fromStdString(entry.error().detail) };
    // No --prometheus and none in the config file: PrometheusDiscovery looks in the cluster.
    return std::nullopt;
}

QString ClusterTargetOptions::configPath() const
{
    // Commands without the Prometheus options (alerts, mitigate) read the default file.
    return m_uses.prometheus && m_parser.isSet(m_config) ? m_parser.value(m_config)
                                                         : prometheus::defaultPromConfigPath();
}

Result<std::optional<prometheus::PromContextSettings>> ClusterTargetOptions::configEntry() const
{
    auto config = prometheus::loadPromConfig(configPath());
    if (!config)
        return config.error();
    if (config->contexts.empty())
        return std::optional<prometheus::PromContextSettings> {};
    std::string context = m_parser.value(m_context).toStdString();
    if (context.empty()) {
        // The context kubectl would use. A kubeconfig that cannot be read is said by the connection.
        auto resolved = kube::resolveKubeconfig(m_parser.value(m_kubeconfig).toStdString());
        if (!resolved)
            return std::optional<prometheus::PromContextSettings> {};
        context = resolved->context.name;
    }
    const auto it = config->contexts.find(context);
    if (it == config->contexts.end())
        return std::optional<prometheus::PromContextSettings> {};
    return std::optional<prometheus::PromContextSettings>(it->second);
}

namespace {

// Every value of a repeatable option through `parse`; the first error otherwise.
template<class T, class Parse>
Result<QList<T>> parseEach(const QStringList& values, const std::string& option, Parse parse)
{
    QList<T> out;
    for (const QString& text : values) {
        auto one = parse(text.toStdString(), option);
        if (!one)
            return one.error();
        out.push_back(std::move(one).value());
    }
    return out;
}

} // namespace

Result<QList<prometheus::PromHeader>> ClusterTargetOptions::givenHeaders() const
{
    return parseEach<prometheus::PromHeader>(
        m_parser.values(m_prometheusHeader), "--prometheus-header", prometheus::parsePromHeaderOption);
}

Result<QList<prometheus::PromParam>> ClusterTargetOptions::givenParams() const
{
    return parseEach<prometheus::PromParam>(
        m_parser.values(m_prometheusParam), "--prometheus-param", prometheus::parsePromParamOption);
}

namespace {

// Flags override the file: a header or parameter given on the command line replaces the file's of
// the same name (header names compare case-insensitively, as HTTP does).
template<class T, class Same> QList<T> overridden(const QList<T>& fromFile, const QList<T>& given, Same same)
{
    QList<T> out;
    for (const T& f : fromFile)
        if (std::none_of(given.begin(), given.end(), [&](const T& g) { return same(f, g); }))
            out.push_back(f);
    out += given;
    return out;
}

} // namespace

Result<investigation::ConnectionOptions> ClusterTargetOptions::givenOptions() const
{
    investigation::ConnectionOptions o;
    o.kubeconfig = m_parser.value(m_kubeconfig);
    o.context = m_parser.value(m_context);
    if (!m_uses.prometheus)
        return o;
    auto headers = givenHeaders();
    if (!headers)
        return headers.error();
    auto params = givenParams();
    if (!params)
        return params.error();
    auto entry = configEntry();
    if (!entry)
        return entry.error();
    prometheus::PromContextSettings file = entry->value_or(prometheus::PromContextSettings {});
    // The file's `metrics:` map, and --metric over it.
    o.metricOverrides = file.metrics;
    const auto given = metricOverrides(); // validate() has checked them
    for (const auto& [kind, name] : given.value())
        o.metricOverrides[kind] = name;
    o.noPrometheus = m_parser.isSet(m_noPrometheus);
    // The file's headers, token and CA belong to the file's Prometheus: a --prometheus naming
    // another server gets none of them (they may be credentials for that one only).
    const bool fileServer = !m_parser.isSet(m_prometheus)
        || (!file.url.isEmpty() && QUrl(file.url) == QUrl(m_parser.value(m_prometheus)));
    if (!fileServer)
        file = prometheus::PromContextSettings { {}, {}, {}, {}, {}, false, file.metrics };
    o.prometheusUrl = QUrl(m_parser.isSet(m_prometheus) ? m_parser.value(m_prometheus) : file.url);
    o.prometheusCaFile = m_parser.isSet(m_prometheusCa) ? m_parser.value(m_prometheusCa) : file.caFile;
    o.prometheusTokenFile
        = m_parser.isSet(m_prometheusTokenFile) ? m_parser.value(m_prometheusTokenFile) : file.tokenFile;
    o.prometheusInsecureSkipTlsVerify
        = m_parser.isSet(m_prometheusInsecure) || (file.insecureSkipTlsVerify && !m_parser.isSet(m_prometheusCa));
    if (m_parser.isSet(m_prometheusInsecure))
        o.prometheusCaFile.clear();
    o.prometheusHeaders
        = overridden(file.headers, *headers, [](const prometheus::PromHeader& a, const prometheus::PromHeader& b) {
              return a.name.compare(b.name, Qt::CaseInsensitive) == 0;
          });
    o.prometheusParams = overridden(file.params, *params,
        [](const prometheus::PromParam& a, const prometheus::PromParam& b) { return a.key == b.key; });
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
    if (const auto speed = clockSpeed())
        so.clockSpeed = speed;
    so.scenarioFiles += m_parser.values(m_scenario);
    if (m_parser.isSet(m_scaleWorkloads))
        so.scaleWorkloads = m_parser.value(m_scaleWorkloads).toInt();
    if (m_uses.prometheus && m_parser.isSet(m_metricsNaming))
        so.metricsNaming = *prometheus::metricsDialectFromName(m_parser.value(m_metricsNaming).toStdString());
    if (auto st = session.start(so); !st)
        return st.error();
    investigation::ConnectionOptions o = session.connectionOptions();
    o.noPrometheus = m_uses.prometheus && m_parser.isSet(m_noPrometheus);
    if (m_uses.prometheus) {
        // The in-process sandbox needs no header, but a user rehearsing one gets it sent.
        auto headers = givenHeaders();
        auto params = givenParams();
        if (!headers)
            return headers.error();
        if (!params)
            return params.error();
        o.prometheusHeaders = *headers;
        o.prometheusParams = *params;
    }
    o.metricOverrides = metricOverrides().value(); // validate() has checked them
    return o;
}

} // namespace leakdesk::app
