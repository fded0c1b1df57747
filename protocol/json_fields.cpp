#include "protocol/json_fields.hpp"

#include <set>
#include <vector>

namespace sekimori::protocol {

std::optional<Json> parseStrictObject(std::string_view text, std::size_t maxBytes,
                                      std::string& error) {
    if (text.size() > maxBytes) {
        error = "payload: larger than " + std::to_string(maxBytes) + " bytes";
        return std::nullopt;
    }
    std::vector<std::set<std::string>> keysPerObject;
    std::string duplicate;
    const Json::parser_callback_t trackKeys = [&](int, Json::parse_event_t event, Json& parsed) {
        using Event = Json::parse_event_t;
        if (event == Event::object_start) {
            keysPerObject.emplace_back();
        } else if (event == Event::object_end && !keysPerObject.empty()) {
            keysPerObject.pop_back();
        } else if (event == Event::key && !keysPerObject.empty() && parsed.is_string()) {
            const auto& key = parsed.get_ref<const std::string&>();
            if (!keysPerObject.back().insert(key).second && duplicate.empty()) {
                duplicate = key;
            }
        }
        return true;
    };
    Json parsed = Json::parse(text.begin(), text.end(), trackKeys, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
        error = "payload: not valid JSON";
        return std::nullopt;
    }
    if (!parsed.is_object()) {
        error = "payload: must be a JSON object";
        return std::nullopt;
    }
    if (!duplicate.empty()) {
        error = printableKey(duplicate) + ": duplicate field";
        return std::nullopt;
    }
    return parsed;
}

std::string dumpCompact(const Json& json) {
    return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string printableKey(std::string_view key) {
    std::string out;
    for (char c : key.substr(0, 64)) {
        out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (key.size() > 64) {
        out += "...";
    }
    return out;
}

void FieldReader::fail(std::string_view field, std::string_view what) {
    if (error_.empty()) {
        error_ = std::string(field) + ": " + std::string(what);
    }
}

void FieldReader::onlyFields(std::initializer_list<std::string_view> allowed) {
    for (const auto& item : object_.items()) {
        bool known = false;
        for (auto name : allowed) {
            known = known || item.key() == name;
        }
        if (!known) {
            fail(printableKey(item.key()), "unknown field");
            return;
        }
    }
}

std::string FieldReader::string(std::string_view field) {
    const Json* value = need(field);
    if (value == nullptr) {
        return {};
    }
    if (!value->is_string()) {
        fail(field, "must be a string");
        return {};
    }
    return value->get<std::string>();
}

int FieldReader::integer(std::string_view field, int lo, int hi) {
    const Json* value = need(field);
    if (value == nullptr) {
        return 0;
    }
    if (!value->is_number_integer()) {
        fail(field, "must be an integer");
        return 0;
    }
    // Non-negative numbers arrive as unsigned, negative ones as signed.
    std::int64_t number = 0;
    if (value->is_number_unsigned()) {
        const auto unsignedNumber = value->get<std::uint64_t>();
        number = unsignedNumber > static_cast<std::uint64_t>(hi)
                     ? std::int64_t{hi} + 1
                     : static_cast<std::int64_t>(unsignedNumber);
    } else {
        number = value->get<std::int64_t>();
    }
    if (number < lo || number > hi) {
        fail(field, "out of range " + std::to_string(lo) + ".." + std::to_string(hi));
        return 0;
    }
    return static_cast<int>(number);
}

bool FieldReader::boolean(std::string_view field) {
    const Json* value = need(field);
    if (value == nullptr) {
        return false;
    }
    if (!value->is_boolean()) {
        fail(field, "must be true or false");
        return false;
    }
    return value->get<bool>();
}

const Json* FieldReader::need(std::string_view field) {
    if (!ok()) {
        return nullptr;
    }
    const auto it = object_.find(field);
    if (it == object_.end()) {
        fail(field, "missing");
        return nullptr;
    }
    return &*it;
}

}  // namespace sekimori::protocol
