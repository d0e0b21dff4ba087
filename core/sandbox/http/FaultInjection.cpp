#include "core/sandbox/http/FaultInjection.h"

#include <QRandomGenerator>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

namespace leakdesk::sandbox {

namespace {

// splitmix64: well mixed 64-bit values from consecutive inputs.
quint64 mix(quint64 x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

std::string trim(std::string s)
{
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

Result<double> parseNumber(const std::string& key, const std::string& text)
{
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < 0)
        return makeError(
            ErrorCode::InvalidArgument, "invalid fault " + key + " '" + text + "'", "give a non-negative number");
    return v;
}

Result<double> parseRate(const std::string& key, const std::string& text)
{
    auto v = parseNumber(key, text);
    if (v && *v > 1)
        return makeError(ErrorCode::InvalidArgument, "invalid fault " + key + " '" + text + "'",
            "a rate is a fraction between 0 and 1, e.g. 0.1 for one request in ten");
    return v;
}

// "200ms", "1.5s" or a bare number of milliseconds, up to 10 minutes.
Result<int> parseDuration(const std::string& key, const std::string& value)
{
    double factor = 1;
    std::string number = value;
    if (number.ends_with("ms")) {
        number.resize(number.size() - 2);
    } else if (number.ends_with("s")) {
        number.resize(number.size() - 1);
        factor = 1000;
    }
    auto v = parseNumber(key, number);
    if (!v)
        return makeError(ErrorCode::InvalidArgument, "invalid fault " + key + " '" + value + "'",
            "give a duration such as 200ms or 1.5s");
    const double ms = std::round(*v * factor);
    if (ms > 600000)
        return makeError(ErrorCode::InvalidArgument, "fault " + key + " '" + value + "' is over 10 minutes",
            "give a duration up to 600s");
    return static_cast<int>(ms);
}

} // namespace

Result<double> FaultSpec::parseBandwidth(const std::string& text)
{
    const std::string hint = "give bytes per second, e.g. bandwidth=50MB/s, 25MiB/s or 1000000";
    std::string value = trim(text);
    if (value.ends_with("/s"))
        value.resize(value.size() - 2);
    std::size_t unitAt = 0;
    while (unitAt < value.size() && (std::isdigit(static_cast<unsigned char>(value[unitAt])) || value[unitAt] == '.'))
        ++unitAt;
    const std::string unit = trim(value.substr(unitAt));
    static const std::pair<const char*, double> kUnits[] = { { "", 1 }, { "B", 1 }, { "kB", 1e3 }, { "KB", 1e3 },
        { "MB", 1e6 }, { "GB", 1e9 }, { "KiB", 1024.0 }, { "MiB", 1024.0 * 1024 }, { "GiB", 1024.0 * 1024 * 1024 } };
    double factor = 0;
    for (const auto& [name, f] : kUnits)
        if (unit == name)
            factor = f;
    if (factor == 0) {
        if (unit.find("bit") != std::string::npos || unit.find("bps") != std::string::npos
            || (!unit.empty() && unit.back() == 'b'))
            return makeError(ErrorCode::InvalidArgument,
                "fault bandwidth '" + text + "' is in bits; the sandbox takes bytes per second",
                "divide by 8: 100 Mbit/s is bandwidth=12.5MB/s");
        return makeError(ErrorCode::InvalidArgument, "invalid fault bandwidth '" + text + "'",
            hint + "; units: B, kB, MB, GB, KiB, MiB, GiB");
    }
    auto number = parseNumber("bandwidth", value.substr(0, unitAt));
    if (!number)
        return makeError(ErrorCode::InvalidArgument, "invalid fault bandwidth '" + text + "'", hint);
    const double rate = *number * factor;
    if (rate < 1e3 || rate > 1e12)
        return makeError(
            ErrorCode::InvalidArgument, "fault bandwidth '" + text + "' is out of range", "give 1 KB/s to 1 TB/s");
    return rate;
}

Result<FaultSpec> FaultSpec::parse(const std::string& text)
{
    FaultSpec spec;
    std::stringstream items(text);
    std::string item;
    while (std::getline(items, item, ',')) {
        item = trim(item);
        if (item.empty())
            continue;
        const auto eq = item.find('=');
        const std::string key = trim(item.substr(0, eq));
        const std::string value = eq == std::string::npos ? std::string() : trim(item.substr(eq + 1));
        if (eq == std::string::npos || value.empty())
            return makeError(ErrorCode::InvalidArgument, "fault '" + item + "' has no value",
                "write key=value, e.g. latency=200ms,error-rate=0.1,drop-rate=0.05,seed=7");
        if (key == "latency" || key == "stream-drop-after") {
            auto ms = parseDuration(key, value);
            if (!ms)
                return ms.error();
            (key == "latency" ? spec.latencyMs : spec.streamDropAfterMs) = *ms;
        } else if (key == "error-rate") {
            auto v = parseRate(key, value);
            if (!v)
                return v.error();
            spec.errorRate = *v;
        } else if (key == "drop-rate") {
            auto v = parseRate(key, value);
            if (!v)
                return v.error();
            spec.dropRate = *v;
        } else if (key == "throttle-rate") {
            auto v = parseRate(key, value);
            if (!v)
                return v.error();
            spec.throttleRate = *v;
        } else if (key == "bandwidth") {
            auto v = parseBandwidth(value);
            if (!v)
                return v.error();
            spec.bandwidthBytesPerSecond = *v;
        } else if (key == "seed") {
            quint64 seed = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seed);
            if (ec != std::errc() || end != value.data() + value.size())
                return makeError(
                    ErrorCode::InvalidArgument, "invalid fault seed '" + value + "'", "give a non-negative integer");
            spec.seed = seed;
        } else if (key == "expire-continue") {
            int count = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), count);
            if (ec != std::errc() || end != value.data() + value.size() || count < 0)
                return makeError(ErrorCode::InvalidArgument, "invalid fault expire-continue '" + value + "'",
                    "give how many continue tokens to refuse, a non-negative integer");
            spec.expireContinue = count;
        } else {
            return makeError(ErrorCode::InvalidArgument, "unknown fault '" + key + "'",
                "known faults: latency, error-rate, drop-rate, throttle-rate, stream-drop-after, bandwidth, "
                "expire-continue, seed");
        }
    }
    if (spec.errorRate + spec.dropRate + spec.throttleRate > 1)
        return makeError(ErrorCode::InvalidArgument, "error-rate, drop-rate and throttle-rate add up to more than 1",
            "they are fractions of the same requests");
    return spec;
}

std::string FaultSpec::toString() const
{
    std::ostringstream out;
    out << "latency=" << latencyMs << "ms,error-rate=" << errorRate << ",drop-rate=" << dropRate;
    if (throttleRate > 0)
        out << ",throttle-rate=" << throttleRate;
    if (streamDropAfterMs >= 0)
        out << ",stream-drop-after=" << streamDropAfterMs << "ms";
    if (bandwidthBytesPerSecond > 0)
        out << ",bandwidth=" << static_cast<qint64>(std::llround(bandwidthBytesPerSecond)) << "B/s";
    if (expireContinue > 0)
        out << ",expire-continue=" << expireContinue;
    if (seed)
        out << ",seed=" << *seed;
    return out.str();
}

LinkPacer::LinkPacer(double bytesPerSecond)
    : m_bytesPerSecond(bytesPerSecond)
{ }

qint64 LinkPacer::waitNs(qint64 nowNs) const
{
    return m_freeAtNs > static_cast<double>(nowNs) ? static_cast<qint64>(std::ceil(m_freeAtNs - nowNs)) : 0;
}

void LinkPacer::sent(qint64 nowNs, qint64 bytes)
{
    // A sender woken late may use the few milliseconds the link sat idle meanwhile, no more.
    m_freeAtNs = std::max(m_freeAtNs, static_cast<double>(nowNs - kCatchUpNs))
        + static_cast<double>(bytes) * 1e9 / m_bytesPerSecond;
}

FaultInjector::FaultInjector(const FaultSpec& spec)
    : m_spec(spec)
    , m_seed(spec.seed ? *spec.seed : QRandomGenerator::system()->generate64())
{ }

FaultInjector::Decision FaultInjector::next()
{
    const quint64 n = m_sequence.fetch_add(1);
    const quint64 h = mix(mix(m_seed) ^ n);
    // 53 high bits as a uniform fraction in [0, 1); the lowest bit picks 500 or 503.
    const double u = static_cast<double>(h >> 11) * 0x1.0p-53;
    Decision d;
    d.delayMs = m_spec.latencyMs;
    d.dropStreamAfterMs = m_spec.streamDropAfterMs;
    if (u < m_spec.dropRate) {
        d.action = Action::Drop;
        ++m_drops;
    } else if (u < m_spec.dropRate + m_spec.errorRate) {
        d.action = (h & 1) ? Action::Error503 : Action::Error500;
        ++m_errors;
    } else if (u < m_spec.dropRate + m_spec.errorRate + m_spec.throttleRate) {
        d.action = Action::Throttle;
        d.retryAfterAsHttpDate = (h & 2) != 0;
        ++m_throttled;
    }
    return d;
}

FaultCounts FaultInjector::counts() const
{
    return FaultCounts { static_cast<qint64>(m_sequence.load()), m_errors.load(), m_drops.load(), m_throttled.load() };
}

} // namespace leakdesk::sandbox
