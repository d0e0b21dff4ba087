#include "core/sandbox/scenario/ScaleWorkloads.h"

#include "core/sandbox/model/SandboxModel.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

namespace leakdesk::sandbox::scenario {

namespace {

constexpr std::array<std::string_view, 24> kWords { "orders", "billing", "inventory", "shipping", "pricing", "ledger",
    "profile", "session", "gateway", "notify", "media", "audit", "quota", "tax", "loyalty", "fraud", "exports",
    "imports", "geo", "mailer", "feed", "rating", "coupon", "invoice" };
constexpr std::array<std::string_view, 4> kSuffixes { "api", "worker", "svc", "sync" };

std::uint64_t drawOf(std::uint64_t seed, int index, std::uint64_t what)
{
    return mixHash(mixHash(seed, stableHash("scale-workload")), mixHash(static_cast<std::uint64_t>(index), what));
}

int namespaceCount(int count)
{
    return std::clamp(count / 25, 1, kScaleNamespaces);
}

std::string padded(int value, int width)
{
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%0*d", width, value);
    return buffer;
}

std::string mi(std::int64_t mebibytes)
{
    return std::to_string(mebibytes) + "Mi";
}

// The application container's name: the workload's word ("billing").
std::string_view wordOf(std::uint64_t seed, int index)
{
    return kWords[drawOf(seed, index, 1) % kWords.size()];
}

void appendWorkload(std::string& out, const ScaleWorkload& w, std::uint64_t seed)
{
    const std::uint64_t sizeDraw = drawOf(seed, w.index, 3);
    const std::string app(wordOf(seed, w.index));
    // Healthy apps idle at 128-511 MiB under a limit twice that.
    std::int64_t baseMi = 128 + static_cast<std::int64_t>(sizeDraw % 384);
    std::int64_t limitMi = 2 * baseMi;
    double rps = 2.0 + static_cast<double>(drawOf(seed, w.index, 4) % 38);
    double diurnal = 0.3;
    std::string appMemory;
    std::string runtime = (sizeDraw / 7) % 3 == 0 ? "go" : "jvm";
    switch (w.role) {
    case ScaleRole::LeakFast:
        // From 300 MiB to the 768 MiB limit in about three hours: OOMKilled ~8 times a day per pod.
        baseMi = 300;
        limitMi = 768;
        runtime = "jvm";
        appMemory = "base=300Mi growth=150Mi/h noise=6Mi gc=20Mi/2m warmup=5m";
        break;
    case ScaleRole::LeakSlow:
        // 5 MiB/h since the pods started 8-9 days ago: ~1.4 GiB of a 2 GiB limit, days to go.
        baseMi = 400;
        limitMi = 2048;
        runtime = "jvm";
        appMemory = "base=400Mi growth=5Mi/h noise=4Mi gc=12Mi/2m warmup=5m";
        break;
    case ScaleRole::DecoyTraffic:
        // Up to 400 MiB more at the noon peak of a traffic curve swinging 0.1x..1.9x: steep
        // mornings, but it comes back every night.
        baseMi = 300;
        limitMi = 1024;
        diurnal = 0.9;
        rps = 40;
        appMemory = "base=300Mi noise=4Mi follow-traffic=400Mi warmup=5m";
        break;
    case ScaleRole::Healthy:
    case ScaleRole::DecoySidecar:
        appMemory = "base=" + mi(baseMi) + " noise=" + mi(std::max<std::int64_t>(1, baseMi / 64))
            + " gc=" + mi(std::max<std::int64_t>(2, baseMi / 16)) + "/2m warmup=5m";
        break;
    }
    // A proxy sidecar on the decoy and on one workload in seven: a sidecar alone is no sign.
    const bool sidecar = w.role == ScaleRole::DecoySidecar || drawOf(seed, w.index, 5) % 7 == 3;
    const std::string sidecarMemory = w.role == ScaleRole::DecoySidecar
        ? "base=60Mi noise=2Mi gc=48Mi/6h" // saws up over 6 h, then drops: growth on a short window only
        : "base=60Mi noise=2Mi";
    const std::string version = "1." + std::to_string(sizeDraw % 9) + "." + std::to_string((sizeDraw / 9) % 20);

    out += "---\napiVersion: apps/v1\nkind: " + w.kind + "\nmetadata:\n  name: " + w.name + "\n  namespace: "
        + w.namespaceName + "\n  labels: {app.kubernetes.io/name: " + w.name + ", app.kubernetes.io/part-of: fleet}\n"
        + "  annotations:\n    sim.leakdesk.io/traffic: rps=" + std::to_string(static_cast<int>(rps))
        + " diurnal=" + (diurnal == 0.9 ? std::string("0.9") : std::string("0.3")) + "\nspec:\n";
    if (w.kind != "DaemonSet")
        out += "  replicas: " + std::to_string(kScalePodsPerWorkload) + "\n";
    if (w.kind == "StatefulSet")
        out += "  serviceName: " + w.name + "\n";
    out += "  selector:\n    matchLabels: {app.kubernetes.io/name: " + w.name + "}\n  template:\n    metadata:\n"
        + "      labels: {app.kubernetes.io/name: " + w.name + "}\n      annotations:\n"
        + "        sim.leakdesk.io/runtime." + app + ": " + runtime + "\n" + "        sim.leakdesk.io/memory." + app
        + ": " + appMemory + "\n";
    if (sidecar)
        out += "        sim.leakdesk.io/runtime.istio-proxy: none\n        sim.leakdesk.io/memory.istio-proxy: "
            + sidecarMemory + "\n";
    out += "    spec:\n      containers:\n      - name: " + app + "\n        image: registry.fleet.internal/" + app
        + ":" + version + "\n        resources:\n          limits: {memory: " + mi(limitMi)
        + "}\n          requests: {memory: " + mi(std::max<std::int64_t>(64, limitMi / 2)) + "}\n";
    if (sidecar)
        out += "      - name: istio-proxy\n        image: docker.io/istio/proxyv2:1.22.1\n        resources:\n"
               "          limits: {memory: 256Mi}\n          requests: {memory: 128Mi}\n";
}

} // namespace

const char* scaleRoleName(ScaleRole role)
{
    switch (role) {
    case ScaleRole::Healthy:
        return "healthy";
    case ScaleRole::LeakFast:
        return "leak-fast";
    case ScaleRole::LeakSlow:
        return "leak-slow";
    case ScaleRole::DecoyTraffic:
        return "decoy-traffic";
    case ScaleRole::DecoySidecar:
        return "decoy-sidecar";
    }
    return "healthy";
}

bool scaleRoleLeaks(ScaleRole role)
{
    return role == ScaleRole::LeakFast || role == ScaleRole::LeakSlow;
}

ScaleRole scaleRoleOf(int index)
{
    switch (index % 50) {
    case 7:
        return ScaleRole::LeakFast;
    case 39:
        return ScaleRole::LeakSlow;
    case 21:
        return ScaleRole::DecoyTraffic;
    case 44:
        return ScaleRole::DecoySidecar;
    default:
        return ScaleRole::Healthy;
    }
}

std::vector<ScaleWorkload> scaleWorkloads(int count, std::uint64_t seed)
{
    std::vector<ScaleWorkload> out;
    const int namespaces = namespaceCount(count);
    out.reserve(static_cast<std::size_t>(std::max(0, count)));
    for (int i = 0; i < count; ++i) {
        ScaleWorkload w;
        w.index = i;
        w.role = scaleRoleOf(i);
        w.namespaceName
            = "fleet-" + padded(static_cast<int>(drawOf(seed, i, 2) % static_cast<std::uint64_t>(namespaces)), 2);
        // One in ten a StatefulSet (the slow leaks, i % 50 == 39, among them), one in twenty a DaemonSet.
        w.kind = i % 10 == 9 ? "StatefulSet" : i % 20 == 13 ? "DaemonSet" : "Deployment";
        w.name = std::string(wordOf(seed, i)) + "-" + std::string(kSuffixes[drawOf(seed, i, 6) % kSuffixes.size()])
            + "-" + padded(i, 4);
        out.push_back(std::move(w));
    }
    return out;
}

std::string scaleWorkloadsYaml(int count, std::uint64_t seed)
{
    std::string out = "# Synthetic fleet of " + std::to_string(count) + " workloads (sandbox --scale-workloads)\n";
    out.reserve(static_cast<std::size_t>(count) * 1100);
    for (int n = 0; n < namespaceCount(count); ++n)
        out += "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: fleet-" + padded(n, 2) + "\n";
    for (const ScaleWorkload& w : scaleWorkloads(count, seed))
        appendWorkload(out, w, seed);
    return out;
}

ScenarioLimits scaleScenarioLimits(int count)
{
    ScenarioLimits limits;
    const auto extra = static_cast<std::size_t>(std::max(0, count));
    limits.maxFileBytes += extra * 1400;
    limits.maxDocuments += extra + kScaleNamespaces;
    limits.maxObjects += extra + kScaleNamespaces;
    limits.maxPods += extra * kScalePodsPerWorkload;
    limits.maxYamlNodes += extra * 120;
    return limits;
}

Result<Scenario> scaleWorkloadsScenario(int count, std::uint64_t seed)
{
    if (count < 1 || count > kMaxScaleWorkloads)
        return makeError(ErrorCode::LimitExceeded, "--scale-workloads " + std::to_string(count) + " is out of range",
            "give between 1 and " + std::to_string(kMaxScaleWorkloads) + " workloads");
    const std::string yaml = scaleWorkloadsYaml(count, seed);
    return parseScenario(
        yaml, "scale-workloads (" + std::to_string(count) + " synthetic workloads)", scaleScenarioLimits(count));
}

} // namespace leakdesk::sandbox::scenario
