#pragma once
// The Runbook model: what a Markdown runbook says, in typed form. Built by parseRunbook()
// (RunbookParser.h); plain C++ values (UTF-8 std::string) so any layer can hold them.

#include "core/runbook/KubectlCommand.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace leakdesk::runbook {

// The built-in action a command stands for; Shell is everything else (copy / run with kubectl).
enum class ActionKind {
    MemoryEvidence, // kubectl top pods
    OomEvidence, // kubectl get events ... reason=OOMKilling
    HeapCapture, // kubectl exec ... jmap -dump / jcmd GC.heap_dump, kubectl cp <pod>:<dump>
    RaiseLimit, // kubectl set resources ... --limits=memory=...
    HeapLimitRestart, // kubectl set env ... HEAP_LIMIT_RESTART=...
    Shell,
};
const char* actionKindName(ActionKind kind); // "memory-evidence", "oom-evidence", "heap-capture",
                                             // "raise-limit", "heap-limit-restart", "shell"

struct Warning {
    std::string message; // what was not understood and what happened to it
    int line = 0; // 1-based line in the Markdown, 0 when unknown
};

struct Command {
    std::string text; // one logical command: continuation lines joined, trailing comment removed
    std::string rawText; // as written, including "\" continuations
    std::string comment; // the "#" comment lines just above it (and a trailing "# ..."), joined
    std::string program; // first word, e.g. "kubectl"
    ActionKind action = ActionKind::Shell;
    bool mutatesCluster = false; // not known to be read-only (kubectl: not on the read-only list)
    std::string classification; // why it got its action / mutation flag, one sentence
    std::optional<std::string> ns; // namespace named by -n/--namespace (or ns/pod: for kubectl cp)
    std::vector<std::string> placeholders; // names without brackets: "service-name"
    std::map<std::string, std::string> arguments; // action parameters, e.g. "memory-limit" -> "4Gi"
    std::string language; // the fence's info string ("bash"; empty when none)
    int line = 0;
    // What the Run button would do with the text as written (placeholders unfilled): the GUI
    // analyses the filled-in text again, with the same function, right before it runs it.
    KubectlAnalysis run;
};

struct ChecklistItem {
    std::string text;
    int depth = 0; // 0 for top-level bullets, 1 for nested ones ...
    bool ordered = false;
    int line = 0;
};

// A code block that is not shell (yaml, json ...): kept verbatim, never run.
struct Snippet {
    std::string language;
    std::string text;
    int line = 0;
};

struct Step {
    int number = 0; // as written ("### 3. ..."); 0 when the heading has no number
    int index = 0; // 0-based position among the steps
    std::string title;
    std::string prose; // paragraphs, joined by blank lines
    std::vector<Command> commands; // in order of appearance
    std::vector<ChecklistItem> checklist; // bullet lists: things to check off
    std::vector<Snippet> snippets;
    int line = 0;
};

struct MetadataField {
    std::string key; // as written, without the colon: "Severity"
    std::string value;
    int line = 0;
};

// Free-text sections the parser has no slot for ("## Background", "## Related"): kept so nothing
// is dropped, and listed in the warnings.
struct Section {
    std::string heading;
    std::string text;
    int line = 0;
};

enum class ThresholdKind {
    CountPerWindow, // "more than 2 in 1 hour"
    Duration, // "within 10 minutes", "2 hours"
    MemoryQuantity, // "4Gi", "3584m"
    Severity, // "P2", "escalates to P1"
};
const char* thresholdKindName(ThresholdKind kind); // "count-per-window", "duration", "memory", "severity"

// A figure read from the runbook's text. `key` says what it parameterises:
//   oom.max_per_window            count (value) in windowMs       "more than 2 in 1 hour"
//   stabilise.within              ms                              "within 10 minutes of startup"
//   mitigation.memory_limit       bytes                           "--limits=memory=4Gi"
//   mitigation.heap_limit_restart bytes                           "HEAP_LIMIT_RESTART=3584m"
//   escalation.owner_after        ms                              "within 2 hours, pull in the owner"
//   severity.initial              severity number (2 for P2)      "**Severity:** P2 initially"
//   severity.escalated            severity number (1 for P1)      "escalates to P1"
// Figures of a known kind without a known meaning get "<kind>.other" keys, so they are still shown.
struct Threshold {
    std::string key;
    ThresholdKind kind = ThresholdKind::Duration;
    double value = 0.0; // count, milliseconds, bytes or severity number (see key)
    std::optional<std::int64_t> windowMs; // CountPerWindow only
    std::string unit; // "count", "ms", "bytes", "severity"
    std::string literal; // the words matched: "more than 2 in 1 hour"
    std::string sentence; // the sentence (or command line) it came from
    std::string where; // "Severity", "Step 2", "Escalation" ...
    int stepIndex = -1; // index into Runbook::steps, -1 outside steps
    int line = 0;
};

struct Runbook {
    std::string sourceName; // file path or ":/runbooks/memory-leak.md"
    std::string title;
    std::string severity; // the metadata values, empty when absent
    std::string owner;
    std::string lastUpdated;
    std::vector<MetadataField> metadata; // every "**Key:** value" line, known or not
    std::string introduction; // prose between the title and the first section
    std::vector<std::string> symptoms;
    std::vector<Step> steps;
    std::vector<std::string> escalation; // one rule per bullet (or sentence)
    std::vector<Section> otherSections;
    std::vector<Threshold> thresholds;
    std::vector<std::string> placeholders; // distinct names, first appearance order
    std::optional<std::string> defaultNamespace; // the namespace the commands are written for
    std::vector<Warning> warnings;

    const Threshold* threshold(const std::string& key) const
    {
        for (const Threshold& t : thresholds)
            if (t.key == key)
                return &t;
        return nullptr;
    }
};

} // namespace leakdesk::runbook
