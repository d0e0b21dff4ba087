// leakdesk-cli alerts: the firing Alertmanager alerts about memory (OOM kills, crash loops, memory
// near the limit) with the namespace and workload each is about, and "start incident" from one.
#include "CliAlerts.h"
#include "CliCluster.h"
#include "CliCommand.h"

#include "core/alerts/AlertIncident.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/InvestigationRecording.h"

#include <QCommandLineParser>
#include <QDateTime>

#include <iomanip>
#include <iostream>

namespace leakdesk::cli {

namespace {

using nlohmann::json;

json alertJson(const alerts::MemoryAlert& a)
{
    const auto& t = a.target;
    json workload = t.workload
        ? json { { "kind", kube::workloadKindName(*t.workload->kind) }, { "name", t.workload->name } }
        : json(nullptr);
    const auto summary = a.alert.annotations.find("summary");
    return { { "fingerprint", a.alert.fingerprint }, { "alertname", a.alert.name() },
        { "category", alerts::memoryAlertCategoryName(a.category) }, { "cluster", t.cluster }, { "namespace", t.ns },
        { "workload", workload }, { "pod", t.pod }, { "container", t.container },
        { "starts_at", alerts::formatAlertmanagerTime(a.alert.startsAtMs) }, { "state", a.alert.state },
        { "silenced_by", a.alert.silencedBy },
        { "summary", summary == a.alert.annotations.end() ? std::string() : summary->second },
        { "labels", a.alert.labels } };
}

std::string sinceText(std::int64_t startsAtMs, std::int64_t nowMs)
{
    const std::int64_t minutes = std::max<std::int64_t>(0, (nowMs - startsAtMs) / 60000);
    if (minutes < 60)
        return std::to_string(minutes) + "m";
    if (minutes < 48 * 60)
        return std::to_string(minutes / 60) + "h" + (minutes % 60 ? std::to_string(minutes % 60) + "m" : "");
    return std::to_string(minutes / 1440) + "d";
}

void printTable(const std::vector<alerts::MemoryAlert>& list, std::ostream& out)
{
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    out << std::left << std::setw(14) << "NAMESPACE" << std::setw(28) << "WORKLOAD" << std::setw(30) << "ALERT"
        << std::setw(12) << "CATEGORY" << std::setw(8) << "SINCE" << std::setw(11) << "STATE"
        << "FINGERPRINT\n";
    for (const auto& a : list) {
        const std::string workload = a.target.workload ? a.target.workload->text()
            : a.target.pod.empty()                     ? std::string("-")
                                                       : "pod/" + a.target.pod + " (owner unknown)";
        out << std::left << std::setw(13) << (a.target.ns.empty() ? std::string("(cluster)") : a.target.ns) << ' '
            << std::setw(27) << workload << ' ' << std::setw(29) << a.alert.name() << ' ' << std::setw(11)
            << alerts::memoryAlertCategoryName(a.category) << ' ' << std::setw(7) << sinceText(a.alert.startsAtMs, now)
            << ' ' << std::setw(10) << (a.alert.silenced() ? "silenced" : "firing") << ' ' << a.alert.fingerprint
            << "\n";
    }
}

} // namespace

int runAlertsCommand(const QStringList& args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "The firing Alertmanager alerts about memory (OOM kills, crash loops, memory near the limit; which alert "
        "names and labels count is the config file's memory-alerts list, or the defaults), each with the namespace "
        "and workload it is about (from its labels, else its pod's owner).\n"
        "--start-incident FINGERPRINT --incident FILE records that alert in the incident (created when missing) and "
        "prints the investigate command for its workload; investigate --from-alert does both at once."));
    p.addHelpOption();
    app::ClusterTargetOptions cluster(p, {});
    AlertmanagerOptions am(p);
    const QCommandLineOption allNamespaces({ QStringLiteral("A"), QStringLiteral("all-namespaces") },
        QStringLiteral("Alerts of every namespace (the default without --namespace)."));
    const QCommandLineOption format(
        QStringLiteral("format"), QStringLiteral("table or json."), QStringLiteral("FMT"), QStringLiteral("table"));
    const QCommandLineOption silenced(QStringLiteral("include-silenced"), QStringLiteral("Also list silenced alerts."));
    const QCommandLineOption startIncident(QStringLiteral("start-incident"),
        QStringLiteral("Record the alert of this fingerprint in --incident FILE."), QStringLiteral("FINGERPRINT"));
    const QCommandLineOption incidentOpt(QStringLiteral("incident"),
        QStringLiteral("The incident file (created when missing)."), QStringLiteral("FILE"));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
        QStringLiteral("Give up after this many seconds per step (default 30)."), QStringLiteral("S"),
        QStringLiteral("30"));
    p.addOptions({ allNamespaces, format, silenced, startIncident, incidentOpt, timeout });
    if (const auto exit = parseOrExit(p, QStringLiteral("alerts"), args))
        return *exit;
    if (const auto problem = cluster.validate()) {
        printError(problem->message, problem->hint);
        return 2;
    }
    if (!am.validate())
        return 2;
    const QString fmt = p.value(format);
    if (fmt != QLatin1String("table") && fmt != QLatin1String("json")) {
        printError(
            QStringLiteral("unknown format '%1'").arg(fmt), QStringLiteral("use --format table or --format json"));
        return 2;
    }
    if (p.isSet(allNamespaces) && cluster.namespaceGiven()) {
        printError(QStringLiteral("--namespace and --all-namespaces exclude each other"));
        return 2;
    }
    if (p.isSet(startIncident) != p.isSet(incidentOpt)) {
        printError(QStringLiteral("--start-incident FINGERPRINT and --incident FILE go together"),
            QStringLiteral("e.g. --start-incident 3f2a9c1d04b7e6a2 --incident checkout.leakdesk"));
        return 2;
    }
    const int timeoutS = std::max(1, p.value(timeout).toInt());
    auto conn = connectCluster(cluster, sandbox::SandboxOptions {});
    if (!conn)
        return fail(conn.error());
    kube::KubeClient& kube = *conn->client;
    auto matcher = AlertmanagerOptions::matcher(cluster.configPath());
    if (!matcher)
        return fail(matcher.error(), 2);
    auto amConn = am.connect(kube, cluster.configPath(), kube.context().context.name, timeoutS);
    if (!amConn)
        return fail(amConn.error());
    if (!amConn->foundHow.empty())
        std::cerr << "leakdesk-cli: Alertmanager " << amConn->foundHow << "\n";
    const std::string ns = cluster.namespaceGiven() ? cluster.namespaceName().toStdString() : std::string();
    auto resolved
        = fetchMemoryAlerts(*amConn->client, kube, *matcher, ns, p.isSet(silenced) || p.isSet(startIncident), timeoutS);
    if (!resolved)
        return fail(resolved.error());
    for (const auto& note : resolved->notes)
        std::cerr << "note: " << note << "\n";
    if (p.isSet(startIncident)) {
        auto alert = findAlert(resolved->alerts, p.value(startIncident).toStdString());
        if (!alert)
            return fail(alert.error());
        const auto& reached = kube.context();
        auto recorded = alerts::recordAlertInFile(p.value(incidentOpt), *alert,
            incident::clusterRefFor(reached.context.name, reached.cluster.server, cluster.sandbox()),
            incident::currentTimeMs());
        if (!recorded)
            return fail(recorded.error());
        std::cout << "recorded alert " << alert->alert.name() << " (" << alert->alert.fingerprint << ") in "
                  << p.value(incidentOpt).toStdString() << (recorded->created ? " (new incident " : " (incident ")
                  << recorded->incidentId << "): event " << recorded->eventId << "\n";
        if (alert->target.workload)
            std::cout << "investigate: leakdesk-cli investigate --namespace " << alert->target.ns << " --workload "
                      << alert->target.workload->text() << " --incident " << p.value(incidentOpt).toStdString() << "\n";
        else
            std::cout << "its workload is unknown (" << alert->targetText()
                      << "): name it with leakdesk-cli investigate --workload KIND/NAME\n";
        return 0;
    }
    if (fmt == QLatin1String("json")) {
        json out = json::array();
        for (const auto& a : resolved->alerts)
            out.push_back(alertJson(a));
        std::cout << out.dump(2) << std::endl;
    } else {
        if (resolved->alerts.empty())
            std::cout << "no firing memory alerts" << (ns.empty() ? std::string() : " in " + ns) << " at "
                      << amConn->shownAs << "\n";
        else
            printTable(resolved->alerts, std::cout);
    }
    return 0;
}

} // namespace leakdesk::cli
