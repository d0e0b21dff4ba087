#include "core/runbook/CommandLine.h"

#include "core/common/Text.h"
#include "core/runbook/KubectlFlagTable.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace leakdesk::runbook {

const char* actionKindName(ActionKind kind)
{
    switch (kind) {
    case ActionKind::MemoryEvidence:
        return "memory-evidence";
    case ActionKind::OomEvidence:
        return "oom-evidence";
    case ActionKind::HeapCapture:
        return "heap-capture";
    case ActionKind::RaiseLimit:
        return "raise-limit";
    case ActionKind::HeapLimitRestart:
        return "heap-limit-restart";
    case ActionKind::Shell:
        return "shell";
    }
    return "shell";
}

namespace {

std::string trim(std::string_view s) { return trimmed(s); }

std::string lower(std::string s) { return lowered(std::move(s)); }

bool startsWith(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

bool contains(std::string_view s, std::string_view needle)
{
    return s.find(needle) != std::string_view::npos;
}

// An odd number of trailing backslashes continues the line.
bool endsWithContinuation(std::string_view line)
{
    std::size_t n = 0;
    while (n < line.size() && line[line.size() - 1 - n] == '\\')
        ++n;
    return n % 2 == 1;
}

// Position of an unquoted '#' that starts a word, or npos.
std::size_t trailingCommentStart(std::string_view s)
{
    char quote = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (quote) {
            if (c == '\\' && quote == '"' && i + 1 < s.size())
                ++i;
            else if (c == quote)
                quote = 0;
        } else if (c == '\\') {
            ++i;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(s[i - 1])))) {
            return i;
        }
    }
    return std::string_view::npos;
}

// "<<EOF", "<< 'EOF'", "<<-EOF" -> the terminator word (empty when there is no here-document).
std::string hereDocTerminator(std::string_view line, bool& stripTabs)
{
    const auto pos = line.find("<<");
    if (pos == std::string_view::npos || (pos + 2 < line.size() && line[pos + 2] == '<'))
        return {};
    std::size_t i = pos + 2;
    stripTabs = i < line.size() && line[i] == '-';
    if (stripTabs)
        ++i;
    while (i < line.size() && line[i] == ' ')
        ++i;
    std::string word;
    for (; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '\'' || c == '"')
            continue;
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            break;
        word.push_back(c);
    }
    return word;
}

} // namespace

bool isShellLanguage(const std::string& language)
{
    static const std::set<std::string> shells { "", "bash", "sh", "shell", "console", "zsh", "shell-session",
        "shellsession", "terminal", "kubectl", "ksh", "fish" };
    return shells.count(lower(language)) > 0;
}

std::vector<ShellToken> tokenizeShell(std::string_view s)
{
    std::vector<ShellToken> tokens;
    std::size_t i = 0;
    const std::size_t lineEnd = std::min(s.size(), s.find('\n'));
    while (i < lineEnd) {
        while (i < lineEnd && std::isspace(static_cast<unsigned char>(s[i])))
            ++i;
        if (i >= lineEnd || s[i] == '#')
            break;
        ShellToken t;
        t.begin = i;
        const char c = s[i];
        if (c == '|' || c == '&' || c == ';') {
            t.isOperator = true;
            t.text.push_back(c);
            ++i;
            if (i < lineEnd && (s[i] == c) && c != ';') {
                t.text.push_back(c);
                ++i;
            }
            t.end = i;
            tokens.push_back(std::move(t));
            continue;
        }
        char quote = 0;
        while (i < lineEnd) {
            const char d = s[i];
            if (quote) {
                if (d == quote) {
                    quote = 0;
                } else if (d == '\\' && quote == '"' && i + 1 < lineEnd) {
                    t.text.push_back(s[++i]);
                } else {
                    t.text.push_back(d);
                }
                ++i;
                continue;
            }
            if (std::isspace(static_cast<unsigned char>(d)) || d == '|' || d == ';' || d == '&')
                break;
            if (d == '\'' || d == '"') {
                quote = d;
            } else if (d == '\\' && i + 1 < lineEnd) {
                t.text.push_back(s[++i]);
            } else {
                t.text.push_back(d);
            }
            ++i;
        }
        t.end = i;
        tokens.push_back(std::move(t));
    }
    return tokens;
}

std::vector<std::string> findPlaceholders(std::string_view text)
{
    static const std::set<std::string> htmlTags { "a", "b", "i", "u", "s", "p", "br", "hr", "em", "strong", "code",
        "pre", "div", "span", "img", "sup", "sub", "kbd", "ul", "ol", "li", "table", "tr", "td", "th", "thead", "tbody",
        "details", "summary", "blockquote", "small", "big", "mark", "del", "ins", "tt", "center", "font", "h1", "h2",
        "h3", "h4", "h5", "h6", "dl", "dt", "dd", "abbr", "cite", "q", "var", "samp", "picture", "source", "video" };
    std::vector<std::string> out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '<' || i + 1 >= text.size() || !std::isalpha(static_cast<unsigned char>(text[i + 1])))
            continue;
        std::size_t j = i + 1;
        while (j < text.size()
            && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '-' || text[j] == '_'
                || text[j] == '.'))
            ++j;
        if (j < text.size() && text[j] == '>') {
            std::string name(text.substr(i + 1, j - i - 1));
            if (!htmlTags.count(lower(name)) && std::find(out.begin(), out.end(), name) == out.end())
                out.push_back(std::move(name));
            i = j;
        }
    }
    return out;
}

std::vector<Command> splitCommandBlock(
    std::string_view code, const std::string& language, int firstLine, std::vector<Warning>& warnings)
{
    std::vector<std::string> lines;
    {
        std::size_t start = 0;
        while (start <= code.size()) {
            const auto nl = code.find('\n', start);
            const auto end = nl == std::string_view::npos ? code.size() : nl;
            lines.emplace_back(code.substr(start, end - start));
            if (nl == std::string_view::npos)
                break;
            start = nl + 1;
        }
        while (!lines.empty() && trim(lines.back()).empty())
            lines.pop_back();
    }
    // Prompts ("$ kubectl ...") mean the block mixes commands with their output.
    const bool prompted = std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
        const std::string t = trim(l);
        return startsWith(t, "$ ") || t == "$";
    });

    std::vector<Command> commands;
    std::string pendingComment;
    int outputLines = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string t = trim(lines[i]);
        const int lineNo = firstLine + static_cast<int>(i);
        if (t.empty()) {
            pendingComment.clear();
            continue;
        }
        if (prompted) {
            if (startsWith(t, "$ "))
                t = trim(std::string_view(t).substr(2));
            else if (t[0] != '#') {
                ++outputLines;
                continue;
            }
        }
        if (t[0] == '#') {
            if (startsWith(t, "#!"))
                continue; // interpreter line, not a comment for the reader
            const std::string c = trim(std::string_view(t).substr(1));
            pendingComment += pendingComment.empty() ? c : " " + c;
            continue;
        }
        Command cmd;
        cmd.line = lineNo;
        cmd.language = language;
        std::string raw = lines[i];
        std::string logical = t;
        while (endsWithContinuation(logical) && i + 1 < lines.size()) {
            logical.pop_back();
            logical = trim(logical) + " " + trim(lines[++i]);
            raw += "\n" + lines[i];
        }
        if (endsWithContinuation(logical)) {
            logical.pop_back();
            logical = trim(logical);
            warnings.push_back({ "the last command of a code block ends with a line continuation; it was read "
                                 "without it",
                lineNo });
        }
        bool stripTabs = false;
        const std::string terminator = hereDocTerminator(logical, stripTabs);
        if (!terminator.empty()) {
            bool closed = false;
            while (i + 1 < lines.size()) {
                const std::string& body = lines[++i];
                raw += "\n" + body;
                logical += "\n" + body;
                if ((stripTabs ? trim(body) : body) == terminator) {
                    closed = true;
                    break;
                }
            }
            if (!closed)
                warnings.push_back({ "here-document '" + terminator
                        + "' is not closed; the rest of the block was "
                          "kept as its body",
                    lineNo });
        }
        const auto firstLineEnd = logical.find('\n');
        const auto hash = trailingCommentStart(std::string_view(logical).substr(0, firstLineEnd));
        if (hash != std::string::npos) {
            const std::string trailing = trim(std::string_view(logical).substr(hash + 1, firstLineEnd - hash - 1));
            logical = trim(std::string_view(logical).substr(0, hash))
                + (firstLineEnd == std::string::npos ? std::string() : logical.substr(firstLineEnd));
            pendingComment += pendingComment.empty() ? trailing : " " + trailing;
        }
        cmd.text = logical;
        cmd.rawText = raw;
        cmd.comment = pendingComment;
        pendingComment.clear();
        classifyCommand(cmd);
        commands.push_back(std::move(cmd));
    }
    if (outputLines > 0)
        warnings.push_back({ std::to_string(outputLines)
                + " line(s) without a \"$ \" prompt in a console block were read as program output, not commands",
            firstLine });
    if (!pendingComment.empty())
        warnings.push_back({ "a comment at the end of a code block has no command below it: \"" + pendingComment
                + "\" (kept in the step's prose)",
            firstLine + static_cast<int>(lines.size()) - 1 });
    return commands;
}

namespace {

// kubectl flags that take a value as the next word (when not written --flag=value), in any
// command: only to find the action's arguments; what may run is KubectlCommand.h's business.
bool kubectlFlagTakesValue(const std::string& flag)
{
    static const std::set<std::string> withValue = [] {
        std::set<std::string> out;
        auto add = [&](const KubectlFlag& f) {
            if (f.value != FlagValue::Required)
                return;
            out.insert("--" + f.name);
            if (f.shorthand)
                out.insert(std::string("-") + f.shorthand);
        };
        for (const KubectlFlag& f : kubectlGlobalFlags())
            add(f);
        for (const KubectlVerb& v : kubectlVerbs())
            for (const KubectlFlag& f : v.flags)
                add(f);
        return out;
    }();
    return withValue.count(flag) > 0;
}

struct KubectlCall {
    std::vector<std::string> positional; // verb, resource, names ...
    std::vector<std::pair<std::string, std::string>> flags; // name -> value ("" for booleans)
    std::vector<std::string> afterDashDash; // the in-container command of exec
    std::optional<std::string> ns;

    std::optional<std::string> flag(std::initializer_list<const char*> names) const
    {
        for (const auto& [k, v] : flags)
            for (const char* n : names)
                if (k == n)
                    return v;
        return std::nullopt;
    }
};

KubectlCall parseKubectl(const std::vector<std::string>& words)
{
    KubectlCall call;
    for (std::size_t i = 1; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (w == "--") {
            call.afterDashDash.assign(words.begin() + static_cast<std::ptrdiff_t>(i) + 1, words.end());
            break;
        }
        if (w.size() > 1 && w[0] == '-') {
            const auto eq = w.find('=');
            if (eq != std::string::npos && startsWith(w, "--")) {
                call.flags.emplace_back(w.substr(0, eq), w.substr(eq + 1));
            } else if (kubectlFlagTakesValue(w) && i + 1 < words.size()) {
                call.flags.emplace_back(w, words[++i]);
            } else if (startsWith(w, "-n") && w.size() > 2 && w[1] != '-') {
                call.flags.emplace_back("-n", w.substr(2));
            } else {
                call.flags.emplace_back(w, "");
            }
            continue;
        }
        call.positional.push_back(w);
    }
    call.ns = call.flag({ "-n", "--namespace" });
    return call;
}

std::string baseName(const std::string& program)
{
    const auto slash = program.rfind('/');
    return slash == std::string::npos ? program : program.substr(slash + 1);
}

// "production/<pod-name>:/tmp/heap.hprof" -> ns "production", pod "<pod-name>", path "/tmp/heap.hprof".
struct PodPath {
    std::optional<std::string> ns;
    std::string pod;
    std::string path;
};
std::optional<PodPath> parsePodPath(const std::string& arg)
{
    const auto colon = arg.find(':');
    if (colon == std::string::npos || colon == 0 || startsWith(arg, "./") || startsWith(arg, "/"))
        return std::nullopt;
    PodPath p;
    std::string podPart = arg.substr(0, colon);
    p.path = arg.substr(colon + 1);
    const auto slash = podPart.find('/');
    if (slash != std::string::npos) {
        p.ns = podPart.substr(0, slash);
        podPart = podPart.substr(slash + 1);
    }
    p.pod = podPart;
    return p;
}

struct Classification {
    ActionKind action = ActionKind::Shell;
    bool mutates = false;
    std::string why;
    std::optional<std::string> ns;
    std::map<std::string, std::string> arguments;
};

Classification classifyKubectl(const std::vector<std::string>& words)
{
    Classification c;
    const KubectlCall k = parseKubectl(words);
    c.ns = k.ns;
    const std::string verb = k.positional.empty() ? std::string() : k.positional[0];
    const std::string object = k.positional.size() > 1 ? lower(k.positional[1]) : std::string();
    const auto dryRunFlag = k.flag({ "--dry-run" });
    const bool dryRun = dryRunFlag && *dryRunFlag != "none";
    if (const auto sel = k.flag({ "-l", "--selector" }))
        c.arguments["selector"] = *sel;

    if (verb == "top" && (object == "pod" || object == "pods" || object == "po")) {
        c.action = ActionKind::MemoryEvidence;
        c.why = "kubectl top pods: memory evidence (read-only)";
        if (const auto s = k.flag({ "--sort-by" }))
            c.arguments["sort-by"] = *s;
        return c;
    }
    if (verb == "get" && (object == "events" || object == "event" || object == "ev" || startsWith(object, "events."))) {
        const auto fs = k.flag({ "--field-selector" });
        if (fs && contains(*fs, "OOMKilling")) {
            c.action = ActionKind::OomEvidence;
            c.why = "kubectl get events for OOMKilling: OOM evidence (read-only)";
            c.arguments["field-selector"] = *fs;
            return c;
        }
        c.why = "kubectl get events: read-only";
        return c;
    }
    if (verb == "exec") {
        c.mutates = true;
        if (k.positional.size() > 1)
            c.arguments["pod"] = k.positional[1];
        if (const auto ctr = k.flag({ "-c", "--container" }))
            c.arguments["container"] = *ctr;
        const auto& inner = k.afterDashDash;
        const std::string innerProgram = inner.empty() ? std::string() : baseName(inner[0]);
        bool dump = false;
        for (const std::string& a : inner) {
            if ((innerProgram == "jmap" && startsWith(a, "-dump")) || (innerProgram == "jcmd" && a == "GC.heap_dump"))
                dump = true;
            const auto filePos = a.find("file=");
            if (innerProgram == "jmap" && filePos != std::string::npos)
                c.arguments["path"] = a.substr(filePos + 5);
        }
        if (innerProgram == "jcmd" && dump) {
            for (std::size_t i = 0; i + 1 < inner.size(); ++i)
                if (inner[i] == "GC.heap_dump")
                    c.arguments["path"] = inner.back();
        }
        if (dump) {
            c.action = ActionKind::HeapCapture;
            c.arguments["phase"] = "dump";
            c.why = "kubectl exec " + innerProgram
                + " heap dump: heap capture (pauses the JVM for a full GC and writes a file in the pod)";
        } else {
            c.why = "kubectl exec runs a process inside a pod: treated as changing the cluster";
        }
        return c;
    }
    if (verb == "cp" && k.positional.size() >= 3) {
        const auto from = parsePodPath(k.positional[1]);
        const auto to = parsePodPath(k.positional[2]);
        if (from && !to) {
            c.ns = c.ns ? c.ns : from->ns;
            const bool heap = contains(lower(from->path), "hprof") || contains(lower(from->path), "heap");
            c.action = heap ? ActionKind::HeapCapture : ActionKind::Shell;
            c.arguments["pod"] = from->pod;
            c.arguments["path"] = from->path;
            c.arguments["destination"] = k.positional[2];
            if (heap)
                c.arguments["phase"] = "transfer";
            c.why = heap ? "kubectl cp of a heap dump out of a pod: heap capture (reads from the pod)"
                         : "kubectl cp out of a pod: reads only";
            return c;
        }
        c.mutates = true;
        if (to)
            c.ns = c.ns ? c.ns : to->ns;
        c.why = "kubectl cp into a pod changes the pod's files";
        return c;
    }
    if (verb == "set" && object == "resources") {
        c.mutates = !dryRun;
        if (k.positional.size() > 2)
            c.arguments["target"] = k.positional[2];
        const auto limits = k.flag({ "--limits" });
        const auto memPos = limits ? limits->find("memory=") : std::string::npos;
        if (memPos != std::string::npos) {
            std::string value = limits->substr(memPos + 7);
            value = value.substr(0, value.find(','));
            c.action = ActionKind::RaiseLimit;
            c.arguments["memory-limit"] = value;
            if (const auto ctr = k.flag({ "-c", "--containers" }))
                c.arguments["container"] = *ctr;
            c.why = "kubectl set resources --limits=memory: raise the memory limit (changes the Deployment)";
            return c;
        }
        c.why = "kubectl set resources without a memory limit: changes the workload";
        return c;
    }
    if (verb == "set" && object == "env") {
        c.mutates = !dryRun;
        if (k.positional.size() > 2)
            c.arguments["target"] = k.positional[2];
        for (std::size_t i = 3; i < k.positional.size(); ++i) {
            const std::string& a = k.positional[i];
            if (startsWith(a, "HEAP_LIMIT_RESTART=")) {
                c.action = ActionKind::HeapLimitRestart;
                c.arguments["heap-limit-restart"] = a.substr(19);
                c.why = "kubectl set env HEAP_LIMIT_RESTART: restart-on-threshold mitigation (changes the "
                        "Deployment)";
                return c;
            }
        }
        c.why = "kubectl set env: changes the workload's environment";
        return c;
    }
    static const std::set<std::string> readOnly { "get", "describe", "logs", "top", "explain", "api-resources",
        "api-versions", "version", "cluster-info", "diff", "events", "wait", "port-forward", "proxy", "config",
        "plugin", "completion", "kustomize", "options", "help" };
    if (verb == "auth" && object == "can-i") {
        c.why = "kubectl auth can-i: read-only";
        return c;
    }
    if (verb == "rollout" && (object == "status" || object == "history")) {
        c.why = "kubectl rollout " + object + ": read-only";
        return c;
    }
    if (readOnly.count(verb)) {
        c.why = "kubectl " + verb + ": read-only";
        return c;
    }
    c.mutates = !dryRun;
    c.why = verb.empty() ? "kubectl without a verb" : "kubectl " + verb + " changes the cluster";
    if (dryRun)
        c.why += " (but runs as a dry run)";
    return c;
}

// The action comes from the runbook's reading above; whether it changes the cluster only from the
// allow-list reading of argv against kubectl's flag table (KubectlCommand.h).
Classification classifyKubectlCall(const std::vector<std::string>& words)
{
    Classification c = classifyKubectl(words);
    const KubectlAnalysis k = analyseKubectlArguments(std::vector<std::string>(words.begin() + 1, words.end()));
    c.mutates = k.effect != KubectlEffect::ReadOnly;
    if (k.ns)
        c.ns = k.ns;
    if (k.effect == KubectlEffect::Refused)
        c.why = "not run from LeakDesk: " + k.reason;
    else if (c.action == ActionKind::Shell || c.mutates)
        c.why = c.action == ActionKind::Shell ? k.reason : c.why + "; " + k.reason;
    if (k.sensitiveOutput)
        c.why += "; its output is never journaled (" + k.sensitiveReason + ")";
    return c;
}

// Programs that only read or filter (in a pipeline after kubectl, or on their own).
bool isReadOnlyProgram(const std::string& program)
{
    static const std::set<std::string> programs { "cat", "grep", "egrep", "fgrep", "jq", "yq", "echo", "printf", "head",
        "tail", "less", "more", "sort", "uniq", "wc", "awk", "cut", "tr", "column", "date", "ls", "watch", "true",
        "sleep", "tee", "xargs", "sha256sum", "md5sum", "du", "df", "file", "diff", "promtool", "jfr" };
    return programs.count(program) > 0;
}

Classification classifySimple(const std::vector<std::string>& wordsIn)
{
    std::vector<std::string> words = wordsIn;
    // Leading VAR=value assignments and sudo/time/env do not change what runs.
    while (!words.empty()
        && (words[0] == "sudo" || words[0] == "time" || words[0] == "env"
            || (words[0].find('=') != std::string::npos && words[0][0] != '-')))
        words.erase(words.begin());
    Classification c;
    if (words.empty()) {
        c.why = "empty command";
        return c;
    }
    const std::string program = baseName(words[0]);
    if (program == "kubectl" || program == "oc")
        return classifyKubectlCall(words);
    if (program == "helm") {
        static const std::set<std::string> helmRead { "list", "ls", "status", "get", "history", "show", "search",
            "template", "lint", "version", "env", "repo", "diff" };
        c.mutates = words.size() < 2 || !helmRead.count(words[1]);
        c.why = c.mutates ? "helm " + (words.size() > 1 ? words[1] : std::string()) + " changes releases"
                          : "helm " + words[1] + ": read-only";
        return c;
    }
    if (program == "sed") {
        c.mutates = std::any_of(words.begin(), words.end(), [](const std::string& w) { return startsWith(w, "-i"); });
        c.why = c.mutates ? "sed -i edits files" : "sed filters text";
        return c;
    }
    if (program == "curl" || program == "wget") {
        const bool write = std::any_of(words.begin(), words.end(), [](const std::string& w) {
            return w == "-X" || startsWith(w, "--request") || w == "-d" || startsWith(w, "--data") || w == "-T";
        });
        c.mutates = write;
        c.why = write ? program + " sends data: may change a service" : program + " fetches: read-only";
        return c;
    }
    if (isReadOnlyProgram(program)) {
        c.why = program + ": reads or filters only";
        return c;
    }
    c.mutates = true;
    c.why = "unknown program '" + program + "': treated as changing the cluster, to be safe";
    return c;
}

} // namespace

void classifyCommand(Command& command)
{
    command.run = analyseKubectlCommand(command.text);
    const auto tokens = tokenizeShell(command.text);
    std::vector<std::vector<std::string>> parts(1);
    std::vector<std::string> operators;
    for (const ShellToken& t : tokens) {
        if (t.isOperator) {
            operators.push_back(t.text);
            parts.emplace_back();
        } else {
            parts.back().push_back(t.text);
        }
    }
    std::erase_if(parts, [](const std::vector<std::string>& p) { return p.empty(); });
    command.placeholders = findPlaceholders(command.text);
    if (parts.empty()) {
        command.program.clear();
        command.action = ActionKind::Shell;
        command.mutatesCluster = false;
        command.classification = "empty command";
        return;
    }
    Classification first = classifySimple(parts[0]);
    command.program = baseName(parts[0][0]);
    const bool onlyPipes
        = std::all_of(operators.begin(), operators.end(), [](const std::string& o) { return o == "|"; });
    bool laterMutates = false;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const Classification c = classifySimple(parts[i]);
        laterMutates = laterMutates || c.mutates;
        if (!first.ns && c.ns)
            first.ns = c.ns;
    }
    command.ns = first.ns;
    command.arguments = first.arguments;
    command.mutatesCluster = first.mutates || laterMutates;
    if (parts.size() == 1 || (onlyPipes && !laterMutates)) {
        command.action = first.action;
        command.classification = first.why + (parts.size() > 1 ? " (piped through filters)" : "");
    } else {
        command.action = ActionKind::Shell;
        command.classification = "several commands chained with " + operators.front() + ": run as a shell command"
            + (command.mutatesCluster ? "; at least one changes the cluster" : "; all read-only");
    }
}

} // namespace leakdesk::runbook
