#pragma once
// kubectl v1.32's command and flag table, as its own help prints it (`kubectl options`,
// `kubectl <command> --help`): which commands exist, their aliases, and for every flag whether
// it takes a value. The runbook's Run button reads argv against this table only; a flag or a
// command that is not in it is never guessed at. tests/integration/kubectl checks the table
// against the real kubectl's help.

#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::runbook {

enum class FlagValue {
    None, // a boolean: "--watch", "--watch=false"; never takes the next word
    Required, // "--output yaml", "--output=yaml", "-o yaml", "-oyaml", "-o=yaml"
    Optional, // "--dry-run" alone means a default; a value only as "--dry-run=server" (pflag NoOptDefVal)
};

struct KubectlFlag {
    std::string name; // long name without dashes: "all-namespaces"
    char shorthand = 0; // 'A', or 0
    FlagValue value = FlagValue::None;
};

struct KubectlVerb {
    std::string path; // "get", "rollout status", "create secret generic"
    bool hasSubcommands = false; // "rollout", "create", "create secret" ...
    std::vector<std::string> aliases; // of the last word: "create deployment" -> { "deploy" }
    std::vector<KubectlFlag> flags; // the command's own flags (global ones are in kubectlGlobalFlags())
};

// The flags every command accepts (`kubectl options`).
const std::vector<KubectlFlag>& kubectlGlobalFlags();
// Every built-in command LeakDesk may run, with its subcommands; refused commands (config,
// proxy ...) are not in it (see KubectlCommand.cpp).
const std::vector<KubectlVerb>& kubectlVerbs();

const KubectlVerb* findKubectlVerb(std::string_view path);

} // namespace leakdesk::runbook
