#include "drills/drill_measure.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>

namespace sekimori::drills {

namespace {

using json = nlohmann::json;

constexpr double kUsPerSecond = 1e6;

std::string fixed(double v, int digits = 1) {
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(digits);
    out << v;
    return out.str();
}

std::vector<Sample> inWindow(const DrillInputs& in, std::string_view name, core::TimeUs from) {
    std::vector<Sample> out;
    auto it = in.series.find(name);
    if (it == in.series.end()) {
        return out;
    }
    for (const auto& s : it->second) {
        if (s.timeUs >= from && s.timeUs <= in.endUs) {
            out.push_back(s);
        }
    }
    return out;
}

std::vector<const TimelineEvent*> eventsOf(const DrillInputs& in, std::string_view type) {
    std::vector<const TimelineEvent*> out;
    for (const auto& e : in.events) {
        if (e.type == type && e.timeUs >= in.startUs && e.timeUs <= in.endUs) {
            out.push_back(&e);
        }
    }
    return out;
}

CriterionResult atMost(CriterionId id, double limit, std::string unit) {
    CriterionResult r;
    r.id = id;
    r.limit = limit;
    r.unit = std::move(unit);
    r.comparison = "<=";
    return r;
}

CriterionResult atLeast(CriterionId id, double limit, std::string unit) {
    CriterionResult r = atMost(id, limit, std::move(unit));
    r.comparison = ">=";
    return r;
}

void judge(CriterionResult& r, double measured, std::string detail) {
    r.measured = measured;
    r.detail = std::move(detail);
    const bool ok = r.comparison == "<=" ? measured <= r.limit : measured >= r.limit;
    r.verdict = ok ? Verdict::pass : Verdict::fail;
}

void notMeasured(CriterionResult& r, std::string why) {
    r.measured.reset();
    r.verdict = Verdict::fail;
    r.detail = std::move(why);
}

CriterionResult transferTime(const DrillInputs& in, const DrillLimits& limits) {
    CriterionResult r = atMost(CriterionId::transferTime, limits.transferMaxS, "s");
    double slowest = -1;
    int count = 0;
    for (const auto* e : eventsOf(in, "power.transfer")) {
        if (e->payload.contains("took_ms") && e->payload["took_ms"].is_number()) {
            slowest = std::max(slowest, e->payload["took_ms"].get<double>() / 1000.0);
            ++count;
        }
    }
    if (count == 0) {
        notMeasured(r, "no confirmed transfer during the run");
    } else {
        judge(r, slowest,
              std::to_string(count) + " transfer(s); the slowest " + fixed(slowest) +
                  " s (power.transfer took_ms)");
    }
    return r;
}

CriterionResult generatorOnLoad(const DrillInputs& in, const DrillLimits& limits) {
    CriterionResult r = atMost(CriterionId::generatorOnLoad, limits.generatorOnLoadMaxS, "s");
    for (const auto* e : eventsOf(in, "power.generator_state")) {
        if (e->payload.value("state", "") == "on_load" && e->payload.contains("start_ms") &&
            e->payload["start_ms"].is_number()) {
            const double s = e->payload["start_ms"].get<double>() / 1000.0;
            judge(r, s, "first crank to on load " + fixed(s) + " s (power.generator_state)");
            return r;
        }
    }
    notMeasured(r, "the generator never reported on load during the run");
    return r;
}

CriterionResult upsMinCharge(const DrillInputs& in, const DrillLimits& limits) {
    CriterionResult r = atLeast(CriterionId::upsMinCharge, limits.upsMinChargePercent, "%");
    const auto samples = inWindow(in, kSeriesUpsCharge, in.startUs);
    if (samples.empty()) {
        notMeasured(r, "no UPS charge sample during the run");
        return r;
    }
    const auto low =
        std::min_element(samples.begin(), samples.end(),
                         [](const Sample& a, const Sample& b) { return a.value < b.value; });
    judge(r, low->value,
          "lowest of " + std::to_string(samples.size()) + " samples: " + fixed(low->value) + " %");
    return r;
}

// After each transfer (or from the start when there was none), how long until every sample
// up to the next transfer (or the end) stays in the band; the slowest of them is measured. A
// source still outside its band at the run's end fails whatever the limit.
CriterionResult settling(const DrillInputs& in, CriterionId id, std::string_view series,
                         double nominal, double band, double maxS, const std::string& unit) {
    CriterionResult r = atMost(id, maxS, "s");
    std::vector<core::TimeUs> starts;
    for (const auto* e : eventsOf(in, "power.transfer")) {
        if (e->timeUs >= in.startUs && e->timeUs <= in.endUs) {
            starts.push_back(e->timeUs);
        }
    }
    if (starts.empty()) {
        starts.push_back(in.startUs);
    }
    std::sort(starts.begin(), starts.end());
    const std::string bandText = fixed(nominal) + " ± " + fixed(band) + " " + unit;
    std::optional<double> slowest;
    std::string detail;
    bool outAtEnd = false;
    std::size_t measured = 0;
    for (std::size_t t = 0; t < starts.size(); ++t) {
        const core::TimeUs from = starts[t];
        const core::TimeUs to = t + 1 < starts.size() ? starts[t + 1] : in.endUs + 1;
        std::vector<Sample> samples;
        for (const auto& sample : inWindow(in, series, from)) {
            if (sample.timeUs < to) {
                samples.push_back(sample);
            }
        }
        if (samples.empty()) {
            continue;
        }
        ++measured;
        std::optional<std::size_t> lastOut;
        for (std::size_t i = 0; i < samples.size(); ++i) {
            if (std::fabs(samples[i].value - nominal) > band) {
                lastOut = i;
            }
        }
        double took = 0;
        std::string what = "within " + bandText + " from the first sample";
        if (lastOut && *lastOut + 1 == samples.size()) {
            took = static_cast<double>(std::min(to, in.endUs) - from) / kUsPerSecond;
            const bool last = t + 1 == starts.size();
            outAtEnd = outAtEnd || last;
            what = std::string("still outside ") + bandText +
                   (last ? " at the end of the run (" : " at the next transfer (") +
                   fixed(samples.back().value) + " " + unit + ")";
        } else if (lastOut) {
            took = static_cast<double>(samples[*lastOut + 1].timeUs - from) / kUsPerSecond;
            what = "within " + bandText + " " + fixed(took) + " s after";
        }
        if (!slowest || took > *slowest) {
            slowest = took;
            detail = what + (starts.size() > 1 || from != in.startUs
                                 ? " (transfer " + std::to_string(t + 1) + " of " +
                                       std::to_string(starts.size()) + ")"
                                 : std::string());
        }
    }
    if (!slowest) {
        notMeasured(r, "no sample after a transfer during the run");
        return r;
    }
    judge(r, *slowest, std::to_string(measured) + " settling(s) measured; the slowest: " + detail);
    if (outAtEnd) {
        r.verdict = Verdict::fail;
    }
    return r;
}

CriterionResult fuelEndurance(const DrillInputs& in, const DrillLimits& limits) {
    CriterionResult r = atLeast(CriterionId::fuelEndurance, limits.enduranceMinH, "h");
    const auto samples = inWindow(in, kSeriesFuel, in.startUs);
    if (samples.size() < 2) {
        notMeasured(r, "fewer than two fuel samples during the run");
        return r;
    }
    const double used = samples.front().value - samples.back().value;
    const double hours =
        static_cast<double>(samples.back().timeUs - samples.front().timeUs) / 3600e6;
    if (!(used > 0) || !(hours > 0)) {
        notMeasured(r, "no fuel burned during the run (" + fixed(used, 2) + " L)");
        return r;
    }
    const double burn = used / hours;
    const double endurance = samples.back().value / burn;
    judge(r, endurance,
          fixed(used, 2) + " L used in " + fixed(hours * 60, 1) + " min (" + fixed(burn) +
              " L/h); " + fixed(samples.back().value) + " L left last " + fixed(endurance) +
              " h at that burn");
    return r;
}

CriterionResult roomTempRise(const DrillInputs& in, const DrillLimits& limits) {
    CriterionResult r = atMost(CriterionId::roomTempRise, limits.roomTempRiseMaxC, "degC");
    const auto samples = inWindow(in, kSeriesRoomTemp, in.startUs);
    if (samples.empty()) {
        notMeasured(r, "no room temperature sample during the run");
        return r;
    }
    double warmest = samples.front().value;
    for (const auto& s : samples) {
        warmest = std::max(warmest, s.value);
    }
    const double rise = warmest - samples.front().value;
    judge(r, rise,
          fixed(samples.front().value) + " °C at the start, warmest " + fixed(warmest) + " °C");
    return r;
}

}  // namespace

std::vector<CriterionResult> measure(const ScenarioSpec& scenario, const DrillInputs& inputs,
                                     const DrillLimits& limits) {
    std::vector<CriterionResult> out;
    const double voltBand = limits.nominalVolts * limits.voltageBandPercent / 100.0;
    for (const CriterionId id : scenario.criteria) {
        switch (id) {
            case CriterionId::transferTime:
                out.push_back(transferTime(inputs, limits));
                break;
            case CriterionId::generatorOnLoad:
                out.push_back(generatorOnLoad(inputs, limits));
                break;
            case CriterionId::upsMinCharge:
                out.push_back(upsMinCharge(inputs, limits));
                break;
            case CriterionId::voltageSettling:
                out.push_back(settling(inputs, id, kSeriesVoltage, limits.nominalVolts, voltBand,
                                       limits.voltageSettleMaxS, "V"));
                break;
            case CriterionId::frequencySettling:
                out.push_back(settling(inputs, id, kSeriesFrequency, limits.nominalHz,
                                       limits.frequencyBandHz, limits.frequencySettleMaxS, "Hz"));
                break;
            case CriterionId::fuelEndurance:
                out.push_back(fuelEndurance(inputs, limits));
                break;
            case CriterionId::roomTempRise:
                out.push_back(roomTempRise(inputs, limits));
                break;
        }
    }
    return out;
}

json toJson(const CriterionResult& r) {
    json out{{"id", std::string(toString(r.id))},
             {"limit", r.limit},
             {"unit", r.unit},
             {"comparison", r.comparison},
             {"verdict", r.verdict == Verdict::pass ? "pass" : "fail"},
             {"detail", r.detail}};
    out["measured"] = r.measured ? json(*r.measured) : json(nullptr);
    return out;
}

}  // namespace sekimori::drills
