#include "core/investigation/CaptureCandidates.h"

#include "core/common/Quantity.h"

#include <algorithm>
#include <cmath>

namespace leakdesk::investigation {

std::vector<CaptureCandidate> captureCandidates(const std::vector<PodRow>& pods, const CaptureRiskParams& params)
{
    std::vector<CaptureCandidate> out;
    out.reserve(pods.size());
    for (const PodRow& p : pods) {
        CaptureCandidate c;
        c.pod = p.name;
        c.memoryBytes = p.memoryBytes;
        c.limitBytes = p.limitBytes;
        c.running = p.phase == "Running" && p.ready;
        std::string use
            = p.memoryBytes ? formatBytes(static_cast<double>(*p.memoryBytes)) : std::string("memory unknown");
        std::vector<std::string> risks;
        if (p.memoryBytes && p.limitBytes && *p.limitBytes > 0) {
            const double fraction = static_cast<double>(*p.memoryBytes) / static_cast<double>(*p.limitBytes);
            use += " of " + formatBytes(static_cast<double>(*p.limitBytes)) + " ("
                + std::to_string(static_cast<int>(std::lround(fraction * 100))) + " %)";
            if (fraction >= params.fullFraction)
                risks.push_back("only "
                    + formatBytes(static_cast<double>(std::max<std::int64_t>(0, *p.limitBytes - *p.memoryBytes)))
                    + " below its limit");
        }
        if (p.hoursToLimit && *p.hoursToLimit * 60.0 < params.minutesToLimit)
            risks.push_back("projected to reach its limit in about "
                + std::to_string(static_cast<int>(std::max(1.0, std::round(*p.hoursToLimit * 60.0)))) + " min");
        c.atRisk = !risks.empty();
        c.note = use;
        if (!c.running)
            c.note += "; not running and ready (" + (p.phase.empty() ? std::string("phase unknown") : p.phase) + ")";
        if (c.atRisk) {
            c.note += "; may be OOM-killed during the dump or before it is copied out (the file goes with the "
                      "container): ";
            for (std::size_t i = 0; i < risks.size(); ++i)
                c.note += (i ? ", " : "") + risks[i];
        }
        out.push_back(std::move(c));
    }
    const auto rank = [](const CaptureCandidate& c) { return !c.running ? 2 : c.atRisk ? 1 : 0; };
    std::stable_sort(out.begin(), out.end(), [&](const CaptureCandidate& a, const CaptureCandidate& b) {
        if (rank(a) != rank(b))
            return rank(a) < rank(b);
        return a.memoryBytes.value_or(-1) > b.memoryBytes.value_or(-1);
    });
    return out;
}

} // namespace leakdesk::investigation
