#include "core/common/YamlSyntaxCheck.h"

#include <yaml.h>

namespace leakdesk {

namespace {

std::string at(const std::string& file, const yaml_mark_t& mark)
{
    return file + ":" + std::to_string(mark.line + 1) + ": ";
}

} // namespace

Status checkYamlSyntax(std::string_view text, const std::string& fileName, const YamlShapeLimits& limits)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return makeError(ErrorCode::Unknown, fileName + ": cannot start the YAML parser");
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    Status result = Ok {};
    int depth = 0;
    std::size_t events = 0;
    for (bool done = false; !done;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            const std::string problem = parser.problem ? parser.problem : "not valid YAML";
            const std::string context = parser.context ? std::string(parser.context) + ": " : std::string();
            result = makeError(
                ErrorCode::Parse, at(fileName, parser.problem_mark) + "not valid YAML: " + context + problem);
            break;
        }
        const yaml_mark_t mark = event.start_mark;
        switch (event.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            ++depth;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            --depth;
            break;
        default:
            break;
        }
        yaml_event_delete(&event);
        if (depth > limits.maxDepth) {
            result = makeError(ErrorCode::LimitExceeded,
                at(fileName, mark) + "nested deeper than " + std::to_string(limits.maxDepth) + " levels");
            break;
        }
        if (++events > limits.maxEvents) {
            result = makeError(ErrorCode::LimitExceeded,
                at(fileName, mark) + "more than " + std::to_string(limits.maxEvents) + " YAML events in one file",
                "split the scenario into several files");
            break;
        }
    }
    yaml_parser_delete(&parser);
    return result;
}

} // namespace leakdesk
