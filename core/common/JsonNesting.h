#pragma once
// How deep a JSON text nests, read before it is parsed. nlohmann's parser is iterative, but
// copying or printing a parsed value recurses once per level: a text of 200,000 '[' parses and
// then overflows the stack wherever the value is copied. Every reader of JSON from a file or the
// network checks the text first.

#include <cstddef>
#include <optional>
#include <string_view>

namespace leakdesk {

// Deeper than any document LeakDesk reads or writes (an incident nests about a dozen levels, a
// Kubernetes object a few dozen), far below what the stack holds.
inline constexpr int kMaxJsonDepth = 256;

// The byte offset of the first '[' or '{' that opens level maxDepth + 1, outside strings;
// nothing when the text stays within maxDepth. Linear, no allocation; not a validator.
std::optional<std::size_t> jsonNestingBeyond(std::string_view text, int maxDepth = kMaxJsonDepth);

} // namespace leakdesk
