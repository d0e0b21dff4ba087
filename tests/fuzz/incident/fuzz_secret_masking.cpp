// The secret masking reads whatever a command printed: it must never crash, never read out of
// bounds, and a known secret placed on its own line inside arbitrary text must never survive,
// whatever surrounds it. The first input byte picks the secret sample, the rest is split around it.
// Inputs that parse as JSON go through the JSON-tree masking too.
#include "../../unit/incident/SecretSamples.h"
#include "core/incident/SecretMasking.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    (void)leakdesk::incident::maskSecrets(bytes);

    if (size >= 2) {
        const auto& samples = leakdesk::test::secretSamples();
        const auto& sample = samples[data[0] % samples.size()];
        const std::string_view rest = bytes.substr(1);
        // (When the surrounding text holds the secret's characters itself, they may rightly stay.)
        if (rest.find(sample.secret) != std::string_view::npos)
            return 0;
        const std::size_t cut = rest.size() / 2;
        // A sample masked for what it does not say (data without a kind) is its own YAML document:
        // a "kind: ConfigMap" around it would rightly keep its data.
        const char* separator = sample.needsItsOwnDocument ? "\n---\n" : "\n";
        const std::string text
            = std::string(rest.substr(0, cut)) + separator + sample.text + separator + std::string(rest.substr(cut));
        const std::string masked = leakdesk::incident::maskSecrets(text);
        if (masked.find(sample.secret) != std::string::npos)
            std::abort();
    }

    const auto j = nlohmann::json::parse(bytes, nullptr, false);
    if (!j.is_discarded()) {
        auto copy = j;
        leakdesk::incident::maskSecretsInJson(copy);
    }
    return 0;
}
