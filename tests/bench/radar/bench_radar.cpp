// The leak radar at fleet size (issue 18): 2,000 synthetic workloads (6,000 pods, 7 days of history,
// the sandbox's --scale-workloads fleet beside its `production` namespace) are generated here, at
// bench time, loaded into a real Prometheus (promtool tsdb create-blocks-from openmetrics, then
// prometheus on a free loopback port) and into a real VictoriaMetrics (its import API), and the
// radar's core runner (radar::LeakRadar over PromClient, what `leakdesk-cli radar` runs) ranks every
// namespace against each. Prints one JSON object: data generation and load times, then per backend
// the radar's wall time, HTTP queries, bytes received, rows, and whether the known leakers
// (ScaleWorkloads.h's rule, plus production's checkout and payments) are exactly the top rows.
// Each radar runs twice: "cold" right after the load, "warm" again (VictoriaMetrics caches rollups).
//
// Scrape resolution of the generated history. Seven days of ~47,000 series at the sandbox's 30 s
// would be ~10^9 samples, far beyond a backfill of minutes, so the export is thinned (what a
// downsampling retention does to old data, as in Thanos or VictoriaMetrics):
//   the newest 7 h (the radar's 6 h window, its 15 min level and 5 min rates)  every 150 s
//   7 h .. 7 d old (the 24 h restart and OOM counts; the days between)           every hour
//   7 d .. 7 d 7 h old (the `offset 7d` baseline of the same 6 h window)         every 5 min
// The radar's queries are the same whatever the resolution; slopes over 10 min see 4 samples.
//
// Needs prometheus, promtool and victoria-metrics on PATH. No figure is compared with a threshold.
// usage: bench_radar [--workloads N] [--seed S] [--backend prometheus|victoriametrics|both] [--keep DIR]
//        bench_radar --url URL --now-ms MS [--pid PID] [--workloads N] [--seed S]   (the radar alone,
//        against a server loaded by an earlier run kept with --keep; MS is that run's "now_ms", PID the
//        server's process for its CPU time)
#include "HttpPost.h"
#include "TestSupport.h"

#include "core/prometheus/PromClient.h"
#include "core/radar/LeakRadar.h"
#include "core/sandbox/model/MetricsHistory.h"
#include "core/sandbox/model/SandboxModel.h"
#include "core/sandbox/scenario/ScaleWorkloads.h"
#include "core/sandbox/scenario/ScenarioCluster.h"
#include "core/sandbox/scenario/ScenarioMetrics.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sys/resource.h>
#include <unistd.h>

using namespace leakdesk;
using nlohmann::json;

namespace {

constexpr std::int64_t kHourMs = 3600LL * 1000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr std::int64_t kFineAgeMs = 7 * kHourMs;
constexpr std::int64_t kFineStepMs = 150 * 1000;
constexpr std::int64_t kOldStepMs = kHourMs;
constexpr std::int64_t kBaselineStepMs = 5 * 60 * 1000;
constexpr std::int64_t kHistoryMs = 7 * kDayMs + kFineAgeMs; // 7 days, plus the week-ago window
// VictoriaMetrics refuses import bodies over -maxInsertRequestSize (32 MB by default).
constexpr qsizetype kImportChunkBytes = 24 * 1024 * 1024;

double secondsSince(const QElapsedTimer& t)
{
    return static_cast<double>(t.nsecsElapsed()) / 1e9;
}

std::string loadAverage()
{
    QFile f(QStringLiteral("/proc/loadavg"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll().trimmed().toStdString();
}

using test::Posted;

// VictoriaMetrics' import of a large export takes a while; the timeout bounds a hang.
Posted post(QNetworkAccessManager& nam, const QUrl& url, const QByteArray& body)
{
    return test::postText(nam, url, body, 600000);
}

// Streams the OpenMetrics file into VictoriaMetrics' Prometheus import: comments and # EOF dropped,
// second timestamps written as milliseconds, bodies of at most kImportChunkBytes at line ends.
bool importIntoVictoria(
    QNetworkAccessManager& nam, const QUrl& victoria, const QString& openMetrics, std::int64_t& samples, QString& why)
{
    QFile in(openMetrics);
    if (!in.open(QIODevice::ReadOnly)) {
        why = in.errorString();
        return false;
    }
    const QUrl importUrl = victoria.resolved(QUrl(QStringLiteral("/api/v1/import/prometheus")));
    QByteArray body;
    body.reserve(kImportChunkBytes + 4096);
    auto flush = [&] {
        if (body.isEmpty())
            return true;
        const Posted p = post(nam, importUrl, body);
        body.clear();
        if (p.status / 100 != 2) {
            why = QStringLiteral("import answered %1: %2").arg(p.status).arg(QString::fromUtf8(p.body.left(300)));
            return false;
        }
        return true;
    };
    while (!in.atEnd()) {
        QByteArray line = in.readLine();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        if (line.endsWith('\n'))
            line.chop(1);
        body += line;
        body += "000\n";
        ++samples;
        if (body.size() >= kImportChunkBytes && !flush())
            return false;
    }
    if (!flush())
        return false;
    const Posted flushed = post(nam, victoria.resolved(QUrl(QStringLiteral("/internal/force_flush"))), {});
    if (flushed.status != 200) {
        why = QStringLiteral("force_flush answered %1").arg(flushed.status);
        return false;
    }
    return true;
}

// CPU seconds a process has used so far (user + system, from /proc/PID/stat); 0 when unreadable.
double processCpuSeconds(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (pid <= 0 || !f.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray stat = f.readAll();
    // Fields after the command name (which may hold spaces) in parentheses: state is field 3,
    // utime and stime are fields 14 and 15.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    return static_cast<double>(fields[11].toLongLong() + fields[12].toLongLong())
        / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double ownCpuSeconds()
{
    rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// What each workload is, by "namespace/name": the fleet's role by its rule; production's services
// by their profile (checkout and payments leak, catalog does not).
using Truth = std::map<std::string, sandbox::scenario::ScaleRole>;

// The radar against `url`. `serverPid`: the server's process, whose CPU time the run is charged
// with (wall time on this shared machine depends on everyone else's load; CPU time much less).
json radarFigures(const QUrl& url, std::int64_t nowMs, const Truth& truth, qint64 serverPid = 0)
{
    prometheus::PromConnection connection;
    connection.baseUrl = url;
    connection.timeoutMs = 120000;
    prometheus::PromClient client(connection);
    radar::LeakRadar radar(client);
    radar::RadarOptions options;
    options.allNamespaces = true;
    options.topN = 0; // every row: the healthy must come last
    options.nowMs = nowMs;
    std::shared_ptr<const radar::RadarReport> report;
    std::optional<Error> error;
    QEventLoop loop;
    QObject::connect(&radar, &radar::LeakRadar::finished, &loop, [&](std::shared_ptr<const radar::RadarReport> r) {
        report = std::move(r);
        loop.quit();
    });
    QObject::connect(&radar, &radar::LeakRadar::failed, &loop, [&](const Error& e) {
        error = e;
        loop.quit();
    });
    const double serverCpuBefore = processCpuSeconds(serverPid);
    const double clientCpuBefore = ownCpuSeconds();
    QElapsedTimer wall;
    wall.start();
    radar.start(options);
    loop.exec();
    const double wallSeconds = secondsSince(wall);
    const double serverCpu = processCpuSeconds(serverPid) - serverCpuBefore;
    const double clientCpu = ownCpuSeconds() - clientCpuBefore;
    if (!report)
        return { { "error", error ? error->toString() : std::string("no report") } };

    std::size_t leakers = 0;
    for (const auto& [key, role] : truth)
        leakers += sandbox::scenario::scaleRoleLeaks(role) ? 1 : 0;
    std::set<std::string> topKeys;
    std::size_t lastLeakerRank = 0;
    std::size_t firstHealthyRank = 0;
    std::size_t firstNonLeakerRank = 0;
    std::size_t unknownRows = 0;
    json top = json::array();
    for (std::size_t i = 0; i < report->rows.size(); ++i) {
        const radar::RadarRow& row = report->rows[i];
        const std::string key = row.ns + "/" + row.workloadName;
        const auto it = truth.find(key);
        if (it == truth.end()) {
            ++unknownRows;
            continue;
        }
        const bool leaks = sandbox::scenario::scaleRoleLeaks(it->second);
        if (i < leakers)
            topKeys.insert(key);
        if (leaks)
            lastLeakerRank = i + 1;
        if (!leaks && firstNonLeakerRank == 0)
            firstNonLeakerRank = i + 1;
        if (it->second == sandbox::scenario::ScaleRole::Healthy && firstHealthyRank == 0)
            firstHealthyRank = i + 1;
        if (i < 5)
            top.push_back({ { "namespace", row.ns }, { "workload", row.workloadName }, { "score", row.score },
                { "role", sandbox::scenario::scaleRoleName(it->second) } });
    }
    bool leakersOnTop = report->rows.size() >= leakers;
    for (const std::string& key : topKeys)
        leakersOnTop = leakersOnTop && sandbox::scenario::scaleRoleLeaks(truth.at(key));
    return {
        { "wall_s", wallSeconds },
        { "server_cpu_s", serverCpu },
        { "client_cpu_s", clientCpu }, // queries, JSON parsing and the ranking, all threads
        { "elapsed_ms_reported", report->elapsedMs },
        { "queries", report->queries },
        { "bytes_received", report->bytesReceived },
        { "namespaces", report->namespaces.size() },
        { "rows", report->rows.size() },
        { "workloads_seen", report->workloadsSeen },
        { "failures", report->failures.size() },
        { "known_leakers", leakers },
        { "leakers_on_top", leakersOnTop && topKeys.size() == leakers },
        { "last_leaker_rank", lastLeakerRank },
        { "first_non_leaker_rank", firstNonLeakerRank },
        { "first_healthy_rank", firstHealthyRank },
        { "rows_not_generated", unknownRows },
        { "top5", top },
    };
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    int workloads = 2000;
    quint64 seed = 42;
    QString backend = QStringLiteral("both");
    QString keep;
    QUrl againstUrl;
    qint64 againstNowMs = 0;
    qint64 againstPid = 0;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--workloads"))
            workloads = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--seed"))
            seed = args[i + 1].toULongLong();
        else if (args[i] == QLatin1String("--backend"))
            backend = args[i + 1];
        else if (args[i] == QLatin1String("--keep"))
            keep = args[i + 1];
        else if (args[i] == QLatin1String("--url"))
            againstUrl = QUrl(args[i + 1]);
        else if (args[i] == QLatin1String("--now-ms"))
            againstNowMs = args[i + 1].toLongLong();
        else if (args[i] == QLatin1String("--pid"))
            againstPid = args[i + 1].toLongLong();
    }
    // Profiling: the radar alone against a server already loaded by an earlier run (--keep), at the
    // instant that run generated its history for.
    if (againstUrl.isValid() && againstNowMs > 0) {
        Truth truth;
        for (const auto& w : sandbox::scenario::scaleWorkloads(workloads, seed))
            truth[w.namespaceName + "/" + w.name] = w.role;
        const sandbox::SandboxModel model(seed, againstNowMs);
        for (const auto& service : model.services())
            truth[model.namespaceName() + "/" + service.name] = service.profile == sandbox::MemoryProfile::Stabilising
                ? sandbox::scenario::ScaleRole::Healthy
                : sandbox::scenario::ScaleRole::LeakSlow;
        std::cout << json { { "radar", radarFigures(againstUrl, againstNowMs, truth, againstPid) } }.dump()
                  << std::endl;
        return 0;
    }
    const bool withPrometheus = backend != QLatin1String("victoriametrics");
    const bool withVictoria = backend != QLatin1String("prometheus");
    for (const char* program : { "prometheus", "promtool", "victoria-metrics" })
        if (test::findProgram(QString::fromLatin1(program)).isEmpty()
            && (withPrometheus || std::string(program) == "victoria-metrics")) {
            std::cerr << "bench_radar: " << program << " is not on PATH (tools/dev.sh setup installs it)\n";
            return 2;
        }
    QTemporaryDir temp;
    const QString dir = keep.isEmpty() ? temp.path() : keep;
    QDir().mkpath(dir);
    json out;
    out["loadavg_before"] = loadAverage();
    out["now_ms"] = 0;
    out["workloads"] = workloads;

    // 1. The history, generated as the sandbox would serve it (--scale-workloads N --seed S, the
    // clock at a scrape just past), written thinned (see the top of this file).
    const std::int64_t nowMs = QDateTime::currentMSecsSinceEpoch() / 30000 * 30000;
    out["now_ms"] = nowMs;
    const QString openMetrics = QDir(dir).filePath(QStringLiteral("history.om"));
    QElapsedTimer generation;
    generation.start();
    Truth truth;
    {
        const sandbox::SandboxModel model(seed, nowMs);
        sandbox::MetricsHistory history(model);
        auto fleet = sandbox::scenario::scaleWorkloadsScenario(workloads, seed);
        if (!fleet) {
            std::cerr << "bench_radar: " << fleet.error().toString() << '\n';
            return 1;
        }
        sandbox::scenario::ScenarioCluster cluster(std::move(*fleet), seed, nowMs);
        history.setExternalSeries(sandbox::scenario::scenarioSeries(cluster, history),
            [&cluster](const sandbox::RawSeries& series, std::int64_t gridMs) {
                return sandbox::scenario::sampleScenarioSeries(cluster, series, gridMs);
            });
        for (const auto& w : sandbox::scenario::scaleWorkloads(workloads, seed))
            truth[w.namespaceName + "/" + w.name] = w.role;
        for (const auto& service : model.services())
            truth[model.namespaceName() + "/" + service.name] = service.profile == sandbox::MemoryProfile::Stabilising
                ? sandbox::scenario::ScaleRole::Healthy
                : sandbox::scenario::ScaleRole::LeakSlow;
        std::ofstream file(openMetrics.toStdString(), std::ios::binary | std::ios::trunc);
        history.writeOpenMetrics(file, nowMs - kHistoryMs, nowMs, {},
            { { 0, kFineStepMs, kFineAgeMs }, { kFineAgeMs, kOldStepMs, 0 },
                { 7 * kDayMs, kBaselineStepMs, 7 * kDayMs + kFineAgeMs } });
        file.flush();
        if (!file) {
            std::cerr << "bench_radar: writing " << openMetrics.toStdString() << " failed\n";
            return 1;
        }
        out["pods"] = cluster.pods().size() + model.pods().size();
        out["series"] = history.series().size();
    }
    out["generate_s"] = secondsSince(generation);
    out["openmetrics_bytes"] = QFileInfo(openMetrics).size();
    out["history"] = { { "days", 7 }, { "newest_7h_every_s", kFineStepMs / 1000 },
        { "older_every_s", kOldStepMs / 1000 }, { "week_ago_window_every_s", kBaselineStepMs / 1000 } };

    if (withPrometheus) {
        json prom;
        const QString tsdb = QDir(dir).filePath(QStringLiteral("tsdb"));
        QElapsedTimer backfill;
        backfill.start();
        // Blocks of a day: fewer blocks for the queries to open than the 2 h default.
        const auto created = test::runProgram(test::findProgram(QStringLiteral("promtool")),
            { QStringLiteral("tsdb"), QStringLiteral("create-blocks-from"), QStringLiteral("openmetrics"),
                QStringLiteral("--max-block-duration=24h"), openMetrics, tsdb },
            1800000);
        prom["backfill_s"] = secondsSince(backfill);
        if (created.exitCode != 0) {
            std::cerr << "bench_radar: promtool failed: " << created.err.toStdString() << '\n';
            return 1;
        }
        QProcess prometheus;
        QUrl url;
        QString why;
        QElapsedTimer started;
        started.start();
        if (!test::startLocalPrometheus(prometheus, test::findProgram(QStringLiteral("prometheus")), dir, tsdb,
                { QStringLiteral("--storage.tsdb.retention.time=100y") }, url, why)) {
            std::cerr << "bench_radar: " << why.toStdString() << '\n';
            return 1;
        }
        prom["start_s"] = secondsSince(started);
        prom["radar_cold"] = radarFigures(url, nowMs, truth, prometheus.processId());
        prom["radar_warm"] = radarFigures(url, nowMs, truth, prometheus.processId());
        test::stopProcess(prometheus);
        out["prometheus"] = prom;
    }
    if (withVictoria) {
        json vm;
        QProcess victoria;
        QUrl url;
        QString why;
        // The newest points are complete (nothing is being scraped): show them at once.
        if (!test::startLocalVictoriaMetrics(victoria, test::findProgram(QStringLiteral("victoria-metrics")),
                QDir(dir).filePath(QStringLiteral("vmdata")), { QStringLiteral("-search.latencyOffset=0s") }, url,
                why)) {
            std::cerr << "bench_radar: " << why.toStdString() << '\n';
            return 1;
        }
        QNetworkAccessManager nam;
        QElapsedTimer imported;
        imported.start();
        std::int64_t samples = 0;
        if (!importIntoVictoria(nam, url, openMetrics, samples, why)) {
            std::cerr << "bench_radar: " << why.toStdString() << '\n';
            return 1;
        }
        vm["import_s"] = secondsSince(imported);
        out["samples"] = samples;
        vm["radar_cold"] = radarFigures(url, nowMs, truth, victoria.processId());
        vm["radar_warm"] = radarFigures(url, nowMs, truth, victoria.processId());
        test::stopProcess(victoria);
        out["victoriametrics"] = vm;
    }
    out["loadavg_after"] = loadAverage();
    out["cores"] = QThread::idealThreadCount();
    std::cout << out.dump() << std::endl;
    return 0;
}
