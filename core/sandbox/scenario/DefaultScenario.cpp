#include "core/sandbox/scenario/DefaultScenario.h"

#include <QFile>

// Q_INIT_RESOURCE must be called outside any namespace; the resource lives in a static library.
static void initScenarioResources()
{
    Q_INIT_RESOURCE(scenarios);
}

namespace leakdesk::sandbox::scenario {

Result<Scenario> defaultScenario()
{
    initScenarioResources();
    QFile file(QStringLiteral(":/scenarios/storefront.yaml"));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io, "the sandbox's default scenario is missing from this build");
    const QByteArray text = file.readAll();
    return parseScenario(std::string_view(text.constData(), static_cast<std::size_t>(text.size())),
        "storefront.yaml (the sandbox's default scenario)");
}

} // namespace leakdesk::sandbox::scenario
