#include "core/incident/IncidentJson.h"

#include "core/common/JsonNesting.h"
#include "core/incident/SecretMasking.h"

#include <QDateTime>
#include <QString>

#include <algorithm>
#include <stdexcept>

namespace leakdesk::incident {

using nlohmann::json;

namespace {

// ---- writing ---------------------------------------------------------------------------------

json optNumber(const std::optional<double>& v)
{
    return v ? json(*v) : json(nullptr);
}

json samplesJson(const std::vector<Sample>& samples)
{
    // [[t, v], ...]: a third of the size of objects, and still plain JSON for scripts.
    json a = json::array();
    for (const auto& s : samples)
        a.push_back(json::array({ s.tMs, s.value }));
    return a;
}

json toJson(const RunbookRecord& r)
{
    json steps = json::array();
    for (const auto& s : r.steps)
        steps.push_back({ { "index", s.index }, { "number", s.number }, { "title", s.title },
            { "state", stepStateName(s.state) }, { "note", s.note }, { "changed_ms", s.changedMs } });
    return { { "source", r.sourceName }, { "title", r.title }, { "initial_severity", r.initialSeverity },
        { "owner", r.owner }, { "steps", steps } };
}

json seriesJson(const std::vector<SnapshotSeries>& list)
{
    json series = json::array();
    for (const auto& s : list)
        series.push_back({ { "query", s.query }, { "labels", s.labels }, { "original_points", s.originalPoints },
            { "samples", samplesJson(s.samples) } });
    return series;
}

json toJson(const EvidenceSnapshot& e)
{
    const json series = seriesJson(e.series);
    return { { "id", e.id }, { "taken_ms", e.takenMs }, { "namespace", e.ns }, { "service", e.service },
        { "window", { { "start_ms", e.windowStartMs }, { "end_ms", e.windowEndMs } } }, { "step_ms", e.stepMs },
        { "limit_bytes", optNumber(e.limitBytes) }, { "images", e.images }, { "series", series },
        { "findings", e.findings } };
}

json toJson(const HeapDumpRecord& h)
{
    json suspects = json::array();
    for (const auto& s : h.suspects)
        suspects.push_back({ { "category", s.category }, { "class", s.className }, { "owner", s.owner },
            { "retained_bytes", s.retainedBytes }, { "heap_share", s.heapShare }, { "elements", s.elementCount },
            { "element_class", s.elementClass }, { "explanation", s.explanation } });
    return { { "id", h.id }, { "captured_ms", h.capturedMs }, { "pod", h.pod }, { "container", h.container },
        { "path", h.path }, { "sha256", h.sha256 }, { "size_bytes", h.sizeBytes }, { "summary", h.summary },
        { "suspects", suspects } };
}

json toJson(const ActionRecord& a)
{
    return { { "id", a.id }, { "kind", a.kind }, { "title", a.title }, { "target", a.target }, { "kubectl", a.kubectl },
        { "diff", a.diff }, { "state", actionStateName(a.state) }, { "created_ms", a.createdMs },
        { "applied_ms", a.appliedMs }, { "reverted_ms", a.revertedMs }, { "output", a.output }, { "error", a.error },
        { "revert", a.revertData } };
}

// ---- reading ---------------------------------------------------------------------------------

// A schema problem at a path inside the document ("snapshots[1].series[0].samples").
struct SchemaError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& path, const char* expected, const json& got)
{
    throw SchemaError(path + ": expected " + expected + ", found " + got.type_name());
}

const json* member(const json& obj, const char* key)
{
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string str(const json& obj, const char* key, const std::string& path)
{
    const json* v = member(obj, key);
    if (!v)
        return {};
    if (!v->is_string())
        fail(path + "." + key, "a string", *v);
    return v->get<std::string>();
}

std::int64_t int64(const json& obj, const char* key, const std::string& path)
{
    const json* v = member(obj, key);
    if (!v)
        return 0;
    if (!v->is_number())
        fail(path + "." + key, "a number", *v);
    return v->get<std::int64_t>();
}

double number(const json& obj, const char* key, const std::string& path)
{
    const json* v = member(obj, key);
    if (!v)
        return 0.0;
    if (!v->is_number())
        fail(path + "." + key, "a number", *v);
    return v->get<double>();
}

std::optional<double> optNumber(const json& obj, const char* key, const std::string& path)
{
    const json* v = member(obj, key);
    if (!v)
        return std::nullopt;
    if (!v->is_number())
        fail(path + "." + key, "a number", *v);
    return v->get<double>();
}

const json& array(const json& obj, const char* key, const std::string& path)
{
    static const json empty = json::array();
    const json* v = member(obj, key);
    if (!v)
        return empty;
    if (!v->is_array())
        fail(path + "." + key, "an array", *v);
    return *v;
}

const json& object(const json& obj, const char* key, const std::string& path)
{
    static const json empty = json::object();
    const json* v = member(obj, key);
    if (!v)
        return empty;
    if (!v->is_object())
        fail(path + "." + key, "an object", *v);
    return *v;
}

std::string at(const std::string& path, const char* key, std::size_t i)
{
    return path + "." + key + "[" + std::to_string(i) + "]";
}

std::vector<std::string> strings(const json& obj, const char* key, const std::string& path)
{
    std::vector<std::string> out;
    const json& a = array(obj, key, path);
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_string())
            fail(at(path, key, i), "a string", a[i]);
        out.push_back(a[i].get<std::string>());
    }
    return out;
}

template<class E>
E enumValue(
    const json& obj, const char* key, const std::string& path, std::optional<E> (*parse)(std::string_view), E fallback)
{
    const std::string text = str(obj, key, path);
    if (text.empty())
        return fallback;
    if (auto v = parse(text))
        return *v;
    throw SchemaError(path + "." + key + ": unknown value '" + text + "'");
}

RunbookRecord readRunbook(const json& j, const std::string& path)
{
    RunbookRecord r;
    r.sourceName = str(j, "source", path);
    r.title = str(j, "title", path);
    r.initialSeverity = str(j, "initial_severity", path);
    r.owner = str(j, "owner", path);
    const json& steps = array(j, "steps", path);
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const std::string p = at(path, "steps", i);
        const json& s = steps[i];
        RunbookStepRecord step;
        step.index = static_cast<int>(int64(s, "index", p));
        step.number = static_cast<int>(int64(s, "number", p));
        step.title = str(s, "title", p);
        step.state = enumValue(s, "state", p, &stepStateFromName, StepState::Pending);
        step.note = str(s, "note", p);
        step.changedMs = int64(s, "changed_ms", p);
        r.steps.push_back(std::move(step));
    }
    return r;
}

std::vector<Sample> readSamples(const json& a, const std::string& path)
{
    std::vector<Sample> out;
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        const json& p = a[i];
        if (!p.is_array() || p.size() != 2 || !p[0].is_number() || !p[1].is_number())
            throw SchemaError(path + "[" + std::to_string(i) + "]: expected [time_ms, value]");
        out.push_back({ p[0].get<std::int64_t>(), p[1].get<double>() });
    }
    return out;
}

// The "series" list of a snapshot or a fix check.
std::vector<SnapshotSeries> readSeries(const json& j, const std::string& path)
{
    std::vector<SnapshotSeries> out;
    const json& series = array(j, "series", path);
    for (std::size_t i = 0; i < series.size(); ++i) {
        const std::string p = at(path, "series", i);
        SnapshotSeries s;
        s.query = str(series[i], "query", p);
        const json& labels = object(series[i], "labels", p);
        for (auto it = labels.begin(); it != labels.end(); ++it) {
            if (!it->is_string())
                fail(p + ".labels." + it.key(), "a string", *it);
            s.labels[it.key()] = it->get<std::string>();
        }
        s.originalPoints = static_cast<std::size_t>(int64(series[i], "original_points", p));
        s.samples = readSamples(array(series[i], "samples", p), p + ".samples");
        out.push_back(std::move(s));
    }
    return out;
}

EvidenceSnapshot readSnapshot(const json& j, const std::string& path)
{
    EvidenceSnapshot e;
    e.id = str(j, "id", path);
    e.takenMs = int64(j, "taken_ms", path);
    e.ns = str(j, "namespace", path);
    e.service = str(j, "service", path);
    const json& w = object(j, "window", path);
    e.windowStartMs = int64(w, "start_ms", path + ".window");
    e.windowEndMs = int64(w, "end_ms", path + ".window");
    e.stepMs = int64(j, "step_ms", path);
    e.limitBytes = optNumber(j, "limit_bytes", path);
    e.images = strings(j, "images", path);
    e.series = readSeries(j, path);
    if (const json* f = member(j, "findings"))
        e.findings = *f;
    return e;
}

FixCheckRecord readFixCheck(const json& j, const std::string& path)
{
    FixCheckRecord v;
    v.id = str(j, "id", path);
    v.takenMs = int64(j, "taken_ms", path);
    v.serverNowMs = int64(j, "server_now_ms", path);
    v.ns = str(j, "namespace", path);
    v.workload = str(j, "workload", path);
    v.container = str(j, "container", path);
    v.outcome = str(j, "outcome", path);
    v.oldRevision = str(j, "old_revision", path);
    v.newRevision = str(j, "new_revision", path);
    v.newRevisionCreatedMs = int64(j, "new_revision_created_ms", path);
    v.images = strings(j, "images", path);
    v.limitBytes = optNumber(j, "limit_bytes", path);
    v.series = readSeries(j, path);
    if (const json* f = member(j, "verification"))
        v.verification = *f;
    return v;
}

HeapDumpRecord readHeapDump(const json& j, const std::string& path)
{
    HeapDumpRecord h;
    h.id = str(j, "id", path);
    h.capturedMs = int64(j, "captured_ms", path);
    h.pod = str(j, "pod", path);
    h.container = str(j, "container", path);
    h.path = str(j, "path", path);
    h.sha256 = str(j, "sha256", path);
    h.sizeBytes = static_cast<std::uint64_t>(int64(j, "size_bytes", path));
    h.summary = str(j, "summary", path);
    const json& suspects = array(j, "suspects", path);
    for (std::size_t i = 0; i < suspects.size(); ++i) {
        const std::string p = at(path, "suspects", i);
        const json& s = suspects[i];
        h.suspects.push_back({ str(s, "category", p), str(s, "class", p), str(s, "owner", p),
            static_cast<std::uint64_t>(int64(s, "retained_bytes", p)), number(s, "heap_share", p),
            static_cast<std::uint64_t>(int64(s, "elements", p)), str(s, "element_class", p),
            str(s, "explanation", p) });
    }
    return h;
}

ActionRecord readAction(const json& j, const std::string& path)
{
    ActionRecord a;
    a.id = str(j, "id", path);
    a.kind = str(j, "kind", path);
    a.title = str(j, "title", path);
    a.target = str(j, "target", path);
    a.kubectl = str(j, "kubectl", path);
    a.diff = str(j, "diff", path);
    a.state = enumValue(j, "state", path, &actionStateFromName, ActionState::Proposed);
    a.createdMs = int64(j, "created_ms", path);
    a.appliedMs = int64(j, "applied_ms", path);
    a.revertedMs = int64(j, "reverted_ms", path);
    a.output = str(j, "output", path);
    a.error = str(j, "error", path);
    if (const json* r = member(j, "revert"))
        a.revertData = *r;
    return a;
}

template<class T, class F> std::vector<T> readList(const json& doc, const char* key, F read)
{
    std::vector<T> out;
    const json& a = array(doc, key, "");
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string p = std::string(key) + "[" + std::to_string(i) + "]";
        if (!a[i].is_object())
            fail(p, "an object", a[i]);
        out.push_back(read(a[i], p));
    }
    return out;
}

IncidentDocument readDocument(const json& j)
{
    IncidentDocument d;
    d.schemaVersion = static_cast<int>(int64(j, "schema_version", ""));
    d.id = str(j, "id", "");
    d.title = str(j, "title", "");
    d.createdMs = int64(j, "created_ms", "");
    d.updatedMs = int64(j, "updated_ms", "");
    const json& c = object(j, "cluster", "");
    d.cluster.contextName = str(c, "context", "cluster");
    d.cluster.serverUrl = str(c, "server", "cluster");
    if (const json* s = member(c, "sandbox"); s && s->is_boolean())
        d.cluster.sandbox = s->get<bool>();
    d.ns = str(j, "namespace", "");
    d.service = str(j, "service", "");
    d.runbook = readRunbook(object(j, "runbook", ""), "runbook");
    d.severityHistory = readList<SeverityChange>(j, "severity_history", [](const json& s, const std::string& p) {
        return SeverityChange { int64(s, "t_ms", p), str(s, "from", p), str(s, "to", p), str(s, "reason", p) };
    });
    d.snapshots = readList<EvidenceSnapshot>(j, "snapshots", &readSnapshot);
    d.heapDumps = readList<HeapDumpRecord>(j, "heap_dumps", &readHeapDump);
    d.actions = readList<ActionRecord>(j, "actions", &readAction);
    d.notes = readList<NoteRecord>(j, "notes", [](const json& n, const std::string& p) {
        NoteRecord r { str(n, "id", p), int64(n, "t_ms", p), str(n, "text", p), -1 };
        if (member(n, "step_index"))
            r.stepIndex = static_cast<int>(int64(n, "step_index", p));
        return r;
    });
    d.escalations = readList<EscalationEvent>(j, "escalations", [](const json& x, const std::string& p) {
        return EscalationEvent { str(x, "id", p), int64(x, "t_ms", p), str(x, "kind", p), str(x, "summary", p),
            str(x, "detail", p), str(x, "owner", p), member(x, "reason") ? str(x, "reason", p) : std::string(),
            member(x, "oom_kills_seen") ? static_cast<int>(int64(x, "oom_kills_seen", p)) : -1 };
    });
    // Files written before attachments existed have none (array() reads a missing list as empty).
    d.attachments = readList<AttachmentRecord>(j, "attachments", [](const json& x, const std::string& p) {
        return AttachmentRecord { str(x, "id", p), int64(x, "created_ms", p), str(x, "kind", p), str(x, "title", p),
            str(x, "path", p), str(x, "sha256", p), str(x, "about", p) };
    });
    // Files written before fix checks existed have none.
    d.fixChecks = readList<FixCheckRecord>(j, "fix_checks", &readFixCheck);
    d.journal = readList<JournalEntry>(j, "journal", [](const json& e, const std::string& p) {
        return JournalEntry { int64(e, "t_ms", p), enumValue(e, "kind", p, &journalKindFromName, JournalKind::Note),
            str(e, "title", p), str(e, "detail", p), str(e, "ref", p),
            member(e, "id") ? str(e, "id", p) : std::string() };
    });
    // Files from before journal ids: every reader derives the same ids from the same entries.
    assignMissingJournalIds(d);
    return d;
}

// ---- migrations ------------------------------------------------------------------------------

std::int64_t isoToMs(const json& v)
{
    if (!v.is_string())
        return v.is_number() ? v.get<std::int64_t>() : 0;
    const QDateTime t = QDateTime::fromString(QString::fromStdString(v.get<std::string>()), Qt::ISODateWithMs);
    return t.isValid() ? t.toMSecsSinceEpoch() : 0;
}

// v1 (the first GUI prototype's autosave) wrote ISO-8601 strings ("time") in the journal, notes and
// escalations, and one "severity" field instead of a history.
void migrateV1ToV2(json& j, std::vector<std::string>* applied)
{
    for (const char* list : { "journal", "notes", "escalations" }) {
        auto it = j.find(list);
        if (it == j.end() || !it->is_array())
            continue;
        for (json& e : *it) {
            if (!e.is_object() || !e.contains("time"))
                continue;
            e["t_ms"] = isoToMs(e["time"]);
            e.erase("time");
        }
    }
    for (const char* key : { "created", "updated" }) {
        if (j.contains(key)) {
            j[std::string(key) + "_ms"] = isoToMs(j[key]);
            j.erase(key);
        }
    }
    if (!j.contains("severity_history")) {
        json history = json::array();
        if (auto it = j.find("severity"); it != j.end() && it->is_string() && !it->get<std::string>().empty())
            history.push_back({ { "t_ms", j.value("created_ms", std::int64_t(0)) }, { "from", "" }, { "to", *it },
                { "reason", "severity recorded by a version 1 file (its history was not kept)" } });
        j["severity_history"] = history;
    }
    j.erase("severity");
    j["schema_version"] = 2;
    if (applied)
        applied->push_back("v1 -> v2: ISO times converted to epoch milliseconds, severity turned into a history");
}

} // namespace

json incidentToJson(const IncidentDocument& d)
{
    json j;
    j["format"] = kFileFormat;
    j["schema_version"] = kSchemaVersion;
    j["id"] = d.id;
    j["title"] = d.title;
    j["created_ms"] = d.createdMs;
    j["updated_ms"] = d.updatedMs;
    j["cluster"]
        = { { "context", d.cluster.contextName }, { "server", d.cluster.serverUrl }, { "sandbox", d.cluster.sandbox } };
    j["namespace"] = d.ns;
    j["service"] = d.service;
    j["runbook"] = toJson(d.runbook);
    json severity = json::array();
    for (const auto& s : d.severityHistory)
        severity.push_back({ { "t_ms", s.tMs }, { "from", s.from }, { "to", s.to }, { "reason", s.reason } });
    j["severity_history"] = severity;
    json snapshots = json::array();
    for (const auto& e : d.snapshots)
        snapshots.push_back(toJson(e));
    j["snapshots"] = snapshots;
    json heaps = json::array();
    for (const auto& h : d.heapDumps)
        heaps.push_back(toJson(h));
    j["heap_dumps"] = heaps;
    json actions = json::array();
    for (const auto& a : d.actions)
        actions.push_back(toJson(a));
    j["actions"] = actions;
    json notes = json::array();
    for (const auto& n : d.notes)
        notes.push_back({ { "id", n.id }, { "t_ms", n.tMs }, { "text", n.text }, { "step_index", n.stepIndex } });
    j["notes"] = notes;
    // Written only when there are any: files of incidents without a hand-over stay as they were.
    json attachments = json::array();
    for (const auto& x : d.attachments)
        attachments.push_back({ { "id", x.id }, { "created_ms", x.createdMs }, { "kind", x.kind }, { "title", x.title },
            { "path", x.path }, { "sha256", x.sha256 }, { "about", x.about } });
    if (!attachments.empty())
        j["attachments"] = attachments;
    // Also written only when there are any.
    json fixChecks = json::array();
    for (const auto& v : d.fixChecks)
        fixChecks.push_back({ { "id", v.id }, { "taken_ms", v.takenMs }, { "server_now_ms", v.serverNowMs },
            { "namespace", v.ns }, { "workload", v.workload }, { "container", v.container }, { "outcome", v.outcome },
            { "old_revision", v.oldRevision }, { "new_revision", v.newRevision },
            { "new_revision_created_ms", v.newRevisionCreatedMs }, { "images", v.images },
            { "limit_bytes", optNumber(v.limitBytes) },
            { "series", seriesJson(v.series) }, { "verification", v.verification } });
    if (!fixChecks.empty())
        j["fix_checks"] = fixChecks;
    json escalations = json::array();
    for (const auto& x : d.escalations)
    {
        json e = { { "id", x.id }, { "t_ms", x.tMs }, { "kind", x.kind }, { "summary", x.summary },
            { "detail", x.detail }, { "owner", x.owner } };
        // Written only when set: files without them read as before, and older readers ignore them.
        if (!x.reason.empty())
            e["reason"] = x.reason;
        if (x.oomKillsSeen >= 0)
            e["oom_kills_seen"] = x.oomKillsSeen;
        escalations.push_back(std::move(e));
    }
    j["escalations"] = escalations;
    json journal = json::array();
    for (const auto& e : d.journal)
        journal.push_back({ { "t_ms", e.tMs }, { "kind", journalKindName(e.kind) }, { "title", e.title },
            { "detail", e.detail }, { "ref", e.ref }, { "id", e.id } });
    j["journal"] = journal;
    return j;
}

std::string serializeIncident(const IncidentDocument& doc)
{
    // Invalid UTF-8 (from a command's output) is replaced rather than refused: an autosave must
    // never fail because of what a tool printed.
    json j = incidentToJson(doc);
    // Recording masks secrets already; this second pass covers fields a caller filled directly.
    maskSecretsInJson(j);
    return j.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

namespace {

Status migrateUnchecked(json& j, std::vector<std::string>* applied)
{
    if (!j.is_object())
        return makeError(ErrorCode::Parse,
            "the file is JSON but not a LeakDesk incident (its top level is not an object)",
            "choose a .leakdesk file written by LeakDesk");
    if (const auto f = j.find("format"); f == j.end() || !f->is_string() || f->get<std::string>() != kFileFormat)
        return makeError(ErrorCode::Parse,
            "the file is JSON but not a LeakDesk incident (no \"format\": \"leakdesk-incident\")",
            "choose a .leakdesk file written by LeakDesk");
    const auto v = j.find("schema_version");
    if (v == j.end() || !v->is_number_integer())
        return makeError(ErrorCode::Parse, "the incident file has no schema_version",
            "the file was edited by hand or damaged; open its .bak autosave instead");
    int version = v->get<int>();
    if (version > kSchemaVersion)
        return makeError(ErrorCode::Unsupported,
            "the incident file has schema version " + std::to_string(version) + ", newer than this LeakDesk reads ("
                + std::to_string(kSchemaVersion) + ")",
            "open it with a newer LeakDesk");
    if (version < 1)
        return makeError(ErrorCode::Parse, "the incident file has an invalid schema version " + std::to_string(version),
            "the file was edited by hand or damaged; open its .bak autosave instead");
    if (version == 1) {
        migrateV1ToV2(j, applied);
        version = 2;
    }
    return Ok {};
}

} // namespace

Status migrateIncidentJson(json& j, std::vector<std::string>* applied)
{
    // The migrations read the old layout as they find it: a damaged file may have any type anywhere.
    try {
        return migrateUnchecked(j, applied);
    } catch (const json::exception& e) {
        return makeError(ErrorCode::Parse, std::string("the incident file could not be read: ") + e.what(),
            "open its .bak autosave instead");
    }
}

Result<IncidentDocument> incidentFromJson(json j, std::vector<std::string>* migrations)
{
    if (auto st = migrateIncidentJson(j, migrations); !st)
        return st.error();
    try {
        return readDocument(j);
    } catch (const SchemaError& e) {
        return makeError(ErrorCode::Parse, std::string("the incident file does not match its schema at ") + e.what(),
            "the file was edited by hand or written by a faulty tool; open its .bak autosave instead");
    } catch (const json::exception& e) {
        return makeError(ErrorCode::Parse, std::string("the incident file could not be read: ") + e.what(),
            "open its .bak autosave instead");
    }
}

ParseLocation locateOffset(std::string_view text, std::int64_t byteOffset)
{
    ParseLocation loc;
    loc.byteOffset = byteOffset;
    loc.line = 1;
    int column = 1;
    const auto end = static_cast<std::size_t>(std::clamp<std::int64_t>(byteOffset, 0, std::int64_t(text.size())));
    for (std::size_t i = 0; i < end; ++i) {
        if (text[i] == '\n') {
            ++loc.line;
            column = 1;
        } else {
            ++column;
        }
    }
    loc.column = column;
    return loc;
}

Result<IncidentDocument> parseIncident(
    std::string_view bytes, ParseLocation* where, std::vector<std::string>* migrations)
{
    if (bytes.empty()) {
        if (where)
            *where = ParseLocation { 0, 1, 1, true };
        return makeError(ErrorCode::Truncated, "the incident file is empty",
            "it was probably being created when LeakDesk stopped; open its .bak autosave if there is one");
    }
    if (const auto deep = jsonNestingBeyond(bytes)) {
        const ParseLocation loc = locateOffset(bytes, static_cast<std::int64_t>(*deep));
        if (where)
            *where = loc;
        return makeError(ErrorCode::Parse,
            "the incident file nests deeper than " + std::to_string(kMaxJsonDepth) + " levels at byte "
                + std::to_string(loc.byteOffset) + " (line " + std::to_string(loc.line) + ", column "
                + std::to_string(loc.column) + ")",
            "LeakDesk never writes such a file: it was damaged or made by hand; open its .bak autosave");
    }
    json j;
    try {
        j = json::parse(bytes.begin(), bytes.end());
    } catch (const json::parse_error& e) {
        // nlohmann reports the 1-based position of the last byte read.
        const std::int64_t offset = std::max<std::int64_t>(0, std::int64_t(e.byte) - 1);
        ParseLocation loc = locateOffset(bytes, offset);
        // Only whitespace left after the failure point means the text simply stopped.
        const std::size_t rest = bytes.find_first_not_of(" \t\r\n", static_cast<std::size_t>(offset) + 1);
        loc.truncated = e.byte >= bytes.size() && rest == std::string_view::npos;
        if (where)
            *where = loc;
        const std::string at = "byte " + std::to_string(loc.byteOffset) + " (line " + std::to_string(loc.line)
            + ", column " + std::to_string(loc.column) + ")";
        if (loc.truncated)
            return makeError(ErrorCode::Truncated,
                "the incident file ends early at " + at + " of " + std::to_string(bytes.size()) + " bytes",
                "it was cut off while being written or copied; open its .bak autosave (the last good save)");
        std::string what = e.what();
        if (auto p = what.find("syntax error"); p != std::string::npos)
            what = what.substr(p);
        return makeError(ErrorCode::Parse, "the incident file is damaged at " + at + ": " + what,
            "the file was edited by hand or corrupted on disk; open its .bak autosave (the last good save)");
    } catch (const json::exception& e) {
        // Well-formed text nlohmann cannot hold: a number out of double's range (out_of_range.406).
        return makeError(ErrorCode::Parse,
            std::string("the incident file holds a value that cannot be read: ") + e.what(),
            "the file was edited by hand or corrupted on disk; open its .bak autosave (the last good save)");
    }
    return incidentFromJson(std::move(j), migrations);
}

} // namespace leakdesk::incident
