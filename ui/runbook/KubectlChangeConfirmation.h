#pragma once
// The text of the "Change the cluster?" question the Run button asks before a kubectl change:
// the verb, the objects, the namespace and the API server, the server-side dry run's output
// (masked when it prints Secret data), and LeakDesk's built-in action when there is one (it has a
// diff, a verification and a revert; a free-form command has none).

#include "ui/runbook/KubectlRunner.h"
#include "core/runbook/Runbook.h"

#include <QString>

namespace leakdesk::ui {

// `contextNamespace`: the namespace kubectl uses without -n. `preview`: the dry run, or null when
// the command has none. `builtIn`: the runbook action the command stands for (Shell for none).
QString changeConfirmationHtml(const KubectlPlan& plan, const KubectlTarget& target, const QString& contextNamespace,
    const KubectlRun* preview, runbook::ActionKind builtIn);

// On screen, a run's output: as printed, or for a sensitive command a notice instead of it.
QString shownOutput(const KubectlRun& run);

} // namespace leakdesk::ui
