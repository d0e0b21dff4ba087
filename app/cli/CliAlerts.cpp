#include "CliAlerts.h"

#include "CliCluster.h"
#include "CliCommand.h"

#include "core/alerts/AlertIncident.h"
#include "core/alerts/AlertmanagerInCluster.h"
#include "core/common/ActionKinds.h"
#include "core/common/RegularFile.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"
#include "core/investigation/PrometheusInCluster.h"
#include "core/prometheus/PromConfigFile.h"
#include "core/prometheus/PromRequestOptions.h"

#include <QDateTime>
#include <QFile>
#include <QUrl>

#include <ostream>

namespace leakdesk::cli {

AlertmanagerOptions::AlertmanagerOptions(QCommandLineParser& parser)
    : m_p(parser)
    , m_url(QStringLiteral("alertmanager"),
          QStringLiteral("Alertmanager's URL (http(s)://HOST:9093) or k8s://NAMESPACE/SERVICE:PORT (through the API "
                         "server's service proxy). Default: the config file's, else found among the cluster's "
                         "Services."),
          QStringLiteral("URL"))
    , m_ca(QStringLiteral("alertmanager-ca"), QStringLiteral("PEM CA(s) that signed Alertmanager's certificate."),
          QStringLiteral("FILE"))
    , m_tokenFile(QStringLiteral("alertmanager-token-file"),
          QStringLiteral("Bearer token for Alertmanager (re-read when it changes)."), QStringLiteral("FILE"))
    , m_header(QStringLiteral("alertmanager-header"),
          QStringLiteral("Extra header for every Alertmanager request, 'Name: value' (repeatable)."),
          QStringLiteral("HEADER"))
    , m_insecure(QStringLiteral("alertmanager-insecure-skip-tls-verify"),
          QStringLiteral("Do not verify Alertmanager's certificate (insecure)."))
{
    parser.addOptions({ m_url, m_ca, m_tokenFile, m_header, m_insecure });
}

bool AlertmanagerOptions::validate() const
{
    if (m_p.isSet(m_url)) {
        if (auto bad = prometheus::promUrlProblem(m_p.value(m_url))) {
            printError(QStringLiteral("--alertmanager %1").arg(QString::fromStdString(*bad)),
                QStringLiteral("e.g. --alertmanager http://127.0.0.1:9093 or k8s://monitoring/alertmanager-main:web"));
            return false;
        }
    }
    for (const QString& h : m_p.values(m_header)) {
        auto parsed = prometheus::parsePromHeaderOption(h.toStdString(), "--alertmanager-header");
        if (!parsed) {
            printError(QString::fromStdString(parsed.error().message), QString::fromStdString(parsed.error().detail));
            return false;
        }
    }
    if (m_p.isSet(m_ca) && m_p.isSet(m_insecure)) {
        printError(QStringLiteral("--alertmanager-ca and --alertmanager-insecure-skip-tls-verify exclude each other"));
        return false;
    }
    return true;
}

Result<alerts::MemoryAlertMatcher> AlertmanagerOptions::matcher(const QString& configPath)
{
    auto config = prometheus::loadPromConfig(configPath);
    if (!config)
        return config.error();
    return alerts::MemoryAlertMatcher::fromConfig(config->memoryAlerts, configPath.toStdString());
}

Result<AlertmanagerConnection> AlertmanagerOptions::connect(
    kube::KubeClient& kube, const QString& configPath, const std::string& kubeContext, int timeoutS) const
{
    QString url = m_p.value(m_url);
    if (url.isEmpty()) {
        auto config = prometheus::loadPromConfig(configPath);
        if (!config)
            return config.error();
        const auto entry = config->contexts.find(kubeContext);
        if (entry != config->contexts.end())
            url = entry->second.alertmanagerUrl;
    }
    if (url.isEmpty()) {
        AlertmanagerConnection out;
        auto found = await<alerts::DiscoveredAlertmanager>(
            [&](auto cb) { alerts::discoverAlertmanager(kube, nullptr, cb); }, timeoutS);
        if (!found)
            return found.error();
        out.shownAs = "k8s://" + found->chosen.service.display();
        out.foundHow = "found in the cluster: " + found->chosen.service.display() + " (" + found->chosen.why
            + ", version " + found->version + ")";
        out.client = std::make_unique<alerts::AlertmanagerClient>(found->connection);
        return out;
    }
    return connectUrl(kube, url);
}

Result<AlertmanagerConnection> AlertmanagerOptions::connectUrl(kube::KubeClient& kube, const QString& url) const
{
    AlertmanagerConnection out;
    const QUrl parsed(url);
    if (investigation::isServiceProxyUrl(parsed)) {
        auto service = investigation::parseServiceProxyUrl(parsed);
        if (!service)
            return service.error();
        out.shownAs = url.toStdString();
        out.client = std::make_unique<alerts::AlertmanagerClient>(alerts::alertmanagerProxyConnection(kube, *service));
        return out;
    }
    prometheus::PromConnection c;
    c.baseUrl = parsed;
    c.settingNames = alerts::alertmanagerSettingNames();
    c.insecureSkipTlsVerify = m_p.isSet(m_insecure);
    c.bearerTokenFile = m_p.value(m_tokenFile);
    for (const QString& h : m_p.values(m_header))
        c.extraHeaders.append(*prometheus::parsePromHeaderOption(h.toStdString(), "--alertmanager-header"));
    if (m_p.isSet(m_ca)) {
        auto pem
            = readRegularFile(QFile::encodeName(m_p.value(m_ca)).toStdString(), fileLimits::kPem, "--alertmanager-ca");
        if (!pem)
            return pem.error();
        c.caCertificatesPem = QByteArray::fromStdString(*pem);
    }
    // 127.0.0.1 (the sandbox, a port-forward) is reached directly, as NO_PROXY usually says.
    c.useEnvironmentProxy = parsed.host() != QLatin1String("127.0.0.1") && parsed.host() != QLatin1String("localhost");
    out.shownAs = parsed.toString(QUrl::RemoveUserInfo).toStdString();
    out.client = std::make_unique<alerts::AlertmanagerClient>(c);
    if (auto problem = out.client->configurationProblem())
        return *problem;
    return out;
}

Result<alerts::ResolvedAlerts> fetchMemoryAlerts(alerts::AlertmanagerClient& client, kube::KubeClient& kube,
    const alerts::MemoryAlertMatcher& matcher, const std::string& ns, bool includeSilenced, int timeoutS)
{
    alerts::AlertQuery query;
    query.silenced = includeSilenced;
    query.inhibited = includeSilenced;
    if (!ns.empty())
        query.filter.push_back({ "namespace", ns, false, true });
    auto all = await<std::vector<alerts::Alert>>([&](auto cb) { client.alerts(query, nullptr, cb); }, timeoutS);
    if (!all)
        return all.error();
    auto memory = alerts::memoryAlerts(*all, matcher);
    std::optional<alerts::ResolvedAlerts> resolved;
    auto r = await<alerts::ResolvedAlerts>(
        [&](auto cb) {
            alerts::resolveAlertWorkloads(
                kube, std::move(memory), nullptr, [cb](alerts::ResolvedAlerts x) { cb(std::move(x)); });
        },
        timeoutS);
    return r;
}

Result<alerts::MemoryAlert> findAlert(const std::vector<alerts::MemoryAlert>& alerts, const std::string& fingerprint)
{
    const alerts::MemoryAlert* found = nullptr;
    int matches = 0;
    for (const auto& a : alerts) {
        if (a.alert.fingerprint == fingerprint)
            return a;
        if (fingerprint.size() >= 6 && a.alert.fingerprint.rfind(fingerprint, 0) == 0) {
            found = &a;
            ++matches;
        }
    }
    if (matches == 1)
        return *found;
    if (matches > 1)
        return makeError(ErrorCode::InvalidArgument, "fingerprint prefix '" + fingerprint + "' names several alerts",
            "give the whole fingerprint, as leakdesk-cli alerts prints it");
    return makeError(ErrorCode::NotFound, "no firing memory alert has the fingerprint '" + fingerprint + "'",
        "list them with leakdesk-cli alerts (it may have resolved meanwhile)");
}

} // namespace leakdesk::cli

namespace leakdesk::cli {

namespace {

std::string silenceAuthor()
{
    const QString user = qEnvironmentVariable("USER");
    return "leakdesk-cli" + (user.isEmpty() ? std::string() : " (" + user.toStdString() + ")");
}

} // namespace

Result<PlannedSilence> planMitigationSilence(const AlertmanagerOptions& options, kube::KubeClient& kube,
    const QString& configPath, const QString& incidentFile, const std::string& ns, const kube::WorkloadRef& workload,
    std::int64_t durationMs, const std::string& why, int timeoutS)
{
    // The comment carries the incident's id: the incident must exist.
    incident::IncidentStore store(incidentFile);
    if (!QFile::exists(incidentFile))
        return makeError(ErrorCode::NotFound, "the incident file " + incidentFile.toStdString() + " does not exist",
            "start the incident first (leakdesk-cli investigate ... --incident FILE, or alerts --start-incident)");
    auto loaded = store.load();
    if (!loaded)
        return loaded.error();
    auto matcher = AlertmanagerOptions::matcher(configPath);
    if (!matcher)
        return matcher.error();
    PlannedSilence out;
    auto am = options.connect(kube, configPath, kube.context().context.name, timeoutS);
    if (!am)
        return am.error();
    out.alertmanager = std::move(*am);
    auto firing = fetchMemoryAlerts(*out.alertmanager.client, kube, *matcher, ns, false, timeoutS);
    if (!firing)
        return firing.error();
    out.plan = alerts::planWorkloadSilence(out.alertmanager.shownAs, ns, workload, *matcher, durationMs,
        loaded->document.id, why, silenceAuthor(), QDateTime::currentMSecsSinceEpoch(), firing->alerts);
    return out;
}

void printSilencePlan(std::ostream& out, const alerts::SilencePlan& plan)
{
    out << "silence in Alertmanager " << plan.alertmanager << " until "
        << alerts::formatAlertmanagerTime(plan.silence.endsAtMs) << ":\n";
    for (const auto& m : plan.silence.matchers)
        out << "  " << m.text() << "\n";
    out << "  comment: " << plan.silence.comment << "\n";
    if (plan.matchedNow.empty())
        out << "  no memory alert of " << plan.workload.text()
            << " is firing now; it covers the ones the rollout may raise\n";
    for (const auto& a : plan.matchedNow)
        out << "  silences now: " << a.alert.name() << " on " << a.alert.label("pod") << " (" << a.alert.fingerprint
            << ")\n";
    for (const auto& n : plan.notes)
        out << "  note: " << n << "\n";
    out << "amtool equivalent: " << plan.amtool << "\n";
}

nlohmann::json silencePlanJson(const alerts::SilencePlan& plan)
{
    nlohmann::json matched = nlohmann::json::array();
    for (const auto& a : plan.matchedNow)
        matched.push_back({ { "fingerprint", a.alert.fingerprint }, { "alertname", a.alert.name() },
            { "pod", a.alert.label("pod") } });
    nlohmann::json out = alerts::silenceToJson(plan.silence);
    out["alertmanager"] = plan.alertmanager;
    out["silences_now"] = matched;
    out["notes"] = plan.notes;
    out["amtool"] = plan.amtool;
    return out;
}

Result<std::string> createPlannedSilence(
    PlannedSilence& planned, const QString& incidentFile, int timeoutS, std::ostream& out)
{
    alerts::Silence silence = planned.plan.silence;
    // The silence starts when it is created, and lasts as long as planned from then.
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    silence.endsAtMs = now + (silence.endsAtMs - silence.startsAtMs);
    silence.startsAtMs = now;
    auto id = await<std::string>(
        [&](auto cb) { planned.alertmanager.client->createSilence(silence, nullptr, cb); }, timeoutS);
    if (!id)
        return id.error();
    alerts::SilenceRecord record;
    record.alertmanager = planned.alertmanager.shownAs;
    record.silenceId = *id;
    record.ns = planned.plan.ns;
    record.workload = planned.plan.workload.text();
    record.matchers = silence.matchers;
    record.startsAtMs = silence.startsAtMs;
    record.endsAtMs = silence.endsAtMs;
    record.comment = silence.comment;
    std::string actionId;
    auto st = alerts::editIncidentFile(incidentFile, [&](incident::IncidentDocument& doc) -> Status {
        actionId = alerts::recordSilence(doc, record, planned.plan.amtool, incident::currentTimeMs());
        return Ok {};
    });
    out << "silence " << *id << " created until " << alerts::formatAlertmanagerTime(silence.endsAtMs) << "\n";
    if (!st)
        return makeError(st.error().code,
            "silence " + *id + " was created but could not be journaled: " + st.error().message,
            "expire it by hand when the rollout is done: amtool silence expire " + *id);
    out << "journaled in " << incidentFile.toStdString() << " as action " << actionId
        << " (mitigate ... --revert RECORD --incident FILE expires it)\n";
    return actionId;
}

Status expireIncidentSilence(const AlertmanagerOptions& options, kube::KubeClient& kube, const QString& incidentFile,
    const kube::WorkloadRef& workload, bool dryRun, const std::function<bool()>& confirmed, int timeoutS,
    std::ostream& out)
{
    auto loaded = incident::IncidentStore(incidentFile).load();
    if (!loaded)
        return loaded.error();
    const auto* action
        = incident::lastAppliedAction(loaded->document, actionkind::kSilenceAlerts, alerts::workloadTarget(workload));
    if (!action) {
        out << "no silence of " << workload.text() << " is applied in the incident\n";
        return Ok {};
    }
    auto record = alerts::SilenceRecord::fromJson(action->revertData);
    if (!record)
        return record.error();
    out << "expire silence " << record->silenceId << " (action " << action->id << ", until "
        << alerts::formatAlertmanagerTime(record->endsAtMs) << ") in Alertmanager " << record->alertmanager << "\n";
    if (dryRun)
        return Ok {};
    if (!confirmed())
        return makeError(ErrorCode::Cancelled, "the silence was left as it is");
    auto am = options.connectUrl(kube, QString::fromStdString(record->alertmanager));
    if (!am)
        return am.error();
    auto expired = await<alerts::ExpiredSilence>(
        [&](auto cb) { alerts::expireSilence(*am->client, *record, nullptr, cb); }, timeoutS);
    if (!expired)
        return expired.error();
    out << expired->summary << "\n";
    const std::string actionId = action->id;
    return alerts::editIncidentFile(incidentFile, [&](incident::IncidentDocument& doc) {
        return incident::recordActionState(
            doc, actionId, incident::ActionState::Reverted, expired->summary, incident::currentTimeMs());
    });
}

} // namespace leakdesk::cli
