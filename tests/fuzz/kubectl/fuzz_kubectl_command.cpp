// Fuzz entry point: any bytes through the Run button's reading of a kubectl command line, once as a
// line (the shell-less word splitter first) and once as argv (words split on newlines, so the
// splitter cannot hide anything from the flag reading). Must never crash or hang, and its answers
// must hold together: a reason always, nothing to run when refused, read-only only for the
// allow-listed verbs, and the words it would run read back the same.
#include "core/runbook/KubectlCommand.h"

#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace leakdesk::runbook;

void check(const KubectlAnalysis& a)
{
    static const std::set<std::string> readOnly { "get", "describe", "top node", "top pod", "logs", "events", "explain",
        "api-resources", "api-versions", "version", "auth can-i", "rollout status", "rollout history" };
    if (a.reason.empty())
        std::abort();
    if (a.effect == KubectlEffect::ReadOnly && !readOnly.count(a.verb))
        std::abort();
    if (a.effect == KubectlEffect::Refused && (!a.previewArguments.empty() || a.sensitiveOutput))
        std::abort();
    if (a.effect == KubectlEffect::ReadOnly && !a.previewArguments.empty())
        std::abort();
    if (a.runnable() && (a.arguments.empty() || a.verb.empty()))
        std::abort();
    // kubectl ignores --dry-run with --raw: a preview of it would be the change itself.
    for (const std::string& w : a.previewArguments) {
        if (w == "--")
            break;
        if (w == "--raw" || w.rfind("--raw=", 0) == 0)
            std::abort();
    }
}

// The words LeakDesk runs must read exactly as the command did: same verb, same effect, same words.
void checkRoundTrip(const KubectlAnalysis& a, const KubectlRunOptions& options)
{
    if (!a.runnable())
        return;
    const KubectlAnalysis again = analyseKubectlArguments(a.arguments, options);
    if (again.effect != a.effect || again.verb != a.verb || again.arguments != a.arguments
        || again.sensitiveOutput != a.sensitiveOutput || again.ns != a.ns)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    KubectlRunOptions options;
    options.localFolder = "/nonexistent-leakdesk-fuzz-folder";
    const KubectlAnalysis plain = analyseKubectlCommand(text);
    check(plain);
    checkRoundTrip(plain, {});
    const KubectlAnalysis withFolder = analyseKubectlCommand(text, options);
    check(withFolder);
    checkRoundTrip(withFolder, options);
    std::vector<std::string> argv;
    std::size_t start = 0;
    while (start <= text.size() && argv.size() < 256) {
        const auto nl = text.find('\n', start);
        argv.emplace_back(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
    const KubectlAnalysis fromArgv = analyseKubectlArguments(argv);
    check(fromArgv);
    checkRoundTrip(fromArgv, {});
    return 0;
}
