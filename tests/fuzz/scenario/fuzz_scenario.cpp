// Scenario files are user input (manifests copied from anywhere): parsing must end in a Scenario or
// an Error with a place, within its caps, never a crash, a hang or unbounded memory.
#include "core/sandbox/scenario/ScenarioFile.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto parsed = leakdesk::sandbox::scenario::parseScenario(text, "fuzz.yaml");
    if (!parsed) {
        // Every error names the file (and a line where there is one).
        if (parsed.error().message.rfind("fuzz.yaml", 0) != 0)
            __builtin_trap();
        return 0;
    }
    leakdesk::sandbox::scenario::Scenario merged;
    (void)leakdesk::sandbox::scenario::mergeScenario(merged, *parsed);
    (void)merged.namespaces();
    (void)merged.podCount();
    for (const auto& o : merged.objects)
        (void)o.manifest.dump();
    return 0;
}
