#include "core/runbook/Thresholds.h"

#include "core/common/Quantity.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

namespace leakdesk::runbook {

const char* thresholdKindName(ThresholdKind kind)
{
    switch (kind) {
    case ThresholdKind::CountPerWindow:
        return "count-per-window";
    case ThresholdKind::Duration:
        return "duration";
    case ThresholdKind::MemoryQuantity:
        return "memory";
    case ThresholdKind::Severity:
        return "severity";
    }
    return "duration";
}

namespace {

struct Word {
    std::string text; // as written
    std::string lower;
    std::size_t begin = 0;
    std::size_t end = 0;
};

bool isWordChar(unsigned char c)
{
    return std::isalnum(c) || c == '.' || c == '_' || c >= 0x80;
}

std::vector<Word> wordsOf(std::string_view s)
{
    std::vector<Word> words;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && !isWordChar(static_cast<unsigned char>(s[i])))
            ++i;
        std::size_t j = i;
        while (j < s.size() && isWordChar(static_cast<unsigned char>(s[j])))
            ++j;
        std::size_t e = j;
        while (e > i && s[e - 1] == '.') // a sentence's full stop is not part of "hour."
            --e;
        if (e > i) {
            Word w;
            w.text = std::string(s.substr(i, e - i));
            w.lower = w.text;
            std::transform(w.lower.begin(), w.lower.end(), w.lower.begin(),
                [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            w.begin = i;
            w.end = e;
            words.push_back(std::move(w));
        }
        i = j;
    }
    return words;
}

std::optional<double> numberOf(const std::string& lowerWord)
{
    static const std::pair<const char*, int> names[] = { { "zero", 0 }, { "one", 1 }, { "two", 2 }, { "three", 3 },
        { "four", 4 }, { "five", 5 }, { "six", 6 }, { "seven", 7 }, { "eight", 8 }, { "nine", 9 }, { "ten", 10 },
        { "eleven", 11 }, { "twelve", 12 }, { "fifteen", 15 }, { "twenty", 20 }, { "thirty", 30 }, { "sixty", 60 } };
    for (const auto& [n, v] : names)
        if (lowerWord == n)
            return v;
    if (lowerWord.empty() || lowerWord.size() > 12)
        return std::nullopt;
    bool dot = false;
    for (char c : lowerWord) {
        if (c == '.') {
            if (dot)
                return std::nullopt;
            dot = true;
        } else if (!std::isdigit(static_cast<unsigned char>(c))) {
            return std::nullopt;
        }
    }
    if (lowerWord.front() == '.' || lowerWord.back() == '.')
        return std::nullopt;
    return std::stod(lowerWord);
}

bool containsWord(const std::string& lowerSentence, std::string_view needle)
{
    return lowerSentence.find(needle) != std::string::npos;
}

// "10min", "2h", "30s" written as one word -> (10, "min").
std::optional<std::pair<double, long long>> compactDuration(const std::string& lowerWord)
{
    std::size_t k = 0;
    while (k < lowerWord.size() && std::isdigit(static_cast<unsigned char>(lowerWord[k])))
        ++k;
    if (k == 0 || k == lowerWord.size() || k > 9)
        return std::nullopt;
    const std::string unit = lowerWord.substr(k);
    if (unit != "min" && unit != "mins" && unit != "h" && unit != "hr" && unit != "hrs" && unit != "d")
        return std::nullopt;
    return std::make_pair(std::stod(lowerWord.substr(0, k)), unitMilliseconds(unit));
}

} // namespace

long long unitMilliseconds(std::string_view w)
{
    if (w == "second" || w == "seconds" || w == "sec" || w == "secs" || w == "s")
        return 1000;
    if (w == "minute" || w == "minutes" || w == "min" || w == "mins")
        return 60'000;
    if (w == "hour" || w == "hours" || w == "hr" || w == "hrs" || w == "h")
        return 3'600'000;
    if (w == "day" || w == "days" || w == "d")
        return 86'400'000;
    return 0;
}

std::vector<std::string> splitSentences(std::string_view text)
{
    std::vector<std::string> out;
    std::string current;
    auto flush = [&] {
        std::size_t b = 0, e = current.size();
        while (b < e && std::isspace(static_cast<unsigned char>(current[b])))
            ++b;
        while (e > b && std::isspace(static_cast<unsigned char>(current[e - 1])))
            --e;
        if (e > b)
            out.push_back(current.substr(b, e - b));
        current.clear();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            flush();
            continue;
        }
        current.push_back(c);
        if ((c == '.' || c == '!' || c == '?') && (i + 1 == text.size() || text[i + 1] == ' '))
            flush();
    }
    flush();
    return out;
}

std::vector<Threshold> findThresholds(std::string_view sentence, const ThresholdContext& ctx)
{
    std::vector<Threshold> out;
    const std::vector<Word> words = wordsOf(sentence);
    std::string lowerSentence(sentence);
    std::transform(lowerSentence.begin(), lowerSentence.end(), lowerSentence.begin(),
        [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::vector<bool> used(words.size(), false);

    auto make
        = [&](std::string key, ThresholdKind kind, double value, std::string unit, std::size_t from, std::size_t to) {
              Threshold t;
              t.key = std::move(key);
              t.kind = kind;
              t.value = value;
              t.unit = std::move(unit);
              t.literal = std::string(sentence.substr(words[from].begin, words[to].end - words[from].begin));
              t.sentence = std::string(sentence);
              t.where = ctx.where;
              t.stepIndex = ctx.stepIndex;
              t.line = ctx.line;
              for (std::size_t k = from; k <= to; ++k)
                  used[k] = true;
              return t;
          };

    const bool aboutOom = containsWord(lowerSentence, "oom");
    // Runbooks say "stabilise" in many ways; all mean memory stops growing after start-up.
    const bool aboutStabilising = containsWord(lowerSentence, "stabili") || containsWord(lowerSentence, "level off")
        || containsWord(lowerSentence, "levels off") || containsWord(lowerSentence, "settle")
        || containsWord(lowerSentence, "flatten") || containsWord(lowerSentence, "plateau");
    const bool aboutEscalation = ctx.escalationSection || containsWord(lowerSentence, "escalat")
        || containsWord(lowerSentence, "owner") || containsWord(lowerSentence, "pull in");

    // "more than N [things] in|within|per [M] unit", "at least N ... per unit", "over N ... in M unit".
    for (std::size_t i = 0; i + 2 < words.size(); ++i) {
        std::size_t numberAt = 0;
        double offset = 0; // "at least 3" is "more than 2"
        if ((words[i].lower == "more" || words[i].lower == "greater" || words[i].lower == "fewer")
            && words[i + 1].lower == "than")
            numberAt = i + 2;
        else if (words[i].lower == "at" && words[i + 1].lower == "least") {
            numberAt = i + 2;
            offset = -1;
        } else if (words[i].lower == "over" || words[i].lower == "exceeds" || words[i].lower == "exceeding")
            numberAt = i + 1;
        if (numberAt == 0 || numberAt >= words.size())
            continue;
        const auto n = numberOf(words[numberAt].lower);
        if (!n)
            continue;
        for (std::size_t j = numberAt + 1; j < words.size() && j <= numberAt + 4; ++j) {
            const std::string& w = words[j].lower;
            if (w != "in" && w != "within" && w != "per" && w != "every" && w != "an" && w != "a")
                continue;
            std::size_t k = j + 1;
            double m = 1;
            if (k < words.size()) {
                if (const auto mm = numberOf(words[k].lower)) {
                    m = *mm;
                    ++k;
                } else if (words[k].lower == "a" || words[k].lower == "an" || words[k].lower == "the"
                    || words[k].lower == "one" || words[k].lower == "any") {
                    ++k;
                }
            }
            if (k < words.size() && unitMilliseconds(words[k].lower) > 0 && words[k].lower != "s"
                && words[k].lower != "d") {
                Threshold t = make(aboutOom ? "oom.max_per_window" : "count.other", ThresholdKind::CountPerWindow,
                    *n + offset, "count", i, k);
                t.windowMs = static_cast<std::int64_t>(
                    std::llround(m * static_cast<double>(unitMilliseconds(words[k].lower))));
                out.push_back(std::move(t));
                i = k;
                break;
            }
        }
    }

    // Durations: "10 minutes", "2 hours", "10-minute", "10min".
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (used[i])
            continue;
        std::optional<std::pair<double, long long>> d;
        std::size_t last = i;
        if (const auto n = numberOf(words[i].lower); n && i + 1 < words.size() && !used[i + 1]) {
            const long long unit = unitMilliseconds(words[i + 1].lower);
            if (unit > 0 && words[i + 1].lower != "s" && words[i + 1].lower != "d" && words[i + 1].lower != "h") {
                d = std::make_pair(*n, unit);
                last = i + 1;
            }
        }
        if (!d)
            d = compactDuration(words[i].lower);
        if (!d)
            continue;
        std::string key = aboutStabilising ? "stabilise.within"
            : aboutEscalation              ? "escalation.owner_after"
                                           : "duration.other";
        out.push_back(
            make(std::move(key), ThresholdKind::Duration, d->first * static_cast<double>(d->second), "ms", i, last));
    }

    // Severities: "P2", "escalates to P1", "escalate immediately to P1".
    bool initialTaken = false;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& w = words[i].lower;
        if (w.size() != 2 || w[0] != 'p' || w[1] < '0' || w[1] > '5')
            continue;
        std::size_t from = i;
        bool escalated = false;
        for (std::size_t back = 1; back <= 4 && back <= i; ++back) {
            if (words[i - back].lower.rfind("escalat", 0) == 0) {
                escalated = true;
                from = i - back;
                break;
            }
        }
        std::string key = escalated                ? "severity.escalated"
            : (ctx.severityField && !initialTaken) ? "severity.initial"
                                                   : "severity.other";
        initialTaken = initialTaken || key == "severity.initial";
        out.push_back(make(std::move(key), ThresholdKind::Severity, w[1] - '0', "severity", from, i));
    }

    // Memory sizes in prose: "4Gi", "512Mi" (Kubernetes binary suffixes only: "3584m" in prose
    // could be millicores).
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (used[i])
            continue;
        const std::string& w = words[i].text;
        if (w.size() < 3 || !std::isdigit(static_cast<unsigned char>(w[0])))
            continue;
        const std::string suffix = w.substr(w.size() - 2);
        if (suffix != "Ki" && suffix != "Mi" && suffix != "Gi" && suffix != "Ti")
            continue;
        const auto bytes = parseMemoryBytes(w);
        if (bytes)
            out.push_back(
                make("memory.other", ThresholdKind::MemoryQuantity, static_cast<double>(*bytes), "bytes", i, i));
    }
    return out;
}

} // namespace leakdesk::runbook
