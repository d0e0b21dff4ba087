#include "core/common/Result.h"

namespace leakdesk {

const char* errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::Unknown: return "unknown";
    case ErrorCode::InvalidArgument: return "invalid-argument";
    case ErrorCode::NotFound: return "not-found";
    case ErrorCode::Io: return "io";
    case ErrorCode::Parse: return "parse";
    case ErrorCode::Truncated: return "truncated";
    case ErrorCode::Network: return "network";
    case ErrorCode::Timeout: return "timeout";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Unauthorized: return "unauthorized";
    case ErrorCode::Forbidden: return "forbidden";
    case ErrorCode::Conflict: return "conflict";
    case ErrorCode::Invalid: return "invalid";
    case ErrorCode::Server: return "server";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Config: return "config";
    case ErrorCode::NotEnoughData: return "not-enough-data";
    case ErrorCode::LimitExceeded: return "limit-exceeded";
    case ErrorCode::Expired: return "expired";
    }
    return "unknown";
}

} // namespace leakdesk
