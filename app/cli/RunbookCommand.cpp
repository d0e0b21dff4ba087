// leakdesk-cli runbook parse FILE|--bundled [--format json|text] [--namespace NS] [--set NAME=VALUE]...
//                                [--local-folder DIR]
// Shows how LeakDesk reads a runbook: steps, commands and their actions, placeholders,
// thresholds and everything it could not understand (warnings); and for each command what the
// GUI's Run button would do with it (read-only, change, refused), read by the very function the
// GUI calls before it runs anything (runbook/KubectlCommand.h).
#include "CliCommand.h"

#include "core/runbook/Bindings.h"
#include "core/runbook/KubectlCommand.h"
#include "core/runbook/Parameters.h"
#include "core/runbook/RunbookParser.h"

#include <QCommandLineParser>
#include <QTextStream>

#include <nlohmann/json.hpp>

#include <cstdio>

namespace leakdesk::cli {

namespace {

using nlohmann::json;
using namespace leakdesk::runbook;

// What the Run button would do with `text`: the GUI's own reading (analyseKubectlCommand).
json runJson(const std::string& text, const KubectlRunOptions& options)
{
    const KubectlAnalysis a = analyseKubectlCommand(text, options);
    json j;
    j["effect"] = kubectlEffectName(a.effect);
    j["reason"] = a.reason;
    j["verb"] = a.verb.empty() ? json(nullptr) : json(a.verb);
    j["objects"] = a.objects;
    j["namespace"] = a.ns ? json(*a.ns) : json(nullptr);
    j["all_namespaces"] = a.allNamespaces;
    j["sensitive_output"] = a.sensitiveOutput;
    j["sensitive_reason"] = a.sensitiveOutput ? json(a.sensitiveReason) : json(nullptr);
    j["needs_local_folder"] = a.needsLocalFolder;
    j["arguments"] = a.arguments;
    j["preview_arguments"] = a.previewArguments;
    return j;
}

std::string runLine(const std::string& text, const KubectlRunOptions& options)
{
    const KubectlAnalysis a = analyseKubectlCommand(text, options);
    std::string line = std::string("run: ") + kubectlEffectName(a.effect) + " - " + a.reason;
    if (!a.previewArguments.empty())
        line += " (previewed with --dry-run=server)";
    if (a.sensitiveOutput)
        line += "; output hidden and never journaled: " + a.sensitiveReason;
    return line;
}

json commandJson(const Command& c, const Bindings& bindings, const std::optional<std::string>& defaultNs, bool fill,
    const KubectlRunOptions& options)
{
    json j;
    j["text"] = c.text;
    j["line"] = c.line;
    j["comment"] = c.comment;
    j["program"] = c.program;
    j["action"] = actionKindName(c.action);
    j["mutates_cluster"] = c.mutatesCluster;
    j["classification"] = c.classification;
    j["namespace"] = c.ns ? json(*c.ns) : json(nullptr);
    j["placeholders"] = c.placeholders;
    j["arguments"] = c.arguments;
    if (c.rawText != c.text)
        j["raw_text"] = c.rawText;
    j["run"] = runJson(c.text, options);
    if (fill) {
        const FilledCommand f = fillCommand(c, bindings, defaultNs);
        j["filled"] = { { "text", f.text }, { "unfilled", f.unfilled }, { "namespace_replaced", f.namespaceReplaced },
            { "notes", f.notes }, { "run", runJson(f.text, options) } };
    }
    return j;
}

json runbookJson(const Runbook& rb, const Bindings& bindings, bool fill, const KubectlRunOptions& options)
{
    json j;
    j["source"] = rb.sourceName;
    j["title"] = rb.title;
    j["severity"] = rb.severity;
    j["owner"] = rb.owner;
    j["last_updated"] = rb.lastUpdated;
    j["metadata"] = json::array();
    for (const MetadataField& m : rb.metadata)
        j["metadata"].push_back({ { "key", m.key }, { "value", m.value }, { "line", m.line } });
    j["introduction"] = rb.introduction;
    j["symptoms"] = rb.symptoms;
    j["default_namespace"] = rb.defaultNamespace ? json(*rb.defaultNamespace) : json(nullptr);
    j["steps"] = json::array();
    for (const Step& s : rb.steps) {
        json step { { "number", s.number }, { "index", s.index }, { "title", s.title }, { "prose", s.prose },
            { "line", s.line } };
        step["commands"] = json::array();
        for (const Command& c : s.commands)
            step["commands"].push_back(commandJson(c, bindings, rb.defaultNamespace, fill, options));
        step["checklist"] = json::array();
        for (const ChecklistItem& i : s.checklist)
            step["checklist"].push_back(
                { { "text", i.text }, { "depth", i.depth }, { "ordered", i.ordered }, { "line", i.line } });
        step["snippets"] = json::array();
        for (const Snippet& sn : s.snippets)
            step["snippets"].push_back({ { "language", sn.language }, { "text", sn.text }, { "line", sn.line } });
        j["steps"].push_back(std::move(step));
    }
    j["escalation"] = rb.escalation;
    j["other_sections"] = json::array();
    for (const Section& s : rb.otherSections)
        j["other_sections"].push_back({ { "heading", s.heading }, { "text", s.text }, { "line", s.line } });
    j["placeholders"] = rb.placeholders;
    j["thresholds"] = json::array();
    for (const Threshold& t : rb.thresholds) {
        json tj { { "key", t.key }, { "kind", thresholdKindName(t.kind) }, { "value", t.value }, { "unit", t.unit },
            { "text", t.literal }, { "sentence", t.sentence }, { "where", t.where }, { "line", t.line } };
        tj["window_seconds"] = t.windowMs ? json(static_cast<double>(*t.windowMs) / 1000.0) : json(nullptr);
        tj["step_index"] = t.stepIndex >= 0 ? json(t.stepIndex) : json(nullptr);
        j["thresholds"].push_back(std::move(tj));
    }
    const RunbookParameters p = parametersOf(rb);
    j["parameters"] = { { "oom_max_count", p.oomMaxCount }, { "oom_window_seconds", p.oomWindowMs / 1000 },
        { "stabilise_within_seconds", p.stabiliseWithinMs / 1000 }, { "memory_limit_bytes", p.memoryLimitBytes },
        { "heap_limit_restart_bytes", p.heapLimitRestartBytes },
        { "escalate_owner_after_seconds", p.escalateOwnerAfterMs / 1000 },
        { "initial_severity", "P" + std::to_string(p.initialSeverity) },
        { "escalated_severity", "P" + std::to_string(p.escalatedSeverity) }, { "from_runbook", p.fromRunbook } };
    j["warnings"] = json::array();
    for (const Warning& w : rb.warnings)
        j["warnings"].push_back({ { "message", w.message }, { "line", w.line } });
    return j;
}

void printText(const Runbook& rb, const Bindings& bindings, bool fill, const KubectlRunOptions& options)
{
    QTextStream out(stdout);
    auto q = [](const std::string& s) { return QString::fromStdString(s); };
    out << q(rb.title) << '\n';
    out << "  severity: " << q(rb.severity.empty() ? "-" : rb.severity) << '\n';
    out << "  owner:    " << q(rb.owner.empty() ? "-" : rb.owner) << '\n';
    if (!rb.lastUpdated.empty())
        out << "  updated:  " << q(rb.lastUpdated) << '\n';
    if (rb.defaultNamespace)
        out << "  namespace in commands: " << q(*rb.defaultNamespace) << '\n';
    if (!rb.symptoms.empty()) {
        out << "\nSymptoms\n";
        for (const std::string& s : rb.symptoms)
            out << "  - " << q(s) << '\n';
    }
    out << "\nSteps\n";
    for (const Step& s : rb.steps) {
        out << "  " << (s.number > 0 ? QString::number(s.number) + QStringLiteral(".") : QStringLiteral("*")) << ' '
            << q(s.title) << '\n';
        for (const Command& c : s.commands) {
            out << "     $ " << q(c.text) << '\n';
            out << "       [" << actionKindName(c.action) << (c.mutatesCluster ? ", changes the cluster" : "") << "]";
            if (!c.comment.empty())
                out << " # " << q(c.comment);
            out << '\n';
            if (!fill)
                out << "       " << q(runLine(c.text, options)) << '\n';
            if (fill) {
                const FilledCommand f = fillCommand(c, bindings, rb.defaultNamespace);
                out << "       -> " << q(f.text) << '\n';
                out << "          " << q(runLine(f.text, options)) << '\n';
                for (const std::string& n : f.notes)
                    out << "          note: " << q(n) << '\n';
            }
        }
        for (const ChecklistItem& i : s.checklist)
            out << "     " << QString(i.depth * 2, QLatin1Char(' ')) << "[ ] " << q(i.text) << '\n';
        for (const Snippet& sn : s.snippets)
            out << "     (" << q(sn.language) << " snippet, " << sn.text.size() << " bytes)\n";
    }
    if (!rb.escalation.empty()) {
        out << "\nEscalation\n";
        for (const std::string& e : rb.escalation)
            out << "  - " << q(e) << '\n';
    }
    if (!rb.placeholders.empty()) {
        out << "\nPlaceholders:";
        for (const std::string& p : rb.placeholders)
            out << " <" << q(p) << '>';
        out << '\n';
    }
    out << "\nThresholds\n";
    for (const Threshold& t : rb.thresholds)
        out << "  " << q(t.key).leftJustified(30) << ' ' << q(t.literal) << "   (" << q(t.where) << ", line " << t.line
            << ")\n";
    if (!rb.warnings.empty()) {
        out << "\nWarnings\n";
        for (const Warning& w : rb.warnings)
            out << "  " << (w.line > 0 ? QStringLiteral("line %1: ").arg(w.line) : QString()) << q(w.message) << '\n';
    }
}

} // namespace

int runRunbookCommand(const QStringList& args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Parse a Markdown runbook and print its steps, commands, "
                                                    "placeholders, thresholds and warnings."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("parse"), QStringLiteral("the only action: parse"));
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("the runbook (Markdown)"));
    parser.addOption({ QStringLiteral("bundled"), QStringLiteral("parse the runbook built into LeakDesk") });
    parser.addOption({ QStringLiteral("format"), QStringLiteral("text or json (default text)"), QStringLiteral("F"),
        QStringLiteral("text") });
    parser.addOption({ QStringLiteral("namespace"),
        QStringLiteral("fill commands for this namespace (replaces the runbook's)"), QStringLiteral("NS") });
    parser.addOption({ QStringLiteral("set"), QStringLiteral("bind a placeholder, e.g. --set service-name=checkout"),
        QStringLiteral("NAME=VALUE") });
    parser.addOption({ QStringLiteral("local-folder"),
        QStringLiteral(
            "the folder for kubectl's files on this machine (kubectl cp, -f, --from-file ...), as picked in the GUI"),
        QStringLiteral("DIR") });
    if (const auto exit = parseOrExit(parser, QStringLiteral("runbook"), args))
        return *exit;
    const QStringList pos = parser.positionalArguments();
    const bool bundled = parser.isSet(QStringLiteral("bundled"));
    if (pos.isEmpty() || pos.first() != QLatin1String("parse") || pos.size() != (bundled ? 1 : 2)) {
        printError(QStringLiteral("usage: leakdesk-cli runbook parse (FILE | --bundled) [--format json|text] "
                                  "[--namespace NS] [--set NAME=VALUE]... [--local-folder DIR]"));
        return 2;
    }
    const QString format = parser.value(QStringLiteral("format"));
    if (format != QLatin1String("json") && format != QLatin1String("text")) {
        printError(QStringLiteral("unknown --format '%1'").arg(format), QStringLiteral("use --format json or text"));
        return 2;
    }
    Bindings bindings;
    if (parser.isSet(QStringLiteral("namespace")))
        bindings.ns = parser.value(QStringLiteral("namespace")).toStdString();
    for (const QString& kv : parser.values(QStringLiteral("set"))) {
        const auto eq = kv.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            printError(QStringLiteral("--set needs NAME=VALUE, got '%1'").arg(kv),
                QStringLiteral("for example --set service-name=checkout"));
            return 2;
        }
        QString name = kv.left(eq);
        if (name.startsWith(QLatin1Char('<')) && name.endsWith(QLatin1Char('>')))
            name = name.mid(1, name.size() - 2);
        bindings.values[name.toStdString()] = kv.mid(eq + 1).toStdString();
    }
    const bool fill = bindings.ns.has_value() || !bindings.values.empty();
    KubectlRunOptions runOptions;
    runOptions.localFolder = parser.value(QStringLiteral("local-folder")).toStdString();

    const auto rb = bundled ? loadBundledRunbook() : loadRunbookFile(pos.at(1).toStdString());
    if (!rb) {
        printError(QString::fromStdString(rb.error().message), QString::fromStdString(rb.error().detail));
        return 1;
    }
    if (format == QLatin1String("json")) {
        const std::string text = runbookJson(*rb, bindings, fill, runOptions).dump(2);
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fputc('\n', stdout);
    } else {
        printText(*rb, bindings, fill, runOptions);
    }
    return 0;
}

} // namespace leakdesk::cli
