#pragma once
// What the runbook's Run button may do with a kubectl command line, decided by reading argv the
// way kubectl v1.32 does (cobra finds the command, pflag reads the flags) against kubectl's own
// flag table (KubectlFlagTable.h). An allow-list: a short list of commands is read-only, every
// other built-in command is a change that needs the user's confirmation, and what LeakDesk cannot
// read with certainty, or what a runbook has no business running from a desktop, is refused.
// The GUI (before it runs anything) and `leakdesk-cli runbook parse` call the same functions.

#include "core/common/Result.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::runbook {

enum class KubectlEffect {
    ReadOnly, // get, describe, top, logs, events, explain, api-resources, api-versions, version,
              // auth can-i, rollout status/history
    Change, // any other built-in command: confirm first, naming verb, objects, namespace, server
    Refused, // never run from LeakDesk; `reason` says why
};
const char* kubectlEffectName(KubectlEffect effect); // "read-only", "change", "refused"

struct KubectlRunOptions {
    // The folder the user picked for files that kubectl reads or writes on this machine (kubectl cp,
    // -f, --from-file, --patch-file ...); kubectl runs in it, so relative paths land there. Empty:
    // none picked yet.
    std::string localFolder;
};

struct KubectlAnalysis {
    KubectlEffect effect = KubectlEffect::Refused;
    std::string reason; // one sentence: why this effect (for a refusal: what, and what to do)
    std::string verb; // the command path: "get", "rollout status", "create secret generic"
    std::vector<std::string> objects; // what it acts on, as written: "pod/p", "-l app=x", "file x.yaml"
    std::optional<std::string> ns; // -n/--namespace (or ns/pod: of kubectl cp); none: the context's
    bool allNamespaces = false; // -A
    // Prints the data of Secrets or ConfigMaps (or a token): its output is never journaled and
    // is masked on screen.
    bool sensitiveOutput = false;
    std::string sensitiveReason;
    // kubectl cp with a local side, or a flag that reads a local file (-f, --from-file ...):
    // refused until a folder is picked (KubectlRunOptions), and outside it.
    bool needsLocalFolder = false;
    std::vector<std::string> arguments; // argv after "kubectl" to run; -i/-t dropped (no terminal)
    // The same with --dry-run=server, for changes whose command has --dry-run; else empty.
    std::vector<std::string> previewArguments;

    bool runnable() const { return effect != KubectlEffect::Refused; }
};

// One command line split into words without a shell: '...' literal, "..." and backslashes as in
// sh. Refuses what would need a shell to mean the same (pipes, ;, &, redirections, $ expansion,
// backquotes, a leading ~ or #, newlines, control characters) and unbalanced quotes.
Result<std::vector<std::string>> splitCommandWords(std::string_view commandLine);

// argv after the program name ("get", "pods", "-n", "x").
KubectlAnalysis analyseKubectlArguments(const std::vector<std::string>& args, const KubectlRunOptions& options = {});
// A whole line: must be "kubectl ..." and nothing else.
KubectlAnalysis analyseKubectlCommand(std::string_view commandLine, const KubectlRunOptions& options = {});

} // namespace leakdesk::runbook
