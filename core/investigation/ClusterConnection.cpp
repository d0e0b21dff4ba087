#include "core/investigation/ClusterConnection.h"

#include "core/common/HeaderValue.h"
#include "core/common/RegularFile.h"

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
    c->m_catalogue = prometheus::QueryCatalogue(options.metricNames);
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
    if (!promUrl.isValid() || promUrl.isEmpty())
        return makeError(ErrorCode::Config, "no Prometheus URL given",
            "pass --prometheus http://host:9090 (or a Kubernetes service proxy URL)");
    prometheus::PromConnection pc;
    pc.baseUrl = promUrl;
    pc.bearerToken = options.prometheusToken;
    pc.insecureSkipTlsVerify = options.prometheusInsecureSkipTlsVerify;
    pc.extraHeaders = options.prometheusHeaders;
    pc.extraParams = options.prometheusParams;
    pc.metricOverrides = options.prometheusMetricOverrides;
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
    c->m_prom = std::make_unique<prometheus::PromClient>(pc);
    if (auto bad = c->m_prom->configurationProblem())
        return *bad;
    c->m_options = options;
    c->m_options.kubeconfig = QString::fromStdString(c->m_kube->context().context.sourceFile);
    c->m_options.context = QString::fromStdString(c->m_kube->context().context.name);
    return c;
}

ConnectionOptions ClusterConnection::optionsForContext(const QString& context) const
{
    ConnectionOptions o = m_options; // the same kubeconfig file: the sandbox's stays the sandbox
    o.context = context;
    return o;
}

QString ClusterConnection::contextName() const { return QString::fromStdString(m_kube->context().context.name); }

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
