#include "core/radar/LeakRadar.h"

#include "core/prometheus/PromClient.h"
#include "core/prometheus/RadarQueries.h"
#include "core/radar/RadarRanking.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <deque>
#include <set>

namespace leakdesk::radar {

using prometheus::RadarQueryKind;

namespace {

struct Task {
    std::size_t nsIndex = 0;
    RadarQueryKind kind = RadarQueryKind::Workloads;
    std::string promql;
};

} // namespace

struct LeakRadar::Run : JobRun {
    RadarOptions options;
    std::int64_t nowMs = 0;
    std::int64_t stepMs = 0;
    QElapsedTimer clock;
    std::unique_ptr<QObject> context = std::make_unique<QObject>(); // replies die with it
    std::vector<prometheus::PromCall> calls;
    std::vector<std::string> namespaces;
    std::vector<RadarAnswers> answers; // one per namespace
    std::vector<RadarFailure> failures;
    std::deque<Task> queue;
    int inFlight = 0;
    int done = 0;
    int total = 0;
    int succeeded = 0;
    int queries = 0;
    std::int64_t bytes = 0;

    void onStop() override
    {
        for (auto& call : calls)
            call.cancel();
        context.reset();
    }
};

LeakRadar::LeakRadar(prometheus::PromClient& client, QObject* parent)
    : Job(parent)
    , m_client(client)
{
    qRegisterMetaType<std::shared_ptr<const RadarReport>>();
}

LeakRadar::~LeakRadar()
{
    abandon();
}

void LeakRadar::start(const RadarOptions& options)
{
    auto run = begin<Run>(QStringLiteral("The leak radar"));
    run->options = options;
    run->clock.start();
    run->nowMs = options.nowMs > 0 ? options.nowMs : QDateTime::currentMSecsSinceEpoch();
    // The sparkline's step: the window in at most sparklinePoints points, whole minutes.
    const std::int64_t points = std::max(2, options.sparklinePoints);
    run->stepMs = std::max<std::int64_t>(60000, (options.windowMs / (points - 1) + 59999) / 60000 * 60000);
    if (options.allNamespaces || options.namespaces.empty())
        return listNamespaces(run);
    askNamespaces(run, options.namespaces);
}

void LeakRadar::listNamespaces(const std::shared_ptr<Run>& run)
{
    prometheus::RadarQueryParams params;
    params.windowMs = run->options.windowMs;
    params.clusterLabel = run->options.clusterLabel;
    const std::string promql = radarQuery(RadarQueryKind::Namespaces, run->options.profile, params);
    reportCount(run, QStringLiteral("listing namespaces"), 0, 1);
    run->calls.push_back(m_client.query(
        promql, run->nowMs, run->context.get(), [this, run, promql](Result<prometheus::QueryResult> result) {
            if (!isCurrent(run))
                return;
            run->queries += result ? result->requests : 1;
            if (!result)
                return fail(run,
                    Error { result.error().code, "Prometheus could not list the namespaces: " + result.error().message,
                        result.error().detail });
            run->bytes += result->bodyBytes;
            std::set<std::string> names;
            for (const Series& s : result->series)
                if (!s.label("namespace").empty())
                    names.insert(s.label("namespace"));
            askNamespaces(run, { names.begin(), names.end() });
        }));
}

void LeakRadar::askNamespaces(const std::shared_ptr<Run>& run, std::vector<std::string> namespaces)
{
    run->namespaces = std::move(namespaces);
    run->answers.resize(run->namespaces.size());
    for (std::size_t i = 0; i < run->namespaces.size(); ++i) {
        prometheus::RadarQueryParams params;
        params.ns = run->namespaces[i];
        params.windowMs = run->options.windowMs;
        params.stepMs = run->stepMs;
        params.clusterLabel = run->options.clusterLabel;
        for (RadarQueryKind kind : prometheus::allRadarQueryKinds())
            if (kind != RadarQueryKind::Namespaces)
                run->queue.push_back({ i, kind, radarQuery(kind, run->options.profile, params) });
    }
    run->total = static_cast<int>(run->queue.size());
    if (run->queue.empty())
        return rank(run);
    pump(run);
}

void LeakRadar::pump(const std::shared_ptr<Run>& run)
{
    while (run->inFlight < std::max(1, run->options.maxConcurrentQueries) && !run->queue.empty()) {
        Task task = std::move(run->queue.front());
        run->queue.pop_front();
        ++run->inFlight;
        auto onAnswer = [this, run, task](Result<prometheus::QueryResult> result) {
            if (!isCurrent(run))
                return;
            --run->inFlight;
            ++run->done;
            run->queries += result ? result->requests : 1;
            if (result) {
                ++run->succeeded;
                run->bytes += result->bodyBytes;
                run->answers[task.nsIndex].byKind[task.kind] = std::move(result->series);
            } else {
                run->failures.push_back({ run->namespaces[task.nsIndex], prometheus::radarQueryKindName(task.kind),
                    task.promql, result.error() });
            }
            reportCount(run, QStringLiteral("asking Prometheus"), run->done, run->total);
            if (run->done == run->total)
                return rank(run);
            pump(run);
        };
        if (prometheus::isRangeRadarQuery(task.kind)) {
            const std::int64_t points = std::max<std::int64_t>(2, run->options.windowMs / run->stepMs + 1);
            const TimeRange range { run->nowMs - (points - 1) * run->stepMs, run->nowMs };
            run->calls.push_back(
                m_client.queryRange(task.promql, range, run->stepMs, run->context.get(), std::move(onAnswer)));
        } else {
            run->calls.push_back(m_client.query(task.promql, run->nowMs, run->context.get(), std::move(onAnswer)));
        }
    }
}

void LeakRadar::rank(const std::shared_ptr<Run>& run)
{
    // Every query failed: nothing to rank, and the first failure says why (unreachable, refused).
    if (run->total > 0 && run->succeeded == 0) {
        const RadarFailure& first = run->failures.front();
        return fail(run,
            Error { first.error.code, "Prometheus answered none of the radar's queries: " + first.error.message,
                first.error.detail });
    }
    reportCount(run, QStringLiteral("ranking"), run->total, run->total);
    RadarOptions options = run->options;
    options.nowMs = run->nowMs;
    auto* watcher = new QFutureWatcher<std::shared_ptr<const RadarReport>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, run] {
        watcher->deleteLater();
        auto report = std::make_shared<RadarReport>(*watcher->result());
        report->elapsedMs = run->clock.elapsed();
        finish(run, [this, report] { Q_EMIT finished(report); });
    });
    watcher->setFuture(QtConcurrent::run(
        [answers = std::move(run->answers), failures = std::move(run->failures), namespaces = run->namespaces, options,
            queries = run->queries, bytes = run->bytes]() mutable {
            auto report = std::make_shared<RadarReport>(rankWorkloads(answers, options, std::move(failures)));
            report->namespaces = std::move(namespaces);
            report->queries = queries;
            report->bytesReceived = bytes;
            return std::shared_ptr<const RadarReport>(std::move(report));
        }));
}

} // namespace leakdesk::radar
