#include "core/investigation/ClusterConnection.h"

#include "core/common/HeaderValue.h"
#include "core/common/RegularFile.h"
#include "core/investigation/PrometheusInCluster.h"

#include <QFile>
#include <QSslCertificate>

namespace leakdesk::investigation {

ClusterConnection::~ClusterConnection()
{
    m_prom.reset();
    m_kube.reset();
}

Result<std::unique_ptr<ClusterConnection>> ClusterConnection::open(const ConnectionOptions& options)
{
    std::unique_ptr<ClusterConnection> c(new ClusterConnection);
    auto profile = prometheus::applyMetricOverrides({}, options.metricOverrides);
    if (!profile)
        return profile.error();
    c->m_catalogue = prometheus::QueryCatalogue(*profile);
    c->m_profileInUse.profile = *profile;
    for (const auto& [key, value] : options.metricOverrides)
        c->m_profileInUse.overridden.push_back(key);
    const QUrl& promUrl = options.prometheusUrl;
    auto resolved = kube::resolveKubeconfig(options.kubeconfig.toStdString(), options.context.toStdString());
    if (!resolved)
        return resolved.error();
    kube::KubeClientOptions kubeOptions;
    // The in-process sandbox is on this machine: never through a proxy the environment names.
    kubeOptions.useEnvironmentProxy = !options.sandboxCluster;
    auto kube = kube::KubeClient::create(*resolved, kubeOptions);
    if (!kube)
        return kube.error();
    c->m_kube = std::move(kube).value();
    c->m_options = options;
    c->m_options.kubeconfig = QString::fromStdString(c->m_kube->context().context.sourceFile);
    c->m_options.context = QString::fromStdString(c->m_kube->context().context.name);
    if (options.noPrometheus) {
        c->goWithoutPrometheus("no Prometheus (--no-prometheus)");
        return c;
    }
    if (promUrl.isEmpty())
        return c; // PrometheusDiscovery looks for one in the cluster
    if (investigation::isServiceProxyUrl(promUrl)) {
        // Through the API server the kubeconfig's credentials and TLS are the ones used: a
        // Prometheus token or CA given as well would be silently ignored, so it is refused.
        if (!options.prometheusToken.isEmpty() || !options.prometheusTokenFile.isEmpty()
            || !options.prometheusCaFile.isEmpty() || options.prometheusInsecureSkipTlsVerify)
            return makeError(ErrorCode::Config,
                "--prometheus-ca, --prometheus-token-file and --prometheus-insecure-skip-tls-verify are for a "
                "Prometheus URL, not k8s://",
                "a k8s:// Prometheus is reached through the API server with the kubeconfig's credentials and TLS");
        auto service = parseServiceProxyUrl(promUrl);
        if (!service)
            return service.error();
        const prometheus::PromConnection pc = serviceProxyConnection(*c->m_kube, *service);
        c->usePrometheus(pc, { pc.baseUrl.toString().toStdString(), {}, {} });
        return c;
    }
    if (!promUrl.isValid())
        return makeError(ErrorCode::Config, "the Prometheus URL is not valid: " + promUrl.toString().toStdString(),
            "pass --prometheus http://host:9090, or k8s://NAMESPACE/SERVICE:PORT for one inside the cluster");
    prometheus::PromConnection pc;
    pc.baseUrl = promUrl;
    pc.bearerToken = options.prometheusToken;
    pc.insecureSkipTlsVerify = options.prometheusInsecureSkipTlsVerify;
    pc.extraHeaders = options.prometheusHeaders;
    pc.extraParams = options.prometheusParams;
    pc.metricOverrides = options.metricOverrides;
    pc.useEnvironmentProxy = !options.sandboxCluster;
    if (pc.bearerToken.isEmpty() && !options.prometheusTokenFile.isEmpty()) {
        // Read once here so that a bad file fails the connection at once; the client reads it again.
        auto token = prometheus::readBearerTokenFile(options.prometheusTokenFile, pc.settingNames.token);
        if (!token)
            return token.error();
        pc.bearerToken = *token;
        pc.bearerTokenFile = options.prometheusTokenFile;
    }
    if (!options.prometheusCaFile.isEmpty()) {
        auto ca = readRegularFile(
            QFile::encodeName(options.prometheusCaFile).toStdString(), fileLimits::kPem, "Prometheus CA file");
        if (!ca)
            return makeError(ErrorCode::Config, ca.error().message, "fix " + pc.settingNames.ca);
        pc.caCertificatesPem = QByteArray::fromStdString(*ca);
        if (QSslCertificate::fromData(pc.caCertificatesPem, QSsl::Pem).isEmpty())
            return makeError(ErrorCode::Config,
                "the Prometheus CA " + options.prometheusCaFile.toStdString() + " holds no PEM certificate",
                "pass the CA that signed Prometheus's certificate (PEM) with " + pc.settingNames.ca);
    }
    c->usePrometheus(pc, { promUrl.toString(QUrl::RemoveUserInfo).toStdString(), {}, {} });
    if (auto bad = c->m_prom->configurationProblem())
        return *bad;
    return c;
}

void ClusterConnection::usePrometheus(const prometheus::PromConnection& connection, PrometheusSource source)
{
    m_prom = std::make_unique<prometheus::PromClient>(connection);
    m_promSource = std::move(source);
    m_noPrometheus.reset();
}

void ClusterConnection::goWithoutPrometheus(std::string reason, std::string hint)
{
    m_prom.reset();
    m_promSource = {};
    m_noPrometheus = std::move(reason);
    m_noPrometheusHint = std::move(hint);
}

void ClusterConnection::probeMetricsProfile(
    const std::string& ns, std::int64_t atMs, QObject* context, std::function<void()> done)
{
    if (m_profileInUse.probed && m_profileInUse.probedNamespace == ns) {
        done();
        return;
    }
    constexpr std::int64_t kProbeRangeMs = 10 * 60 * 1000;
    m_prom->series(prometheus::metricsProbeSelectors(ns), TimeRange { atMs - kProbeRangeMs, atMs }, context,
        [this, ns, done](Result<std::vector<Labels>> r) {
            prometheus::MetricsProfileInUse& in = m_profileInUse;
            in.probed = true;
            in.probedNamespace = ns;
            prometheus::ProbedProfile probed;
            if (r) {
                probed = prometheus::chooseMetricsProfile(*r, ns);
            } else {
                probed.notes.push_back("the metric names could not be probed (" + r.error().message
                    + "): the default names are used; set them with --metric KIND=NAME");
            }
            // Validated at open(): cannot fail here.
            in.profile = prometheus::applyMetricOverrides(probed.profile, m_options.metricOverrides).value();
            in.notes = std::move(probed.notes);
            m_catalogue = prometheus::QueryCatalogue(in.profile);
            done();
        });
}

ConnectionOptions ClusterConnection::optionsForContext(const QString& context) const
{
    ConnectionOptions o = m_options; // the same kubeconfig file: the sandbox's stays the sandbox
    o.context = context;
    return o;
}

QString ClusterConnection::contextName() const
{
    return QString::fromStdString(m_kube->context().context.name);
}

QString ClusterConnection::defaultNamespace() const
{
    return QString::fromStdString(m_kube->context().namespaceOrDefault());
}

QString ClusterConnection::describe() const
{
    if (isSandbox())
        return QStringLiteral("sandbox (%1)").arg(m_kube->serverUrl().toString());
    return QStringLiteral("%1 @ %2").arg(contextName(), m_kube->serverUrl().toString());
}

} // namespace leakdesk::investigation
