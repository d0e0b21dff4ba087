#pragma once
// Reading YAML that the user hands over (scenario files, the LeakDesk config, kubeconfigs) safely.
//
// yaml-cpp 0.7 builds the trees the readers walk, but its parser is not safe on malformed input:
// LoadAll loops forever, allocating, when a document consumes no token (a lone ",", or a tagged
// scalar whose next line starts with "," or "?": `!x ap\n,p`), and its scanner has been seen to spin
// on unclosed flow collections. libyaml, a strict event parser without recursion, is the gate:
//  1. libyaml parses the whole text, bounding the nesting depth, the number of events and what
//     aliases expand to; a syntax error is reported with its line;
//  2. each document libyaml found is handed to yaml-cpp on its own (YAML::Load reads exactly one
//     document, so LoadAll's loop never runs);
//  3. the tree yaml-cpp built must hold exactly the scalars, nulls and collections libyaml read, in
//     the same order. Where the two parsers read the same text differently (yaml-cpp stops the
//     scalar `ap ,p` at `ap`), the file is refused with the line: what LeakDesk acts on must not
//     depend on which parser is right.

#include "core/common/Result.h"

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk {

struct YamlShapeLimits {
    int maxDepth = 64; // nested mappings and sequences
    std::size_t maxEvents = 400000; // libyaml events in the whole text, aliases expanded
    std::size_t maxDocuments = 10000;
};

// Ok when `text` is a YAML stream libyaml accepts within the limits; otherwise an Error whose
// message starts with "FILE:LINE: " (Parse for syntax, LimitExceeded for the limits).
Status checkYamlSyntax(std::string_view text, const std::string& fileName, const YamlShapeLimits& limits);

struct YamlDocument {
    YAML::Node root; // a Null node for an empty document
    // yaml-cpp read the document on its own: a node's line in the file is root.Mark().line + lineOffset
    // (0-based, as yaml-cpp's marks).
    int lineOffset = 0;
};

// Every document of `text`, after the three steps above. An empty text is no document. Errors:
// "FILE:LINE: ..." (Parse; LimitExceeded for the limits and for more than `maxDocuments`).
Result<std::vector<YamlDocument>> loadYamlDocuments(
    std::string_view text, const std::string& fileName, const YamlShapeLimits& limits);

} // namespace leakdesk
