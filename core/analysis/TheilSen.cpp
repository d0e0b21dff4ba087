#include "core/analysis/TheilSen.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace leakdesk::analysis {

double normalQuantile(double p)
{
    // Acklam's rational approximation; relative error below 1.2e-9, plenty for a band.
    static constexpr double a[] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
        1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
    static constexpr double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
        6.680131188771972e+01, -1.328068155288572e+01 };
    static constexpr double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
        -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
    static constexpr double d[]
        = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00 };
    p = std::clamp(p, 1e-12, 1.0 - 1e-12);
    const double pLow = 0.02425;
    if (p < pLow) {
        const double q = std::sqrt(-2 * std::log(p));
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - pLow) {
        const double q = std::sqrt(-2 * std::log(1 - p));
        return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    const double q = p - 0.5;
    const double r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

std::optional<SlopeEstimate> theilSenSlope(std::span<const Sample> samples, const TheilSenParams& params)
{
    const std::size_t n = samples.size();
    if (n < 3 || samples.front().tMs == samples.back().tMs)
        return std::nullopt;

    std::vector<Sample> used;
    const std::size_t m = std::max<std::size_t>(3, std::min(n, params.maxPoints));
    if (m < n) {
        used.reserve(m);
        for (std::size_t k = 0; k < m; ++k)
            used.push_back(samples[k * (n - 1) / (m - 1)]);
    } else {
        used.assign(samples.begin(), samples.end());
    }

    // Hours relative to the first point keep the arithmetic well conditioned for epoch times.
    const std::int64_t t0 = used.front().tMs;
    std::vector<double> slopes;
    slopes.reserve(used.size() * (used.size() - 1) / 2);
    for (std::size_t i = 0; i < used.size(); ++i) {
        for (std::size_t j = i + 1; j < used.size(); ++j) {
            const double dtHours = static_cast<double>(used[j].tMs - used[i].tMs) / 3.6e6;
            if (dtHours > 0)
                slopes.push_back((used[j].value - used[i].value) / dtHours);
        }
    }
    if (slopes.empty())
        return std::nullopt;
    std::sort(slopes.begin(), slopes.end());

    const std::size_t N = slopes.size();
    auto medianSorted = [](const std::vector<double>& v) {
        const std::size_t k = v.size();
        return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
    };

    SlopeEstimate est;
    est.slopePerHour = medianSorted(slopes);
    est.confidenceLevel = params.confidenceLevel;
    est.points = n;
    est.pointsUsed = used.size();
    est.firstMs = samples.front().tMs;
    est.lastMs = samples.back().tMs;

    // Sen's band: C = z * sqrt(Var S), Var S = m(m-1)(2m+5)/18 (ties ignored); the band is the
    // pair of order statistics at ranks (N - C)/2 and (N + C)/2 + 1 (1-based).
    const double mm = static_cast<double>(used.size());
    const double z = normalQuantile(0.5 + params.confidenceLevel / 2.0);
    const double C = z * std::sqrt(mm * (mm - 1) * (2 * mm + 5) / 18.0);
    const double lowerRank = std::floor((static_cast<double>(N) - C) / 2.0); // 1-based
    const double upperRank = std::ceil((static_cast<double>(N) + C) / 2.0) + 1.0;
    const auto lo = static_cast<std::size_t>(std::clamp(lowerRank - 1.0, 0.0, static_cast<double>(N - 1)));
    const auto hi = static_cast<std::size_t>(std::clamp(upperRank - 1.0, 0.0, static_cast<double>(N - 1)));
    est.lowPerHour = std::min(slopes[lo], est.slopePerHour);
    est.highPerHour = std::max(slopes[hi], est.slopePerHour);

    std::vector<double> intercepts;
    intercepts.reserve(used.size());
    for (const Sample& s : used)
        intercepts.push_back(s.value - est.slopePerHour * static_cast<double>(s.tMs - t0) / 3.6e6);
    std::sort(intercepts.begin(), intercepts.end());
    const double interceptAtT0 = medianSorted(intercepts);
    est.valueAtFirst = interceptAtT0 + est.slopePerHour * static_cast<double>(est.firstMs - t0) / 3.6e6;
    return est;
}

} // namespace leakdesk::analysis
