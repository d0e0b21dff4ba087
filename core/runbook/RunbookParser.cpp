#include "core/runbook/RunbookParser.h"

#include "core/common/Text.h"

#include "core/common/Quantity.h"
#include "core/runbook/CommandLine.h"
#include "core/runbook/Thresholds.h"

#include <cmark.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>

namespace leakdesk::runbook {

namespace {

std::string trim(std::string_view s) { return trimmed(s); }

std::string lower(std::string s) { return lowered(std::move(s)); }

std::string excerpt(const std::string& s, std::size_t max = 60)
{
    std::string one = trim(s);
    std::replace(one.begin(), one.end(), '\n', ' ');
    return one.size() <= max ? one : one.substr(0, max) + "...";
}

std::string literalOf(cmark_node* n)
{
    const char* l = cmark_node_get_literal(n);
    return l ? std::string(l) : std::string();
}

// Inline content as plain text. Inline HTML is kept verbatim: "<service-name>" in prose is parsed
// by CommonMark as an HTML tag, and it is exactly the placeholder we want to keep.
void appendInlineText(cmark_node* parent, std::string& out)
{
    for (cmark_node* c = cmark_node_first_child(parent); c; c = cmark_node_next(c)) {
        switch (cmark_node_get_type(c)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_HTML_INLINE:
            out += literalOf(c);
            break;
        case CMARK_NODE_CODE:
            out += "`" + literalOf(c) + "`";
            break;
        case CMARK_NODE_SOFTBREAK:
            out += " ";
            break;
        case CMARK_NODE_LINEBREAK:
            out += "\n";
            break;
        case CMARK_NODE_LINK: {
            std::string text;
            appendInlineText(c, text);
            out += text;
            const char* url = cmark_node_get_url(c);
            if (url && *url && text != url)
                out += std::string(" (") + url + ")";
            break;
        }
        default:
            appendInlineText(c, out);
            break;
        }
    }
}

std::string inlineText(cmark_node* n)
{
    std::string s;
    appendInlineText(n, s);
    return trim(s);
}

// "1. Title", "1) Title", "Step 1: Title", "Step 2 - Title" -> (number, title).
std::optional<std::pair<int, std::string>> parseStepHeading(const std::string& heading)
{
    const std::string t = trim(heading);
    const std::string l = lower(t);
    std::size_t i = 0;
    bool stepWord = false;
    if (l.rfind("step", 0) == 0) {
        stepWord = true;
        i = 4;
        while (i < t.size() && (t[i] == ' ' || t[i] == '#'))
            ++i;
    }
    const std::size_t digitsStart = i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) && i - digitsStart < 4)
        ++i;
    if (i == digitsStart || (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))))
        return std::nullopt;
    const int number = std::stoi(t.substr(digitsStart, i - digitsStart));
    bool separated = false;
    if (i < t.size() && (t[i] == '.' || t[i] == ')' || t[i] == ':' || t[i] == '-')) {
        ++i;
        separated = true;
    }
    if (i < t.size() && t[i] != ' ')
        return std::nullopt; // "1.5 GiB", "2024-01" are not step numbers
    std::string rest = trim(std::string_view(t).substr(i));
    if (!separated && !stepWord)
        return std::nullopt;
    if (!rest.empty() && (rest[0] == '-' || rest[0] == ':' || rest[0] == '.'))
        rest = trim(std::string_view(rest).substr(1));
    return std::make_pair(number, rest);
}

enum class SectionKind { Preamble, Symptoms, Steps, Escalation, Other };

SectionKind classifySection(const std::string& heading)
{
    const std::string l = lower(heading);
    auto has = [&](const char* w) { return l.find(w) != std::string::npos; };
    if (has("symptom") || has("signs") || has("indicator"))
        return SectionKind::Symptoms;
    if (has("escalat"))
        return SectionKind::Escalation;
    if (has("step") || has("investigat") || has("procedure") || has("diagnos") || has("triage") || has("remediat")
        || has("resolution") || has("response") || has("actions") || has("checklist"))
        return SectionKind::Steps;
    return SectionKind::Other;
}

class RunbookBuilder {
public:
    RunbookBuilder(std::string_view markdown, std::string sourceName)
        : m_source(markdown)
    {
        m_rb.sourceName = std::move(sourceName);
        std::size_t start = 0;
        while (start <= markdown.size()) {
            const auto nl = markdown.find('\n', start);
            m_lines.emplace_back(markdown.substr(start, (nl == std::string_view::npos ? markdown.size() : nl) - start));
            if (nl == std::string_view::npos)
                break;
            start = nl + 1;
        }
    }

    Result<Runbook> build(cmark_node* document);

private:
    void warn(std::string message, cmark_node* n) { m_rb.warnings.push_back({ std::move(message), lineOf(n) }); }
    static int lineOf(cmark_node* n) { return n ? cmark_node_get_start_line(n) : 0; }

    void onHeading(cmark_node* n);
    void onParagraph(cmark_node* n);
    void onList(cmark_node* n);
    void onCodeBlock(cmark_node* n);
    void onBlockQuote(cmark_node* n);
    void onHtmlBlock(cmark_node* n);

    Step& currentStepOrImplicit(cmark_node* n, const char* what);
    void addProse(const std::string& text, cmark_node* n);
    void addStepProse(Step& step, const std::string& text, int line);
    void collectChecklist(cmark_node* list, int depth, Step& step);
    std::vector<std::pair<std::string, int>> listItemTexts(cmark_node* list, int depth);
    std::string blockText(cmark_node* n);
    bool tryMetadata(cmark_node* paragraph);
    void scanThresholds(const std::string& text, const ThresholdContext& ctx);
    ThresholdContext contextHere(int line) const;
    void finish();

    std::string_view m_source;
    std::vector<std::string_view> m_lines;
    Runbook m_rb;
    SectionKind m_section = SectionKind::Preamble;
    int m_sectionLevel = 1;
    std::string m_sectionHeading;
    int m_stepLevel = 0; // heading level of steps, 0 until the first step
    int m_step = -1; // index of the step being filled
    Section* m_other = nullptr; // the "other" section being filled
    bool m_sawTitle = false;
};

ThresholdContext RunbookBuilder::contextHere(int line) const
{
    ThresholdContext ctx;
    ctx.line = line;
    ctx.stepIndex = m_step;
    if (m_step >= 0) {
        const Step& s = m_rb.steps[static_cast<std::size_t>(m_step)];
        ctx.where = s.number > 0 ? "Step " + std::to_string(s.number) : "Step '" + s.title + "'";
    } else if (m_section == SectionKind::Escalation) {
        ctx.where = "Escalation";
        ctx.escalationSection = true;
    } else if (m_section == SectionKind::Symptoms) {
        ctx.where = "Symptoms";
    } else if (m_section == SectionKind::Preamble) {
        ctx.where = "Introduction";
    } else {
        ctx.where = m_sectionHeading;
    }
    return ctx;
}

void RunbookBuilder::scanThresholds(const std::string& text, const ThresholdContext& ctx)
{
    for (const std::string& sentence : splitSentences(text)) {
        for (Threshold& t : findThresholds(sentence, ctx))
            m_rb.thresholds.push_back(std::move(t));
    }
}

void RunbookBuilder::onHeading(cmark_node* n)
{
    const int level = cmark_node_get_heading_level(n);
    const std::string text = inlineText(n);
    if (level == 1 && !m_sawTitle) {
        m_sawTitle = true;
        m_rb.title = text;
        m_section = SectionKind::Preamble;
        m_step = -1;
        m_other = nullptr;
        return;
    }
    const auto numbered = parseStepHeading(text);
    const bool inSteps = m_section == SectionKind::Steps;
    const int expectedStepLevel = m_stepLevel > 0 ? m_stepLevel : (inSteps ? m_sectionLevel + 1 : 0);
    if (numbered && level >= 2 && (m_stepLevel == 0 || level <= m_stepLevel || !inSteps)) {
        Step s;
        s.number = numbered->first;
        s.title = numbered->second.empty() ? "Step " + std::to_string(numbered->first) : numbered->second;
        s.line = lineOf(n);
        s.index = static_cast<int>(m_rb.steps.size());
        m_rb.steps.push_back(std::move(s));
        m_step = static_cast<int>(m_rb.steps.size()) - 1;
        m_stepLevel = level;
        if (!inSteps) {
            m_section = SectionKind::Steps;
            m_sectionLevel = level - 1;
        }
        m_other = nullptr;
        return;
    }
    if (inSteps && level == expectedStepLevel && classifySection(text) != SectionKind::Escalation
        && classifySection(text) != SectionKind::Symptoms) {
        Step s;
        s.title = text;
        s.line = lineOf(n);
        s.index = static_cast<int>(m_rb.steps.size());
        m_rb.steps.push_back(std::move(s));
        m_step = static_cast<int>(m_rb.steps.size()) - 1;
        m_stepLevel = level;
        warn("step heading '" + excerpt(text) + "' has no number; kept as step " + std::to_string(m_step + 1)
                + " in document order",
            n);
        return;
    }
    if (inSteps && m_step >= 0 && level > m_stepLevel) {
        // A sub-heading inside a step ("#### Notes"): part of the step's text.
        addStepProse(m_rb.steps[static_cast<std::size_t>(m_step)], text + ":", lineOf(n));
        return;
    }
    if (level == 1)
        warn("more than one top-level heading: '" + excerpt(text) + "' is read as a section, the title stays '"
                + excerpt(m_rb.title) + "'",
            n);
    m_section = classifySection(text);
    m_sectionLevel = level;
    m_sectionHeading = text;
    m_step = -1;
    m_other = nullptr;
    if (m_section == SectionKind::Steps)
        m_stepLevel = 0;
    if (m_section == SectionKind::Other) {
        m_rb.otherSections.push_back(Section { text, {}, lineOf(n) });
        m_other = &m_rb.otherSections.back();
        warn("section '" + excerpt(text)
                + "' is not a runbook section LeakDesk knows (Symptoms, steps, Escalation); "
                  "its text is kept as notes",
            n);
    }
}

Step& RunbookBuilder::currentStepOrImplicit(cmark_node* n, const char* what)
{
    if (m_step >= 0)
        return m_rb.steps[static_cast<std::size_t>(m_step)];
    Step s;
    s.title = m_sectionHeading.empty() ? (m_rb.title.empty() ? std::string("Commands") : m_rb.title) : m_sectionHeading;
    s.line = lineOf(n);
    s.index = static_cast<int>(m_rb.steps.size());
    warn(std::string(what) + " outside any numbered step; kept as unnumbered step '" + excerpt(s.title) + "'", n);
    m_rb.steps.push_back(std::move(s));
    // The step lives until the next heading; the section itself stays what it was.
    m_step = static_cast<int>(m_rb.steps.size()) - 1;
    return m_rb.steps.back();
}

void RunbookBuilder::addStepProse(Step& step, const std::string& text, int line)
{
    if (text.empty())
        return;
    step.prose += step.prose.empty() ? text : "\n\n" + text;
    scanThresholds(text, contextHere(line));
}

void RunbookBuilder::addProse(const std::string& text, cmark_node* n)
{
    if (text.empty())
        return;
    switch (m_section) {
    case SectionKind::Preamble:
        m_rb.introduction += m_rb.introduction.empty() ? text : "\n\n" + text;
        scanThresholds(text, contextHere(lineOf(n)));
        break;
    case SectionKind::Symptoms:
        m_rb.symptoms.push_back(text);
        scanThresholds(text, contextHere(lineOf(n)));
        break;
    case SectionKind::Escalation:
        for (const std::string& s : splitSentences(text))
            m_rb.escalation.push_back(s);
        scanThresholds(text, contextHere(lineOf(n)));
        break;
    case SectionKind::Steps:
        if (m_step >= 0) {
            addStepProse(m_rb.steps[static_cast<std::size_t>(m_step)], text, lineOf(n));
        } else {
            // Text between "## Investigation Steps" and the first step introduces the steps.
            m_rb.introduction += m_rb.introduction.empty() ? text : "\n\n" + text;
            scanThresholds(text, contextHere(lineOf(n)));
        }
        break;
    case SectionKind::Other:
        if (m_other) {
            m_other->text += m_other->text.empty() ? text : "\n\n" + text;
            scanThresholds(text, contextHere(lineOf(n)));
        }
        break;
    }
}

bool RunbookBuilder::tryMetadata(cmark_node* paragraph)
{
    // Split the paragraph's inlines into lines; a line "**Key:** value" (or "**Key**: value") is metadata.
    std::vector<std::vector<cmark_node*>> lines(1);
    for (cmark_node* c = cmark_node_first_child(paragraph); c; c = cmark_node_next(c)) {
        const auto t = cmark_node_get_type(c);
        if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK)
            lines.emplace_back();
        else
            lines.back().push_back(c);
    }
    std::vector<MetadataField> fields;
    std::string rest;
    int line = lineOf(paragraph);
    for (const auto& nodes : lines) {
        std::string key, value;
        bool isField = false;
        if (!nodes.empty() && cmark_node_get_type(nodes[0]) == CMARK_NODE_STRONG) {
            std::string strong;
            appendInlineText(nodes[0], strong);
            strong = trim(strong);
            std::string after;
            for (std::size_t i = 1; i < nodes.size(); ++i) {
                cmark_node* tmp = nodes[i];
                const auto t = cmark_node_get_type(tmp);
                if (t == CMARK_NODE_TEXT || t == CMARK_NODE_HTML_INLINE)
                    after += literalOf(tmp);
                else if (t == CMARK_NODE_CODE)
                    after += "`" + literalOf(tmp) + "`";
                else
                    appendInlineText(tmp, after);
            }
            if (!strong.empty() && strong.back() == ':') {
                key = trim(std::string_view(strong).substr(0, strong.size() - 1));
                value = trim(after);
                isField = !key.empty();
            } else if (!trim(after).empty() && trim(after)[0] == ':') {
                key = strong;
                value = trim(std::string_view(trim(after)).substr(1));
                isField = !key.empty();
            }
        }
        if (isField) {
            fields.push_back({ key, value, line });
        } else {
            std::string text;
            for (cmark_node* c : nodes) {
                std::string piece;
                const auto t = cmark_node_get_type(c);
                if (t == CMARK_NODE_TEXT || t == CMARK_NODE_HTML_INLINE)
                    piece = literalOf(c);
                else if (t == CMARK_NODE_CODE)
                    piece = "`" + literalOf(c) + "`";
                else
                    appendInlineText(c, piece);
                text += piece;
            }
            if (!trim(text).empty())
                rest += rest.empty() ? trim(text) : " " + trim(text);
        }
        ++line;
    }
    if (fields.empty())
        return false;
    for (MetadataField& f : fields) {
        const std::string k = lower(f.key);
        if (k == "severity" || k == "priority") {
            m_rb.severity = f.value;
            ThresholdContext ctx;
            ctx.where = "Severity";
            ctx.line = f.line;
            ctx.severityField = true;
            for (Threshold& t : findThresholds(f.value, ctx))
                m_rb.thresholds.push_back(std::move(t));
        } else if (k == "owner" || k == "owners" || k == "team" || k == "owning team") {
            m_rb.owner = f.value;
        } else if (k == "last updated" || k == "updated" || k == "last reviewed" || k == "date") {
            m_rb.lastUpdated = f.value;
        } else {
            m_rb.warnings.push_back({ "metadata field '" + f.key + "' is kept but not used", f.line });
        }
        m_rb.metadata.push_back(std::move(f));
    }
    if (!rest.empty())
        addProse(rest, paragraph);
    return true;
}

void RunbookBuilder::onParagraph(cmark_node* n)
{
    if (m_step < 0 && (m_section == SectionKind::Preamble || m_section == SectionKind::Other) && tryMetadata(n))
        return;
    addProse(inlineText(n), n);
}

std::string RunbookBuilder::blockText(cmark_node* n)
{
    std::string out;
    for (cmark_node* c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
        std::string piece;
        switch (cmark_node_get_type(c)) {
        case CMARK_NODE_PARAGRAPH:
        case CMARK_NODE_HEADING:
            piece = inlineText(c);
            break;
        case CMARK_NODE_CODE_BLOCK:
        case CMARK_NODE_HTML_BLOCK:
            piece = trim(literalOf(c));
            break;
        case CMARK_NODE_LIST:
        case CMARK_NODE_ITEM:
        case CMARK_NODE_BLOCK_QUOTE:
            piece = blockText(c);
            break;
        default:
            break;
        }
        if (!piece.empty())
            out += out.empty() ? piece : "\n" + piece;
    }
    return out;
}

std::vector<std::pair<std::string, int>> RunbookBuilder::listItemTexts(cmark_node* list, int depth)
{
    std::vector<std::pair<std::string, int>> out; // text and line of each item
    for (cmark_node* item = cmark_node_first_child(list); item; item = cmark_node_next(item)) {
        std::string text;
        int line = lineOf(item);
        for (cmark_node* c = cmark_node_first_child(item); c; c = cmark_node_next(c)) {
            const auto t = cmark_node_get_type(c);
            if (t == CMARK_NODE_PARAGRAPH) {
                const std::string p = inlineText(c);
                text += text.empty() ? p : " " + p;
            } else if (t == CMARK_NODE_LIST) {
                if (!text.empty())
                    out.emplace_back(text, line);
                text.clear();
                for (auto& sub : listItemTexts(c, depth + 1))
                    out.push_back(std::move(sub));
                line = 0;
            } else {
                const std::string b = blockText(c).empty() ? trim(literalOf(c)) : blockText(c);
                if (!b.empty())
                    text += text.empty() ? b : " " + b;
            }
            if (line == 0)
                line = lineOf(c);
        }
        if (!text.empty())
            out.emplace_back(text, line);
    }
    return out;
}

void RunbookBuilder::collectChecklist(cmark_node* list, int depth, Step& step)
{
    const bool ordered = cmark_node_get_list_type(list) == CMARK_ORDERED_LIST;
    for (cmark_node* item = cmark_node_first_child(list); item; item = cmark_node_next(item)) {
        ChecklistItem entry;
        entry.depth = depth;
        entry.ordered = ordered;
        entry.line = lineOf(item);
        std::vector<cmark_node*> nested;
        for (cmark_node* c = cmark_node_first_child(item); c; c = cmark_node_next(c)) {
            switch (cmark_node_get_type(c)) {
            case CMARK_NODE_PARAGRAPH: {
                const std::string p = inlineText(c);
                entry.text += entry.text.empty() ? p : " " + p;
                break;
            }
            case CMARK_NODE_LIST:
                nested.push_back(c);
                break;
            case CMARK_NODE_CODE_BLOCK:
                onCodeBlock(c);
                break;
            case CMARK_NODE_HTML_BLOCK:
                onHtmlBlock(c);
                break;
            default: {
                const std::string b = blockText(c);
                entry.text += entry.text.empty() ? b : " " + b;
                break;
            }
            }
        }
        const int line = entry.line;
        const std::string text = entry.text;
        if (!text.empty()) {
            step.checklist.push_back(std::move(entry));
            scanThresholds(text, contextHere(line));
        }
        for (cmark_node* sub : nested)
            collectChecklist(sub, depth + 1, step);
    }
}

void RunbookBuilder::onList(cmark_node* n)
{
    switch (m_section) {
    case SectionKind::Symptoms:
        for (auto& [text, line] : listItemTexts(n, 0)) {
            scanThresholds(text, contextHere(line));
            m_rb.symptoms.push_back(std::move(text));
        }
        return;
    case SectionKind::Escalation:
        for (auto& [text, line] : listItemTexts(n, 0)) {
            scanThresholds(text, contextHere(line));
            m_rb.escalation.push_back(std::move(text));
        }
        return;
    case SectionKind::Steps:
        if (m_step < 0 && cmark_node_get_list_type(n) == CMARK_ORDERED_LIST) {
            // Steps written as an ordered list: each item is a step, its first line the title.
            int number = cmark_node_get_list_start(n);
            for (cmark_node* item = cmark_node_first_child(n); item; item = cmark_node_next(item), ++number) {
                Step s;
                s.number = number;
                s.line = lineOf(item);
                s.index = static_cast<int>(m_rb.steps.size());
                m_rb.steps.push_back(std::move(s));
                m_step = static_cast<int>(m_rb.steps.size()) - 1;
                bool first = true;
                for (cmark_node* c = cmark_node_first_child(item); c; c = cmark_node_next(c)) {
                    Step& step = m_rb.steps[static_cast<std::size_t>(m_step)];
                    const auto t = cmark_node_get_type(c);
                    if (t == CMARK_NODE_PARAGRAPH && first) {
                        const std::string text = inlineText(c);
                        const auto cut = text.find_first_of(".\n");
                        step.title = trim(text.substr(0, cut == std::string::npos ? text.size() : cut));
                        if (cut != std::string::npos)
                            addStepProse(step, trim(text.substr(cut + 1)), lineOf(c));
                        scanThresholds(step.title, contextHere(lineOf(c)));
                    } else if (t == CMARK_NODE_PARAGRAPH) {
                        addStepProse(step, inlineText(c), lineOf(c));
                    } else if (t == CMARK_NODE_CODE_BLOCK) {
                        onCodeBlock(c);
                    } else if (t == CMARK_NODE_LIST) {
                        collectChecklist(c, 0, step);
                    } else if (t == CMARK_NODE_HTML_BLOCK) {
                        onHtmlBlock(c);
                    } else {
                        addStepProse(step, blockText(c), lineOf(c));
                    }
                    first = false;
                }
                if (m_rb.steps[static_cast<std::size_t>(m_step)].title.empty())
                    m_rb.steps[static_cast<std::size_t>(m_step)].title = "Step " + std::to_string(number);
            }
            m_step = -1; // a following heading or list starts afresh
            return;
        }
        collectChecklist(n, 0, currentStepOrImplicit(n, "a list"));
        return;
    case SectionKind::Preamble:
    case SectionKind::Other:
        for (const auto& item : listItemTexts(n, 0))
            addProse("- " + item.first, n);
        return;
    }
}

void RunbookBuilder::onCodeBlock(cmark_node* n)
{
    std::string info = trim(cmark_node_get_fence_info(n) ? cmark_node_get_fence_info(n) : "");
    const std::string language = lower(info.substr(0, info.find(' ')));
    const std::string code = literalOf(n);
    const int start = lineOf(n);
    // Fenced blocks start one line after their fence; indented ones on their first line.
    bool fenced = false;
    if (start >= 1 && static_cast<std::size_t>(start) <= m_lines.size()) {
        const std::string l = trim(m_lines[static_cast<std::size_t>(start - 1)]);
        fenced = l.rfind("```", 0) == 0 || l.rfind("~~~", 0) == 0;
    }
    const int firstLine = fenced ? start + 1 : start;

    Step& step = currentStepOrImplicit(n, "a code block");
    if (!isShellLanguage(language)) {
        step.snippets.push_back({ language, code, start });
        warn("code block in language '" + language + "' is kept as a snippet, not as commands", n);
        return;
    }
    if (language.empty())
        warn("code block without a language: read as shell commands", n);
    const auto before = m_rb.warnings.size();
    std::vector<Command> cmds = splitCommandBlock(code, language, firstLine, m_rb.warnings);
    // A trailing comment with no command below it still belongs to the step's text.
    if (m_rb.warnings.size() > before) {
        const Warning& last = m_rb.warnings.back();
        const auto q = last.message.find('"');
        if (last.message.rfind("a comment at the end", 0) == 0 && q != std::string::npos)
            addStepProse(step, last.message.substr(q + 1, last.message.rfind('"') - q - 1), last.line);
    }
    if (cmds.empty() && trim(code).empty())
        warn("empty code block", n);
    Step& target = m_rb.steps[static_cast<std::size_t>(m_step)];
    for (Command& c : cmds) {
        ThresholdContext ctx = contextHere(c.line);
        if (!c.comment.empty())
            scanThresholds(c.comment, ctx);
        if (c.action == ActionKind::RaiseLimit && c.arguments.count("memory-limit")) {
            if (auto bytes = parseMemoryBytes(c.arguments["memory-limit"])) {
                Threshold t;
                t.key = "mitigation.memory_limit";
                t.kind = ThresholdKind::MemoryQuantity;
                t.value = static_cast<double>(*bytes);
                t.unit = "bytes";
                t.literal = c.arguments["memory-limit"];
                t.sentence = c.text;
                t.where = ctx.where;
                t.stepIndex = ctx.stepIndex;
                t.line = c.line;
                m_rb.thresholds.push_back(std::move(t));
            } else {
                m_rb.warnings.push_back({ "memory limit '" + c.arguments["memory-limit"]
                        + "' is not a Kubernetes quantity: " + bytes.error().message,
                    c.line });
            }
        }
        if (c.action == ActionKind::HeapLimitRestart && c.arguments.count("heap-limit-restart")) {
            const std::string v = c.arguments["heap-limit-restart"];
            auto bytes = parseJvmSize(v);
            if (!bytes)
                bytes = parseMemoryBytes(v);
            if (bytes) {
                Threshold t;
                t.key = "mitigation.heap_limit_restart";
                t.kind = ThresholdKind::MemoryQuantity;
                t.value = static_cast<double>(*bytes);
                t.unit = "bytes";
                t.literal = v;
                t.sentence = c.text;
                t.where = ctx.where;
                t.stepIndex = ctx.stepIndex;
                t.line = c.line;
                m_rb.thresholds.push_back(std::move(t));
            } else {
                m_rb.warnings.push_back({ "HEAP_LIMIT_RESTART value '" + v + "' is not a size such as 3584m", c.line });
            }
        }
        target.commands.push_back(std::move(c));
    }
}

void RunbookBuilder::onBlockQuote(cmark_node* n)
{
    const std::string text = blockText(n);
    if (m_step >= 0)
        addStepProse(m_rb.steps[static_cast<std::size_t>(m_step)], text, lineOf(n));
    else
        addProse(text, n);
}

void RunbookBuilder::onHtmlBlock(cmark_node* n)
{
    const std::string html = literalOf(n);
    const bool comment = trim(html).rfind("<!--", 0) == 0;
    warn(std::string(comment ? "HTML comment" : "HTML block") + " is not shown: \"" + excerpt(html) + "\"", n);
}

void RunbookBuilder::finish()
{
    if (m_rb.title.empty()) {
        m_rb.warnings.push_back({ "no title ('# ...') found; the file name is used", 0 });
        const auto slash = m_rb.sourceName.find_last_of("/\\");
        m_rb.title = m_rb.sourceName.empty() ? std::string("Untitled runbook")
                                             : m_rb.sourceName.substr(slash == std::string::npos ? 0 : slash + 1);
    }
    if (m_rb.severity.empty())
        m_rb.warnings.push_back({ "no **Severity:** line; the incident starts at the default P2", 0 });
    if (m_rb.owner.empty())
        m_rb.warnings.push_back({ "no **Owner:** line; escalation cannot name an owner from the runbook", 0 });
    if (m_rb.symptoms.empty())
        m_rb.warnings.push_back({ "no Symptoms section", 0 });
    if (m_rb.steps.empty())
        m_rb.warnings.push_back({ "no numbered steps ('### 1. ...') found", 0 });
    if (m_rb.escalation.empty())
        m_rb.warnings.push_back({ "no Escalation section; escalation uses the default rules", 0 });

    // Step numbers should run 1, 2, 3 ...: say so when they do not (the order stays the document's).
    int expected = 1;
    for (const Step& s : m_rb.steps) {
        if (s.number == 0)
            continue;
        if (s.number != expected)
            m_rb.warnings.push_back({ "step " + std::to_string(s.number) + " ('" + excerpt(s.title)
                    + "') is out of sequence (expected " + std::to_string(expected) + "); steps keep document order",
                s.line });
        expected = s.number + 1;
    }

    // The namespace the commands are written for: the most common one.
    std::map<std::string, int> namespaces;
    for (const Step& s : m_rb.steps)
        for (const Command& c : s.commands)
            if (c.ns)
                ++namespaces[*c.ns];
    if (!namespaces.empty()) {
        auto best = std::max_element(
            namespaces.begin(), namespaces.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
        m_rb.defaultNamespace = best->first;
        if (namespaces.size() > 1) {
            std::string others;
            for (const auto& [ns, count] : namespaces)
                if (ns != best->first)
                    others += (others.empty() ? "" : ", ") + ns;
            m_rb.warnings.push_back({ "commands name several namespaces; '" + best->first
                    + "' is taken as the runbook's default and replaced by the investigated one, the others (" + others
                    + ") are left as written",
                0 });
        }
    }

    auto addPlaceholders = [&](const std::vector<std::string>& names) {
        for (const std::string& p : names)
            if (std::find(m_rb.placeholders.begin(), m_rb.placeholders.end(), p) == m_rb.placeholders.end())
                m_rb.placeholders.push_back(p);
    };
    for (const Step& s : m_rb.steps)
        for (const Command& c : s.commands)
            addPlaceholders(c.placeholders);
    for (const Step& s : m_rb.steps) {
        addPlaceholders(findPlaceholders(s.prose));
        for (const ChecklistItem& i : s.checklist)
            addPlaceholders(findPlaceholders(i.text));
    }

    // One value per known threshold: repeated identical figures collapse, conflicting ones warn.
    std::vector<Threshold> unique;
    for (Threshold& t : m_rb.thresholds) {
        const bool known = t.key.find(".other") == std::string::npos;
        auto same = std::find_if(unique.begin(), unique.end(),
            [&](const Threshold& u) { return u.key == t.key && (known || u.literal == t.literal); });
        if (same == unique.end()) {
            unique.push_back(std::move(t));
        } else if (same->value != t.value || same->windowMs != t.windowMs) {
            m_rb.warnings.push_back({ "the runbook gives two values for " + t.key + ": '" + same->literal + "' ("
                    + same->where + ") and '" + t.literal + "' (" + t.where + "); the first is used",
                t.line });
        }
    }
    m_rb.thresholds = std::move(unique);
}

Result<Runbook> RunbookBuilder::build(cmark_node* document)
{
    for (cmark_node* n = cmark_node_first_child(document); n; n = cmark_node_next(n)) {
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_HEADING:
            onHeading(n);
            break;
        case CMARK_NODE_PARAGRAPH:
            onParagraph(n);
            break;
        case CMARK_NODE_LIST:
            onList(n);
            break;
        case CMARK_NODE_CODE_BLOCK:
            onCodeBlock(n);
            break;
        case CMARK_NODE_BLOCK_QUOTE:
            onBlockQuote(n);
            break;
        case CMARK_NODE_HTML_BLOCK:
            onHtmlBlock(n);
            break;
        case CMARK_NODE_THEMATIC_BREAK:
            break; // a horizontal rule carries no content
        default:
            warn(std::string("unsupported Markdown block '") + cmark_node_get_type_string(n) + "' was skipped", n);
            break;
        }
    }
    const bool structure = m_sawTitle || !m_rb.steps.empty() || !m_rb.symptoms.empty() || !m_rb.escalation.empty()
        || !m_rb.metadata.empty();
    if (!structure)
        return makeError(ErrorCode::Parse,
            "'" + (m_rb.sourceName.empty() ? std::string("input") : m_rb.sourceName)
                + "' does not look like a runbook: no title, no steps, no commands and no known section",
            "a runbook needs at least a '# Title' and numbered steps ('### 1. ...') with command blocks");
    finish();
    return std::move(m_rb);
}

struct CmarkNodeDeleter {
    void operator()(cmark_node* n) const { cmark_node_free(n); }
};

// The builder walks the tree recursively (lists in lists, quotes in quotes, emphasis in links
// ...). A runbook needs a handful of levels; "> > > ..." or "- - - ..." tens of thousands deep
// would exhaust the stack. So, before the walk, every subtree deeper than this is cut off with a
// warning naming its line. cmark's own iterator and cmark_node_free are not recursive.
constexpr int kMaxMarkdownNesting = 48;

int lineOfNodeOrParent(cmark_node* n)
{
    for (; n; n = cmark_node_parent(n))
        if (const int line = cmark_node_get_start_line(n); line > 0)
            return line;
    return 0;
}

void pruneDeepNesting(cmark_node* document, std::vector<Warning>& warnings)
{
    std::vector<cmark_node*> tooDeep;
    cmark_iter* it = cmark_iter_new(document);
    int depth = 0;
    for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
        cmark_node* n = cmark_iter_get_node(it);
        if (ev == CMARK_EVENT_EXIT) {
            --depth;
            continue;
        }
        // Leaf types (text, code, breaks, HTML) only get an ENTER event, as in cmark's iterator.
        const auto type = cmark_node_get_type(n);
        const bool container = !(type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_THEMATIC_BREAK
            || type == CMARK_NODE_CODE_BLOCK || type == CMARK_NODE_TEXT || type == CMARK_NODE_SOFTBREAK
            || type == CMARK_NODE_LINEBREAK || type == CMARK_NODE_CODE || type == CMARK_NODE_HTML_INLINE);
        if (depth >= kMaxMarkdownNesting) {
            tooDeep.push_back(n);
            if (container)
                cmark_iter_reset(it, n, CMARK_EVENT_EXIT); // skips its subtree and consumes its EXIT
            continue;
        }
        if (container)
            ++depth;
    }
    cmark_iter_free(it);
    std::vector<int> reported;
    for (cmark_node* n : tooDeep) {
        const int line = lineOfNodeOrParent(n);
        if (std::find(reported.begin(), reported.end(), line) == reported.end() && reported.size() < 10) {
            warnings.push_back({ "Markdown nested more than " + std::to_string(kMaxMarkdownNesting)
                    + " levels deep (block quotes, lists, emphasis or links); the deeper part was not read",
                line });
            reported.push_back(line);
        }
        cmark_node_free(n); // unlinks it from its parent
    }
}

} // namespace

Result<Runbook> parseRunbook(std::string_view markdown, const std::string& sourceName)
{
    const std::string name = sourceName.empty() ? std::string("input") : sourceName;
    if (trim(markdown).empty())
        return makeError(ErrorCode::Parse, "runbook '" + name + "' is empty", "choose a Markdown runbook file");
    if (markdown.find('\0') != std::string_view::npos)
        return makeError(ErrorCode::Parse, "runbook '" + name + "' is not a text file (it contains NUL bytes)",
            "choose a Markdown (.md) runbook");
    std::unique_ptr<cmark_node, CmarkNodeDeleter> doc(
        cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8));
    if (!doc)
        return makeError(ErrorCode::Parse, "the Markdown parser could not read '" + name + "'");
    std::vector<Warning> nestingWarnings;
    pruneDeepNesting(doc.get(), nestingWarnings);
    RunbookBuilder builder(markdown, sourceName);
    auto rb = builder.build(doc.get());
    if (rb)
        rb->warnings.insert(rb->warnings.begin(), nestingWarnings.begin(), nestingWarnings.end());
    return rb;
}

} // namespace leakdesk::runbook
