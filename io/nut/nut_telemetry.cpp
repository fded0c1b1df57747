#include "io/nut/nut_telemetry.hpp"

#include <charconv>
#include <chrono>
#include <cmath>

namespace sekimori::io::nut {
namespace {

// NUT's values are decimal ("100", "230.5"); anything else is an error for that point only.
bool parseNumber(const std::string& text, double& value) {
    const char* first = text.data();
    const char* last = text.data() + text.size();
    while (first < last && *first == ' ') {
        ++first;
    }
    while (last > first && last[-1] == ' ') {
        --last;
    }
    if (first == last) {
        return false;
    }
    const auto [end, ec] = std::from_chars(first, last, value);
    return ec == std::errc() && end == last && std::isfinite(value);
}

bool hasFlag(std::string_view status, std::string_view flag) {
    std::size_t at = 0;
    while (at < status.size()) {
        const auto start = status.find_first_not_of(' ', at);
        if (start == std::string_view::npos) {
            break;
        }
        const auto end = status.find(' ', start);
        if (status.substr(start, end - start) == flag) {
            return true;
        }
        at = end;
    }
    return false;
}

}  // namespace

const std::vector<NutPointDef>& nutPoints() {
    static const std::vector<NutPointDef> kPoints{
        {"battery_charge", "%", "battery.charge", ""},
        {"battery_runtime", "s", "battery.runtime", ""},
        {"ups_load", "%", "ups.load", ""},
        {"input_voltage", "V", "input.voltage", ""},
        {"input_frequency", "Hz", "input.frequency", ""},
        {"output_voltage", "V", "output.voltage", ""},
        {"on_line", "", "ups.status", "OL"},
        {"on_battery", "", "ups.status", "OB"},
        {"low_battery", "", "ups.status", "LB"},
        {"replace_battery", "", "ups.status", "RB"},
    };
    return kPoints;
}

NutTelemetry::NutTelemetry(core::TelemetryRegistry& registry, std::string id)
    : registry_(&registry), id_(std::move(id)) {}

std::string NutTelemetry::pointName(const NutUpsSpec& ups, std::string_view point) {
    std::string name = ups.id;
    name += '.';
    name += point;
    return name;
}

core::Result<NutTelemetry> NutTelemetry::declare(
    core::TelemetryRegistry& registry, const NutUpsSpec& ups, std::string source,
    const std::map<std::string, core::TelemetryEnvelope>& envelopes) {
    for (const auto& [point, envelope] : envelopes) {
        bool known = false;
        for (const auto& def : nutPoints()) {
            known = known || def.point == point;
        }
        if (!known) {
            return core::makeError("nut.bad_envelope", "UPS '" + ups.id + "' has no point '" +
                                                           point + "' to give an envelope");
        }
    }
    NutTelemetry telemetry(registry, ups.id);
    for (const auto& def : nutPoints()) {
        core::TelemetryPointSpec spec;
        spec.id = pointName(ups, def.point);
        spec.unit = std::string(def.unit);
        spec.source = source;
        spec.pollIntervalUs =
            std::chrono::duration_cast<std::chrono::microseconds>(ups.poll).count();
        if (auto envelope = envelopes.find(std::string(def.point)); envelope != envelopes.end()) {
            spec.envelope = envelope->second;
        }
        if (auto r = registry.declare(spec); !r) {
            return r.error();
        }
        telemetry.names_.push_back(spec.id);
    }
    return telemetry;
}

core::Result<void> NutTelemetry::apply(const NutPassResult& pass) {
    if (pass.id != id_) {
        return core::makeError("nut.wrong_ups", "a pass of " + pass.id + " applied to " + id_);
    }
    const auto& points = nutPoints();
    if (!pass.ok()) {
        std::string message(toString(pass.error));
        message += ": ";
        message += pass.message;
        for (const auto& name : names_) {
            if (auto r = registry_->error(name, message, pass.timeUs); !r) {
                return r.error();
            }
        }
        return {};
    }
    const auto var = [&](std::string_view name) -> const std::string* {
        const auto at = pass.vars.find(std::string(name));
        return at == pass.vars.end() ? nullptr : &at->second;
    };
    const std::string* status = var("ups.status");
    const std::string* reason = var("input.transfer.reason");
    status_ = status != nullptr ? *status : std::string();
    transferReason_ = reason != nullptr ? *reason : std::string();
    statusTimeUs_ = pass.timeUs;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto& def = points[i];
        const std::string* text = var(def.variable);
        core::Result<void> r;
        if (text == nullptr) {
            r = registry_->error(
                names_[i], std::string("not reported by upsd: ").append(def.variable), pass.timeUs);
        } else if (!def.flag.empty()) {
            r = registry_->sample(names_[i], hasFlag(*text, def.flag) ? 1.0 : 0.0, pass.timeUs);
        } else if (double value = 0; parseNumber(*text, value)) {
            r = registry_->sample(names_[i], value, pass.timeUs);
        } else {
            r = registry_->error(names_[i],
                                 std::string(def.variable)
                                     .append(": '")
                                     .append(text->substr(0, 40))
                                     .append("' is not a number"),
                                 pass.timeUs);
        }
        if (!r) {
            return r.error();
        }
    }
    return {};
}

}  // namespace sekimori::io::nut
