#include "CliCommand.h"

namespace leakdesk::cli {

int runRunbookCommand(const QStringList&)
{
    printError(QStringLiteral("this command is not available in this build yet"));
    return 2;
}

} // namespace leakdesk::cli
