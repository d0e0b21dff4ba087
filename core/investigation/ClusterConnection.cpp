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
    auto kube = kube::KubeClient::create(*resolved);
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
    if (pc.bearerToken.isEmpty() && !options.prometheusTokenFile.isEmpty()) {
        auto text = readRegularFile(
            QFile::encodeName(options.prometheusTokenFile).toStdString(), fileLimits::kToken, "Prometheus token file");
        if (!text)
            return makeError(ErrorCode::Config, text.error().message, "fix " + pc.settingNames.token);
        // As kubectl reads a tokenFile: the trailing newline is not part of the token; one inside is
        // an injected header, refused with the setting's name.
        const std::string_view token = trimCredentialFromFile(*text);
        const std::string setting = "the Prometheus token file " + options.prometheusTokenFile.toStdString() + " ("
            + pc.settingNames.token + ")";
        const std::string fix = "write the bearer token alone into the file given with " + pc.settingNames.token;
        if (token.empty())
            return makeError(ErrorCode::Config, setting + " is empty", fix);
        if (auto bad = checkHeaderValue(token, setting, fix))
            return *bad;
        pc.bearerToken = QByteArray(token.data(), qsizetype(token.size()));
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
    c->m_options = options;
    c->m_options.kubeconfig = QString::fromStdString(c->m_kube->context().context.sourceFile);
    c->m_options.context = QString::fromStdString(c->m_kube->context().context.name);
    return c;
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
