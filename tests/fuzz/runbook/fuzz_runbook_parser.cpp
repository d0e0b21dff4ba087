// Fuzz entry point: any bytes through the runbook parser, then through everything a caller does
// with the result (filling every command, reading parameters). Must never crash, hang or leak.
#include "core/runbook/Bindings.h"
#include "core/runbook/Parameters.h"
#include "core/runbook/RunbookParser.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace leakdesk::runbook;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto rb = parseRunbook(text, "fuzz.md");
    if (!rb) {
        if (rb.error().message.empty())
            std::abort(); // every failure must say why
        return 0;
    }
    Bindings b;
    b.ns = "staging";
    b.values = { { "service-name", "checkout" }, { "pod-name", "checkout-0" } };
    for (const Step& s : rb->steps) {
        for (const Command& c : s.commands) {
            const FilledCommand f = fillCommand(c, b, rb->defaultNamespace);
            if (f.text.empty() && !c.text.empty())
                std::abort();
        }
    }
    (void)parametersOf(*rb);
    return 0;
}
