#pragma once
// Turning a runbook command into the command for this incident: placeholders filled from the
// current selection, and the runbook's namespace ("-n production") replaced by the namespace under
// investigation, with a note saying so.

#include "core/runbook/Runbook.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::runbook {

struct Bindings {
    std::map<std::string, std::string> values; // "service-name" -> "checkout", "pod-name" -> "checkout-7d9-abcde"
    std::optional<std::string> ns; // the namespace under investigation
    // The JVM's PID in the chosen container, as the heap capture pre-flight found it. Runbooks
    // write `jmap ... 1` (PID 1, true only when the JVM is the container's init process); with a
    // shell or tini in front the JVM is another PID and the literal command fails.
    std::optional<std::string> jvmPid;
    // The workload's own pod selector ("app.kubernetes.io/name=search,app.kubernetes.io/instance=search"):
    // a `-l`/`--selector` whose value names <service-name> (the runbook's `app=<service-name>`) is
    // replaced by it, since pods labelled otherwise would be missed.
    std::optional<std::string> podSelector;
};

struct FilledCommand {
    std::string text; // ready to copy or run
    std::vector<std::string> unfilled; // placeholders left as "<name>" because no value was bound
    bool namespaceReplaced = false;
    std::string fromNamespace; // the runbook's, when replaced
    std::string toNamespace;
    std::vector<std::string> notes; // what was changed or left alone, for the user

    bool complete() const { return unfilled.empty(); }
};

// Replaces "<name>" by its value (quoted for the shell when it holds anything but
// [A-Za-z0-9._:/=@+-]); unknown names, and values starting with '-' (they would read as an
// option, quoted or not), stay and are listed in `unfilled`.
std::string fillPlaceholders(std::string_view text, const std::map<std::string, std::string>& values,
    std::vector<std::string>* unfilled = nullptr);

// The PID argument of a JDK tool run through `kubectl exec ... -- TOOL`: jmap, jstack and jinfo
// take it last, jcmd and jstat first (after options); nullopt when there is none or it is not a
// number. Offsets are into `text`.
struct JvmPidArgument {
    std::size_t begin = 0;
    std::size_t end = 0;
    std::string tool;
    std::string pid;
};
std::optional<JvmPidArgument> findJvmPidArgument(std::string_view text);

// `runbookNamespace` is Runbook::defaultNamespace. Only that namespace is replaced: a command that
// names another namespace on purpose (kube-system, monitoring) is left alone, with a note.
FilledCommand fillCommand(
    const Command& command, const Bindings& bindings, const std::optional<std::string>& runbookNamespace);

} // namespace leakdesk::runbook
