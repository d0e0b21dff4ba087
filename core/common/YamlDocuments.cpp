#include "core/common/YamlDocuments.h"

#include <yaml.h>

#include <map>

namespace leakdesk {

namespace {

std::string at(const std::string& file, std::size_t line0)
{
    return file + ":" + std::to_string(line0 + 1) + ": ";
}

// What a document holds, in document order, as both parsers must agree on it: a scalar's text, a
// null, the start and end of a sequence or mapping (a mapping's keys and values alternate).
struct Token {
    enum Kind : char { Scalar = 'S', Null = 'N', SeqStart = '[', SeqEnd = ']', MapStart = '{', MapEnd = '}' };
    Kind kind = Null;
    std::string text;
    std::size_t line = 0; // 0-based, in the file
    bool operator==(const Token& o) const { return kind == o.kind && text == o.text; }
};

// yaml-cpp's null: an empty plain scalar (whatever its tag: yaml-cpp drops the tag of an empty node),
// or an untagged plain ~, null, Null, NULL.
bool isYamlCppNull(const yaml_event_t& event)
{
    if (event.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const std::string_view value(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length);
    if (value.empty())
        return true;
    return event.data.scalar.tag == nullptr && (value == "~" || value == "null" || value == "Null" || value == "NULL");
}

struct LibyamlDocument {
    std::size_t startIndex = 0; // byte offset of the document's first token (directives, "---")
    std::size_t startLine = 0;
    std::size_t endIndex = 0; // byte offset after its last token
    std::vector<Token> tokens;
};

struct OpenCollection {
    std::string anchor; // empty: none
    std::size_t firstToken = 0;
};

// The libyaml pass: syntax, limits, and each document's tokens (aliases expanded) into `documents`
// unless it is null (syntax check only).
Status walkLibyaml(std::string_view text, const std::string& fileName, const YamlShapeLimits& limits,
    std::vector<LibyamlDocument>* documents)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return makeError(ErrorCode::Unknown, fileName + ": cannot start the YAML parser");
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    Status result = Ok {};
    std::size_t events = 0;
    std::size_t documentCount = 0;
    std::vector<OpenCollection> open;
    std::map<std::string, std::pair<std::size_t, std::size_t>> anchors; // name -> token range, per document
    LibyamlDocument current;
    auto anchorOf = [](const yaml_char_t* anchor) {
        return anchor ? std::string(reinterpret_cast<const char*>(anchor)) : std::string();
    };
    // Tokens are kept for the syntax check too: what an alias expands to is counted from them.
    auto push = [&](Token::Kind kind, std::string text, std::size_t line) {
        current.tokens.push_back(Token { kind, std::move(text), line });
    };
    for (bool done = false; !done && result;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            const std::string problem = parser.problem ? parser.problem : "not valid YAML";
            const std::string context = parser.context ? std::string(parser.context) + ": " : std::string();
            result = makeError(
                ErrorCode::Parse, at(fileName, parser.problem_mark.line) + "not valid YAML: " + context + problem);
            break;
        }
        const std::size_t line = event.start_mark.line;
        std::size_t added = 1;
        switch (event.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documentCount > limits.maxDocuments) {
                result = makeError(ErrorCode::LimitExceeded,
                    at(fileName, line) + "more than " + std::to_string(limits.maxDocuments) + " documents in one file",
                    "split it into several files");
                break;
            }
            current = LibyamlDocument { event.start_mark.index, line, 0, {} };
            anchors.clear();
            break;
        case YAML_DOCUMENT_END_EVENT:
            current.endIndex = event.end_mark.index;
            if (documents)
                documents->push_back(std::move(current));
            current = {};
            break;
        case YAML_SCALAR_EVENT: {
            const std::size_t index = current.tokens.size();
            if (isYamlCppNull(event))
                push(Token::Null, {}, line);
            else
                push(Token::Scalar,
                    std::string(reinterpret_cast<const char*>(event.data.scalar.value), event.data.scalar.length),
                    line);
            if (const std::string anchor = anchorOf(event.data.scalar.anchor); !anchor.empty())
                anchors[anchor] = { index, index + 1 };
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            const bool sequence = event.type == YAML_SEQUENCE_START_EVENT;
            open.push_back(OpenCollection {
                anchorOf(sequence ? event.data.sequence_start.anchor : event.data.mapping_start.anchor),
                current.tokens.size() });
            push(sequence ? Token::SeqStart : Token::MapStart, {}, line);
            if (open.size() > static_cast<std::size_t>(limits.maxDepth))
                result = makeError(ErrorCode::LimitExceeded,
                    at(fileName, line) + "nested deeper than " + std::to_string(limits.maxDepth) + " levels");
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            push(event.type == YAML_SEQUENCE_END_EVENT ? Token::SeqEnd : Token::MapEnd, {}, line);
            if (!open.empty()) {
                if (!open.back().anchor.empty())
                    anchors[open.back().anchor] = { open.back().firstToken, current.tokens.size() };
                open.pop_back();
            }
            break;
        case YAML_ALIAS_EVENT: {
            const std::string name = anchorOf(event.data.alias.anchor);
            const auto found = anchors.find(name);
            if (found == anchors.end()) {
                // libyaml's parser leaves this to the loader; yaml-cpp would build a cycle for an
                // alias inside its own anchor.
                result = makeError(ErrorCode::Parse,
                    at(fileName, line) + "alias *" + name.substr(0, 60) + " refers to no anchor before it");
                break;
            }
            const auto [from, to] = found->second;
            added = to - from;
            if (events + added <= limits.maxEvents)
                for (std::size_t i = from; i < to; ++i) {
                    Token copy = current.tokens[i];
                    copy.line = line;
                    current.tokens.push_back(std::move(copy));
                }
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&event);
        events += added;
        if (result && events > limits.maxEvents)
            result = makeError(ErrorCode::LimitExceeded,
                at(fileName, line) + "more than " + std::to_string(limits.maxEvents)
                    + " YAML nodes in one file (aliases counted each time they are used)",
                "split it into several files");
    }
    yaml_parser_delete(&parser);
    return result;
}

// yaml-cpp's tree as tokens. Stops (returns false) beyond `maxDepth` or `maxTokens`: then the two
// parsers disagree anyway, or aliases are expanded past the limit.
bool walkYamlCpp(const YAML::Node& node, int depth, int maxDepth, std::size_t maxTokens, std::vector<Token>& out)
{
    if (depth > maxDepth || out.size() >= maxTokens)
        return false;
    switch (node.Type()) {
    case YAML::NodeType::Scalar:
        out.push_back(Token { Token::Scalar, node.Scalar(), 0 });
        return true;
    case YAML::NodeType::Sequence:
        out.push_back(Token { Token::SeqStart, {}, 0 });
        for (const YAML::Node& item : node)
            if (!walkYamlCpp(item, depth + 1, maxDepth, maxTokens, out))
                return false;
        out.push_back(Token { Token::SeqEnd, {}, 0 });
        return true;
    case YAML::NodeType::Map:
        out.push_back(Token { Token::MapStart, {}, 0 });
        for (const auto& entry : node)
            if (!walkYamlCpp(entry.first, depth + 1, maxDepth, maxTokens, out)
                || !walkYamlCpp(entry.second, depth + 1, maxDepth, maxTokens, out))
                return false;
        out.push_back(Token { Token::MapEnd, {}, 0 });
        return true;
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        out.push_back(Token { Token::Null, {}, 0 });
        return true;
    }
    return false;
}

std::size_t lineStart(std::string_view text, std::size_t index)
{
    while (index > 0 && text[index - 1] != '\n')
        --index;
    return index;
}

} // namespace

Status checkYamlSyntax(std::string_view text, const std::string& fileName, const YamlShapeLimits& limits)
{
    return walkLibyaml(text, fileName, limits, nullptr);
}

Result<std::vector<YamlDocument>> loadYamlDocuments(
    std::string_view text, const std::string& fileName, const YamlShapeLimits& limits)
{
    std::vector<LibyamlDocument> read;
    if (auto syntax = walkLibyaml(text, fileName, limits, &read); !syntax)
        return syntax.error();
    std::vector<YamlDocument> out;
    out.reserve(read.size());
    std::size_t previousEnd = 0;
    for (std::size_t i = 0; i < read.size(); ++i) {
        const LibyamlDocument& doc = read[i];
        // The first document's slice starts at the text's start (comments, a BOM); a later one at
        // the start of its first line, so that yaml-cpp's columns and indentation are the file's.
        const std::size_t from = i == 0 ? 0 : std::max(previousEnd, lineStart(text, doc.startIndex));
        const std::size_t to = i + 1 < read.size() ? lineStart(text, read[i + 1].startIndex) : text.size();
        previousEnd = doc.endIndex;
        const std::size_t lineOffset = i == 0 ? 0 : doc.startLine;
        YamlDocument document;
        document.lineOffset = static_cast<int>(lineOffset);
        try {
            document.root = YAML::Load(std::string(text.substr(from, to > from ? to - from : 0)));
        } catch (const YAML::Exception& e) {
            return makeError(ErrorCode::Parse,
                at(fileName, (e.mark.line >= 0 ? static_cast<std::size_t>(e.mark.line) : 0) + lineOffset)
                    + "not valid YAML: " + e.msg);
        }
        std::vector<Token> built;
        const bool complete = walkYamlCpp(document.root, 0, limits.maxDepth + 1, doc.tokens.size() + 1, built);
        const bool emptyDocument = doc.tokens.size() == 1 && doc.tokens[0].kind == Token::Null;
        if (!(complete && built == doc.tokens) && !(emptyDocument && !document.root)) {
            std::size_t differ = 0;
            while (differ < built.size() && differ < doc.tokens.size() && built[differ] == doc.tokens[differ])
                ++differ;
            const std::size_t line
                = doc.tokens.empty() ? doc.startLine : doc.tokens[std::min(differ, doc.tokens.size() - 1)].line;
            return makeError(ErrorCode::Parse,
                at(fileName, line)
                    + "YAML parsers read this document differently; LeakDesk does not guess which is right",
                "quote the value on that line, or remove what is not plain YAML there");
        }
        out.push_back(std::move(document));
    }
    return out;
}

} // namespace leakdesk
