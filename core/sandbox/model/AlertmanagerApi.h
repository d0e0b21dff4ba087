#pragma once
// The Alertmanager API v2 subset the sandbox serves: GET /api/v2/alerts (filter, active, silenced,
// inhibited), GET /api/v2/status, GET/POST /api/v2/silences, GET/DELETE /api/v2/silence/{id}.
// Its alerts are what a Prometheus ruler with the usual rules would fire over the sandbox's own
// series (MetricsHistory) at the current time: KubeContainerOOMKilled (OOM events in the last
// hour), KubePodCrashLooping (3 or more restarts in the last hour), KubeContainerMemoryNearLimit
// (working set at 90 % of the limit or more), and kube-prometheus' always-firing Watchdog. Silences
// are kept in memory; an alert a silence matches is "suppressed" with the silence's id, as
// Alertmanager 0.25 shows it (checked against the real one: expiring an expired silence answers
// 200, an unknown id 500 "silence not found" on DELETE and 404 on GET, a POST without matchers 422).

#include "core/sandbox/http/HttpServer.h"
#include "core/sandbox/model/MetricsHistory.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace leakdesk::sandbox {

class AlertmanagerApi {
public:
    using Clock = std::function<std::int64_t()>;

    AlertmanagerApi(const MetricsHistory& history, Clock clock);
    HttpResponse handle(const HttpRequest& request);

    // The alerts firing at `nowMs` (labels, annotations, startsAt), before silences: for tests.
    struct FiringAlert {
        Labels labels;
        Labels annotations;
        std::int64_t startsAtMs = 0;
    };
    std::vector<FiringAlert> firing(std::int64_t nowMs) const;

    struct Matcher {
        std::string name;
        std::string value;
        bool isRegex = false;
        bool isEqual = true;
    };

private:
    struct StoredSilence {
        std::string id;
        std::vector<Matcher> matchers;
        std::int64_t startsAtMs = 0;
        std::int64_t endsAtMs = 0;
        std::int64_t updatedAtMs = 0;
        std::string createdBy;
        std::string comment;
    };
    HttpResponse alerts(const HttpRequest& request, std::int64_t nowMs) const;
    HttpResponse postSilence(const HttpRequest& request, std::int64_t nowMs);
    nlohmann::json silenceJson(const StoredSilence& s, std::int64_t nowMs) const;

    const MetricsHistory& m_history;
    Clock m_clock;
    std::vector<StoredSilence> m_silences;
};

} // namespace leakdesk::sandbox
