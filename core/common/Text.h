#pragma once
// Small ASCII text helpers shared by the parsers (runbook, selectors).

#include <string>
#include <string_view>

namespace leakdesk {

// Without leading and trailing ASCII whitespace.
std::string trimmed(std::string_view s);
// ASCII lower case (UTF-8 bytes above 0x7f are kept).
std::string lowered(std::string s);

} // namespace leakdesk
