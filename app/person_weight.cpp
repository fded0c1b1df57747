#include "app/person_weight.hpp"

#include <array>
#include <charconv>
#include <system_error>

#include "doors/enrollment.hpp"

namespace sekimori::app {
namespace {

constexpr double kMaxKg = doors::kMaxWeightG / 1000.0;

core::Error badKg(std::string_view kg) {
    return core::makeError("cli.bad_argument",
                           "--kg '" + std::string(kg) +
                               "': give the weight in kilograms as a plain number 0..300 "
                               "(72 or 72.5; 0 removes it)");
}

// Digits with at most one decimal point and a digit somewhere: from_chars alone would also take
// "-1", "1e2", "inf" and "nan".
bool plainDecimal(std::string_view text) {
    bool digit = false;
    bool point = false;
    for (char c : text) {
        if (c >= '0' && c <= '9') {
            digit = true;
        } else if (c == '.' && !point) {
            point = true;
        } else {
            return false;
        }
    }
    return digit;
}

std::string shortest(double value) {
    std::array<char, 32> buffer{};
    auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    return ec == std::errc{} ? std::string(buffer.data(), end) : std::to_string(value);
}

}  // namespace

core::Result<WeightChange> weightChange(const std::string& person, std::string_view kg) {
    if (!plainDecimal(kg)) {
        return badKg(kg);
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(kg.data(), kg.data() + kg.size(), value);
    if (ec != std::errc{} || end != kg.data() + kg.size() || value > kMaxKg) {
        return badKg(kg);
    }
    WeightChange change;
    change.body = nlohmann::json{{"weight_kg", value}};
    change.done = "person " + person + " weight " +
                  (value == 0 ? std::string("removed") : shortest(value) + " kg");
    return change;
}

}  // namespace sekimori::app
