#include "core/telemetry_point.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace sekimori::core {
namespace {

bool isValidPointId(std::string_view id) {
    if (id.empty() || id.size() > 128) {
        return false;
    }
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    });
}

Error badSpec(const TelemetryPointSpec& spec, const std::string& what) {
    return makeError("telemetry.bad_point", "telemetry point " + spec.id + ": " + what);
}

}  // namespace

std::string_view toString(TelemetryQuality quality) {
    switch (quality) {
        case TelemetryQuality::good:
            return "good";
        case TelemetryQuality::stale:
            return "stale";
        case TelemetryQuality::failed:
            return "failed";
    }
    return "failed";
}

Result<void> validateTelemetryPointSpec(const TelemetryPointSpec& spec) {
    if (!isValidPointId(spec.id)) {
        return makeError("telemetry.bad_point", "telemetry point id '" + spec.id +
                                                    "' is not 1..128 characters of [a-z0-9_.-]");
    }
    if (spec.pollIntervalUs <= 0) {
        return badSpec(spec, "poll interval must be positive");
    }
    if (spec.staleAfterMissedPolls < 1) {
        return badSpec(spec, "stale_after_missed_polls must be at least 1");
    }
    if (spec.maxAgeUs < 0) {
        return badSpec(spec, "max age must not be negative");
    }
    if (spec.failAfterErrors < 1) {
        return badSpec(spec, "fail_after_errors must be at least 1");
    }
    const auto& e = spec.envelope;
    if ((e.low && !std::isfinite(*e.low)) || (e.high && !std::isfinite(*e.high)) ||
        !std::isfinite(e.deadband) || e.deadband < 0) {
        return badSpec(spec, "envelope bounds and deadband must be finite, deadband >= 0");
    }
    if (e.low && e.high && *e.low + 2 * e.deadband >= *e.high) {
        return badSpec(spec, "envelope low + 2 x deadband must be below high");
    }
    return {};
}

TelemetryPoint::TelemetryPoint(TelemetryPointSpec spec, TimeUs declaredUs)
    : spec_(std::move(spec)), declaredUs_(declaredUs), notGoodSinceUs_(declaredUs) {}

TimeUs TelemetryPoint::staleAfterUs() const {
    const TimeUs missed = spec_.pollIntervalUs * spec_.staleAfterMissedPolls;
    return spec_.maxAgeUs > 0 ? std::min(missed, spec_.maxAgeUs) : missed;
}

void TelemetryPoint::lose(TelemetryQuality quality, std::string reason, TimeUs timeUs,
                          std::vector<TelemetryChange>& changes) {
    TelemetryChange change;
    change.kind = TelemetryChangeKind::qualityLost;
    change.timeUs = timeUs;
    if (everGood_ || lossRecorded_) {
        change.previous = quality_;
    }
    change.quality = quality;
    change.reason = std::move(reason);
    if (value_) {
        change.ageUs = timeUs - valueTimeUs_;
    }
    if (quality_ == TelemetryQuality::good) {
        notGoodSinceUs_ = timeUs;
    }
    quality_ = quality;
    lossRecorded_ = true;
    changes.push_back(std::move(change));
}

std::vector<TelemetryChange> TelemetryPoint::sample(double value, TimeUs timeUs) {
    if (!std::isfinite(value)) {
        return error("the value read is not a finite number", timeUs);
    }
    std::vector<TelemetryChange> changes;
    if (value_ && timeUs < valueTimeUs_) {
        return changes;  // a late reading: the newer value stands
    }
    consecutiveErrors_ = 0;
    value_ = value;
    valueTimeUs_ = timeUs;
    if (quality_ != TelemetryQuality::good) {
        if (lossRecorded_) {
            TelemetryChange change;
            change.kind = TelemetryChangeKind::qualityRecovered;
            change.timeUs = timeUs;
            change.previous = quality_;
            change.quality = TelemetryQuality::good;
            change.value = value;
            change.durationUs = timeUs - notGoodSinceUs_;
            changes.push_back(std::move(change));
        }
        quality_ = TelemetryQuality::good;
        everGood_ = true;
        lossRecorded_ = false;
    }
    enterEnvelopeState(value, timeUs, changes);
    return changes;
}

void TelemetryPoint::enterEnvelopeState(double value, TimeUs timeUs,
                                        std::vector<TelemetryChange>& changes) {
    const auto& e = spec_.envelope;
    std::optional<std::string> outside;
    if (e.low && value < *e.low) {
        outside = "low";
    } else if (e.high && value > *e.high) {
        outside = "high";
    }
    if (outside) {
        if (outBound_ != outside) {  // newly out, or out on the other side
            TelemetryChange change;
            change.kind = TelemetryChangeKind::outOfEnvelope;
            change.timeUs = timeUs;
            change.quality = quality_;
            change.value = value;
            change.bound = *outside;
            changes.push_back(std::move(change));
            if (!outBound_) {
                outSinceUs_ = timeUs;
            }
            outBound_ = outside;
        }
        return;
    }
    if (!outBound_) {
        return;
    }
    const bool clearOfLow = !e.low || value >= *e.low + e.deadband;
    const bool clearOfHigh = !e.high || value <= *e.high - e.deadband;
    if (clearOfLow && clearOfHigh) {
        TelemetryChange change;
        change.kind = TelemetryChangeKind::backInEnvelope;
        change.timeUs = timeUs;
        change.quality = quality_;
        change.value = value;
        change.durationUs = timeUs - outSinceUs_;
        changes.push_back(std::move(change));
        outBound_.reset();
    }
}

std::vector<TelemetryChange> TelemetryPoint::error(std::string message, TimeUs timeUs) {
    std::vector<TelemetryChange> changes;
    ++errorCount_;
    ++consecutiveErrors_;
    lastError_ = std::move(message);
    if (quality_ != TelemetryQuality::failed && consecutiveErrors_ >= spec_.failAfterErrors) {
        lose(TelemetryQuality::failed, "errors", timeUs, changes);
    }
    return changes;
}

std::vector<TelemetryChange> TelemetryPoint::tick(TimeUs nowUs) {
    std::vector<TelemetryChange> changes;
    if (nowUs < nextDeadlineUs()) {
        return changes;
    }
    if (quality_ == TelemetryQuality::good) {
        const TimeUs missed = spec_.pollIntervalUs * spec_.staleAfterMissedPolls;
        const bool tooOld = spec_.maxAgeUs > 0 && spec_.maxAgeUs < missed;
        lose(TelemetryQuality::stale, tooOld ? "too_old" : "missed_polls", nowUs, changes);
    } else {
        lose(quality_, "no_data", nowUs, changes);  // never had a value: say so once
    }
    return changes;
}

TimeUs TelemetryPoint::nextDeadlineUs() const {
    if (quality_ == TelemetryQuality::good) {
        return valueTimeUs_ + staleAfterUs();
    }
    if (!everGood_ && !lossRecorded_) {
        return declaredUs_ + staleAfterUs();
    }
    return kNoDeadline;
}

}  // namespace sekimori::core
