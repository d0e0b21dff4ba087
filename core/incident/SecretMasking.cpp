#include "core/incident/SecretMasking.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <vector>

namespace leakdesk::incident {

namespace {

struct Span {
    std::size_t begin;
    std::size_t end;
};

bool isAlnum(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool isWordChar(char c)
{
    return isAlnum(c) || c == '_';
}
bool isUpperOrDigit(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool isTokenChar(char c) // base62 plus '-' and '_': URL-safe token alphabets
{
    return isWordChar(c) || c == '-';
}
bool isBase64Char(char c)
{
    return isAlnum(c) || c == '+' || c == '/' || c == '=';
}
bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}
bool isKeyChar(char c)
{
    return isWordChar(c) || c == '-' || c == '.';
}

std::string toLower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

bool endsWith(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// ---- fixed-prefix tokens (gitleaks: aws-access-token, github-*, stripe-access-token, slack-*,
// gcp-api-key) ----------------------------------------------------------------------------------

enum class Alphabet { UpperDigits, Alnum, Word, Token, Base64 };

bool inAlphabet(Alphabet a, char c)
{
    switch (a) {
    case Alphabet::UpperDigits:
        return isUpperOrDigit(c);
    case Alphabet::Alnum:
        return isAlnum(c);
    case Alphabet::Word:
        return isWordChar(c);
    case Alphabet::Token:
        return isTokenChar(c);
    case Alphabet::Base64:
        return isBase64Char(c);
    }
    return false;
}

struct PrefixRule {
    std::string_view prefix;
    Alphabet alphabet;
    std::size_t minLength; // of the part after the prefix
    std::size_t maxLength; // 0: unbounded; a longer run is not this kind of token
};

constexpr std::array<PrefixRule, 26> kPrefixRules { {
    { "AKIA", Alphabet::UpperDigits, 16, 16 },
    { "ASIA", Alphabet::UpperDigits, 16, 16 },
    { "ABIA", Alphabet::UpperDigits, 16, 16 },
    { "ACCA", Alphabet::UpperDigits, 16, 16 },
    { "A3T", Alphabet::UpperDigits, 17, 17 },
    { "ghp_", Alphabet::Alnum, 36, 0 },
    { "gho_", Alphabet::Alnum, 36, 0 },
    { "ghu_", Alphabet::Alnum, 36, 0 },
    { "ghs_", Alphabet::Alnum, 36, 0 },
    { "ghr_", Alphabet::Alnum, 36, 0 },
    { "github_pat_", Alphabet::Word, 82, 0 },
    { "sk_live_", Alphabet::Alnum, 10, 0 },
    { "sk_test_", Alphabet::Alnum, 10, 0 },
    { "sk_prod_", Alphabet::Alnum, 10, 0 },
    { "rk_live_", Alphabet::Alnum, 10, 0 },
    { "rk_test_", Alphabet::Alnum, 10, 0 },
    { "rk_prod_", Alphabet::Alnum, 10, 0 },
    { "xoxb-", Alphabet::Token, 8, 0 },
    { "xoxa-", Alphabet::Token, 8, 0 },
    { "xoxp-", Alphabet::Token, 8, 0 },
    { "xoxr-", Alphabet::Token, 8, 0 },
    { "xoxs-", Alphabet::Token, 8, 0 },
    { "xoxe-", Alphabet::Token, 8, 0 },
    { "xoxo-", Alphabet::Token, 8, 0 },
    { "xapp-", Alphabet::Token, 10, 0 },
    { "AIza", Alphabet::Token, 35, 0 },
} };

void findPrefixTokens(std::string_view text, std::vector<Span>& spans)
{
    for (const auto& rule : kPrefixRules) {
        std::size_t from = 0;
        while ((from = text.find(rule.prefix, from)) != std::string_view::npos) {
            const std::size_t start = from + rule.prefix.size();
            std::size_t end = start;
            while (end < text.size() && inAlphabet(rule.alphabet, text[end]))
                ++end;
            const std::size_t length = end - start;
            const bool boundaryBefore = from == 0 || !isWordChar(text[from - 1]);
            const bool boundaryAfter = end >= text.size() || !isAlnum(text[end]);
            if (boundaryBefore && boundaryAfter && length >= rule.minLength
                && (rule.maxLength == 0 || length <= rule.maxLength))
                spans.push_back({ start, end });
            from = std::max(end, from + 1);
        }
    }
    // Slack webhooks: the path after /services/ is the credential.
    constexpr std::string_view hook = "hooks.slack.com/";
    std::size_t from = 0;
    while ((from = text.find(hook, from)) != std::string_view::npos) {
        std::size_t start = from + hook.size();
        while (start < text.size() && std::isalpha(static_cast<unsigned char>(text[start])))
            ++start; // services / workflows / triggers
        std::size_t end = start;
        while (end < text.size() && (isBase64Char(text[end])))
            ++end;
        if (end - start >= 20)
            spans.push_back({ start, end });
        from = std::max(end, from + 1);
    }
}

// ---- JSON Web Tokens (gitleaks: jwt) ----------------------------------------------------------

std::size_t tokenRun(std::string_view text, std::size_t i)
{
    std::size_t end = i;
    while (end < text.size() && isTokenChar(text[end]))
        ++end;
    return end;
}

void findJwts(std::string_view text, std::vector<Span>& spans)
{
    std::size_t from = 0;
    while ((from = text.find("ey", from)) != std::string_view::npos) {
        if (from > 0 && isTokenChar(text[from - 1])) {
            from = tokenRun(text, from); // inside a word: skip the word
            continue;
        }
        const std::size_t headerEnd = tokenRun(text, from);
        if (headerEnd - from < 10 || headerEnd >= text.size() || text[headerEnd] != '.'
            || text.compare(headerEnd + 1, 2, "ey") != 0) {
            from = std::max(headerEnd, from + 2);
            continue;
        }
        const std::size_t payloadEnd = tokenRun(text, headerEnd + 1);
        if (payloadEnd - (headerEnd + 1) < 10) {
            from = payloadEnd;
            continue;
        }
        std::size_t end = payloadEnd;
        if (end < text.size() && text[end] == '.') {
            end = tokenRun(text, end + 1);
            while (end < text.size() && text[end] == '=')
                ++end;
        }
        spans.push_back({ from, end });
        from = end;
    }
}

// ---- PEM private keys (gitleaks: private-key; detect-secrets: PrivateKeyDetector) -------------

void findPrivateKeys(std::string_view text, std::string_view lower, std::vector<Span>& spans)
{
    std::size_t from = 0;
    while ((from = lower.find("-----begin", from)) != std::string_view::npos) {
        const std::size_t labelStart = from + 10;
        // The label ("RSA PRIVATE KEY") ends at "-----" within 100 characters of its line.
        std::size_t labelEnd = labelStart;
        while (labelEnd < lower.size() && labelEnd - labelStart <= 100 && lower[labelEnd] != '\n'
            && lower.compare(labelEnd, 5, "-----") != 0)
            ++labelEnd;
        if (lower.compare(labelEnd, 5, "-----") != 0) {
            from = labelStart;
            continue;
        }
        if (lower.substr(labelStart, labelEnd - labelStart).find("private key") == std::string_view::npos) {
            from = labelEnd + 5;
            continue;
        }
        const std::size_t bodyStart = labelEnd + 5;
        std::size_t bodyEnd = lower.find("-----end", bodyStart);
        if (bodyEnd == std::string_view::npos)
            bodyEnd = text.size(); // cut off: everything after the header may be key material
        if (bodyEnd > bodyStart)
            spans.push_back({ bodyStart, bodyEnd });
        from = bodyEnd;
    }
}

// ---- URL userinfo (detect-secrets: BasicAuthDetector) -----------------------------------------

void findUrlPasswords(std::string_view text, std::vector<Span>& spans)
{
    std::size_t from = 0;
    while ((from = text.find("://", from)) != std::string_view::npos) {
        const bool hasScheme = from > 0 && (isAlnum(text[from - 1]) || text[from - 1] == '+');
        const std::size_t start = from + 3;
        std::size_t end = start;
        // The authority ends at the path, query or fragment, or where the URL itself ends.
        while (end < text.size() && end - start < 1024) {
            const char c = text[end];
            if (c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`'
                || std::isspace(static_cast<unsigned char>(c)))
                break;
            ++end;
        }
        const std::string_view authority = text.substr(start, end - start);
        const std::size_t at = authority.rfind('@');
        if (hasScheme && at != std::string_view::npos) {
            const std::size_t colon = authority.find(':');
            if (colon != std::string_view::npos && colon < at && at - colon > 1)
                spans.push_back({ start + colon + 1, start + at });
        }
        from = std::max(end, start);
    }
}

// ---- Authorization headers and bare bearer tokens ----------------------------------------------

std::size_t valueEnd(std::string_view text, std::size_t i, char quote)
{
    while (i < text.size()) {
        const char c = text[i];
        if (c == '\n' || c == '\r')
            break;
        if (quote ? c == quote : (std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\''))
            break;
        if (quote && c == '\\' && i + 1 < text.size()) {
            i += 2;
            continue;
        }
        ++i;
    }
    return i;
}

void findAuthorizationHeaders(std::string_view text, std::string_view lower, std::vector<Span>& spans)
{
    std::size_t from = 0;
    while ((from = lower.find("authorization", from)) != std::string_view::npos) {
        std::size_t i = from + 13;
        from = i;
        while (i < text.size() && (text[i] == '"' || text[i] == '\'' || isBlank(text[i])))
            ++i;
        if (i >= text.size() || (text[i] != ':' && text[i] != '='))
            continue;
        ++i;
        while (i < text.size() && isBlank(text[i]))
            ++i;
        char quote = 0;
        if (i < text.size() && (text[i] == '"' || text[i] == '\'')) {
            quote = text[i];
            ++i;
        }
        std::size_t word = i;
        while (word < text.size() && (std::isalpha(static_cast<unsigned char>(text[word])) || text[word] == '-'))
            ++word;
        // "Bearer abc", "Basic abc", "Digest username=..., response=...": the scheme stays.
        const bool scheme = word > i && word < text.size() && isBlank(text[word]);
        std::size_t start = i;
        if (scheme) {
            start = word;
            while (start < text.size() && isBlank(text[start]))
                ++start;
        }
        std::size_t end = start;
        if (scheme) {
            while (end < text.size() && text[end] != '\n' && text[end] != '\r' && (!quote || text[end] != quote))
                ++end;
        } else {
            end = valueEnd(text, start, quote);
        }
        if (end > start)
            spans.push_back({ start, end });
        from = std::max(from, end);
    }
    from = 0;
    while ((from = lower.find("bearer", from)) != std::string_view::npos) {
        std::size_t i = from + 6;
        const bool boundary = from == 0 || !isAlnum(text[from - 1]);
        from = i;
        if (!boundary || i >= text.size() || !isBlank(text[i]))
            continue;
        while (i < text.size() && isBlank(text[i]))
            ++i;
        std::size_t end = i;
        while (end < text.size()
            && (isTokenChar(text[end]) || text[end] == '.' || text[end] == '~' || text[end] == '+' || text[end] == '/'
                || text[end] == '='))
            ++end;
        if (end - i >= 8)
            spans.push_back({ i, end });
    }
}

// ---- key = value with a secret key (detect-secrets: KeywordDetector; gitleaks: generic-api-key) --

bool isPlaceholder(std::string_view value)
{
    const std::string v = toLower(value);
    return v.empty() || v == kMasked || v == "null" || v == "true" || v == "false" || v == "none" || v == "~"
        || v.rfind("${", 0) == 0 || v.rfind("$(", 0) == 0 || v.rfind("{{", 0) == 0;
}

std::size_t indentationOfLine(std::string_view text, std::size_t pos)
{
    std::size_t lineStart = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    lineStart = lineStart == std::string_view::npos ? 0 : lineStart + 1;
    std::size_t i = lineStart;
    while (i < text.size() && (text[i] == ' ' || text[i] == '-'))
        ++i;
    return i - lineStart;
}

// Masks the lines after `pos` that are indented deeper than `indent` (a YAML block); returns
// where the block ends.
std::size_t maskIndentedBlock(std::string_view text, std::size_t pos, std::size_t indent, std::vector<Span>& spans,
    bool (*wanted)(std::string_view line, std::size_t valueStart) = nullptr)
{
    std::size_t lineStart = text.find('\n', pos);
    while (lineStart != std::string_view::npos && lineStart + 1 <= text.size()) {
        ++lineStart;
        std::size_t lineEnd = text.find('\n', lineStart);
        if (lineEnd == std::string_view::npos)
            lineEnd = text.size();
        std::size_t i = lineStart;
        while (i < lineEnd && text[i] == ' ')
            ++i;
        if (i == lineEnd || text[i] == '\r') { // blank line: part of the block
            lineStart = lineEnd < text.size() ? lineEnd : std::string_view::npos;
            continue;
        }
        if (i - lineStart <= indent)
            return lineStart;
        if (!wanted) {
            spans.push_back({ i, lineEnd });
        } else {
            const std::string_view line = text.substr(lineStart, lineEnd - lineStart);
            const std::size_t colon = line.find(':');
            if (colon != std::string_view::npos) {
                std::size_t v = colon + 1;
                while (v < line.size() && isBlank(line[v]))
                    ++v;
                if (v < line.size() && wanted(line, v))
                    spans.push_back({ lineStart + v, lineEnd });
            }
        }
        lineStart = lineEnd < text.size() ? lineEnd : std::string_view::npos;
    }
    return text.size();
}

void findKeyValues(std::string_view text, std::vector<Span>& spans)
{
    for (std::size_t s = 0; s < text.size(); ++s) {
        const char c = text[s];
        if (c != ':' && c != '=')
            continue;
        if (c == ':' && text.compare(s + 1, 2, "//") == 0)
            continue; // a URL
        if (c == '=' && s > 0 && (text[s - 1] == ':' || text[s - 1] == '=' || text[s - 1] == '!' || text[s - 1] == '<'))
            continue; // the second half of ":=", "==", "!=", "<="
        // The key, read backwards: blanks, a closing quote, the name, its opening quote.
        std::size_t k = s;
        while (k > 0 && isBlank(text[k - 1]))
            --k;
        char quote = 0;
        if (k > 0 && (text[k - 1] == '"' || text[k - 1] == '\'')) {
            quote = text[k - 1];
            --k;
        }
        const std::size_t keyEnd = k;
        while (k > 0 && keyEnd - k < 128 && isKeyChar(text[k - 1]))
            --k;
        if (k == keyEnd || (quote && (k == 0 || text[k - 1] != quote)))
            continue;
        // Inside base64 (an embedded chart image, a certificate) a run of letters before "=" is
        // not a key.
        if (keyEnd - k > 64 || (k > 0 && (text[k - 1] == '/' || text[k - 1] == '+')))
            continue;
        const std::string_view key = text.substr(k, keyEnd - k);
        // An Authorization header's value is left to its own scanner, which keeps the scheme.
        if (!isSecretKeyName(key) || endsWith(toLower(key), "authorization"))
            continue;
        // The value.
        std::size_t v = s + 1;
        if (v < text.size() && ((c == ':' && text[v] == '=') || (c == '=' && text[v] == '>')))
            ++v;
        while (v < text.size() && isBlank(text[v]))
            ++v;
        if (v >= text.size())
            continue;
        if (text[v] == '|' || text[v] == '>') {
            // A YAML block scalar: every deeper-indented line after it.
            std::size_t after = v + 1;
            while (after < text.size() && (text[after] == '-' || text[after] == '+' || isBlank(text[after])))
                ++after;
            if (after >= text.size() || text[after] == '\n' || text[after] == '\r') {
                // Past the block: its lines are masked whole, and scanning them again for keys
                // would make nested blocks quadratic.
                const std::size_t blockEnd = maskIndentedBlock(text, v, indentationOfLine(text, k), spans);
                s = std::max(s, blockEnd > 0 ? blockEnd - 1 : 0);
                continue;
            }
        }
        char valueQuote = 0;
        if (text[v] == '"' || text[v] == '\'') {
            valueQuote = text[v];
            ++v;
        }
        std::size_t end = v;
        if (valueQuote) {
            end = valueEnd(text, v, valueQuote);
        } else {
            while (end < text.size()) {
                const char e = text[end];
                if (std::isspace(static_cast<unsigned char>(e)) || e == '"' || e == '\'' || e == ',' || e == ';'
                    || e == '}' || e == ']' || e == '&' || e == '<')
                    break;
                ++end;
            }
        }
        if (!isPlaceholder(text.substr(v, end - v)))
            spans.push_back({ v, end });
        s = std::max(s, end > 0 ? end - 1 : 0);
    }
    // --password VALUE, --token VALUE (the "=" form is a key=value above).
    std::size_t from = 0;
    while ((from = text.find("--", from)) != std::string_view::npos) {
        std::size_t i = from + 2;
        while (i < text.size() && isKeyChar(text[i]))
            ++i;
        const std::string_view key = text.substr(from + 2, i - from - 2);
        from = i;
        if (key.empty() || i >= text.size() || !isBlank(text[i]) || !isSecretKeyName(key))
            continue;
        while (i < text.size() && isBlank(text[i]))
            ++i;
        const std::size_t end = valueEnd(text, i, 0);
        if (end > i && text[i] != '-')
            spans.push_back({ i, end });
    }
}

// ---- Kubernetes Secret data (gitleaks: kubernetes-secret-yaml) -------------------------------

bool looksBase64(std::string_view value)
{
    std::size_t n = 0;
    while (n < value.size() && isBase64Char(value[n]))
        ++n;
    return n >= 12 && (n == value.size() || value[n] == '"' || value[n] == '\'' || value[n] == '\r');
}

bool anyValue(std::string_view, std::size_t)
{
    return true;
}
bool base64Value(std::string_view line, std::size_t v)
{
    std::size_t i = v;
    if (i < line.size() && (line[i] == '"' || line[i] == '\''))
        ++i;
    return looksBase64(line.substr(i));
}

bool namesASecret(std::string_view lower)
{
    // "kind: Secret" in YAML, "kind":"Secret" in JSON; not "kind: SecretProviderClass".
    std::size_t from = 0;
    while ((from = lower.find("kind", from)) != std::string_view::npos) {
        std::size_t i = from + 4;
        from = i;
        while (i < lower.size() && (lower[i] == '"' || lower[i] == '\'' || isBlank(lower[i])))
            ++i;
        if (i >= lower.size() || lower[i] != ':')
            continue;
        ++i;
        while (i < lower.size() && (lower[i] == '"' || lower[i] == '\'' || isBlank(lower[i])))
            ++i;
        if (lower.compare(i, 6, "secret") == 0 && (i + 6 >= lower.size() || !isAlnum(lower[i + 6])))
            return true;
    }
    return false;
}

void findSecretData(std::string_view text, std::string_view lower, std::vector<Span>& spans)
{
    const bool secret = namesASecret(lower);
    for (std::string_view block : { std::string_view("data"), std::string_view("stringdata") }) {
        std::size_t from = 0;
        while ((from = lower.find(block, from)) != std::string_view::npos) {
            const std::size_t keyStart = from;
            std::size_t i = from + block.size();
            from = i;
            if (keyStart > 0 && (isKeyChar(lower[keyStart - 1])))
                continue;
            const bool jsonKey = i < lower.size() && lower[i] == '"';
            if (jsonKey)
                ++i;
            while (i < lower.size() && isBlank(lower[i]))
                ++i;
            if (i >= lower.size() || lower[i] != ':')
                continue;
            ++i;
            while (i < lower.size() && isBlank(lower[i]))
                ++i;
            if (i < lower.size() && lower[i] == '{') {
                // JSON: every string value up to the closing brace.
                bool inString = false;
                bool isValue = false;
                std::size_t stringStart = 0;
                std::size_t j = i + 1;
                // A JSON string never holds a raw line break: one ends this object's scan, so
                // a broken or cut-off object cannot swallow what follows it.
                for (; j < text.size() && (inString || text[j] != '}') && text[j] != '\n'; ++j) {
                    const char ch = text[j];
                    if (inString) {
                        if (ch == '\\') {
                            ++j;
                        } else if (ch == '"') {
                            inString = false;
                            const std::string_view value = text.substr(stringStart, j - stringStart);
                            if (isValue && (secret || looksBase64(value)))
                                spans.push_back({ stringStart, j });
                        }
                    } else if (ch == '"') {
                        inString = true;
                        stringStart = j + 1;
                    } else if (ch == ':') {
                        isValue = true;
                    } else if (ch == ',') {
                        isValue = false;
                    }
                }
                from = j;
            } else if (i >= lower.size() || lower[i] == '\n' || lower[i] == '\r' || lower[i] == '#') {
                // YAML: the mapping indented below the key.
                from = maskIndentedBlock(
                    text, i, indentationOfLine(text, keyStart), spans, secret ? &anyValue : &base64Value);
            }
        }
    }
}

std::vector<std::string> keyWords(std::string_view key)
{
    // "DB_PASSWORD" -> db, password; "bearerToken" -> bearer, token; "AWSSecretKey" -> aws, secret, key.
    std::vector<std::string> words;
    std::string current;
    for (std::size_t i = 0; i < key.size(); ++i) {
        const char c = key[i];
        if (!isAlnum(c)) {
            if (!current.empty())
                words.push_back(toLower(current));
            current.clear();
            continue;
        }
        const bool upper = std::isupper(static_cast<unsigned char>(c)) != 0;
        if (upper && !current.empty()) {
            const char prev = key[i - 1];
            const bool prevLower = std::islower(static_cast<unsigned char>(prev)) != 0;
            const bool nextLower = i + 1 < key.size() && std::islower(static_cast<unsigned char>(key[i + 1])) != 0;
            if (prevLower || (std::isupper(static_cast<unsigned char>(prev)) && nextLower)) {
                words.push_back(toLower(current));
                current.clear();
            }
        }
        current += c;
    }
    if (!current.empty())
        words.push_back(toLower(current));
    return words;
}

} // namespace

bool isSecretKeyName(std::string_view key)
{
    const std::vector<std::string> words = keyWords(key);
    if (words.empty())
        return false;
    const std::string& last = words.back();
    const std::string prev = words.size() > 1 ? words[words.size() - 2] : std::string();
    static constexpr std::array<std::string_view, 11> kSecretEndings { "password", "passwd", "passphrase", "secret",
        "token", "credentials", "credential", "apikey", "privatekey", "accesskey", "secretkey" };
    for (auto ending : kSecretEndings)
        if (endsWith(last, ending))
            return true;
    if (last == "pwd" || last == "pass" || last == "pw" || last == "auth" || last == "authorization"
        || endsWith(last, "pwd"))
        return true;
    static constexpr std::array<std::string_view, 19> kKeyOwners { "api", "access", "private", "priv", "secret", "auth",
        "client", "service", "account", "db", "database", "encryption", "signing", "master", "ssh", "app", "consumer",
        "session", "storage" };
    if (last == "key" && std::find(kKeyOwners.begin(), kKeyOwners.end(), prev) != kKeyOwners.end())
        return true;
    // kubeconfig: client-key-data, client-certificate-data.
    return last == "data" && (prev == "key" || prev == "certificate");
}

std::string maskSecrets(std::string_view text)
{
    const std::string lower = toLower(text);
    std::vector<Span> spans;
    findPrefixTokens(text, spans);
    findJwts(text, spans);
    findPrivateKeys(text, lower, spans);
    findUrlPasswords(text, spans);
    findAuthorizationHeaders(text, lower, spans);
    findKeyValues(text, spans);
    findSecretData(text, lower, spans);
    if (spans.empty())
        return std::string(text);
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
    std::string out;
    out.reserve(text.size());
    std::size_t at = 0;
    for (const Span& span : spans) {
        if (span.end <= at)
            continue;
        const std::size_t begin = std::max(span.begin, at);
        out.append(text.substr(at, begin - at));
        out += kMasked;
        at = span.end;
    }
    out.append(text.substr(at));
    return out;
}

void maskSecretsInJson(nlohmann::json& j)
{
    if (j.is_string()) {
        j = maskSecrets(j.get_ref<const std::string&>());
    } else if (j.is_object()) {
        const auto kind = j.find("kind");
        const bool secretObject
            = kind != j.end() && kind->is_string() && toLower(kind->get_ref<const std::string&>()) == "secret";
        for (auto it = j.begin(); it != j.end(); ++it) {
            const bool secretData = secretObject && (it.key() == "data" || it.key() == "stringData");
            if (secretData && it->is_object()) {
                for (auto& value : *it)
                    value = kMasked;
            } else if (isSecretKeyName(it.key()) && !it->is_null() && !it->is_boolean()) {
                *it = kMasked;
            } else {
                maskSecretsInJson(*it);
            }
        }
    } else if (j.is_array()) {
        for (auto& e : j)
            maskSecretsInJson(e);
    }
}

} // namespace leakdesk::incident
