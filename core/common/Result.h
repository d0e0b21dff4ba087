#pragma once
// Result<T>: a value or an Error that says what failed, why, and what to do next.
// A small stand-in for std::expected (C++23) usable from both plain-C++ and Qt code.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace leakdesk {

enum class ErrorCode {
    Unknown,
    InvalidArgument,
    NotFound,
    Io,
    Parse,
    Truncated,
    Network,
    Timeout,
    Cancelled,
    Unauthorized, // 401
    Forbidden, // 403
    Conflict, // 409
    Invalid, // 422
    Server, // 5xx
    Unsupported,
    Config,
    NotEnoughData,
    LimitExceeded, // an input is larger (or inflates further) than LeakDesk accepts; `detail` says how to allow it
    Expired, // 410 Gone: a list's continue token or a watch's resourceVersion is too old
};

const char* errorCodeName(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::Unknown;
    std::string message; // what failed and why, one sentence for the user
    std::string detail; // what to do next, or technical context (never secrets)

    std::string toString() const
    {
        return detail.empty() ? message : message + " (" + detail + ")";
    }
};

template<class T>
class [[nodiscard]] Result {
public:
    Result(T value)
        : m_v(std::in_place_index<0>, std::move(value))
    {
    }
    Result(Error error)
        : m_v(std::in_place_index<1>, std::move(error))
    {
    }

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() &
    {
        assert(ok());
        return std::get<0>(m_v);
    }
    const T& value() const&
    {
        assert(ok());
        return std::get<0>(m_v);
    }
    T&& value() &&
    {
        assert(ok());
        return std::get<0>(std::move(m_v));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const Error& error() const
    {
        assert(!ok());
        return std::get<1>(m_v);
    }

private:
    std::variant<T, Error> m_v;
};

// Result<void>
struct Ok { };
using Status = Result<Ok>;

inline Error makeError(ErrorCode code, std::string message, std::string detail = {})
{
    return Error { code, std::move(message), std::move(detail) };
}

} // namespace leakdesk
