#include "core/sandbox/model/SeriesSelector.h"

#include <cctype>

namespace leakdesk::sandbox {

namespace {

bool isNameStart(char c)
{
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool isNameChar(char c)
{
    return isNameStart(c) || std::isdigit(static_cast<unsigned char>(c));
}

class Cursor {
public:
    explicit Cursor(std::string_view s)
        : m_s(s)
    { }
    void skipSpace()
    {
        while (m_pos < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_pos])))
            ++m_pos;
    }
    bool atEnd()
    {
        skipSpace();
        return m_pos >= m_s.size();
    }
    char peek()
    {
        skipSpace();
        return m_pos < m_s.size() ? m_s[m_pos] : '\0';
    }
    bool consume(std::string_view token)
    {
        skipSpace();
        if (m_s.substr(m_pos, token.size()) == token) {
            m_pos += token.size();
            return true;
        }
        return false;
    }
    std::string name()
    {
        skipSpace();
        const std::size_t start = m_pos;
        if (m_pos < m_s.size() && isNameStart(m_s[m_pos])) {
            ++m_pos;
            while (m_pos < m_s.size() && isNameChar(m_s[m_pos]))
                ++m_pos;
        }
        return std::string(m_s.substr(start, m_pos - start));
    }
    // A PromQL string literal in double, single or back quotes.
    Result<std::string> stringLiteral()
    {
        skipSpace();
        if (m_pos >= m_s.size())
            return makeError(ErrorCode::Parse, "unexpected end of selector, expected a quoted label value");
        const char quote = m_s[m_pos];
        if (quote != '"' && quote != '\'' && quote != '`')
            return makeError(ErrorCode::Parse, "expected a quoted label value at position " + std::to_string(m_pos));
        ++m_pos;
        std::string out;
        while (m_pos < m_s.size() && m_s[m_pos] != quote) {
            char c = m_s[m_pos++];
            if (c == '\\' && quote != '`' && m_pos < m_s.size()) {
                const char e = m_s[m_pos++];
                switch (e) {
                case 'n':
                    c = '\n';
                    break;
                case 't':
                    c = '\t';
                    break;
                default:
                    c = e;
                }
            }
            out.push_back(c);
        }
        if (m_pos >= m_s.size())
            return makeError(ErrorCode::Parse, "unterminated quoted string in selector");
        ++m_pos;
        return out;
    }
    std::size_t pos() const { return m_pos; }

private:
    std::string_view m_s;
    std::size_t m_pos = 0;
};

} // namespace

Result<LabelMatcher> LabelMatcher::make(std::string name, Op op, std::string value)
{
    LabelMatcher m;
    m.name = std::move(name);
    m.op = op;
    m.value = std::move(value);
    if (op == Op::Regex || op == Op::NotRegex) {
        try {
            m.re = std::make_shared<const std::regex>(m.value, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
            return makeError(ErrorCode::Parse, "invalid regular expression \"" + m.value + "\"", e.what());
        }
    }
    return m;
}

bool LabelMatcher::matches(const std::string& labelValue) const
{
    switch (op) {
    case Op::Equal:
        return labelValue == value;
    case Op::NotEqual:
        return labelValue != value;
    case Op::Regex:
        return std::regex_match(labelValue, *re);
    case Op::NotRegex:
        return !std::regex_match(labelValue, *re);
    }
    return false;
}

SeriesSelector SeriesSelector::fromMatchers(std::vector<LabelMatcher> matchers)
{
    SeriesSelector s;
    s.m_matchers = std::move(matchers);
    return s;
}

Result<SeriesSelector> SeriesSelector::parse(std::string_view text)
{
    Cursor c(text);
    SeriesSelector sel;
    const std::string metric = c.name();
    if (!metric.empty())
        sel.m_matchers.push_back(*LabelMatcher::make("__name__", LabelMatcher::Op::Equal, metric));
    if (c.consume("{")) {
        while (!c.consume("}")) {
            const std::string label = c.name();
            if (label.empty())
                return makeError(ErrorCode::Parse,
                    "expected a label name at position " + std::to_string(c.pos()) + " of selector",
                    "the sandbox accepts series selectors like metric{label=\"value\"}");
            LabelMatcher::Op op;
            if (c.consume("=~"))
                op = LabelMatcher::Op::Regex;
            else if (c.consume("!~"))
                op = LabelMatcher::Op::NotRegex;
            else if (c.consume("!="))
                op = LabelMatcher::Op::NotEqual;
            else if (c.consume("="))
                op = LabelMatcher::Op::Equal;
            else
                return makeError(ErrorCode::Parse, "expected =, !=, =~ or !~ after label \"" + label + "\"");
            auto value = c.stringLiteral();
            if (!value)
                return value.error();
            auto m = LabelMatcher::make(label, op, std::move(*value));
            if (!m)
                return m.error();
            sel.m_matchers.push_back(std::move(*m));
            if (!c.consume(",") && c.peek() != '}')
                return makeError(ErrorCode::Parse, "expected , or } at position " + std::to_string(c.pos()));
        }
    }
    if (!c.atEnd())
        return makeError(ErrorCode::Parse, "unexpected text after the selector at position " + std::to_string(c.pos()),
            "the sandbox answers series selectors only, not general PromQL");
    if (sel.m_matchers.empty())
        return makeError(ErrorCode::Parse, "empty series selector");
    bool anyNonEmpty = false;
    for (const auto& m : sel.m_matchers)
        anyNonEmpty = anyNonEmpty || !m.matches("");
    if (!anyNonEmpty)
        return makeError(ErrorCode::Parse, "vector selector must contain at least one non-empty matcher");
    return sel;
}

bool SeriesSelector::matches(const std::string& metric, const Labels& labels) const
{
    for (const auto& m : m_matchers) {
        if (m.name == "__name__") {
            if (!m.matches(metric))
                return false;
            continue;
        }
        auto it = labels.find(m.name);
        if (!m.matches(it == labels.end() ? std::string() : it->second))
            return false;
    }
    return true;
}

} // namespace leakdesk::sandbox
