#include "core/runbook/KubectlCommand.h"

#include "core/runbook/KubectlFlagTable.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

namespace leakdesk::runbook {

const char* kubectlEffectName(KubectlEffect effect)
{
    switch (effect) {
    case KubectlEffect::ReadOnly:
        return "read-only";
    case KubectlEffect::Change:
        return "change";
    case KubectlEffect::Refused:
        return "refused";
    }
    return "refused";
}

Result<std::vector<std::string>> splitCommandWords(std::string_view s)
{
    auto needsShell = [](const std::string& what) {
        return makeError(ErrorCode::Unsupported,
            "the command needs a shell (" + what + "), which LeakDesk does not use",
            "copy it and run it in a terminal");
    };
    std::vector<std::string> words;
    std::string word;
    bool inWord = false;
    char quote = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\n' || c == '\r')
            return needsShell("more than one line");
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
            return makeError(ErrorCode::Unsupported, "the command contains a control character", "fix the runbook");
        if (quote == '\'') {
            if (c == '\'')
                quote = 0;
            else
                word += c;
            continue;
        }
        if (quote == '"') {
            if (c == '"') {
                quote = 0;
            } else if (c == '$' || c == '`') {
                return needsShell(std::string("'") + c + "' inside double quotes");
            } else if (c == '\\' && i + 1 < s.size()
                && (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == '$' || s[i + 1] == '`')) {
                word += s[++i]; // sh keeps the backslash before any other character
            } else {
                word += c;
            }
            continue;
        }
        if (c == ' ' || c == '\t') {
            if (inWord)
                words.push_back(std::move(word));
            word.clear();
            inWord = false;
            continue;
        }
        if (c == '<') { // "<pod-name>": a runbook placeholder left unfilled, not a redirection
            std::size_t j = i + 1;
            while (j < s.size()
                && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '-' || s[j] == '_' || s[j] == '.'))
                ++j;
            if (j > i + 1 && j < s.size() && s[j] == '>')
                return makeError(ErrorCode::InvalidArgument,
                    "the placeholder " + std::string(s.substr(i, j - i + 1)) + " is not filled in",
                    "select the service or pod it stands for");
        }
        if (std::string_view("|;&<>`$()").find(c) != std::string_view::npos)
            return needsShell(std::string("'") + c + "'");
        if (!inWord && (c == '~' || c == '#'))
            return needsShell(std::string("a word starting with '") + c + "'");
        inWord = true;
        if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '\\') {
            if (i + 1 >= s.size())
                return needsShell("a trailing backslash");
            word += s[++i];
        } else {
            word += c;
        }
    }
    if (quote)
        return makeError(ErrorCode::Parse, "unbalanced quotes in the command", "fix the runbook");
    if (inWord)
        words.push_back(std::move(word));
    return words;
}

namespace {

// A command line nobody could review in a confirmation; the bounds also keep the reading cheap.
constexpr std::size_t kMaxWords = 1024;
constexpr std::size_t kMaxFlags = 1024;

// "-x", "--name", "--name=v": a word a reader takes for a flag. "-" (stdin) and negative numbers
// ("--tail -1") read as values.
bool looksLikeFlag(const std::string& word)
{
    if (word.size() < 2 || word[0] != '-')
        return false;
    return !std::all_of(word.begin() + 1, word.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool startsWith(std::string_view s, std::string_view p)
{
    return s.substr(0, p.size()) == p;
}

KubectlAnalysis refused(KubectlAnalysis a, std::string reason)
{
    a.effect = KubectlEffect::Refused;
    a.reason = std::move(reason);
    a.sensitiveOutput = false;
    a.previewArguments.clear();
    return a;
}

// The flags one command accepts: its own and the global ones, by long name and by shorthand.
struct FlagLookup {
    std::vector<const KubectlFlag*> flags;

    explicit FlagLookup(const KubectlVerb* verb)
    {
        if (verb)
            for (const KubectlFlag& f : verb->flags)
                flags.push_back(&f);
        for (const KubectlFlag& f : kubectlGlobalFlags())
            flags.push_back(&f);
    }
    const KubectlFlag* byName(std::string name) const
    {
        // kubectl normalises '_' to '-' in flag names (WordSepNormalizeFunc): --dry_run is --dry-run.
        std::replace(name.begin(), name.end(), '_', '-');
        for (const KubectlFlag* f : flags)
            if (f->name == name)
                return f;
        return nullptr;
    }
    const KubectlFlag* byShorthand(char c) const
    {
        for (const KubectlFlag* f : flags)
            if (f->shorthand == c)
                return f;
        return nullptr;
    }
};

// cobra's stripFlags/argsMinusFirstX: the position of the first word that is not a flag or the
// value of a flag written as "--flag value" / "-f value", read with `lookup` (unknown flags are
// assumed to take a value, as cobra does). npos when there is none before "--".
std::size_t firstCommandWord(const std::vector<std::string>& args, const FlagLookup& lookup)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& s = args[i];
        if (s == "--")
            return std::string::npos;
        const bool hasEq = s.find('=') != std::string::npos;
        if (startsWith(s, "--") && !hasEq) {
            const KubectlFlag* f = lookup.byName(s.substr(2));
            if (!f || f->value == FlagValue::Required)
                ++i;
            continue;
        }
        if (startsWith(s, "-") && !hasEq && s.size() == 2) {
            const KubectlFlag* f = lookup.byShorthand(s[1]);
            if (!f || f->value == FlagValue::Required)
                ++i;
            continue;
        }
        if (!s.empty() && s[0] != '-')
            return i;
    }
    return std::string::npos;
}

const KubectlVerb* findSubcommand(const std::string& parentPath, const std::string& word)
{
    const std::string prefix = parentPath.empty() ? std::string() : parentPath + " ";
    for (const KubectlVerb& v : kubectlVerbs()) {
        if (!startsWith(v.path, prefix) || v.path.find(' ', prefix.size()) != std::string::npos)
            continue;
        if (v.path.substr(prefix.size()) == word
            || std::find(v.aliases.begin(), v.aliases.end(), word) != v.aliases.end())
            return &v;
    }
    return nullptr;
}

// strconv.ParseBool, which pflag uses for boolean flags.
std::optional<bool> parseGoBool(const std::string& s)
{
    static const std::set<std::string> yes { "1", "t", "T", "TRUE", "true", "True" };
    static const std::set<std::string> no { "0", "f", "F", "FALSE", "false", "False" };
    if (yes.count(s))
        return true;
    if (no.count(s))
        return false;
    return std::nullopt;
}

struct ParsedFlag {
    std::string name; // long name
    std::string value; // "true"/"false" for booleans; "" for an optional value left out
    bool explicitValue = false;
    bool global = false; // one of `kubectl options`, not the command's own (create rolebinding --user)
};

bool isGlobalFlag(const KubectlFlag* f)
{
    const auto& globals = kubectlGlobalFlags();
    return std::any_of(globals.begin(), globals.end(), [f](const KubectlFlag& g) { return &g == f; });
}

struct ParsedArgs {
    std::vector<ParsedFlag> flags;
    std::vector<std::string> positional; // before "--"
    std::vector<std::string> afterDashDash;
    bool dashDash = false;
    std::vector<std::string> runArguments; // the words to run: stdin/tty flags dropped
    std::optional<std::size_t> dashDashAt; // index of "--" in runArguments
    std::vector<std::size_t> dryRunWords; // indices in runArguments of the words of --dry-run flags

    const ParsedFlag* last(std::string_view name) const
    {
        for (auto it = flags.rbegin(); it != flags.rend(); ++it)
            if (it->name == name)
                return &*it;
        return nullptr;
    }
    std::vector<std::string> all(std::string_view name) const
    {
        std::vector<std::string> out;
        for (const ParsedFlag& f : flags)
            if (f.name == name)
                out.push_back(f.value);
        return out;
    }
    bool isTrue(std::string_view name) const
    {
        const ParsedFlag* f = last(name);
        return f && f->value == "true";
    }
};

// pflag's reading of argv (interspersed flags and arguments) against `lookup`. `dropTerminal`:
// leave --stdin/-i and --tty/-t out of runArguments (there is no terminal to attach).
Result<ParsedArgs> parseFlags(
    const std::vector<std::string>& args, const FlagLookup& lookup, const std::string& verb, bool dropTerminal)
{
    ParsedArgs p;
    auto unknown = [&](const std::string& flag) {
        return makeError(ErrorCode::Unsupported,
            "'" + flag + "' is not a flag of kubectl " + verb
                + " (v1.32); LeakDesk runs only what it can read with certainty",
            "fix the runbook, or copy the command and run it in a terminal");
    };
    auto dropped = [&](const KubectlFlag* f) {
        return dropTerminal && f->value == FlagValue::None && (f->name == "stdin" || f->name == "tty");
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& s = args[i];
        if (p.dashDash) {
            p.afterDashDash.push_back(s);
            p.runArguments.push_back(s);
            continue;
        }
        if (s == "--") {
            p.dashDash = true;
            p.dashDashAt = p.runArguments.size();
            p.runArguments.push_back(s);
            continue;
        }
        if (s.size() < 2 || s[0] != '-') {
            p.positional.push_back(s);
            p.runArguments.push_back(s);
            continue;
        }
        if (s[1] == '-') {
            const auto eq = s.find('=');
            const std::string name = s.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
            if (name.empty() || name[0] == '-' || name[0] == '=')
                return makeError(ErrorCode::Parse, "bad flag syntax: '" + s + "'", "fix the runbook");
            const KubectlFlag* f = lookup.byName(name);
            if (!f)
                return unknown("--" + name);
            if (p.flags.size() >= kMaxFlags)
                return makeError(ErrorCode::Unsupported,
                    "more than " + std::to_string(kMaxFlags) + " flags: too long to review", "fix the runbook");
            ParsedFlag pf { f->name, {}, eq != std::string::npos, isGlobalFlag(f) };
            std::vector<std::string> words { s };
            if (eq != std::string::npos) {
                pf.value = s.substr(eq + 1);
                if (f->value == FlagValue::None) {
                    const auto b = parseGoBool(pf.value);
                    if (!b)
                        return makeError(
                            ErrorCode::Parse, "'" + s + "': --" + f->name + " takes true or false", "fix the runbook");
                    pf.value = *b ? "true" : "false";
                }
            } else if (f->value == FlagValue::None) {
                pf.value = "true";
            } else if (f->value == FlagValue::Required) {
                if (i + 1 >= args.size())
                    return makeError(ErrorCode::Parse, "--" + f->name + " needs a value", "fix the runbook");
                // kubectl takes the next word as the value even when it looks like a flag
                // ("--field-manager --raw=x" names a field manager "--raw=x"); a reader sees a flag.
                // Such a line means two things: refused.
                if (looksLikeFlag(args[i + 1]))
                    return makeError(ErrorCode::Parse,
                        "'--" + f->name + " " + args[i + 1] + "': kubectl would take " + args[i + 1]
                            + " as the value of --" + f->name + ", not as a flag",
                        "write --" + f->name + "=VALUE, or fix the runbook");
                pf.value = args[++i];
                pf.explicitValue = true;
                words.push_back(pf.value);
            }
            if (f->name == "dry-run")
                for (std::size_t k = 0; k < words.size(); ++k)
                    p.dryRunWords.push_back(p.runArguments.size() + k);
            if (!dropped(f))
                p.runArguments.insert(p.runArguments.end(), words.begin(), words.end());
            p.flags.push_back(std::move(pf));
            continue;
        }
        // One or more shorthands: "-it", "-n", "-nprod", "-n=prod", "-oyaml", "-i=false".
        std::string kept = "-";
        std::vector<std::string> extra;
        for (std::size_t j = 1; j < s.size(); ++j) {
            const KubectlFlag* f = lookup.byShorthand(s[j]);
            if (!f)
                return unknown(std::string("-") + s[j]);
            if (p.flags.size() >= kMaxFlags)
                return makeError(ErrorCode::Unsupported,
                    "more than " + std::to_string(kMaxFlags) + " flags: too long to review", "fix the runbook");
            ParsedFlag pf { f->name, {}, false, isGlobalFlag(f) };
            const bool eqFollows = j + 1 < s.size() && s[j + 1] == '=';
            std::string written(1, s[j]);
            bool groupEnds = false;
            if (f->value == FlagValue::None) {
                if (eqFollows) {
                    const auto b = parseGoBool(s.substr(j + 2));
                    if (!b)
                        return makeError(ErrorCode::Parse,
                            "'" + s + "': -" + std::string(1, s[j]) + " takes true or false", "fix the runbook");
                    pf.value = *b ? "true" : "false";
                    pf.explicitValue = true;
                    written = s.substr(j);
                    groupEnds = true;
                } else {
                    pf.value = "true";
                }
            } else if (eqFollows) {
                pf.value = s.substr(j + 2);
                pf.explicitValue = true;
                written = s.substr(j);
                groupEnds = true;
            } else if (j + 1 < s.size()) {
                pf.value = s.substr(j + 1);
                pf.explicitValue = true;
                written = s.substr(j);
                groupEnds = true;
            } else if (f->value == FlagValue::Required) {
                if (i + 1 >= args.size())
                    return makeError(
                        ErrorCode::Parse, "-" + std::string(1, s[j]) + " needs a value", "fix the runbook");
                if (looksLikeFlag(args[i + 1]))
                    return makeError(ErrorCode::Parse,
                        "'-" + std::string(1, s[j]) + " " + args[i + 1] + "': kubectl would take " + args[i + 1]
                            + " as the value of -" + std::string(1, s[j]) + ", not as a flag",
                        "write -" + std::string(1, s[j]) + "=VALUE, or fix the runbook");
                pf.value = args[++i];
                pf.explicitValue = true;
                extra.push_back(pf.value);
            }
            if (!dropped(f))
                kept += written;
            p.flags.push_back(std::move(pf));
            if (groupEnds)
                break;
        }
        if (kept != "-")
            p.runArguments.push_back(kept);
        p.runArguments.insert(p.runArguments.end(), extra.begin(), extra.end());
    }
    return p;
}

// Global flags that change where or as whom kubectl connects: LeakDesk passes the investigated
// cluster's own connection, and a runbook line must not swap it (a bearer token sent to another
// server, another kubeconfig's exec plugin run).
const std::set<std::string>& connectionFlags()
{
    static const std::set<std::string> flags { "as", "as-group", "as-uid", "cache-dir", "certificate-authority",
        "client-certificate", "client-key", "cluster", "context", "insecure-skip-tls-verify", "kubeconfig", "password",
        "server", "tls-server-name", "token", "user", "username" };
    return flags;
}

// Commands a runbook has no business running from a desktop.
std::optional<std::string> refusedCommand(const std::string& word)
{
    if (word == "config")
        return std::string("kubectl config reads and changes kubeconfig files on this machine");
    if (word == "proxy")
        return std::string("kubectl proxy opens a local port that forwards to the API server with your credentials");
    if (word == "port-forward")
        return std::string("kubectl port-forward opens a local port into the cluster");
    if (word == "attach")
        return std::string("kubectl attach needs a terminal");
    if (word == "edit")
        return std::string("kubectl edit opens an editor; use a built-in mitigation or a patch");
    if (word == "plugin")
        return std::string("kubectl plugin lists programs on this machine's PATH");
    if (word == "completion" || word == "options" || word == "help" || word == "kustomize" || word == "alpha")
        return "kubectl " + word + " is not about the cluster under investigation";
    return std::nullopt;
}

bool isReadOnlyVerb(const std::string& path)
{
    static const std::set<std::string> verbs { "get", "describe", "top node", "top pod", "logs", "events", "explain",
        "api-resources", "api-versions", "version", "auth can-i", "rollout status", "rollout history" };
    return verbs.count(path) > 0;
}

// "secrets", "Secret", "secrets.v1.", "cm", "configmaps.v1" ...: the resource before the group.
std::string resourceOf(const std::string& typeWord)
{
    return lower(typeWord.substr(0, typeWord.find('.')));
}

bool isConfigMapType(const std::string& typeWord)
{
    const std::string t = resourceOf(typeWord);
    return t == "configmap" || t == "configmaps" || t == "cm";
}

bool isSecretType(const std::string& typeWord)
{
    const std::string t = resourceOf(typeWord);
    return t == "secret" || t == "secrets" || isConfigMapType(typeWord);
}

// Output formats that print objects' fields (data included); "", "wide" and "name" do not.
bool printsData(const ParsedArgs& p, const std::string& verb)
{
    const ParsedFlag* o = p.last("output");
    if (verb == "apply view-last-applied")
        return true; // prints the last-applied manifest, yaml by default
    if (o && !o->value.empty()) {
        const std::string format = lower(o->value.substr(0, o->value.find('=')));
        return !(format.empty() || format == "wide" || format == "name");
    }
    // --template alone means -o go-template; kubectl get's printer also reads it when -o is written
    // empty ("-o=", "--output ''"), so an empty -o counts as none.
    const ParsedFlag* t = p.last("template");
    return t && !t->value.empty();
}

// url.Parse's reading of %xx, which kubectl applies to --raw before it sends the path: repeated
// until nothing changes, so that no encoding hides a resource name.
std::string percentDecoded(std::string path)
{
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    };
    for (int round = 0; round < 8; ++round) {
        std::string out;
        out.reserve(path.size());
        for (std::size_t i = 0; i < path.size(); ++i) {
            if (path[i] == '%' && i + 2 < path.size() && hex(path[i + 1]) >= 0 && hex(path[i + 2]) >= 0) {
                out += static_cast<char>(hex(path[i + 1]) * 16 + hex(path[i + 2]));
                i += 2;
            } else {
                out += path[i];
            }
        }
        if (out == path)
            break;
        path = std::move(out);
    }
    return path;
}

// A --raw path through the API server's proxy into a pod or a service: the workload's own HTTP
// endpoint answers, and a GET there may act (/actuator/shutdown). The kubelet's, through
// /api/v1/nodes/<node>/proxy (stats, metrics), only reads.
bool reachesAWorkload(const std::string& rawPath)
{
    std::vector<std::string> segments;
    bool climbs = false;
    std::size_t start = 0;
    const std::string path = lower(percentDecoded(rawPath.substr(0, rawPath.find('?'))));
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const std::string segment = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (segment == "..")
            climbs = true;
        if (!segment.empty() && segment != ".")
            segments.push_back(segment);
        if (slash == std::string::npos)
            break;
        start = slash + 1;
    }
    if (std::find(segments.begin(), segments.end(), "proxy") == segments.end())
        return false;
    const bool kubelet = segments.size() >= 4 && segments[0] == "api" && segments[1] == "v1" && segments[2] == "nodes";
    return climbs || !kubelet;
}

// Which resource types the positional words name: "pods", "secret,pod x", "secrets/x pod/y".
std::vector<std::string> resourceTypes(const std::vector<std::string>& positional)
{
    std::vector<std::string> types;
    const bool slashForm = std::any_of(
        positional.begin(), positional.end(), [](const std::string& w) { return w.find('/') != std::string::npos; });
    auto addList = [&](const std::string& list) {
        std::size_t start = 0;
        while (start <= list.size()) {
            const auto comma = list.find(',', start);
            types.push_back(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            if (comma == std::string::npos)
                break;
            start = comma + 1;
        }
    };
    if (slashForm) {
        for (const std::string& w : positional)
            if (const auto slash = w.find('/'); slash != std::string::npos)
                types.push_back(w.substr(0, slash));
    } else if (!positional.empty()) {
        addList(positional.front());
    }
    return types;
}

void markSensitive(KubectlAnalysis& a, const ParsedArgs& p)
{
    auto set = [&](std::string why) {
        a.sensitiveOutput = true;
        a.sensitiveReason = std::move(why);
    };
    const std::string& verb = a.verb;
    if (verb == "create token") {
        set("prints a service account token");
        return;
    }
    if (const ParsedFlag* raw = p.last("raw")) {
        const std::string path = lower(percentDecoded(raw->value));
        if (path.find("/secrets") != std::string::npos || path.find("/configmaps") != std::string::npos)
            set("reads Secrets or ConfigMaps through --raw");
        return;
    }
    std::vector<std::string> types;
    if (verb == "create configmap" || startsWith(verb, "create secret"))
        types.push_back("secret");
    else if (verb != "exec" && verb != "logs" && verb != "cp" && verb != "explain" && verb != "events"
        && !startsWith(verb, "top ")) {
        // Words after "--" are still the command's arguments (kubectl get -o yaml -- secrets x).
        std::vector<std::string> arguments = p.positional;
        if (verb != "run" && verb != "debug")
            arguments.insert(arguments.end(), p.afterDashDash.begin(), p.afterDashDash.end());
        types = resourceTypes(arguments);
    }
    for (const std::string& from : p.all("from"))
        if (from.find('/') != std::string::npos)
            types.push_back(from.substr(0, from.find('/')));
    const bool namesSecrets = std::any_of(types.begin(), types.end(), isSecretType);
    const bool fromFiles = p.last("filename") || p.last("kustomize");
    if (verb == "describe" && std::any_of(types.begin(), types.end(), isConfigMapType)) {
        set("kubectl describe prints the data of ConfigMaps");
        return;
    }
    if (verb == "describe" && fromFiles) {
        set("kubectl describe -f prints the data of the ConfigMaps the files name");
        return;
    }
    if (verb == "set env" && p.isTrue("resolve")) {
        set("kubectl set env --resolve prints the values of Secret and ConfigMap references");
        return;
    }
    if (printsData(p, verb) && (namesSecrets || fromFiles))
        set(namesSecrets ? "prints the data of Secrets or ConfigMaps (-o "
                    + (p.last("output") ? p.last("output")->value : std::string("template")) + ")"
                         : "prints objects read from files, which may be Secrets or ConfigMaps");
}

// kubectl cp: "[[namespace/]pod:]path" on each side; exactly one side is in a pod. The local side
// must lie inside the folder the user picked.
KubectlAnalysis checkCopy(KubectlAnalysis a, const ParsedArgs& p, const KubectlRunOptions& options)
{
    namespace fs = std::filesystem;
    a.needsLocalFolder = true;
    if (p.positional.size() != 2)
        return refused(std::move(a), "kubectl cp needs exactly a source and a destination");
    auto isPod = [](const std::string& w) { return w.find(':') != std::string::npos; };
    const std::string& from = p.positional[0];
    const std::string& to = p.positional[1];
    if (isPod(from) == isPod(to))
        return refused(
            std::move(a), "kubectl cp copies between a pod and this machine: exactly one side must be pod:path");
    const std::string& podSide = isPod(from) ? from : to;
    const std::string& localSide = isPod(from) ? to : from;
    const std::string podPart = podSide.substr(0, podSide.find(':'));
    if (podPart.empty() || std::count(podPart.begin(), podPart.end(), '/') > 1)
        return refused(std::move(a), "'" + podSide + "' is not [namespace/]pod:path");
    if (const auto slash = podPart.find('/'); slash != std::string::npos && !a.ns)
        a.ns = podPart.substr(0, slash);
    a.objects = { from, to };
    if (options.localFolder.empty())
        return refused(std::move(a),
            "kubectl cp " + std::string(isPod(from) ? "writes to" : "reads from")
                + " this machine: pick a folder for it first");
    if (localSide.empty() || localSide == "-")
        return refused(std::move(a), "kubectl cp to or from standard input/output is not run from LeakDesk");
    std::error_code ec;
    const fs::path folder = fs::weakly_canonical(fs::path(options.localFolder), ec);
    if (ec || folder.empty())
        return refused(std::move(a), "the folder picked for kubectl cp cannot be read");
    fs::path local(localSide);
    if (local.is_relative())
        local = fs::path(options.localFolder) / local;
    const fs::path resolved = fs::weakly_canonical(local, ec); // follows symbolic links that exist
    if (ec)
        return refused(std::move(a), "the local path '" + localSide + "' cannot be resolved");
    const auto rel = resolved.lexically_relative(folder);
    if (rel.empty() || *rel.begin() == "..")
        return refused(std::move(a),
            "kubectl cp " + std::string(isPod(from) ? "would write " : "would read ") + "'" + localSide
                + "', outside the folder picked for it (" + folder.string() + ")");
    return a;
}

// Flags whose value kubectl reads as a file on this machine: "-f x.yaml", "--from-file=[key=]path",
// "--patch-file p.yaml", "--cert c.pem", "debug --custom c.json". Their content goes to the cluster, and kubectl prints
// a file it cannot decode in its error ("Object 'Kind' is missing in '{...}'"): a runbook line must not reach
// ~/.docker/config.json or a cloud SDK's credentials through them.
std::vector<std::string> localFilesRead(const ParsedArgs& p)
{
    std::vector<std::string> files;
    for (const ParsedFlag& f : p.flags) {
        if (f.name == "filename" || f.name == "from-env-file" || f.name == "cert" || f.name == "key"
            || f.name == "patch-file" || (f.name == "custom" && !f.global)) // debug --custom: a container spec file
            files.push_back(f.value);
        else if (f.name == "from-file") // "key=path": kubectl splits at the first '='
            files.push_back(f.value.find('=') == std::string::npos ? f.value : f.value.substr(f.value.find('=') + 1));
    }
    return files;
}

// Why kubectl may not read `file`, or nothing: a URL is fetched from this machine (cloud metadata
// services answer there with credentials), a local path must lie inside the folder the user picked.
std::optional<std::string> localFileProblem(const std::string& file, const KubectlRunOptions& options)
{
    namespace fs = std::filesystem;
    if (file == "-")
        return std::nullopt; // standard input, which is empty
    if (startsWith(file, "http://") || startsWith(file, "https://"))
        return "kubectl would fetch " + file
            + " from this machine; download it into the folder you pick for kubectl's files and use that copy";
    if (options.localFolder.empty())
        return "kubectl would read the file " + file + " on this machine: pick a folder for kubectl's files first";
    std::error_code ec;
    const fs::path folder = fs::weakly_canonical(fs::path(options.localFolder), ec);
    if (ec || folder.empty())
        return std::string("the folder picked for kubectl's files cannot be read");
    fs::path local(file);
    if (local.is_relative())
        local = fs::path(options.localFolder) / local;
    const fs::path resolved = fs::weakly_canonical(local, ec); // follows symbolic links that exist
    if (ec)
        return "the local path '" + file + "' cannot be resolved";
    const auto rel = resolved.lexically_relative(folder);
    if (rel.empty() || *rel.begin() == "..")
        return "kubectl would read '" + file + "', outside the folder picked for its files (" + folder.string() + ")";
    return std::nullopt;
}

} // namespace

KubectlAnalysis analyseKubectlArguments(const std::vector<std::string>& args, const KubectlRunOptions& options)
{
    KubectlAnalysis a;
    if (args.size() > kMaxWords)
        return refused(std::move(a),
            "the command has more than " + std::to_string(kMaxWords) + " words: too long to review and confirm");
    // 1. Which command runs: cobra's Find, one level at a time, each level reading flags with
    //    that level's flag set, and removing the command word it found.
    std::vector<std::string> rest = args;
    std::vector<std::string> written; // the command words as written (aliases kept)
    const KubectlVerb* verb = nullptr;
    for (;;) {
        const std::size_t at = firstCommandWord(rest, FlagLookup(verb));
        if (at == std::string::npos)
            break;
        const std::string& word = rest[at];
        const KubectlVerb* next = findSubcommand(verb ? verb->path : std::string(), word);
        if (!next && !verb) {
            if (const auto why = refusedCommand(word))
                return refused(std::move(a), *why);
            return refused(std::move(a),
                "'" + word + "' is not a kubectl command: kubectl would run a plugin program kubectl-" + word
                    + " from this machine's PATH");
        }
        if (!next) {
            if (verb->hasSubcommands)
                return refused(std::move(a), "'" + word + "' is not a subcommand of kubectl " + verb->path);
            break;
        }
        verb = next;
        written.push_back(word);
        rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(at));
        if (!verb->hasSubcommands)
            break;
    }
    if (!verb)
        return refused(std::move(a), "kubectl without a command");
    a.verb = verb->path;
    if (verb->hasSubcommands && a.verb != "create" && a.verb != "apply" && a.verb != "cluster-info")
        return refused(std::move(a), "kubectl " + a.verb + " needs a subcommand");
    if (a.verb == "apply edit-last-applied")
        return refused(std::move(a), "kubectl apply edit-last-applied opens an editor");

    // 2. The flags and arguments, as pflag reads them for that command.
    const bool terminal = a.verb == "exec" || a.verb == "run" || a.verb == "debug";
    auto parsed = parseFlags(rest, FlagLookup(verb), a.verb, terminal);
    if (!parsed)
        return refused(std::move(a), parsed.error().toString());
    const ParsedArgs& p = *parsed;
    // The command words in front, as written: "kubectl -n x top pods" runs as "top pods -n x".
    a.arguments = written;
    a.arguments.insert(a.arguments.end(), p.runArguments.begin(), p.runArguments.end());

    // 3. What it may not do.
    for (const ParsedFlag& f : p.flags) {
        if (f.global && connectionFlags().count(f.name))
            return refused(std::move(a),
                "--" + f.name
                    + " changes where or as whom kubectl connects; LeakDesk connects it to the investigated cluster "
                      "itself");
        if (f.global && (f.name == "profile" || f.name == "profile-output"))
            return refused(std::move(a), "--" + f.name + " writes a profile file on this machine");
        if (f.global && (f.name == "v" || f.name == "vmodule"))
            return refused(std::move(a),
                "--" + f.name + " turns on debug logging, which prints requests and responses (Secrets included)");
        if (f.name == "insecure-skip-tls-verify-backend")
            return refused(
                std::move(a), "--insecure-skip-tls-verify-backend turns off TLS verification of the kubelet");
        if (f.name == "output-directory")
            return refused(std::move(a), "--output-directory writes files on this machine");
        if (f.name == "edit" && f.value == "true")
            return refused(std::move(a),
                "--edit opens an editor on this machine (also with --dry-run); create the objects from a file instead");
        if (f.name == "kustomize")
            return refused(std::move(a), "-k/--kustomize builds can fetch remote bases with git; run it in a terminal");
        if (f.name == "output") {
            const std::string format = lower(f.value.substr(0, f.value.find('=')));
            if (format.size() > 5 && format.compare(format.size() - 4, 4, "file") == 0)
                return refused(std::move(a), "-o " + format + " reads a template file on this machine and prints it");
        }
        if (f.name == "raw" && (!startsWith(f.value, "/") || startsWith(f.value, "//")))
            return refused(std::move(a), "--raw takes a path on the API server, starting with /");
    }

    for (const std::string& file : localFilesRead(p)) {
        if (file != "-")
            a.needsLocalFolder = true;
        if (const auto problem = localFileProblem(file, options))
            return refused(std::move(a), *problem);
    }

    // 4. What it acts on.
    if (const ParsedFlag* n = p.last("namespace"))
        a.ns = n->value;
    a.allNamespaces = p.isTrue("all-namespaces");
    for (const std::string& w : p.positional)
        a.objects.push_back(w);
    for (const std::string& f : p.all("filename"))
        a.objects.push_back("objects in " + f);
    for (const char* local : { "from-file", "from-env-file", "cert", "key" })
        for (const std::string& f : p.all(local))
            a.objects.push_back("uploads the local file " + f);
    if (const ParsedFlag* l = p.last("selector"))
        a.objects.push_back("selected by -l " + l->value);
    if (const ParsedFlag* fs = p.last("field-selector"))
        a.objects.push_back("selected by --field-selector " + fs->value);
    if (p.isTrue("all"))
        a.objects.push_back("all of them (--all)");
    if (const ParsedFlag* raw = p.last("raw"))
        a.objects.push_back("the API path " + raw->value);
    if (!p.afterDashDash.empty()) {
        std::string inner;
        for (const std::string& w : p.afterDashDash)
            inner += (inner.empty() ? "" : " ") + w;
        a.objects.push_back(
            a.verb == "exec" || a.verb == "debug" ? "runs in the container: " + inner : "arguments: " + inner);
    }
    if (a.verb == "cp") {
        a = checkCopy(std::move(a), p, options);
        if (a.effect == KubectlEffect::Refused && !a.reason.empty())
            return a;
    }

    // 5. Read-only by allow-list; everything else changes the cluster.
    markSensitive(a, p);
    if (const ParsedFlag* raw = p.last("raw"); raw && a.verb == "get" && reachesAWorkload(raw->value)) {
        a.effect = KubectlEffect::Change;
        a.reason = "kubectl get --raw through the API server's proxy reaches the workload's own HTTP endpoint, which "
                   "may act on a GET: confirm first";
        return a;
    }
    if (isReadOnlyVerb(a.verb)) {
        a.effect = KubectlEffect::ReadOnly;
        a.reason = "kubectl " + a.verb + " only reads";
        return a;
    }
    a.effect = KubectlEffect::Change;
    a.reason = "kubectl " + a.verb + " is not on the read-only list: it may change the cluster";
    const bool hasDryRunFlag
        = std::any_of(verb->flags.begin(), verb->flags.end(), [](const KubectlFlag& f) { return f.name == "dry-run"; });
    // --raw sends the request as written and kubectl ignores --dry-run for it: a "preview" would
    // be the change itself, made before the confirmation.
    if (hasDryRunFlag && !p.last("raw")) {
        // Preview: the command words, --dry-run=server, then the same words without the --dry-run
        // flags pflag read (a word "--dry-run" that is another flag's value stays). Right after
        // the command words, --dry-run=server cannot be read as a preceding flag's value, and no
        // later --dry-run overrides it.
        std::vector<bool> dropped(p.runArguments.size(), false);
        for (const std::size_t i : p.dryRunWords)
            if (i < dropped.size())
                dropped[i] = true;
        std::vector<std::string> preview = written;
        preview.push_back("--dry-run=server");
        for (std::size_t i = 0; i < p.runArguments.size(); ++i)
            if (!dropped[i])
                preview.push_back(p.runArguments[i]);
        a.previewArguments = std::move(preview);
    }
    return a;
}

KubectlAnalysis analyseKubectlCommand(std::string_view commandLine, const KubectlRunOptions& options)
{
    auto words = splitCommandWords(commandLine);
    if (!words)
        return refused({}, words.error().toString());
    if (words->empty())
        return refused({}, "empty command");
    if (words->front() != "kubectl")
        return refused({},
            "only kubectl commands are run from LeakDesk (this one starts with '" + words->front()
                + "'); copy it and run it in a terminal");
    return analyseKubectlArguments(std::vector<std::string>(words->begin() + 1, words->end()), options);
}

} // namespace leakdesk::runbook
