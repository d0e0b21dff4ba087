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

enum class Alphabet { UpperDigits, Hex, Alnum, Word, Token, TokenDot, Base64 };

bool inAlphabet(Alphabet a, char c)
{
    switch (a) {
    case Alphabet::UpperDigits:
        return isUpperOrDigit(c);
    case Alphabet::Hex:
        return std::isxdigit(static_cast<unsigned char>(c)) != 0;
    case Alphabet::Alnum:
        return isAlnum(c);
    case Alphabet::Word:
        return isWordChar(c);
    case Alphabet::Token:
        return isTokenChar(c);
    case Alphabet::TokenDot:
        return isTokenChar(c) || c == '.' || c == '=';
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

// gitleaks rule ids in the comments; the lengths are theirs, or the shortest that format has.
constexpr std::array<PrefixRule, 59> kPrefixRules { {
    { "AKIA", Alphabet::UpperDigits, 16, 16 }, // aws-access-token
    { "ASIA", Alphabet::UpperDigits, 16, 16 }, { "ABIA", Alphabet::UpperDigits, 16, 16 },
    { "ACCA", Alphabet::UpperDigits, 16, 16 }, { "A3T", Alphabet::UpperDigits, 17, 17 },
    { "ghp_", Alphabet::Alnum, 36, 0 }, // github-pat, github-oauth, github-app-token, github-refresh-token
    { "gho_", Alphabet::Alnum, 36, 0 }, { "ghu_", Alphabet::Alnum, 36, 0 }, { "ghs_", Alphabet::Alnum, 36, 0 },
    { "ghr_", Alphabet::Alnum, 36, 0 }, { "github_pat_", Alphabet::Word, 82, 0 }, // github-fine-grained-pat
    { "sk_live_", Alphabet::Alnum, 10, 0 }, // stripe-access-token
    { "sk_test_", Alphabet::Alnum, 10, 0 }, { "sk_prod_", Alphabet::Alnum, 10, 0 },
    { "rk_live_", Alphabet::Alnum, 10, 0 }, { "rk_test_", Alphabet::Alnum, 10, 0 },
    { "rk_prod_", Alphabet::Alnum, 10, 0 }, { "whsec_", Alphabet::Alnum, 24, 0 }, // Stripe webhook signing secret
    { "xoxb-", Alphabet::Token, 8, 0 }, // slack-bot-token, slack-user-token, slack-*-token
    { "xoxa-", Alphabet::Token, 8, 0 }, { "xoxp-", Alphabet::Token, 8, 0 }, { "xoxr-", Alphabet::Token, 8, 0 },
    { "xoxs-", Alphabet::Token, 8, 0 }, { "xoxe-", Alphabet::Token, 8, 0 }, { "xoxo-", Alphabet::Token, 8, 0 },
    { "xapp-", Alphabet::Token, 10, 0 }, // slack-app-token
    { "AIza", Alphabet::Token, 35, 0 }, // gcp-api-key
    { "npm_", Alphabet::Alnum, 36, 36 }, // npm-access-token
    { "glpat-", Alphabet::Token, 20, 0 }, // gitlab-pat
    { "gldt-", Alphabet::Token, 20, 0 }, // gitlab-deploy-token
    { "glrt-", Alphabet::Token, 20, 0 }, // gitlab-runner-authentication-token
    { "glptt-", Alphabet::Token, 20, 0 }, // gitlab-ptt
    { "glsoat-", Alphabet::Token, 20, 0 }, // gitlab-scim-token
    { "glimt-", Alphabet::Token, 20, 0 }, // gitlab-incoming-mail-token
    { "glcbt-", Alphabet::Token, 20, 0 }, // gitlab-cicd-job-token
    { "glffct-", Alphabet::Token, 20, 0 }, // gitlab-feature-flag-client-token
    { "glagent-", Alphabet::Token, 50, 0 }, // gitlab-kubernetes-agent-token
    { "GR1348941", Alphabet::Token, 20, 0 }, // gitlab-rrt (runner registration)
    { "SG.", Alphabet::TokenDot, 66, 0 }, // sendgrid-api-token
    { "SK", Alphabet::Hex, 32, 32 }, // twilio-api-key
    { "dop_v1_", Alphabet::Hex, 64, 64 }, // digitalocean-pat
    { "doo_v1_", Alphabet::Hex, 64, 64 }, // digitalocean-access-token
    { "dor_v1_", Alphabet::Hex, 64, 64 }, // digitalocean-refresh-token
    { "hf_", Alphabet::Alnum, 34, 34 }, // huggingface-access-token
    { "hvs.", Alphabet::Token, 24, 0 }, // vault-service-token
    { "hvb.", Alphabet::Token, 24, 0 }, // vault-batch-token
    { "glc_", Alphabet::Base64, 32, 0 }, // grafana-cloud-api-token
    { "glsa_", Alphabet::Word, 41, 0 }, // grafana-service-account-token
    { "dckr_pat_", Alphabet::Token, 27, 0 }, // dockerhub personal access token
    { "pypi-AgEIcHlwaS5vcmc", Alphabet::Token, 50, 0 }, // pypi-upload-token
    { "shpat_", Alphabet::Hex, 32, 32 }, // shopify-access-token
    { "shpca_", Alphabet::Hex, 32, 32 }, // shopify-custom-access-token
    { "shppa_", Alphabet::Hex, 32, 32 }, // shopify-private-app-access-token
    { "shpss_", Alphabet::Hex, 32, 32 }, // shopify-shared-secret
    { "sk-proj-", Alphabet::Token, 40, 0 }, // openai-api-key
    { "sk-ant-", Alphabet::Token, 40, 0 }, // anthropic-api-key
    { "AGE-SECRET-KEY-1", Alphabet::UpperDigits, 58, 58 }, // age-secret-key
    { "PMAK-", Alphabet::Token, 59, 0 }, // postman-api-token
    { "lin_api_", Alphabet::Alnum, 40, 40 }, // linear-api-key
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

// The next occurrence of a needle at or after a position, remembered: asking again for a later
// position searches on from the last answer, so many questions cost one pass (an absent needle
// is not searched for again and again to the end of the text).
class NextOccurrence {
public:
    NextOccurrence(std::string_view text, std::string_view needle)
        : m_text(text)
        , m_needle(needle)
    { }
    std::size_t from(std::size_t position)
    {
        if (!m_searched || (m_found != std::string_view::npos && m_found < position)) {
            m_searched = true;
            m_found = m_text.find(m_needle, position);
        }
        return m_found;
    }

private:
    std::string_view m_text;
    std::string_view m_needle;
    std::size_t m_found = 0;
    bool m_searched = false;
};

void findPrivateKeys(std::string_view text, std::string_view lower, std::vector<Span>& spans)
{
    NextOccurrence endDashes(lower, "----end");
    NextOccurrence endSpaced(lower, "---- end");
    // "-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN PGP PRIVATE KEY BLOCK-----", and the SSH2
    // (RFC 4716) form "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----": four or more dashes, a label
    // naming a private key, dashes; the body runs to the matching END line.
    std::size_t from = 0;
    while ((from = lower.find("begin", from)) != std::string_view::npos) {
        const std::size_t labelStart = from + 5;
        std::size_t dashes = from;
        if (dashes > 0 && lower[dashes - 1] == ' ')
            --dashes;
        std::size_t run = 0;
        while (dashes > 0 && lower[dashes - 1] == '-' && run < 5) {
            --dashes;
            ++run;
        }
        if (run < 4) {
            from = labelStart;
            continue;
        }
        // The label ("RSA PRIVATE KEY") ends at "----" within 100 characters of its line.
        std::size_t labelEnd = labelStart;
        while (labelEnd < lower.size() && labelEnd - labelStart <= 100 && lower[labelEnd] != '\n'
            && lower.compare(labelEnd, 4, "----") != 0)
            ++labelEnd;
        if (lower.compare(labelEnd, 4, "----") != 0) {
            from = labelStart;
            continue;
        }
        std::size_t bodyStart = labelEnd + 4;
        while (bodyStart < lower.size() && lower[bodyStart] == '-')
            ++bodyStart;
        if (lower.substr(labelStart, labelEnd - labelStart).find("private key") == std::string_view::npos) {
            from = bodyStart;
            continue;
        }
        std::size_t bodyEnd = std::min(endDashes.from(bodyStart), endSpaced.from(bodyStart));
        if (bodyEnd == std::string_view::npos)
            bodyEnd = text.size(); // cut off: everything after the header may be key material
        if (bodyEnd > bodyStart)
            spans.push_back({ bodyStart, bodyEnd });
        from = std::max(bodyEnd, bodyStart);
    }
    // PuTTY key files (detect-secrets: PuTTY-User-Key-File-2): the lines after Private-Lines.
    NextOccurrence mac(lower, "private-mac:");
    NextOccurrence hash(lower, "private-hash:");
    from = 0;
    while ((from = lower.find("private-lines:", from)) != std::string_view::npos) {
        std::size_t bodyStart = lower.find('\n', from);
        if (bodyStart == std::string_view::npos)
            break;
        ++bodyStart;
        std::size_t bodyEnd = std::min(mac.from(bodyStart), hash.from(bodyStart));
        if (bodyEnd == std::string_view::npos)
            bodyEnd = text.size();
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

// Where a string of JSON inside a JSON string (\"...\") that starts at `from` ends: at its
// closing \" (past \\\", a quote escaped inside it), or at a bare " or a line end when it is
// cut off.
std::size_t escapedStringEnd(std::string_view text, std::size_t from)
{
    std::size_t end = from;
    bool innerEscape = false;
    while (end < text.size() && text[end] != '"' && text[end] != '\n') {
        if (text[end] != '\\') {
            innerEscape = false;
            ++end;
            continue;
        }
        if (end + 1 >= text.size() || (!innerEscape && text[end + 1] == '"'))
            break;
        innerEscape = !innerEscape && text[end + 1] == '\\';
        end += 2;
    }
    return std::min(end, text.size());
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
            if (quote == '"' && k > 0 && text[k - 1] == '\\')
                --k; // \"password\": JSON inside a JSON string
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
        const bool escapedQuote = text[v] == '\\' && v + 1 < text.size() && text[v + 1] == '"';
        if (text[v] == '"' || text[v] == '\'') {
            valueQuote = text[v];
            ++v;
        } else if (escapedQuote) {
            v += 2; // {\"password\":\"...\"}: JSON inside a JSON string
        }
        std::size_t end = v;
        if (escapedQuote) {
            end = escapedStringEnd(text, v);
        } else if (valueQuote) {
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

// ---- passwords on command lines and in env listings --------------------------------------------

// The argument of a flag whose value is (or holds) a password, on the line of a program that
// reads it so: "mysql -pSECRET" (attached only; "-p" alone prompts), "redis-cli -a pw",
// "sshpass -p pw".
struct ProgramFlag {
    std::string_view program;
    std::string_view flag;
    bool separateValue; // "-a pw" as well as "-apw"
};

constexpr std::array<ProgramFlag, 4> kProgramFlags { {
    { "mysql", "-p", false }, // mysql, mysqldump, mysqladmin
    { "mariadb", "-p", false },
    { "redis-cli", "-a", true },
    { "sshpass", "-p", true },
} };

// The word after a flag: its span (inside quotes when quoted); empty when there is none.
Span flagValue(std::string_view text, std::size_t i, std::size_t lineEnd)
{
    if (i >= lineEnd)
        return { i, i };
    if (text[i] == '"' || text[i] == '\'') {
        const std::size_t end = std::min(valueEnd(text, i + 1, text[i]), lineEnd);
        return { i + 1, end };
    }
    return { i, std::min(valueEnd(text, i, 0), lineEnd) };
}

void findCommandLinePasswords(std::string_view text, std::vector<Span>& spans)
{
    for (const auto& rule : kProgramFlags) {
        std::size_t from = 0;
        while ((from = text.find(rule.program, from)) != std::string_view::npos) {
            std::size_t lineEnd = text.find('\n', from);
            if (lineEnd == std::string_view::npos)
                lineEnd = text.size();
            const std::string_view line = text.substr(0, lineEnd); // the flag is searched on this line only
            std::size_t at = from + rule.program.size();
            while ((at = line.find(rule.flag, at)) != std::string_view::npos) {
                std::size_t i = at + rule.flag.size();
                const bool flagStart = isBlank(text[at - 1]);
                at = i;
                if (!flagStart || i >= lineEnd)
                    continue;
                if (isBlank(text[i])) {
                    if (!rule.separateValue)
                        continue;
                    while (i < lineEnd && isBlank(text[i]))
                        ++i;
                }
                if (i >= lineEnd || text[i] == '-')
                    continue;
                const Span value = flagValue(text, i, lineEnd);
                if (value.end > value.begin)
                    spans.push_back(value);
                at = std::max(at, value.end);
            }
            from = lineEnd;
        }
    }
    // curl -u user:password, --user user:password, --proxy-user, -U: the part after the colon.
    for (std::string_view flag : { std::string_view("-u"), std::string_view("--user"), std::string_view("-U"),
             std::string_view("--proxy-user") }) {
        std::size_t from = 0;
        while ((from = text.find(flag, from)) != std::string_view::npos) {
            std::size_t i = from + flag.size();
            const bool flagStart = from == 0 || isBlank(text[from - 1]);
            from = i;
            if (!flagStart || i >= text.size() || text[i] == '-')
                continue;
            if (text[i] == '=' || isBlank(text[i])) {
                ++i;
                while (i < text.size() && isBlank(text[i]))
                    ++i;
            } else if (flag.size() > 2) {
                continue; // "--username": another flag
            }
            const Span value = flagValue(text, i, text.size()); // (a value ends at its line's end)
            const std::string_view word = text.substr(value.begin, value.end - value.begin);
            const std::size_t colon = word.find(':');
            if (colon == std::string_view::npos || colon + 1 >= word.size())
                continue;
            // "docker run -u 1000:1000" is a uid and a gid.
            const auto digits = [](std::string_view w) {
                return std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
            };
            if (digits(word.substr(0, colon)) && digits(word.substr(colon + 1)))
                continue;
            spans.push_back({ value.begin + colon + 1, value.end });
            from = std::max(from, value.end);
        }
    }
}

// AWS_SECRET_ACCESS_KEY   wJalr... : an environment variable's name and its value separated by
// blanks, as `aws configure list`, `env | column -t` and tables print them. The name is an
// upper-case identifier naming a secret; the value a single word of at least 8 characters with a
// digit or a symbol (so "TOKEN EXPIRED" in a log stays).
void findSpacedEnvValues(std::string_view text, std::vector<Span>& spans)
{
    std::size_t i = 0;
    while (i < text.size()) {
        if (!isUpperOrDigit(text[i]) || (i > 0 && isWordChar(text[i - 1]))) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && (isUpperOrDigit(text[end]) || text[end] == '_'))
            ++end;
        const std::string_view name = text.substr(i, end - i);
        i = end;
        if (name.size() < 4 || end >= text.size() || !isBlank(text[end]))
            continue;
        if (!isSecretKeyName(name))
            continue;
        std::size_t v = end;
        while (v < text.size() && isBlank(text[v]))
            ++v;
        std::size_t valueEndAt = v;
        bool digitOrSymbol = false;
        while (valueEndAt < text.size() && !std::isspace(static_cast<unsigned char>(text[valueEndAt]))) {
            digitOrSymbol = digitOrSymbol || !std::isalpha(static_cast<unsigned char>(text[valueEndAt]));
            ++valueEndAt;
        }
        if (valueEndAt - v >= 8 && digitOrSymbol && text[v] != '-' && text[v] != '<' && text[v] != '*' && text[v] != '$'
            && !isPlaceholder(text.substr(v, valueEndAt - v)))
            spans.push_back({ v, valueEndAt });
        i = std::max(i, valueEndAt);
    }
}

// ---- Kubernetes objects: Secret data and env name/value pairs (gitleaks: kubernetes-secret-yaml) --
//
// Whether a value is a secret depends on the object that holds it, and kubectl prints "data"
// before "kind" (keys in order), "value" may come before "name". So each object (a YAML block
// mapping, a JSON or YAML flow object) collects the candidate values while it is open and decides
// when it closes:
// - kind: Secret: every value of data / stringData goes, whatever its key (.dockerconfigjson,
//   tls.key, ca.crt), with multi-line values;
// - another kind (ConfigMap, ...): data is not masked wholesale, only its secret-named keys
//   (findKeyValues);
// - no kind in the object (a cut-off or hand-written piece): data values that look base64;
// - name: <secret-looking name> beside value: <v> (a container's env, a parameter): v goes.
// When one mapping names several kinds (two documents pasted without "---"), Secret wins.

struct ObjectFacts {
    bool secretKind = false;
    bool otherKind = false;
    bool secretName = false;
    std::vector<Span> dataValues; // direct values of data / stringData
    std::vector<Span> dataNested; // deeper content of data (multi-line and nested values)
    std::vector<Span> namedValues; // "value" beside a "name"
};

bool looksBase64Value(std::string_view value)
{
    for (const char c : value)
        if (!isBase64Char(c))
            return false;
    return value.size() >= 12 || (value.size() >= 4 && value.size() % 4 == 0 && value.back() == '=');
}

void resolveObject(std::string_view text, ObjectFacts& facts, std::vector<Span>& spans)
{
    if (facts.secretKind) {
        spans.insert(spans.end(), facts.dataValues.begin(), facts.dataValues.end());
        spans.insert(spans.end(), facts.dataNested.begin(), facts.dataNested.end());
    } else if (!facts.otherKind) {
        for (const Span& s : facts.dataValues)
            if (looksBase64Value(text.substr(s.begin, s.end - s.begin)))
                spans.push_back(s);
    }
    if (facts.secretName)
        for (const Span& s : facts.namedValues)
            if (!isPlaceholder(text.substr(s.begin, s.end - s.begin)))
                spans.push_back(s);
    facts = ObjectFacts();
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && toLower(a) == toLower(b);
}

enum class FieldRole { Other, Kind, Name, Value, Data };

FieldRole fieldRole(std::string_view key)
{
    if (key == "kind")
        return FieldRole::Kind;
    if (key == "name")
        return FieldRole::Name;
    if (key == "value")
        return FieldRole::Value;
    if (equalsIgnoringCase(key, "data") || equalsIgnoringCase(key, "stringData"))
        return FieldRole::Data;
    return FieldRole::Other;
}

// A scalar value (a kind, a name, a value) read into the object's facts.
void noteScalar(FieldRole role, std::string_view text, Span value, ObjectFacts& facts)
{
    const std::string_view v = text.substr(value.begin, value.end - value.begin);
    if (role == FieldRole::Kind) {
        (equalsIgnoringCase(v, "secret") ? facts.secretKind : facts.otherKind) = true;
    } else if (role == FieldRole::Name) {
        facts.secretName = facts.secretName || isSecretKeyName(v);
    } else if (role == FieldRole::Value && value.end > value.begin) {
        facts.namedValues.push_back(value);
    }
}

// JSON objects and YAML flow mappings ({...}), single-line or pretty-printed: one pass over the
// tokens with a stack of open objects. A string broken by a line end means this is not JSON:
// every open object is decided with what it knows, and the scan starts afresh.
struct FlowFrame {
    bool object = false;
    bool expectValue = false;
    FieldRole key = FieldRole::Other;
    int dataOwner = -1; // index of the object whose data this (or an enclosing) map is
    bool nestedData = false; // deeper than data's own values
    ObjectFacts facts;
};

bool isFlowDelimiter(char c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == '"' || c == '\n' || c == '\r';
}

//
// escaped: the same for JSON inside a JSON string (\"kind\":\"Secret\"), as the
// kubectl.kubernetes.io/last-applied-configuration annotation holds a whole applied Secret in
// `kubectl get secret -o json`: a string is \"...\", and a bare " ends the outer string.
void findFlowObjects(std::string_view text, std::vector<Span>& spans, bool escaped)
{
    // Deeper than any Kubernetes object: everything open is decided, and the scan starts afresh
    // at this brace (so a pile of braces before an object cannot hide it; memory stays bounded).
    constexpr std::size_t kMaxDepth = 256;
    std::vector<FlowFrame> frames;
    const auto closeAll = [&]() {
        while (!frames.empty()) {
            resolveObject(text, frames.back().facts, spans);
            frames.pop_back();
        }
    };
    const auto value = [&](Span s, bool isString) {
        FlowFrame& top = frames.back();
        if (top.object && !top.expectValue) {
            top.key = isString || s.end > s.begin ? fieldRole(text.substr(s.begin, s.end - s.begin)) : FieldRole::Other;
            return;
        }
        if (top.object)
            noteScalar(top.key, text, s, top.facts);
        if (top.dataOwner >= 0 && s.end > s.begin)
            (top.nestedData ? frames[std::size_t(top.dataOwner)].facts.dataNested
                            : frames[std::size_t(top.dataOwner)].facts.dataValues)
                .push_back(s);
        top.expectValue = false;
    };
    std::size_t i = 0;
    while (i < text.size()) {
        if (frames.empty()) {
            i = text.find('{', i);
            if (i == std::string_view::npos)
                break;
        }
        const char c = text[i];
        if (escaped && c == '"') { // the string holding the escaped JSON ends
            closeAll();
            ++i;
            continue;
        }
        if (escaped && c == '\\') {
            if (i + 1 >= text.size() || text[i + 1] != '"') {
                i += 2; // \n, \t: blanks of the escaped JSON
                continue;
            }
            const std::size_t j = escapedStringEnd(text, i + 2);
            if (j >= text.size() || text.compare(j, 2, "\\\"") != 0) {
                closeAll();
                i = std::max(j, i + 2);
                continue;
            }
            if (!frames.empty())
                value({ i + 2, j }, true);
            i = j + 2;
            continue;
        }
        if (c == '{' || c == '[') {
            if (frames.size() >= kMaxDepth)
                closeAll();
            FlowFrame child;
            child.object = c == '{';
            if (!frames.empty()) {
                const int parentIndex = int(frames.size() - 1);
                FlowFrame& parent = frames.back();
                if (parent.object && parent.expectValue && parent.key == FieldRole::Data && child.object) {
                    child.dataOwner = parentIndex;
                } else if (parent.dataOwner >= 0) {
                    child.dataOwner = parent.dataOwner;
                    child.nestedData = true;
                }
                parent.expectValue = false;
            }
            frames.push_back(std::move(child));
            ++i;
        } else if (c == '}' || c == ']') {
            resolveObject(text, frames.back().facts, spans);
            frames.pop_back();
            ++i;
        } else if (c == ',') {
            frames.back().expectValue = false;
            ++i;
        } else if (c == ':') {
            frames.back().expectValue = frames.back().object;
            ++i;
        } else if (c == '"' || (c == '\'' && !escaped)) {
            std::size_t j = i + 1;
            while (j < text.size() && text[j] != c && text[j] != '\n') {
                if (text[j] == '\\' && j + 1 < text.size() && text[j + 1] != '\n')
                    ++j;
                ++j;
            }
            if (j >= text.size() || text[j] != c) { // broken: not JSON here
                closeAll();
                i = j;
                continue;
            }
            value({ i + 1, j }, true);
            i = j + 1;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else {
            // A bare token: a JSON number or literal, a YAML flow plain scalar (up to ": ").
            std::size_t j = i;
            while (j < text.size() && !isFlowDelimiter(text[j]) && !(escaped && text[j] == '\\')
                && !(text[j] == ':' && (j + 1 >= text.size() || std::isspace(static_cast<unsigned char>(text[j + 1])))))
                ++j;
            std::size_t end = j;
            while (end > i && isBlank(text[end - 1]))
                --end;
            value({ i, end }, false);
            i = std::max(j, i + 1);
        }
    }
    closeAll();
}

// YAML block mappings, line by line, with a stack of open mappings by column.
struct YamlFrame {
    std::size_t column;
    ObjectFacts facts;
};

// A block whose deeper lines belong to a field of a mapping: data's entries, or value: |.
struct YamlBlock {
    std::size_t owner; // index in the frame stack
    std::size_t column; // the owner's column: the block ends at a line not deeper than it
    FieldRole role;
    std::size_t entryColumn = std::string_view::npos; // data: the column of its keys
};

struct YamlLine {
    std::size_t begin = 0;
    std::size_t end = 0; // without "\r"
    std::size_t contentColumn = 0; // first character that is not a blank
    std::size_t keyColumn = 0; // after any "- " item markers
    bool dash = false;
    bool key = false; // "key: ..." with a plain key
    Span keySpan { 0, 0 };
    Span valueSpan { 0, 0 }; // the scalar, without quotes; empty when there is none
    bool valueEmpty = true;
    bool blockIndicator = false; // value: | or >
    bool flowMapping = false; // value: {...}
};

YamlLine readYamlLine(std::string_view text, std::size_t begin, std::size_t end)
{
    YamlLine line;
    line.begin = begin;
    line.end = end;
    while (line.end > begin && (text[line.end - 1] == '\r' || isBlank(text[line.end - 1])))
        --line.end;
    std::size_t i = begin;
    while (i < line.end && text[i] == ' ')
        ++i;
    line.contentColumn = i - begin;
    while (i < line.end && text[i] == '-' && (i + 1 == line.end || text[i + 1] == ' ')) {
        line.dash = true;
        ++i;
        while (i < line.end && text[i] == ' ')
            ++i;
    }
    line.keyColumn = i - begin;
    const std::size_t keyBegin = i;
    while (i < line.end && (isKeyChar(text[i]) || text[i] == '/'))
        ++i;
    if (i == keyBegin || i >= line.end || text[i] != ':' || (i + 1 < line.end && !isBlank(text[i + 1])))
        return line;
    line.key = true;
    line.keySpan = { keyBegin, i };
    std::size_t v = i + 1;
    while (v < line.end && isBlank(text[v]))
        ++v;
    if (v >= line.end || text[v] == '#')
        return line;
    line.valueEmpty = false;
    const char first = text[v];
    if (first == '|' || first == '>') {
        line.blockIndicator = true;
    } else if (first == '{') {
        line.flowMapping = true;
        line.valueSpan = { v, line.end };
    } else if ((first == '"' || first == '\'') && line.end - v >= 2 && text[line.end - 1] == first) {
        line.valueSpan = { v + 1, line.end - 1 };
    } else {
        line.valueSpan = { v, line.end };
    }
    return line;
}

// The values of a single-line flow mapping (data: {a: x, b: "y"}), in order.
void flowMappingValues(std::string_view text, Span mapping, std::vector<Span>& values)
{
    bool expectValue = false;
    std::size_t i = mapping.begin + 1;
    while (i < mapping.end) {
        const char c = text[i];
        if (c == ':') {
            expectValue = true;
            ++i;
        } else if (c == ',' || c == '{' || c == '}' || c == '[' || c == ']') {
            expectValue = expectValue && c != ',';
            ++i;
        } else if (isBlank(c)) {
            ++i;
        } else {
            std::size_t begin = i;
            std::size_t end = i;
            if (c == '"' || c == '\'') {
                end = valueEnd(text, i + 1, c);
                begin = i + 1;
                i = std::min(end + 1, mapping.end);
            } else {
                while (end < mapping.end && text[end] != ',' && text[end] != '}' && text[end] != ']'
                    && !(text[end] == ':' && (end + 1 >= mapping.end || isBlank(text[end + 1]))))
                    ++end;
                i = end;
                while (end > begin && isBlank(text[end - 1]))
                    --end;
            }
            if (expectValue && end > begin)
                values.push_back({ begin, std::min(end, mapping.end) });
            i = std::max(i, begin + 1);
        }
    }
}

void findYamlObjects(std::string_view text, std::vector<Span>& spans)
{
    std::vector<YamlFrame> frames;
    std::vector<YamlBlock> blocks;
    const auto popFrames = [&](std::size_t column, bool inclusive) {
        while (!frames.empty() && (frames.back().column > column || (inclusive && frames.back().column == column))) {
            resolveObject(text, frames.back().facts, spans);
            frames.pop_back();
        }
    };
    std::size_t begin = 0;
    while (begin < text.size()) {
        std::size_t end = text.find('\n', begin);
        if (end == std::string_view::npos)
            end = text.size();
        const YamlLine line = readYamlLine(text, begin, end);
        begin = end + 1;
        if (line.contentColumn + line.begin >= line.end || text[line.begin + line.contentColumn] == '#')
            continue; // blank or a comment: part of whatever block is open
        // Blocks end at a line that is not deeper than their owner.
        while (!blocks.empty() && line.contentColumn <= blocks.back().column)
            blocks.pop_back();
        if (!blocks.empty()) {
            YamlBlock& block = blocks.back();
            ObjectFacts& facts = frames[block.owner].facts;
            const Span content { line.begin + line.contentColumn, line.end };
            if (block.role == FieldRole::Value) {
                facts.namedValues.push_back(content);
            } else {
                if (block.entryColumn == std::string_view::npos)
                    block.entryColumn = line.keyColumn;
                if (line.key && line.keyColumn == block.entryColumn) {
                    if (line.flowMapping)
                        flowMappingValues(text, line.valueSpan, facts.dataNested);
                    else if (!line.valueEmpty && !line.blockIndicator)
                        facts.dataValues.push_back(line.valueSpan);
                } else {
                    facts.dataNested.push_back(content);
                }
            }
        }
        if (!line.key) {
            // Prose, a block scalar's text, "---": no mapping at this column goes on past it. A
            // "- item" at a mapping's own column (kubectl's style for lists) stays inside it.
            popFrames(line.contentColumn, !line.dash);
            continue;
        }
        popFrames(line.keyColumn, line.dash);
        if (frames.empty() || frames.back().column != line.keyColumn)
            frames.push_back({ line.keyColumn, {} });
        const std::size_t owner = frames.size() - 1;
        ObjectFacts& facts = frames.back().facts;
        const FieldRole role = fieldRole(text.substr(line.keySpan.begin, line.keySpan.end - line.keySpan.begin));
        if (role == FieldRole::Data) {
            if (line.valueEmpty)
                blocks.push_back({ owner, line.keyColumn, role });
            else if (line.flowMapping)
                flowMappingValues(text, line.valueSpan, facts.dataValues);
        } else if (role == FieldRole::Value && line.blockIndicator) {
            blocks.push_back({ owner, line.keyColumn, role });
        } else if (!line.valueEmpty && !line.blockIndicator && !line.flowMapping) {
            noteScalar(role, text, line.valueSpan, facts);
        }
    }
    popFrames(0, true);
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
    findCommandLinePasswords(text, spans);
    findSpacedEnvValues(text, spans);
    findFlowObjects(text, spans, false);
    if (text.find("\\\"") != std::string_view::npos)
        findFlowObjects(text, spans, true);
    findYamlObjects(text, spans);
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
        // {"name": "DB_PASSWORD", "value": "..."}: an env var or a parameter naming a secret.
        const auto name = j.find("name");
        const bool secretNamed
            = name != j.end() && name->is_string() && isSecretKeyName(name->get_ref<const std::string&>());
        for (auto it = j.begin(); it != j.end(); ++it) {
            const bool secretData = secretObject && (it.key() == "data" || it.key() == "stringData");
            if (secretNamed && it.key() == "value" && it->is_string() && !it->get_ref<const std::string&>().empty()) {
                *it = kMasked;
            } else if (secretData && it->is_object()) {
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
