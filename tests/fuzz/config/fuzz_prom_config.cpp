// The config file is user input (edited by hand, copied from a wiki): parsing must end in a config
// or an Error naming the file and a line, never a crash, a hang or unbounded memory; what parses
// is written back and reads back the same.
#include "core/prometheus/PromConfigFile.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    auto parsed = leakdesk::prometheus::parsePromConfig(text, "fuzz.yaml", QStringLiteral("/base"));
    if (!parsed) {
        if (parsed.error().message.rfind("fuzz.yaml:", 0) != 0)
            __builtin_trap();
        return 0;
    }
    const std::string written = leakdesk::prometheus::promConfigToYaml(*parsed);
    auto again = leakdesk::prometheus::parsePromConfig(written, "written.yaml", QStringLiteral("/base"));
    if (!again || !(*again == *parsed))
        __builtin_trap();
    return 0;
}
