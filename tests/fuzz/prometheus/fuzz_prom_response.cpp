// Answers from Prometheus and the Kubernetes API are untrusted bytes from the network (proxies,
// misconfigured URLs, truncated replies): both parsers must turn anything into a value or an Error.
#include "core/kube/KubeObjects.h"
#include "core/prometheus/PromClient.h"

#include <nlohmann/json.hpp>

#include <QByteArray>

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const QByteArray body(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    (void)leakdesk::prometheus::parsePromResponse(body, 200);
    (void)leakdesk::prometheus::parseSeriesResponse(body, 200, 64);
    const auto j = nlohmann::json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
    if (j.is_discarded())
        return 0;
    (void)leakdesk::kube::parsePodList(j);
    (void)leakdesk::kube::parseEventList(j);
    (void)leakdesk::kube::parsePodMetricsList(j);
    (void)leakdesk::kube::parseDeploymentList(j);
    (void)leakdesk::kube::parseReplicaSetList(j);
    (void)leakdesk::kube::parseNodeList(j);
    return 0;
}
