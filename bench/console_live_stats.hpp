#pragma once
// Latency samples (microseconds) of the live load bench and their percentiles, printed as
// milliseconds and as a ratio against a baseline measured in the same run.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace sekimori::bench {

struct LatencySummary {
    std::size_t count = 0;
    double p50Ms = 0;
    double p95Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;
};

// Nearest-rank percentiles; an empty set summarises to zeros with count 0.
inline LatencySummary summarise(std::vector<std::int64_t> samplesUs) {
    LatencySummary s;
    s.count = samplesUs.size();
    if (samplesUs.empty()) {
        return s;
    }
    std::sort(samplesUs.begin(), samplesUs.end());
    auto at = [&](double q) {
        const auto rank = static_cast<std::size_t>(q * static_cast<double>(samplesUs.size() - 1));
        return static_cast<double>(samplesUs[rank]) / 1000.0;
    };
    s.p50Ms = at(0.50);
    s.p95Ms = at(0.95);
    s.p99Ms = at(0.99);
    s.maxMs = static_cast<double>(samplesUs.back()) / 1000.0;
    return s;
}

inline std::string ratio(double value, double baseline) {
    if (baseline <= 0) {
        return "   n/a";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%6.1fx", value / baseline);
    return text;
}

// One table row: "name  n  p50 p95 p99 max (ms)  and each over the baseline's".
inline void printSummary(const std::string& name, const LatencySummary& s,
                         const LatencySummary& baseline) {
    std::printf(
        "  %-28s n=%-8zu p50 %8.2f  p95 %8.2f  p99 %8.2f  max %8.2f ms   "
        "(x baseline: p50 %s p95 %s p99 %s max %s)\n",
        name.c_str(), s.count, s.p50Ms, s.p95Ms, s.p99Ms, s.maxMs,
        ratio(s.p50Ms, baseline.p50Ms).c_str(), ratio(s.p95Ms, baseline.p95Ms).c_str(),
        ratio(s.p99Ms, baseline.p99Ms).c_str(), ratio(s.maxMs, baseline.maxMs).c_str());
}

}  // namespace sekimori::bench
