#pragma once
// The names of what LeakDesk does to a cluster, as written in an incident's actions
// (ActionRecord::kind) and in the records core/actions hands back for a revert. One list, so the
// journal that writes a kind and the code that looks an action up by it cannot drift apart. They
// are part of the .leakdesk format: renaming one breaks every incident file already written.

namespace leakdesk::actionkind {

// Mitigations on a Deployment (core/actions/Mitigation.h).
inline constexpr char kRaiseLimit[] = "raise-limit";
inline constexpr char kHeapLimitRestart[] = "heap-limit-restart";
inline constexpr char kRolloutRestart[] = "rollout-restart";
inline constexpr char kMitigation[] = "mitigation"; // a mitigation kind this list does not know yet

// A pod taken out of its Service (core/actions/PodIsolation.h), and deleted after its dump.
inline constexpr char kIsolatePod[] = "isolate-pod";
inline constexpr char kDeletePod[] = "delete-pod";

// A heap dump taken in a pod (core/capture/HeapCapture.h).
inline constexpr char kHeapCapture[] = "heap-capture";

// A workload's memory alerts silenced in Alertmanager while a mitigation rolls out (core/alerts);
// its revert expires the silence.
inline constexpr char kSilenceAlerts[] = "silence-alerts";

// A runbook command run with kubectl.
inline constexpr char kShell[] = "shell";

} // namespace leakdesk::actionkind
