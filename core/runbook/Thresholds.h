#pragma once
// Figures in a runbook's prose ("more than 2 in 1 hour", "within 10 minutes", "escalates to P1",
// "2 hours") read as typed thresholds. Works on words, not regular expressions, so any input
// (including fuzzed text) is scanned in linear time.

#include "core/runbook/Runbook.h"

#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::runbook {

struct ThresholdContext {
    std::string where; // "Severity", "Step 2", "Escalation", "Symptoms" ...
    int stepIndex = -1;
    int line = 0;
    bool severityField = false; // the **Severity:** metadata value
    bool escalationSection = false;
};

// Sentences of a paragraph: split after . ! ? followed by a space, and at line breaks.
std::vector<std::string> splitSentences(std::string_view text);

// Every threshold in one sentence (see Runbook.h for the keys).
std::vector<Threshold> findThresholds(std::string_view sentence, const ThresholdContext& context);

// Duration words: "minute(s)", "min", "hour(s)", "h", "day(s)", "second(s)" -> milliseconds per unit; 0 if none.
long long unitMilliseconds(std::string_view word);

} // namespace leakdesk::runbook
