#include "core/alerts/AlertIncident.h"

#include "core/common/ActionKinds.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"
#include "core/runbook/RunbookParser.h"

#include <QFileInfo>

#include <algorithm>
#include <cctype>

namespace leakdesk::alerts {

using nlohmann::json;
namespace inc = leakdesk::incident;

namespace {

std::string alertDetail(const MemoryAlert& a)
{
    std::string d = "fingerprint " + a.alert.fingerprint + ", category " + memoryAlertCategoryName(a.category)
        + ", firing since " + formatAlertmanagerTime(a.alert.startsAtMs);
    if (!a.target.how.empty())
        d += ", workload from " + a.target.how;
    d += "\nlabels:";
    for (const auto& [k, v] : a.alert.labels)
        d += " " + k + "=" + v;
    for (const char* key : { "summary", "description", "runbook_url" }) {
        const auto it = a.alert.annotations.find(key);
        if (it != a.alert.annotations.end())
            d += "\n" + std::string(key) + ": " + it->second;
    }
    return d;
}

std::string shellQuote(const std::string& s)
{
    std::string out = "'";
    for (const char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string durationText(std::int64_t ms)
{
    const std::int64_t minutes = ms / 60000;
    if (minutes % 60 == 0)
        return std::to_string(minutes / 60) + "h";
    return std::to_string(minutes) + "m";
}

} // namespace

std::string recordAlert(inc::IncidentDocument& doc, const MemoryAlert& alert, std::int64_t nowMs)
{
    const std::string summary = "Alert " + alert.alert.name() + " firing for " + alert.targetText();
    const std::string detail = alertDetail(alert);
    for (const auto& e : doc.escalations)
        if (e.kind == kAlertEventKind && e.detail.find("fingerprint " + alert.alert.fingerprint + ",") == 0
            && e.detail.find(formatAlertmanagerTime(alert.alert.startsAtMs)) != std::string::npos)
            return e.id;
    inc::EscalationEvent event;
    event.kind = kAlertEventKind;
    event.summary = summary;
    event.detail = detail;
    return inc::recordEscalation(doc, std::move(event), nowMs);
}

Result<RecordedAlert> recordAlertInFile(
    const QString& path, const MemoryAlert& alert, const inc::ClusterRef& cluster, std::int64_t nowMs)
{
    RecordedAlert out;
    inc::IncidentStore store(path);
    if (auto st = store.lock(); !st)
        return st.error();
    inc::IncidentDocument doc;
    if (QFileInfo::exists(path)) {
        auto loaded = store.load();
        if (!loaded)
            return loaded.error();
        doc = std::move(loaded->document);
    } else {
        auto book = runbook::loadBundledRunbook();
        inc::NewIncident params;
        params.ns = alert.target.ns;
        params.service = alert.target.workload ? alert.target.workload->name : alert.target.pod;
        params.cluster = cluster;
        params.runbook = book ? &*book : nullptr;
        params.nowMs = nowMs;
        doc = inc::newIncident(params);
        out.created = true;
    }
    out.eventId = recordAlert(doc, alert, nowMs);
    if (auto st = store.save(doc); !st)
        return st.error();
    out.incidentId = store.savedDocument().id;
    return out;
}

std::string workloadTarget(const kube::WorkloadRef& workload)
{
    std::string kind = kube::workloadKindName(workload.kind.value_or(kube::WorkloadKind::Deployment));
    std::transform(kind.begin(), kind.end(), kind.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return kind + "/" + workload.name;
}

SilencePlan planWorkloadSilence(const std::string& alertmanager, const std::string& ns,
    const kube::WorkloadRef& workload, const MemoryAlertMatcher& matcher, std::int64_t durationMs,
    const std::string& incidentId, const std::string& why, const std::string& createdBy, std::int64_t nowMs,
    const std::vector<MemoryAlert>& firing)
{
    SilencePlan p;
    p.alertmanager = alertmanager;
    p.ns = ns;
    p.workload = workload;
    p.silence.matchers = silenceMatchersFor(ns, workload, matcher);
    p.silence.startsAtMs = nowMs;
    p.silence.endsAtMs = nowMs + durationMs;
    p.silence.createdBy = createdBy;
    p.silence.comment = "LeakDesk incident " + incidentId + ": " + why;
    for (const MemoryAlert& a : firing) {
        if (matchersMatch(p.silence.matchers, a.alert.labels))
            p.matchedNow.push_back(a);
        else if (a.target.ns == ns && a.target.workload && a.target.workload->name == workload.name
            && a.alert.label("pod").empty())
            p.notes.push_back("alert " + a.alert.name() + " names " + workload.text()
                + " without a pod label: this silence does not cover it");
    }
    p.amtool = "amtool --alertmanager.url=" + shellQuote(alertmanager)
        + " silence add --duration=" + durationText(durationMs) + " --author=" + shellQuote(createdBy)
        + " --comment=" + shellQuote(p.silence.comment);
    for (const SilenceMatcher& m : p.silence.matchers)
        p.amtool += " " + shellQuote(m.text());
    return p;
}

json SilenceRecord::toJson() const
{
    json ms = json::array();
    for (const SilenceMatcher& m : matchers)
        ms.push_back({ { "name", m.name }, { "value", m.value }, { "isRegex", m.isRegex }, { "isEqual", m.isEqual } });
    return { { "alertmanager", alertmanager }, { "silence_id", silenceId }, { "namespace", ns },
        { "workload", workload }, { "matchers", ms }, { "starts_at", formatAlertmanagerTime(startsAtMs) },
        { "ends_at", formatAlertmanagerTime(endsAtMs) }, { "comment", comment } };
}

Result<SilenceRecord> SilenceRecord::fromJson(const json& j)
{
    try {
        SilenceRecord r;
        r.alertmanager = j.at("alertmanager").get<std::string>();
        r.silenceId = j.at("silence_id").get<std::string>();
        r.ns = j.at("namespace").get<std::string>();
        r.workload = j.at("workload").get<std::string>();
        for (const json& m : j.at("matchers"))
            r.matchers.push_back({ m.at("name").get<std::string>(), m.at("value").get<std::string>(),
                m.at("isRegex").get<bool>(), m.at("isEqual").get<bool>() });
        auto starts = parseAlertmanagerTime(j.at("starts_at").get<std::string>());
        auto ends = parseAlertmanagerTime(j.at("ends_at").get<std::string>());
        if (!starts || !ends)
            return makeError(ErrorCode::Parse, "the silence record's times are not RFC 3339");
        r.startsAtMs = *starts;
        r.endsAtMs = *ends;
        r.comment = j.value("comment", std::string());
        return r;
    } catch (const std::exception& e) {
        return makeError(ErrorCode::Parse, "the incident's silence record is incomplete", e.what());
    }
}

std::string recordSilence(
    inc::IncidentDocument& doc, const SilenceRecord& record, const std::string& amtool, std::int64_t nowMs)
{
    inc::ActionRecord a;
    a.kind = actionkind::kSilenceAlerts;
    a.title = "Silence memory alerts of " + record.workload + " in " + record.ns + " until "
        + formatAlertmanagerTime(record.endsAtMs);
    std::string target = record.workload;
    std::transform(target.begin(), target.begin() + std::min(target.find('/'), target.size()), target.begin(),
        [](unsigned char c) { return char(std::tolower(c)); });
    a.target = target;
    a.kubectl = amtool;
    a.state = inc::ActionState::Applied;
    a.output
        = "silence " + record.silenceId + " in Alertmanager " + record.alertmanager + "; comment: " + record.comment;
    a.revertData = record.toJson();
    return inc::recordAction(doc, std::move(a), nowMs);
}

Status editIncidentFile(const QString& path, const std::function<Status(inc::IncidentDocument&)>& edit)
{
    inc::IncidentStore store(path);
    if (auto st = store.lock(); !st)
        return st.error();
    auto loaded = store.load();
    if (!loaded)
        return loaded.error();
    inc::IncidentDocument doc = std::move(loaded->document);
    if (auto st = edit(doc); !st)
        return st;
    return store.save(doc);
}

void expireSilence(AlertmanagerClient& client, const SilenceRecord& record, QObject* context,
    std::function<void(Result<ExpiredSilence>)> done)
{
    client.silence(record.silenceId, context, [&client, record, context, done](Result<Silence> current) {
        if (!current)
            return done(current.error());
        if (current->state == "expired") {
            ExpiredSilence e;
            e.alreadyExpired = true;
            e.endedMs = current->endsAtMs;
            e.summary = "silence " + record.silenceId + " had already expired at "
                + formatAlertmanagerTime(current->endsAtMs) + ": nothing to expire";
            return done(e);
        }
        client.expireSilence(record.silenceId, context, [&client, record, context, done](Result<Ok> expired) {
            if (!expired)
                return done(expired.error());
            // Read back: the silence must now be expired, or the revert did not happen.
            client.silence(record.silenceId, context, [record, done](Result<Silence> after) {
                if (!after)
                    return done(after.error());
                if (after->state != "expired")
                    return done(makeError(ErrorCode::Conflict,
                        "Alertmanager accepted the expiry of silence " + record.silenceId + " but still shows it "
                            + (after->state.empty() ? std::string("without a state") : after->state),
                        "look at it with amtool silence query --expired, and expire it there"));
                ExpiredSilence e;
                e.endedMs = after->endsAtMs;
                e.summary = "silence " + record.silenceId + " expired at " + formatAlertmanagerTime(after->endsAtMs);
                done(e);
            });
        });
    });
}

} // namespace leakdesk::alerts
