#include "CliCommand.h"

#include "core/sandbox/SandboxHost.h"
#include "core/sandbox/model/MetricsHistory.h"
#include "core/sandbox/model/SandboxModel.h"
#include "core/sandbox/scenario/DefaultScenario.h"
#include "core/sandbox/scenario/ScaleWorkloads.h"
#include "core/sandbox/scenario/ScenarioAnnotations.h"
#include "core/sandbox/scenario/ScenarioCluster.h"
#include "core/sandbox/scenario/ScenarioMetrics.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QSocketNotifier>
#include <QTextStream>
#include <QTimeZone>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <unistd.h>

namespace leakdesk::cli {

namespace {

// SIGINT/SIGTERM end the event loop through a self-pipe: a signal handler may only write(2).
int g_signalPipe[2] = { -1, -1 };

void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_signalPipe[1], &c, 1);
}

bool installQuitOnSignals()
{
    if (::pipe(g_signalPipe) != 0)
        return false;
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    auto* notifier = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read, QCoreApplication::instance());
    QObject::connect(notifier, &QSocketNotifier::activated, notifier, [] {
        char c;
        [[maybe_unused]] const auto n = ::read(g_signalPipe[0], &c, 1);
        QCoreApplication::quit();
    });
    return true;
}

template<class T> bool parseNumber(const QCommandLineParser& p, const QString& name, T& out, const char* what)
{
    if (!p.isSet(name))
        return true;
    bool ok = false;
    const qulonglong v = p.value(name).toULongLong(&ok);
    if (!ok || v > std::numeric_limits<T>::max()) {
        printError(QStringLiteral("invalid --%1 '%2'").arg(name, p.value(name)), QString::fromLatin1(what));
        return false;
    }
    out = static_cast<T>(v);
    return true;
}

void addCommonOptions(QCommandLineParser& p)
{
    p.addHelpOption();
    p.addOption(
        { QStringLiteral("seed"), QStringLiteral("Seed of the simulated history (default 42)."), QStringLiteral("N") });
    p.addOption({ QStringLiteral("now-ms"),
        QStringLiteral("Pin the clock to this unix time in milliseconds (reproducible runs)."), QStringLiteral("MS") });
    p.addOption({ QStringLiteral("metrics-naming"),
        QStringLiteral(
            "Metric and label names of the history: current (default), legacy (pod_name/container_name, "
            "kube-state-metrics v1, http_requests_total), otel (OpenTelemetry JVM metrics) or jmx-exporter."),
        QStringLiteral("DIALECT") });
}

void addScaleWorkloadsOption(QCommandLineParser& p)
{
    p.addOption({ QStringLiteral("scale-workloads"),
        QStringLiteral("Add N synthetic workloads (3 pods each, namespaces fleet-NN), a known few leaking: workload "
                       "index i % 50 == 7 leaks fast (OOMKilled), == 39 leaks slowly, == 21 and == 44 are decoys "
                       "(traffic-following growth, a sidecar's sawtooth), the rest are healthy."),
        QStringLiteral("N") });
}

bool parseScaleWorkloads(const QCommandLineParser& p, int& out)
{
    if (!p.isSet(QStringLiteral("scale-workloads")))
        return true;
    bool ok = false;
    const int n = p.value(QStringLiteral("scale-workloads")).toInt(&ok);
    if (!ok || n < 1 || n > sandbox::scenario::kMaxScaleWorkloads) {
        printError(QStringLiteral("invalid --scale-workloads '%1'").arg(p.value(QStringLiteral("scale-workloads"))),
            QStringLiteral("give a number of workloads between 1 and %1").arg(sandbox::scenario::kMaxScaleWorkloads));
        return false;
    }
    out = n;
    return true;
}

bool parseMetricsNaming(const QCommandLineParser& p, prometheus::MetricsDialect& out)
{
    if (!p.isSet(QStringLiteral("metrics-naming")))
        return true;
    const QString value = p.value(QStringLiteral("metrics-naming"));
    const auto dialect = prometheus::metricsDialectFromName(value.toStdString());
    if (!dialect) {
        printError(QStringLiteral("invalid --metrics-naming '%1'").arg(value),
            QStringLiteral("use current, legacy, otel or jmx-exporter"));
        return false;
    }
    out = *dialect;
    return true;
}

int serve(const QStringList& args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Serve the built-in sandbox cluster (namespace production) on 127.0.0.1 as a Kubernetes API and a "
        "Prometheus API until interrupted."));
    addCommonOptions(p);
    p.addOption({ QStringLiteral("kubeconfig-out"), QStringLiteral("Write the kubeconfig here (mode 0600)."),
        QStringLiteral("FILE") });
    p.addOption({ QStringLiteral("kube-port"), QStringLiteral("Kubernetes API port (default: any free port)."),
        QStringLiteral("N") });
    p.addOption({ QStringLiteral("prometheus-port"), QStringLiteral("Prometheus API port (default: any free port)."),
        QStringLiteral("N") });
    p.addOption({ QStringLiteral("token"),
        QStringLiteral("Bearer token of the admin user (default: a random one per run, written to the kubeconfig)."),
        QStringLiteral("T") });
    p.addOption({ QStringLiteral("read-only-user"),
        QStringLiteral("Also serve a read-only user (context leakdesk-sandbox-readonly): 403 on patch and exec.") });
    p.addOption({ QStringLiteral("tls"),
        QStringLiteral("Serve the Kubernetes and Prometheus APIs over https with a CA made at start (written into "
                       "the kubeconfig, and as PEM to <kubeconfig>.ca.crt for --prometheus-ca); Kubernetes requests "
                       "must then carry a token or a client certificate.") });
    p.addOption({ QStringLiteral("prometheus-token"),
        QStringLiteral("Answer Prometheus requests without 'Authorization: Bearer T' with 401, as an authenticating "
                       "proxy does."),
        QStringLiteral("T") });
    p.addOption({ QStringLiteral("prometheus-tenant"),
        QStringLiteral("Answer Prometheus requests without 'X-Scope-OrgID: T' with 401, as a multi-tenant "
                       "Mimir or Cortex does (reach it with --prometheus-header 'X-Scope-OrgID: T')."),
        QStringLiteral("T") });
    p.addOption({ QStringLiteral("auth"),
        QStringLiteral("How the kubeconfig's users authenticate: token (default) or client-cert (needs --tls)."),
        QStringLiteral("token|client-cert") });
    p.addOption({ QStringLiteral("faults"),
        QStringLiteral("Inject faults into every API request, e.g. latency=200ms,error-rate=0.1,drop-rate=0.05,seed=7 "
                       "(error-rate: answered 500/503; drop-rate: connection closed unanswered; "
                       "throttle-rate: answered 429 with Retry-After; stream-drop-after: watch streams cut off; "
                       "bandwidth: exec output shares one link of that rate, e.g. bandwidth=25MB/s, as a heap dump "
                       "crosses a cluster's network; expire-continue=N: the first N continued list pages are "
                       "answered 410 Expired; seed: reproducible)."),
        QStringLiteral("SPEC") });
    p.addOption({ QStringLiteral("prometheus-faults"),
        QStringLiteral("Faults of the Prometheus API alone (same SPEC as --faults), e.g. a failing Prometheus in front "
                       "of a healthy cluster; without it Prometheus gets --faults on a sequence of its own."),
        QStringLiteral("SPEC") });
    p.addOption({ QStringLiteral("container"),
        QStringLiteral("What goes wrong with heap dumps in a service's or pod's containers, NAME=SPEC with SPEC of "
                       "no-jdk, memory-tmp, disk-free=SIZE, corrupt-reads, dump-bytes=SIZE (repeatable)."),
        QStringLiteral("NAME=SPEC") });
    p.addOption({ QStringLiteral("crowd"),
        QStringLiteral("Add a Deployment 'batch-worker' with N small pods: more pods than one list page holds "
                       "(paging with limit/continue)."),
        QStringLiteral("N") });
    addScaleWorkloadsOption(p);
    p.addOption({ QStringLiteral("scenario"),
        QStringLiteral("Also serve the objects of this file: multi-document YAML of Kubernetes manifests whose "
                       "sim.leakdesk.io annotations say how their containers use memory (repeatable)."),
        QStringLiteral("FILE") });
    p.addOption({ QStringLiteral("clock-speed"),
        QStringLiteral("Simulated time runs N times as fast as the wall clock from the start (e.g. 60: an hour a "
                       "minute; with --now-ms, from that moment). History, metrics, events, pods and kubectl all "
                       "follow it; clients ask Prometheus for time() to learn it."),
        QStringLiteral("N") });
    p.addOption({ QStringLiteral("exec-drop-after"),
        QStringLiteral("Drop every exec connection after this many stdout bytes (a transfer must resume)."),
        QStringLiteral("BYTES") });
    if (!p.parse(QStringList { QStringLiteral("leakdesk-cli sandbox serve") } + args)) {
        printError(p.errorText(), QStringLiteral("run 'leakdesk-cli sandbox serve --help'"));
        return 2;
    }
    if (p.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << p.helpText();
        return 0;
    }
    sandbox::SandboxOptions options;
    options.kubeconfigPath = p.value(QStringLiteral("kubeconfig-out"));
    options.token = p.value(QStringLiteral("token"));
    options.readOnlyUser = p.isSet(QStringLiteral("read-only-user"));
    options.tls = p.isSet(QStringLiteral("tls"));
    options.prometheusToken = p.value(QStringLiteral("prometheus-token"));
    options.prometheusTenant = p.value(QStringLiteral("prometheus-tenant"));
    if (p.isSet(QStringLiteral("auth"))) {
        const QString auth = p.value(QStringLiteral("auth"));
        if (auth == QLatin1String("client-cert")) {
            options.kubeconfigAuth = sandbox::SandboxOptions::KubeconfigAuth::ClientCertificate;
        } else if (auth != QLatin1String("token")) {
            printError(QStringLiteral("invalid --auth '%1'").arg(auth), QStringLiteral("use token or client-cert"));
            return 2;
        }
        if (auth == QLatin1String("client-cert") && !options.tls) {
            printError(QStringLiteral("--auth client-cert needs --tls"),
                QStringLiteral("client certificates are only presented over TLS; add --tls"));
            return 2;
        }
    }
    if (p.isSet(QStringLiteral("faults"))) {
        auto faults = sandbox::FaultSpec::parse(p.value(QStringLiteral("faults")).toStdString());
        if (!faults) {
            printError(QString::fromStdString(faults.error().message), QString::fromStdString(faults.error().detail));
            return 2;
        }
        options.faults = *faults;
    }
    if (p.isSet(QStringLiteral("prometheus-faults"))) {
        auto faults = sandbox::FaultSpec::parse(p.value(QStringLiteral("prometheus-faults")).toStdString());
        if (!faults) {
            printError(QString::fromStdString(faults.error().message), QString::fromStdString(faults.error().detail));
            return 2;
        }
        options.prometheusFaults = *faults;
    }
    for (const QString& v : p.values(QStringLiteral("container"))) {
        const qsizetype eq = v.indexOf(QLatin1Char('='));
        auto variation = sandbox::parseContainerVariation(eq > 0 ? v.mid(eq + 1).toStdString() : std::string());
        if (eq <= 0 || !variation) {
            printError(QStringLiteral("invalid --container '%1'").arg(v),
                variation ? QStringLiteral("use NAME=SPEC, e.g. checkout=no-jdk")
                          : QString::fromStdString(variation.error().toString()));
            return 2;
        }
        options.containerVariations[v.left(eq).toStdString()] = *variation;
    }
    options.scenarioFiles = p.values(QStringLiteral("scenario"));
    if (!parseNumber(p, QStringLiteral("exec-drop-after"), options.execDropAfterBytes, "a number of bytes"))
        return 2;
    qint64 nowMs = 0;
    if (!parseMetricsNaming(p, options.metricsNaming))
        return 2;
    if (!parseNumber(p, QStringLiteral("seed"), options.seed, "the seed is a non-negative integer")
        || !parseNumber(p, QStringLiteral("crowd"), options.crowdReplicas, "a number of pods")
        || !parseScaleWorkloads(p, options.scaleWorkloads)
        || !parseNumber(p, QStringLiteral("kube-port"), options.kubePort, "ports are 0-65535")
        || !parseNumber(p, QStringLiteral("prometheus-port"), options.prometheusPort, "ports are 0-65535")
        || !parseNumber(p, QStringLiteral("now-ms"), nowMs, "a unix time in milliseconds"))
        return 2;
    if (p.isSet(QStringLiteral("now-ms")))
        options.fixedNowMs = nowMs;
    if (p.isSet(QStringLiteral("clock-speed"))) {
        bool ok = false;
        const double speed = p.value(QStringLiteral("clock-speed")).toDouble(&ok);
        if (!ok || !(speed > 0) || speed > sandbox::SandboxClock::kMaxSpeed) {
            printError(QStringLiteral("invalid --clock-speed '%1'").arg(p.value(QStringLiteral("clock-speed"))),
                QStringLiteral("give a number above 0 and at most 3600, e.g. 60 (an hour per minute)"));
            return 2;
        }
        options.clockSpeed = speed;
    }

    if (!installQuitOnSignals()) {
        printError(QStringLiteral("cannot install the signal handlers"), QStringLiteral("this is a system error"));
        return 1;
    }
    sandbox::SandboxHost host;
    if (auto started = host.start(options); !started) {
        printError(QString::fromStdString(started.error().message), QString::fromStdString(started.error().detail));
        return 1;
    }
    {
        QTextStream out(stdout);
        out << "kubeconfig: " << host.kubeconfigPath() << '\n'
            << "kube: " << host.kubeUrl().toString() << '\n';
        if (!host.certificateAuthorityPath().isEmpty())
            out << "certificate-authority: " << host.certificateAuthorityPath() << '\n';
        if (options.clockSpeed)
            out << "clock-speed: " << *options.clockSpeed << '\n';
        out << "prometheus: " << host.prometheusUrl().toString() << '\n'
            << "prometheus-in-cluster: " << sandbox::SandboxHost::prometheusServiceUrl() << '\n'
            << "context: " << host.contextName() << '\n'
            << "namespace: " << host.namespaceName() << '\n';
        if (!options.prometheusTenant.isEmpty())
            out << "prometheus-tenant: " << options.prometheusTenant << '\n';
        if (options.faults.enabled())
            out << "faults: " << QString::fromStdString(options.faults.toString()) << '\n';
        if (options.prometheusFaults)
            out << "prometheus-faults: " << QString::fromStdString(options.prometheusFaults->toString()) << '\n';
        if (options.scaleWorkloads > 0) {
            int leaking = 0;
            for (const auto& w : sandbox::scenario::scaleWorkloads(options.scaleWorkloads, options.seed))
                leaking += sandbox::scenario::scaleRoleLeaks(w.role) ? 1 : 0;
            out << "scale-workloads: " << options.scaleWorkloads << " (" << leaking
                << " leaking: index % 50 == 7 or 39)\n";
        }
        out.flush();
    }
    std::fflush(stdout);
    const int rc = QCoreApplication::exec();
    host.stop();
    return rc;
}

int exportMetrics(const QStringList& args)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("Write the sandbox's raw metric history as OpenMetrics text, ready for "
                                               "'promtool tsdb create-blocks-from openmetrics'."));
    addCommonOptions(p);
    p.addOption({ QStringLiteral("out"), QStringLiteral("Output file."), QStringLiteral("FILE") });
    p.addOption({ QStringLiteral("hours"),
        QStringLiteral("How many hours to export (default 168; about 70 MB per day)."), QStringLiteral("H") });
    p.addOption({ QStringLiteral("scenario"),
        QStringLiteral("Also export the series of this scenario file's containers, as 'sandbox serve --scenario' "
                       "serves them (repeatable)."),
        QStringLiteral("FILE") });
    p.addOption({ QStringLiteral("until-ms"),
        QStringLiteral("End of the exported window, unix milliseconds (default: now). Exporting the hours before "
                       "now and the same hours 7 days earlier covers `offset 7d` baselines without a week of data."),
        QStringLiteral("MS") });
    addScaleWorkloadsOption(p);
    p.addOption({ QStringLiteral("thin"),
        QStringLiteral("Write samples older than AGE (before the end; up to AGE2 when given) only every STEP, the "
                       "finest where several apply, e.g. --thin 7h:1h --thin 7d-7d7h:5m (repeatable; other samples "
                       "stay every 30 s): long histories of many pods backfill in minutes."),
        QStringLiteral("AGE[-AGE2]:STEP") });
    if (!p.parse(QStringList { QStringLiteral("leakdesk-cli sandbox export-metrics") } + args)) {
        printError(p.errorText(), QStringLiteral("run 'leakdesk-cli sandbox export-metrics --help'"));
        return 2;
    }
    if (p.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << p.helpText();
        return 0;
    }
    if (!p.isSet(QStringLiteral("out"))) {
        printError(QStringLiteral("missing --out FILE"), QStringLiteral("say where to write the OpenMetrics file"));
        return 2;
    }
    quint64 seed = 42;
    qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    if (!parseNumber(p, QStringLiteral("seed"), seed, "the seed is a non-negative integer")
        || !parseNumber(p, QStringLiteral("now-ms"), nowMs, "a unix time in milliseconds"))
        return 2;
    qint64 untilMs = nowMs;
    if (!parseNumber(p, QStringLiteral("until-ms"), untilMs, "a unix time in milliseconds"))
        return 2;
    if (untilMs > nowMs) {
        printError(QStringLiteral("--until-ms is in the future of the sandbox clock"),
            QStringLiteral("samples after 'now' do not exist yet; give a time at or before --now-ms"));
        return 2;
    }
    double hours = 168;
    if (p.isSet(QStringLiteral("hours"))) {
        bool ok = false;
        hours = p.value(QStringLiteral("hours")).toDouble(&ok);
        if (!ok || hours <= 0 || hours > 24 * 30) {
            printError(QStringLiteral("invalid --hours '%1'").arg(p.value(QStringLiteral("hours"))),
                QStringLiteral("give a number of hours between 0 and 720"));
            return 2;
        }
    }
    prometheus::MetricsDialect naming = prometheus::MetricsDialect::Current;
    if (!parseMetricsNaming(p, naming))
        return 2;
    int scaleWorkloads = 0;
    if (!parseScaleWorkloads(p, scaleWorkloads))
        return 2;
    std::vector<sandbox::MetricsHistory::ExportStep> thinning;
    for (const QString& v : p.values(QStringLiteral("thin"))) {
        const qsizetype colon = v.indexOf(QLatin1Char(':'));
        const QString ages = v.left(colon);
        const qsizetype dash = ages.indexOf(QLatin1Char('-'));
        const auto age = sandbox::scenario::parseDurationMs(ages.left(dash).toStdString());
        const auto until = dash > 0 ? sandbox::scenario::parseDurationMs(ages.mid(dash + 1).toStdString())
                                    : Result<std::int64_t>(std::int64_t { 0 });
        const auto step = sandbox::scenario::parseDurationMs(v.mid(colon + 1).toStdString());
        if (colon <= 0 || !age || !until || !step || *step < sandbox::SandboxModel::kScrapeIntervalMs
            || *step % sandbox::SandboxModel::kScrapeIntervalMs != 0 || (dash > 0 && *until <= *age)) {
            printError(QStringLiteral("invalid --thin '%1'").arg(v),
                QStringLiteral("use AGE:STEP or AGE-AGE:STEP with durations, STEP a multiple of the 30 s scrape, "
                               "e.g. 7h:1h or 7d-7d7h:5m"));
            return 2;
        }
        thinning.push_back({ *age, *step, *until });
    }
    const sandbox::SandboxModel model(seed, nowMs);
    sandbox::MetricsHistory history(model);
    history.setNaming(prometheus::profileForDialect(naming));
    std::unique_ptr<sandbox::scenario::ScenarioCluster> scenarioCluster;
    // As `sandbox serve`: the default scenario unless --scenario files replace it.
    {
        std::optional<sandbox::scenario::Scenario> objects;
        if (!p.isSet(QStringLiteral("scenario"))) {
            auto builtIn = sandbox::scenario::defaultScenario();
            if (!builtIn) {
                printError(QString::fromStdString(builtIn.error().message));
                return 1;
            }
            objects = std::move(*builtIn);
        }
        for (const QString& file : p.values(QStringLiteral("scenario"))) {
            auto loaded = sandbox::scenario::loadScenarioFile(file.toStdString());
            Status merged = Ok {};
            if (loaded && !objects)
                objects = std::move(*loaded);
            else if (loaded)
                merged = sandbox::scenario::mergeScenario(*objects, std::move(*loaded));
            const Error* problem = !loaded ? &loaded.error() : !merged ? &merged.error() : nullptr;
            if (problem) {
                printError(QString::fromStdString(problem->message), QString::fromStdString(problem->detail));
                return 2;
            }
        }
        if (scaleWorkloads > 0) {
            auto fleet = sandbox::scenario::scaleWorkloadsScenario(scaleWorkloads, seed);
            Status merged = Ok {};
            if (fleet && !objects)
                objects = std::move(*fleet);
            else if (fleet)
                merged = sandbox::scenario::mergeScenario(
                    *objects, std::move(*fleet), sandbox::scenario::scaleScenarioLimits(scaleWorkloads));
            const Error* problem = !fleet ? &fleet.error() : !merged ? &merged.error() : nullptr;
            if (problem) {
                printError(QString::fromStdString(problem->message), QString::fromStdString(problem->detail));
                return 2;
            }
        }
        // The same cluster `sandbox serve --scenario` serves with this seed and clock.
        scenarioCluster = std::make_unique<sandbox::scenario::ScenarioCluster>(std::move(*objects), seed, nowMs);
        history.setExternalSeries(sandbox::scenario::scenarioSeries(*scenarioCluster, history),
            [cluster = scenarioCluster.get()](const sandbox::RawSeries& series, std::int64_t gridMs) {
                return sandbox::scenario::sampleScenarioSeries(*cluster, series, gridMs);
            });
    }
    const QString out = p.value(QStringLiteral("out"));
    const QString part = out + QStringLiteral(".part");
    {
        std::ofstream file(part.toStdString(), std::ios::binary | std::ios::trunc);
        if (!file) {
            printError(QStringLiteral("cannot write %1").arg(part),
                QStringLiteral("check the directory exists and is writable"));
            return 1;
        }
        const auto fromMs = untilMs - static_cast<qint64>(hours * 3600.0 * 1000.0);
        history.writeOpenMetrics(file, fromMs, untilMs, {}, thinning);
        file.flush();
        if (!file) {
            QFile::remove(part);
            printError(QStringLiteral("writing %1 failed").arg(part), QStringLiteral("check free disk space"));
            return 1;
        }
    }
    QFile::remove(out);
    if (!QFile::rename(part, out)) {
        QFile::remove(part);
        printError(QStringLiteral("cannot move the export into place at %1").arg(out));
        return 1;
    }
    QTextStream(stdout) << "wrote " << history.series().size() << " series (" << hours << " h up to "
                        << QDateTime::fromMSecsSinceEpoch(untilMs, QTimeZone::utc()).toString(Qt::ISODate) << ") to "
                        << out << '\n';
    return 0;
}

} // namespace

int runSandboxCommand(const QStringList& args)
{
    const QString sub = args.value(0);
    if (sub == QLatin1String("serve"))
        return serve(args.mid(1));
    if (sub == QLatin1String("export-metrics"))
        return exportMetrics(args.mid(1));
    if (sub.isEmpty() || sub == QLatin1String("--help") || sub == QLatin1String("-h")) {
        QTextStream(sub.isEmpty() ? stderr : stdout)
            << "usage: leakdesk-cli sandbox serve [--kubeconfig-out FILE] [--kube-port N] [--prometheus-port N] "
               "[--seed N] [--token T] [--read-only-user] [--tls] [--auth token|client-cert] [--prometheus-token T] "
               "[--prometheus-tenant T]\n"
               "             [--faults SPEC] [--prometheus-faults SPEC] [--container NAME=SPEC]... [--exec-drop-after "
               "BYTES] [--crowd N]\n"
               "             [--scenario FILE]... [--scale-workloads N] [--clock-speed N]\n"
            << "       leakdesk-cli sandbox export-metrics --out FILE [--seed N] [--hours H] [--until-ms MS] "
               "[--scenario FILE]... [--scale-workloads N] [--thin AGE[-AGE2]:STEP]...\n";
        return sub.isEmpty() ? 2 : 0;
    }
    printError(QStringLiteral("unknown sandbox command '%1'").arg(sub),
        QStringLiteral("use 'sandbox serve' or 'sandbox export-metrics'"));
    return 2;
}

} // namespace leakdesk::cli
