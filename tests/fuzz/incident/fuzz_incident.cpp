// Incident files are read back after crashes, by other people's LeakDesk and by `leakdesk-cli
// export`: a damaged or hand-edited file must end in a document or an Error, never a crash. The
// actions' revert records inside are parsed too, as a revert would.
#include "core/actions/MitigationRecord.h"
#include "core/actions/PodIsolation.h"
#include "core/incident/IncidentJson.h"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    leakdesk::incident::ParseLocation where;
    auto doc = leakdesk::incident::parseIncident(bytes, &where);
    if (!doc)
        return 0;
    for (const auto& action : doc->actions) {
        (void)leakdesk::actions::MitigationRecord::fromJson(action.revertData);
        (void)leakdesk::actions::IsolationRecord::fromJson(action.revertData);
    }
    return 0;
}
