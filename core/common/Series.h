#pragma once
// Plain time-series values shared by the Prometheus client, the sandbox and the analyses.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace leakdesk {

struct Sample {
    std::int64_t tMs = 0; // unix epoch, milliseconds
    double value = 0.0;
};

using Labels = std::map<std::string, std::string>;

struct Series {
    Labels labels;
    std::vector<Sample> samples; // ascending by tMs

    std::string label(const std::string& name) const
    {
        auto it = labels.find(name);
        return it == labels.end() ? std::string() : it->second;
    }
};

struct TimeRange {
    std::int64_t startMs = 0;
    std::int64_t endMs = 0;
    std::int64_t durationMs() const { return endMs - startMs; }
};

} // namespace leakdesk
