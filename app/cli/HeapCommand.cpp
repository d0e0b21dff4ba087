// leakdesk-cli heap histogram|dominators|suspects|path|diff FILE [FILE2|OBJECT] [--top N]
//                   [--format table|json|csv] [--retained] [--threads N] [--max-inflate-ratio N]
//                   [--incident FILE (suspects)]
// Argument parsing and output formatting only; every analysis lives in core/heap.
#include "CliCommand.h"

#include "core/capture/FileChecksum.h"
#include "core/common/ActionKinds.h"
#include "core/heap/ClassHistogram.h"
#include "core/heap/DominatorTree.h"
#include "core/heap/GcRootPaths.h"
#include "core/heap/HeapDiff.h"
#include "core/heap/HeapSnapshot.h"
#include "core/heap/HprofFile.h"
#include "core/heap/LeakSuspects.h"
#include "core/incident/ActionJournal.h"
#include "core/incident/IncidentRecording.h"
#include "core/incident/IncidentStore.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <optional>

using namespace leakdesk;
using namespace leakdesk::heap;
using nlohmann::json;

namespace leakdesk::cli {

namespace {

enum class Format { Table, Json, Csv };

struct Options {
    QString command;
    QStringList files;
    std::size_t top = 25;
    Format format = Format::Table;
    bool retained = false;
    unsigned threads = 0;
    OpenOptions open; // inflation limits for .hprof.gz
    QString incident; // suspects: also record the analysis in this incident file
};

void print(const std::string& s)
{
    std::fwrite(s.data(), 1, s.size(), stdout);
}

int fail(const Error& e)
{
    // The code in brackets lets a script tell a refused input (limit-exceeded, not-enough-data,
    // truncated, parse...) from an I/O problem without parsing the sentence.
    printError(QStringLiteral("%1 [%2]").arg(QString::fromStdString(e.message), QLatin1String(errorCodeName(e.code))),
        QString::fromStdString(e.detail));
    return 1;
}

void warnDamage(const std::optional<Error>& damage)
{
    if (damage)
        printError(QStringLiteral("warning: ") + QString::fromStdString(damage->message),
            QString::fromStdString(damage->detail));
}

std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string hexId(std::uint64_t id)
{
    return hexOffset(id);
}

Result<std::shared_ptr<const HprofFile>> openDump(const QString& path, const OpenOptions& options)
{
    auto f = HprofFile::open(QFile::encodeName(path).toStdString(), options);
    if (!f)
        return f.error();
    return std::make_shared<const HprofFile>(std::move(*f));
}

struct Analysis {
    std::shared_ptr<const HeapSnapshot> snapshot;
    std::optional<DominatorTree> dominators;
};

Result<Analysis> analyse(const QString& path, const Options& o)
{
    auto file = openDump(path, o.open);
    if (!file)
        return file.error();
    AnalysisProgress progress;
    progress.threads = o.threads;
    auto snapshot = HeapSnapshot::load(*file, &progress);
    if (!snapshot)
        return snapshot.error();
    auto dom = DominatorTree::compute(**snapshot, &progress);
    if (!dom)
        return dom.error();
    return Analysis { *snapshot, std::move(*dom) };
}

Result<ClassHistogram> histogramOf(const QString& path, const Options& o)
{
    if (o.retained) {
        auto a = analyse(path, o);
        if (!a)
            return a.error();
        return classHistogram(*a->snapshot, &*a->dominators);
    }
    auto file = openDump(path, o.open);
    if (!file)
        return file.error();
    AnalysisProgress progress;
    progress.threads = o.threads;
    return computeClassHistogram(**file, &progress);
}

int runHistogram(const Options& o)
{
    auto h = histogramOf(o.files[0], o);
    if (!h)
        return fail(h.error());
    warnDamage(h->damage);
    const std::size_t n = std::min(o.top, h->rows.size());
    if (o.format == Format::Json) {
        json rows = json::array();
        for (std::size_t i = 0; i < n; ++i) {
            const auto& r = h->rows[i];
            json row { { "class", r.className }, { "jvm_name", r.jvmName }, { "instances", r.instances },
                { "shallow_bytes", r.shallowBytes } };
            if (h->hasRetained)
                row["retained_bytes"] = r.retainedBytes;
            rows.push_back(std::move(row));
        }
        json out { { "layout", h->layout.describe() }, { "total_instances", h->totalInstances },
            { "total_shallow_bytes", h->totalShallowBytes }, { "classes", h->rows.size() }, { "rows", rows } };
        if (h->damage)
            out["damage"] = h->damage->message;
        print(out.dump(2) + "\n");
    } else if (o.format == Format::Csv) {
        print(std::string("class,instances,shallow_bytes") + (h->hasRetained ? ",retained_bytes" : "") + "\n");
        for (std::size_t i = 0; i < n; ++i) {
            const auto& r = h->rows[i];
            print(csvField(r.className) + "," + std::to_string(r.instances) + "," + std::to_string(r.shallowBytes)
                + (h->hasRetained ? "," + std::to_string(r.retainedBytes) : "") + "\n");
        }
    } else {
        char line[512];
        print("object layout: " + h->layout.describe() + "\n");
        std::snprintf(line, sizeof line, "%5s %12s %15s%s  %s\n", "#", "instances", "shallow bytes",
            h->hasRetained ? "  retained bytes" : "", "class");
        print(line);
        for (std::size_t i = 0; i < n; ++i) {
            const auto& r = h->rows[i];
            std::string retained;
            if (h->hasRetained)
                retained = "  "
                    + std::string(16 - std::min<std::size_t>(16, std::to_string(r.retainedBytes).size()), ' ')
                    + std::to_string(r.retainedBytes);
            std::snprintf(line, sizeof line, "%5zu %12llu %15llu", i + 1, (unsigned long long)r.instances,
                (unsigned long long)r.shallowBytes);
            print(line + retained + "  " + r.className + "\n");
        }
        std::snprintf(line, sizeof line, "total %12llu %15llu  (%zu classes)\n", (unsigned long long)h->totalInstances,
            (unsigned long long)h->totalShallowBytes, h->rows.size());
        print(line);
    }
    return 0;
}

json pathJson(const std::vector<PathStep>& path)
{
    json steps = json::array();
    for (const auto& s : path)
        steps.push_back({ { "via", s.via }, { "object", s.description } });
    return steps;
}

std::string pathText(const std::vector<PathStep>& path, const char* indent)
{
    std::string out;
    for (auto it = path.rbegin(); it != path.rend(); ++it)
        out += std::string(indent) + (it == path.rbegin() ? "" : "<- ") + it->description
            + (std::next(it) == path.rend() ? "  [GC root: " + it->via + "]" : "  (" + it->via + ")") + "\n";
    return out;
}

int runDominators(const Options& o)
{
    auto a = analyse(o.files[0], o);
    if (!a)
        return fail(a.error());
    const HeapSnapshot& s = *a->snapshot;
    const DominatorTree& d = *a->dominators;
    warnDamage(s.damage());
    const auto top = d.children(DominatorTree::kVirtualRoot);
    const std::size_t n = std::min(o.top, top.size());
    const double total = double(std::max<std::uint64_t>(1, d.reachableBytes()));
    if (o.format == Format::Json) {
        json rows = json::array();
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t v = top[i];
            rows.push_back({ { "object", hexId(s.objectId(v)) }, { "class", s.describe(v) },
                { "shallow_bytes", s.shallowSize(v) }, { "retained_bytes", d.retainedSize(v) },
                { "heap_share", double(d.retainedSize(v)) / total }, { "dominated_children", d.children(v).size() } });
        }
        print(json { { "reachable_bytes", d.reachableBytes() }, { "reachable_objects", d.reachableObjects() },
                  { "rows", rows } }
                  .dump(2)
            + "\n");
    } else if (o.format == Format::Csv) {
        print("object,class,shallow_bytes,retained_bytes,heap_share\n");
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t v = top[i];
            print(hexId(s.objectId(v)) + "," + csvField(s.describe(v)) + "," + std::to_string(s.shallowSize(v)) + ","
                + std::to_string(d.retainedSize(v)) + "," + std::to_string(double(d.retainedSize(v)) / total) + "\n");
        }
    } else {
        char line[256];
        print("reachable: " + std::to_string(d.reachableObjects()) + " objects, " + formatBytes(d.reachableBytes())
            + "\n");
        std::snprintf(line, sizeof line, "%5s %15s %6s  %s\n", "#", "retained bytes", "share", "object");
        print(line);
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t v = top[i];
            std::snprintf(line, sizeof line, "%5zu %15llu %5.1f%%  ", i + 1, (unsigned long long)d.retainedSize(v),
                100.0 * double(d.retainedSize(v)) / total);
            print(line + s.describe(v) + "\n");
        }
    }
    return 0;
}

// --incident: the analysis goes into the incident as the GUI records it (HeapStepPage): the dump's
// record with its suspects, checksum and, when the incident captured it, the pod it came from.
int recordSuspects(const Options& o, const std::vector<LeakSuspect>& suspects)
{
    const QFileInfo info(o.files[0]);
    incident::AnalysedDumpFile file;
    file.path = info.absoluteFilePath().toStdString();
    file.sizeBytes = static_cast<std::uint64_t>(info.size());
    file.modifiedMs = info.lastModified().toMSecsSinceEpoch();
    file.sha256 = capture::sha256OfFile(info.absoluteFilePath());
    bool already = false;
    auto saved = incident::updateIncidentFile(o.incident, [&](incident::IncidentDocument& doc) -> Status {
        if (incident::hasHeapDump(doc, file.path)) {
            already = true;
            return Ok {};
        }
        // A dump this incident captured: its capture action names the pod and the container.
        for (const auto& a : doc.actions)
            if (a.kind == actionkind::kHeapCapture
                && a.output.find("local file: " + file.path + "\n") != std::string::npos
                && a.target.starts_with("pod/")) {
                const std::string target = a.target.substr(4);
                const auto space = target.find(" container ");
                file.pod = target.substr(0, space);
                file.container = space == std::string::npos ? std::string() : target.substr(space + 11);
                file.capturedMs = a.appliedMs ? a.appliedMs : a.createdMs;
            }
        incident::recordHeapDump(doc, incident::heapDumpRecordFor(file, suspects), incident::currentTimeMs());
        return Ok {};
    });
    if (!saved)
        return fail(saved.error());
    std::fprintf(stderr, "%s %s\n", already ? "already recorded in" : "recorded in", qPrintable(o.incident));
    return 0;
}

int runSuspects(const Options& o)
{
    auto a = analyse(o.files[0], o);
    if (!a)
        return fail(a.error());
    const HeapSnapshot& s = *a->snapshot;
    warnDamage(s.damage());
    const auto paths = GcRootPaths::compute(s);
    SuspectOptions so;
    so.maxSuspects = o.top;
    const auto suspects = findLeakSuspects(s, *a->dominators, paths, so);
    if (o.format == Format::Json) {
        json rows = json::array();
        for (const auto& x : suspects)
            rows.push_back({ { "category", leakCategoryKey(x.category) }, { "class", x.className },
                { "object", hexId(s.objectId(x.object)) }, { "owner", x.owner }, { "retained_bytes", x.retainedBytes },
                { "heap_share", x.heapShare }, { "elements", x.elementCount }, { "element_class", x.elementClass },
                { "explanation", x.explanation }, { "path_to_root", pathJson(x.pathToRoot) } });
        print(json { { "suspects", rows } }.dump(2) + "\n");
    } else if (o.format == Format::Csv) {
        print("rank,category,class,owner,retained_bytes,heap_share,elements,explanation\n");
        int rank = 0;
        for (const auto& x : suspects)
            print(std::to_string(++rank) + "," + leakCategoryKey(x.category) + "," + csvField(x.className) + ","
                + csvField(x.owner) + "," + std::to_string(x.retainedBytes) + "," + std::to_string(x.heapShare) + ","
                + std::to_string(x.elementCount) + "," + csvField(x.explanation) + "\n");
    } else {
        if (suspects.empty())
            print("no leak suspects: nothing retains a large share of the heap\n");
        int rank = 0;
        for (const auto& x : suspects) {
            print(std::to_string(++rank) + ". [" + leakCategoryName(x.category) + "] " + x.className + ": "
                + formatBytes(x.retainedBytes) + " retained\n   " + x.explanation + "\n   path to GC root:\n"
                + pathText(x.pathToRoot, "     "));
        }
    }
    return o.incident.isEmpty() ? 0 : recordSuspects(o, suspects);
}

int runPath(const Options& o)
{
    if (o.files.size() < 2) {
        printError(QStringLiteral("heap path needs an object id (0x...) or a class name after the dump"),
            QStringLiteral("example: leakdesk-cli heap path dump.hprof java.util.HashMap"));
        return 2;
    }
    auto a = analyse(o.files[0], o);
    if (!a)
        return fail(a.error());
    const HeapSnapshot& s = *a->snapshot;
    const DominatorTree& d = *a->dominators;
    const QString what = o.files[1];
    std::uint32_t target = kNoIndex;
    bool isId = false;
    const std::uint64_t id = what.toULongLong(&isId, 0);
    if (isId) {
        target = s.findObject(id);
    } else {
        // The instance of that class that retains the most.
        const std::string name = what.toStdString();
        for (std::uint32_t i = 0; i < s.objectCount(); ++i) {
            const std::uint32_t c = s.classOf(i);
            if (c == kNoIndex || (s.classes()[c].name != name && jvmHistogramName(s.classes()[c].internalName) != name))
                continue;
            if (target == kNoIndex || d.retainedSize(i) > d.retainedSize(target))
                target = i;
        }
    }
    if (target == kNoIndex) {
        printError(QStringLiteral("no object %1 in %2").arg(what, o.files[0]),
            QStringLiteral("pass an object id from 'heap dominators' or a class name from 'heap histogram'"));
        return 1;
    }
    const auto paths = GcRootPaths::compute(s);
    const auto path = paths.describePath(s, target);
    if (o.format == Format::Json) {
        print(json { { "object", hexId(s.objectId(target)) }, { "class", s.describe(target) },
                  { "retained_bytes", d.retainedSize(target) }, { "reachable", !path.empty() },
                  { "path_to_root", pathJson(path) } }
                  .dump(2)
            + "\n");
    } else if (o.format == Format::Csv) {
        print("depth,via,object\n");
        for (std::size_t i = 0; i < path.size(); ++i)
            print(std::to_string(i) + "," + csvField(path[i].via) + "," + csvField(path[i].description) + "\n");
    } else {
        print(s.describe(target) + " retains " + formatBytes(d.retainedSize(target)) + "\n");
        print(path.empty() ? std::string("  not reachable from any GC root (garbage at dump time)\n")
                           : pathText(path, "  "));
    }
    return 0;
}

int runDiff(const Options& o)
{
    if (o.files.size() < 2) {
        printError(QStringLiteral("heap diff needs two dumps: the earlier one first"),
            QStringLiteral("example: leakdesk-cli heap diff before.hprof after.hprof --top 20"));
        return 2;
    }
    auto before = histogramOf(o.files[0], o);
    if (!before)
        return fail(before.error());
    auto after = histogramOf(o.files[1], o);
    if (!after)
        return fail(after.error());
    warnDamage(before->damage);
    warnDamage(after->damage);
    const HeapDiff diff = diffHistograms(*before, *after);
    const std::size_t n = std::min(o.top, diff.rows.size());
    if (o.format == Format::Json) {
        json rows = json::array();
        for (std::size_t i = 0; i < n; ++i) {
            const auto& r = diff.rows[i];
            json row { { "class", r.className }, { "instances_before", r.instancesBefore },
                { "instances_after", r.instancesAfter }, { "instance_growth", r.instanceGrowth() },
                { "shallow_bytes_before", r.shallowBefore }, { "shallow_bytes_after", r.shallowAfter },
                { "shallow_growth", r.shallowGrowth() } };
            if (diff.hasRetained) {
                row["retained_bytes_before"] = r.retainedBefore;
                row["retained_bytes_after"] = r.retainedAfter;
                row["retained_growth"] = r.retainedGrowth();
            }
            rows.push_back(std::move(row));
        }
        print(json { { "total_shallow_before", diff.totalShallowBefore },
                  { "total_shallow_after", diff.totalShallowAfter }, { "rows", rows } }
                  .dump(2)
            + "\n");
    } else if (o.format == Format::Csv) {
        print(std::string("class,instances_before,instances_after,shallow_before,shallow_after")
            + (diff.hasRetained ? ",retained_before,retained_after" : "") + "\n");
        for (std::size_t i = 0; i < n; ++i) {
            const auto& r = diff.rows[i];
            print(csvField(r.className) + "," + std::to_string(r.instancesBefore) + ","
                + std::to_string(r.instancesAfter) + "," + std::to_string(r.shallowBefore) + ","
                + std::to_string(r.shallowAfter)
                + (diff.hasRetained ? "," + std::to_string(r.retainedBefore) + "," + std::to_string(r.retainedAfter)
                                    : "")
                + "\n");
        }
    } else {
        char line[256];
        std::snprintf(line, sizeof line, "heap: %s -> %s\n",
            formatBytes(std::uint64_t(diff.totalShallowBefore)).c_str(),
            formatBytes(std::uint64_t(diff.totalShallowAfter)).c_str());
        print(line);
        std::snprintf(line, sizeof line, "%5s %12s %15s%s  %s\n", "#", "+instances", "+shallow bytes",
            diff.hasRetained ? "  +retained bytes" : "", "class");
        print(line);
        for (std::size_t i = 0; i < n; ++i) {
            const auto& r = diff.rows[i];
            std::snprintf(line, sizeof line, "%5zu %+12lld %+15lld", i + 1, (long long)r.instanceGrowth(),
                (long long)r.shallowGrowth());
            std::string retained;
            if (diff.hasRetained) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "  %+16lld", (long long)r.retainedGrowth());
                retained = buf;
            }
            print(line + retained + "  " + r.className + "\n");
        }
    }
    return 0;
}

} // namespace

int runHeapCommand(const QStringList& args)
{
    if (args.value(0) == QLatin1String("capture"))
        return runHeapCaptureCommand(args.mid(1));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Analyse HPROF heap dumps (plain or gzip).\n"
        "  histogram FILE         instances and shallow bytes per class (--retained adds retained bytes)\n"
        "  dominators FILE        the objects that retain the most (top of the dominator tree)\n"
        "  suspects FILE          leak suspects by runbook category, with the path to a GC root\n"
        "  path FILE OBJECT|CLASS shortest strong path from a GC root to an object id or a class\n"
        "  diff FILE FILE2        growth per class from FILE to FILE2\n"
        "  capture --pod POD ...  take a heap dump in a pod and copy it out verified (see 'heap capture --help')"));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("histogram|dominators|suspects|path|diff"));
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("heap dump (.hprof or .hprof.gz)"));
    const QCommandLineOption top(
        QStringLiteral("top"), QStringLiteral("rows to print (default 25)"), QStringLiteral("N"), QStringLiteral("25"));
    const QCommandLineOption format(QStringLiteral("format"), QStringLiteral("table (default), json or csv"),
        QStringLiteral("FORMAT"), QStringLiteral("table"));
    const QCommandLineOption retained(
        QStringLiteral("retained"), QStringLiteral("compute retained sizes (builds the dominator tree)"));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("worker threads (default: all cores)"),
        QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption maxInflateRatio(QStringLiteral("max-inflate-ratio"),
        QStringLiteral("largest inflated/compressed size ratio accepted for a .gz dump (default %1; 0: no cap). "
                       "Real dumps compress 5-10x; a gzip bomb about 1000x")
            .arg(InflateLimits {}.maxRatio),
        QStringLiteral("N"));
    const QCommandLineOption incidentOpt(QStringLiteral("incident"),
        QStringLiteral("suspects: also record the analysis in this incident file, as LeakDesk does (the hand-over "
                       "writes its regression test from the top suspect)"),
        QStringLiteral("FILE"));
    parser.addOptions({ top, format, retained, threads, maxInflateRatio, incidentOpt });
    if (const auto exit = parseOrExit(parser, QStringLiteral("heap"), args))
        return *exit;
    Options o;
    const QStringList pos = parser.positionalArguments();
    if (pos.size() < 2) {
        printError(QStringLiteral("heap needs a command and a dump file"),
            QStringLiteral("usage: leakdesk-cli heap histogram|dominators|suspects|path|diff FILE [FILE2] [--top N] "
                           "[--format table|json|csv] [--retained]"));
        return 2;
    }
    o.command = pos[0];
    o.files = pos.mid(1);
    bool ok = false;
    const int t = parser.value(top).toInt(&ok);
    if (!ok || t <= 0) {
        printError(QStringLiteral("--top needs a positive number, not '%1'").arg(parser.value(top)));
        return 2;
    }
    o.top = std::size_t(t);
    const QString f = parser.value(format);
    if (f == QLatin1String("json"))
        o.format = Format::Json;
    else if (f == QLatin1String("csv"))
        o.format = Format::Csv;
    else if (f != QLatin1String("table")) {
        printError(QStringLiteral("unknown --format '%1'").arg(f), QStringLiteral("use table, json or csv"));
        return 2;
    }
    o.retained = parser.isSet(retained);
    if (parser.isSet(maxInflateRatio)) {
        const double ratio = parser.value(maxInflateRatio).toDouble(&ok);
        if (!ok || ratio < 0) {
            printError(
                QStringLiteral("--max-inflate-ratio needs a number >= 0, not '%1'").arg(parser.value(maxInflateRatio)),
                QStringLiteral("0 lifts the cap"));
            return 2;
        }
        o.open.inflate.maxRatio = ratio;
    }
    o.threads = parser.value(threads).toUInt();
    o.incident = parser.value(incidentOpt);
    if (!o.incident.isEmpty() && o.command != QLatin1String("suspects")) {
        printError(QStringLiteral("--incident goes with 'heap suspects' only"),
            QStringLiteral("e.g. leakdesk-cli heap suspects dump.hprof --incident incident.leakdesk"));
        return 2;
    }

    if (o.command == QLatin1String("histogram"))
        return runHistogram(o);
    if (o.command == QLatin1String("dominators"))
        return runDominators(o);
    if (o.command == QLatin1String("suspects"))
        return runSuspects(o);
    if (o.command == QLatin1String("path"))
        return runPath(o);
    if (o.command == QLatin1String("diff"))
        return runDiff(o);
    printError(QStringLiteral("unknown heap command '%1'").arg(o.command),
        QStringLiteral("use histogram, dominators, suspects, path or diff"));
    return 2;
}

} // namespace leakdesk::cli
