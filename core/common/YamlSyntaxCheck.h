#pragma once
// A first pass over a YAML file (scenario, LeakDesk config) with libyaml before yaml-cpp builds its tree. yaml-cpp 0.7
// loops forever on some malformed input (a lone "," at the top of a document, a ","
// after a block sequence); libyaml, a strict event parser without recursion, refuses those with
// a line number. The pass also bounds the nesting depth and the number of events, so yaml-cpp's
// recursive parser only ever sees input of a bounded shape.

#include "core/common/Result.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace leakdesk {

struct YamlShapeLimits {
    int maxDepth = 64; // nested mappings and sequences
    std::size_t maxEvents = 400000;
};

// Ok when `text` is a YAML stream libyaml accepts within the limits; otherwise an Error whose
// message starts with "FILE:LINE: " (Parse for syntax, LimitExceeded for the limits).
Status checkYamlSyntax(std::string_view text, const std::string& fileName, const YamlShapeLimits& limits);

} // namespace leakdesk
