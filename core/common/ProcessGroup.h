#pragma once
// A child process that leads its own session and process group, so that stopping it stops everything
// it started: a credential plugin kubectl runs, the `sleep` of a plugin's shell script, a helper it
// forked that keeps the output pipe open. QProcess::kill() alone reaches only the child itself; the
// rest would run on, reparented to init, after a timeout or a cancel.
//
// Used by every place that starts a program which may start others (core/kube's credential plugin
// runs, the runbook's "Run with kubectl").

#include <QtGlobal>

class QProcess;

namespace leakdesk {

// Before process.start(): the child calls setsid() before exec, so its pid is its process group's
// (and session's) id, and a terminal signal to LeakDesk's own group does not reach it by accident.
void startInOwnProcessGroup(QProcess& process);

// SIGKILL to every process of the group `group` leads (its pid, recorded when it started: after the
// leader is reaped processId() is 0), then to the leader itself when QProcess still runs it.
// `group` <= 0 takes the leader's current pid. The group id is not reused while any member lives,
// so this never reaches an unrelated process.
void killProcessGroup(QProcess& process, qint64 group);

} // namespace leakdesk
