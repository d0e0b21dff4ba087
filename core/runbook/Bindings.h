#pragma once
// Turning a runbook command into the command for this incident: placeholders filled from the
// current selection, and the runbook's namespace ("-n production") replaced by the namespace under
// investigation, with a note saying so.

#include "runbook/Runbook.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::runbook {

struct Bindings {
    std::map<std::string, std::string> values; // "service-name" -> "checkout", "pod-name" -> "checkout-7d9-abcde"
    std::optional<std::string> ns; // the namespace under investigation
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

// `runbookNamespace` is Runbook::defaultNamespace. Only that namespace is replaced: a command that
// names another namespace on purpose (kube-system, monitoring) is left alone, with a note.
FilledCommand fillCommand(
    const Command& command, const Bindings& bindings, const std::optional<std::string>& runbookNamespace);

} // namespace leakdesk::runbook
