#pragma once
// The few Kubernetes protobuf messages the real kubectl sends to the sandbox.
//
// kubectl 1.32 and later encode built-in request bodies as protobuf
// (`Content-Type: application/vnd.kubernetes.protobuf`) and do not fall back to JSON on 415.
// `kubectl auth can-i` posts a SelfSubjectAccessReview that way, so the sandbox decodes it.
// The envelope is the 4-byte magic "k8s\0" followed by a runtime.Unknown message
// (1: TypeMeta{1: apiVersion, 2: kind}, 2: raw object bytes, 3: contentEncoding, 4: contentType).
// Field numbers are those of k8s.io/api/authorization/v1/generated.proto.
//
// The input comes from the network: every read is bounds-checked, and anything unexpected is
// an Error, never a crash (fuzz target tests/fuzz/kubeproto).

#include "core/common/Result.h"

#include <nlohmann/json.hpp>

#include <string_view>

namespace leakdesk::sandbox {

inline constexpr std::string_view kKubeProtobufContentType = "application/vnd.kubernetes.protobuf";

struct KubeProtobufObject {
    std::string apiVersion;
    std::string kind;
    std::string raw; // the encoded object, without envelope
};

// Splits the "k8s\0" + runtime.Unknown envelope.
Result<KubeProtobufObject> decodeKubeProtobufEnvelope(std::string_view body);

// A SelfSubjectAccessReview (authorization.k8s.io/v1) as its JSON form:
// {"apiVersion","kind","spec":{"resourceAttributes":{...}} or {"nonResourceAttributes":{...}}}.
Result<nlohmann::json> decodeSelfSubjectAccessReview(std::string_view body);

} // namespace leakdesk::sandbox
