// Protobuf request bodies reach the sandbox from any local client: decoding must end in a value
// or an Error, never a crash or an endless loop.
#include "core/sandbox/kubeapi/KubeProtobuf.h"

#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    (void)leakdesk::sandbox::decodeKubeProtobufEnvelope(body);
    (void)leakdesk::sandbox::decodeSelfSubjectAccessReview(body);
    return 0;
}
