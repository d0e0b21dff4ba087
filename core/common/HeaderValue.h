#pragma once
// Values from configuration (kubeconfig tokens, token files, a credential plugin's answer,
// Prometheus credentials) end up in HTTP request headers. A CR or LF in one would end the header
// and start another (header injection); NUL and the other control characters are refused by
// servers or cut the value short. Such a value is a broken setting, never something to send.

#include "core/common/Result.h"

#include <optional>
#include <string>
#include <string_view>

namespace leakdesk {

// What is wrong with `value` as (part of) a header value: "contains a line break (LF) at byte 12",
// "contains a control character (0x07) at byte 3"; nothing when every byte is allowed. C0 controls
// (tab included: no credential holds one), and DEL are refused; bytes >= 0x80 pass (UTF-8).
std::optional<std::string> headerValueProblem(std::string_view value);

// Config error naming the setting when `value` cannot go into a header, e.g.
// checkHeaderValue(token, "users[0].user.token in kubeconfig /home/me/.kube/config",
//                  "fix the token in that kubeconfig").
// The value itself never appears in the message (it is a secret).
std::optional<Error> checkHeaderValue(std::string_view value, const std::string& setting, const std::string& fix);

// A credential read from a file, as kubectl (client-go) reads token files: surrounding whitespace,
// the trailing newline an editor or `echo` adds in particular, is not part of it. Line breaks inside
// remain and are refused by checkHeaderValue.
std::string_view trimCredentialFromFile(std::string_view text);

} // namespace leakdesk
