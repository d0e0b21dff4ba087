#pragma once
// PromQL series selectors (`metric{label="v",other=~"re"}`), the one piece of PromQL syntax the
// sandbox parses in general: /api/v1/series takes them as match[]. Regular expressions are fully
// anchored, as in Prometheus.

#include "core/common/Result.h"
#include "core/common/Series.h"

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace leakdesk::sandbox {

struct LabelMatcher {
    enum class Op { Equal, NotEqual, Regex, NotRegex };
    std::string name;
    Op op = Op::Equal;
    std::string value;
    std::shared_ptr<const std::regex> re; // for Regex / NotRegex

    static Result<LabelMatcher> make(std::string name, Op op, std::string value);
    // A missing label counts as the empty string, as in Prometheus.
    bool matches(const std::string& labelValue) const;
};

class SeriesSelector {
public:
    static Result<SeriesSelector> parse(std::string_view text);
    static SeriesSelector fromMatchers(std::vector<LabelMatcher> matchers);

    // `metric` is the series' __name__.
    bool matches(const std::string& metric, const Labels& labels) const;
    const std::vector<LabelMatcher>& matchers() const { return m_matchers; }

private:
    std::vector<LabelMatcher> m_matchers; // includes __name__ when the selector names a metric
};

} // namespace leakdesk::sandbox
