#include "core/common/ProcessGroup.h"

#include <QProcess>

#include <csignal>
#include <sys/types.h>
#include <unistd.h>

namespace leakdesk {

void startInOwnProcessGroup(QProcess& process)
{
    process.setChildProcessModifier([] { ::setsid(); });
}

void killProcessGroup(QProcess& process, qint64 group)
{
    if (group <= 0)
        group = process.processId();
    if (group > 0)
        ::kill(-pid_t(group), SIGKILL);
    if (process.state() != QProcess::NotRunning)
        process.kill();
}

} // namespace leakdesk
