#include "core/runbook/Bindings.h"

#include "core/runbook/CommandLine.h"

#include <algorithm>
#include <cctype>

namespace leakdesk::runbook {

namespace {

std::string shellQuoted(const std::string& value)
{
    const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == ':' || c == '/' || c == '=' || c == '@' || c == '+'
            || c == '-';
    });
    if (plain)
        return value;
    std::string q = "'";
    for (char c : value) {
        if (c == '\'')
            q += "'\\''";
        else
            q.push_back(c);
    }
    return q + "'";
}

// `value` written so that, inside the quotes open where it goes ('\'', '"' or none), it reads back
// as itself and ends no quote: the runbook may have written "<pod-name>" or '<pod-name>'.
std::string quotedFor(char openQuote, const std::string& value)
{
    if (openQuote == 0)
        return shellQuoted(value);
    std::string out;
    for (char c : value) {
        if (openQuote == '\'' && c == '\'')
            out += "'\\''"; // close, an escaped quote, reopen
        else if (openQuote == '"' && (c == '"' || c == '\\' || c == '$' || c == '`'))
            out += std::string("\\") + c;
        else
            out.push_back(c);
    }
    return out;
}

struct Edit {
    std::size_t begin;
    std::size_t end;
    std::string replacement;
};

// Applies non-overlapping edits of `text`, last first so that the earlier offsets hold.
void applyEdits(std::string& text, std::vector<Edit> edits)
{
    std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.begin > b.begin; });
    for (const Edit& e : edits)
        text.replace(e.begin, e.end - e.begin, e.replacement);
}

} // namespace

std::string fillPlaceholders(
    std::string_view text, const std::map<std::string, std::string>& values, std::vector<std::string>* unfilled)
{
    std::string out;
    out.reserve(text.size());
    char quote = 0; // the quote open at text[i], as sh reads it
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && quote != '\'' && i + 1 < text.size()) {
            out.push_back(c);
            out.push_back(text[++i]);
            continue;
        }
        if ((c == '\'' || c == '"') && (quote == 0 || quote == c))
            quote = quote ? 0 : c;
        if (c == '<') {
            const auto close = text.find('>', i + 1);
            if (close != std::string_view::npos) {
                const std::string name(text.substr(i + 1, close - i - 1));
                const auto found = findPlaceholders(text.substr(i, close - i + 1));
                if (found.size() == 1 && found[0] == name) {
                    const auto it = values.find(name);
                    // A value that starts with '-' would be read as an option ("--all",
                    // "-s=https://..."), whatever the quoting: no Kubernetes name or label value
                    // does, so it is not a name and stays unfilled.
                    if (it != values.end() && !it->second.empty() && it->second.front() != '-') {
                        out += quotedFor(quote, it->second);
                    } else {
                        out.append(text.substr(i, close - i + 1));
                        if (unfilled && std::find(unfilled->begin(), unfilled->end(), name) == unfilled->end())
                            unfilled->push_back(name);
                    }
                    i = close;
                    continue;
                }
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

std::optional<JvmPidArgument> findJvmPidArgument(std::string_view text)
{
    const auto tokens = tokenizeShell(std::string(text));
    std::size_t dashes = tokens.size();
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i].text == "--") {
            dashes = i;
            break;
        }
    if (tokens.empty() || tokens[0].text != "kubectl" || dashes + 1 >= tokens.size())
        return std::nullopt;
    const std::size_t toolAt = dashes + 1;
    std::string tool = tokens[toolAt].text;
    if (const auto slash = tool.rfind('/'); slash != std::string::npos)
        tool = tool.substr(slash + 1); // /opt/java/bin/jmap
    const auto isPid = [](const std::string& t) {
        return !t.empty() && t.size() <= 10 && std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); });
    };
    std::optional<std::size_t> at;
    if (tool == "jmap" || tool == "jstack" || tool == "jinfo") {
        if (tokens.size() > toolAt + 1 && isPid(tokens.back().text))
            at = tokens.size() - 1;
    } else if (tool == "jcmd" || tool == "jstat") {
        for (std::size_t i = toolAt + 1; i < tokens.size() && !at; ++i) {
            if (isPid(tokens[i].text))
                at = i;
            else if (tokens[i].text.empty() || tokens[i].text[0] != '-')
                break; // jcmd's first non-option word is the target: a main class, not a PID
        }
    }
    if (!at)
        return std::nullopt;
    return JvmPidArgument { tokens[*at].begin, tokens[*at].end, tool, tokens[*at].text };
}

FilledCommand fillCommand(
    const Command& command, const Bindings& bindings, const std::optional<std::string>& runbookNamespace)
{
    FilledCommand f;
    std::string text = command.text;
    const bool isKube = command.program == "kubectl" || command.program == "oc";

    if (bindings.ns && isKube) {
        const std::string& to = *bindings.ns;
        std::vector<Edit> edits;
        const auto tokens = tokenizeShell(text);
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            const ShellToken& t = tokens[i];
            auto consider = [&](std::size_t begin, std::size_t end, const std::string& value) {
                if (runbookNamespace && value == *runbookNamespace) {
                    if (value != to)
                        edits.push_back({ begin, end, shellQuoted(to) });
                } else if (value != to) {
                    const std::string note = "the command names namespace '" + value
                        + "' explicitly (not the runbook's default); left as written";
                    if (std::find(f.notes.begin(), f.notes.end(), note) == f.notes.end())
                        f.notes.push_back(note);
                }
            };
            if ((t.text == "-n" || t.text == "--namespace") && i + 1 < tokens.size()) {
                consider(tokens[i + 1].begin, tokens[i + 1].end, tokens[i + 1].text);
                ++i;
            } else if (t.text.rfind("--namespace=", 0) == 0) {
                consider(t.begin + 12, t.end, t.text.substr(12));
            } else if (t.text.size() > 2 && t.text.rfind("-n", 0) == 0 && t.text[2] != '-') {
                consider(t.begin + 2, t.end, t.text.substr(2));
            } else if (command.arguments.count("path") && t.text.find(':') != std::string::npos
                && t.text.find('/') < t.text.find(':') && t.text[0] != '/' && t.text[0] != '.') {
                // kubectl cp's "<namespace>/<pod>:<path>".
                consider(t.begin, t.begin + t.text.find('/'), t.text.substr(0, t.text.find('/')));
            }
        }
        applyEdits(text, edits);
        if (!edits.empty()) {
            f.namespaceReplaced = true;
            f.fromNamespace = *runbookNamespace;
            f.toNamespace = to;
            f.notes.push_back("namespace '" + *runbookNamespace + "' (the runbook's default) replaced by '" + to + "'");
        } else if (!command.ns) {
            f.notes.push_back("the command names no namespace; kubectl uses the context's default namespace");
        }
    }

    if (bindings.podSelector && !bindings.podSelector->empty() && isKube) {
        const auto service = bindings.values.find("service-name");
        std::vector<Edit> edits;
        const auto tokens = tokenizeShell(text);
        auto consider = [&](std::size_t begin, std::size_t end, const std::string& value) {
            if (value.find("<service-name>") == std::string::npos)
                return;
            // Already what the pods carry once filled: nothing to say.
            if (service != bindings.values.end()
                && fillPlaceholders(value, { { "service-name", service->second } }) == *bindings.podSelector)
                return;
            edits.push_back({ begin, end, shellQuoted(*bindings.podSelector) });
            f.notes.push_back("label selector '" + value + "' replaced by the workload's own selector '"
                + *bindings.podSelector + "': its pods are not labelled that way");
        };
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            const ShellToken& t = tokens[i];
            if ((t.text == "-l" || t.text == "--selector") && i + 1 < tokens.size()) {
                consider(tokens[i + 1].begin, tokens[i + 1].end, tokens[i + 1].text);
                ++i;
            } else if (t.text.rfind("--selector=", 0) == 0) {
                consider(t.begin + 11, t.end, t.text.substr(11));
            } else if (t.text.rfind("-l=", 0) == 0) {
                consider(t.begin + 3, t.end, t.text.substr(3));
            } else if (t.text.size() > 2 && t.text.rfind("-l", 0) == 0) {
                consider(t.begin + 2, t.end, t.text.substr(2));
            }
        }
        applyEdits(text, edits);
    }

    const bool pidIsNumber = bindings.jvmPid && !bindings.jvmPid->empty() && bindings.jvmPid->size() <= 10
        && std::all_of(bindings.jvmPid->begin(), bindings.jvmPid->end(), [](unsigned char c) { return std::isdigit(c); });
    if (pidIsNumber && isKube) {
        if (const auto arg = findJvmPidArgument(text); arg && arg->pid != *bindings.jvmPid) {
            text.replace(arg->begin, arg->end - arg->begin, shellQuoted(*bindings.jvmPid));
            f.notes.push_back("PID " + arg->pid + " replaced by " + *bindings.jvmPid + ": the JVM runs as PID "
                + *bindings.jvmPid + " in this container (found by the heap capture pre-flight), so " + arg->tool
                + " " + arg->pid + " would fail");
        }
    }

    f.text = fillPlaceholders(text, bindings.values, &f.unfilled);
    for (const std::string& name : f.unfilled) {
        const auto bound = bindings.values.find(name);
        if (bound != bindings.values.end() && !bound->second.empty() && bound->second.front() == '-')
            f.notes.push_back("<" + name + "> is not filled with '" + bound->second
                + "': a value starting with '-' would be read as an option");
        else
            f.notes.push_back("<" + name + "> has no value yet");
    }
    return f;
}

} // namespace leakdesk::runbook
