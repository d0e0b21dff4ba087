#pragma once
// Kubernetes resource quantities ("2Gi", "512Mi", "1.5G", "250m") and JVM-style sizes ("3584m").

#include "core/common/Result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace leakdesk {

// Parses a Kubernetes quantity into a plain number (bytes for memory, cores for CPU).
// "250m" is 0.25 (milli), "2Gi" is 2*2^30, "1e3" is 1000.
Result<double> parseQuantity(std::string_view text);

// Memory quantity to bytes, rounded to the nearest byte.
Result<std::int64_t> parseMemoryBytes(std::string_view text);

// Formats bytes the way kubectl prints memory (binary suffixes): "1536Mi", "2Gi".
std::string formatMemoryQuantity(std::int64_t bytes);

// Human-readable bytes for tables: "1.42 GiB", "312 MiB".
std::string formatBytes(double bytes);

// JVM-style size used by HEAP_LIMIT_RESTART: "3584m" means 3584 MiB (JVM -Xmx semantics).
Result<std::int64_t> parseJvmSize(std::string_view text);

} // namespace leakdesk
