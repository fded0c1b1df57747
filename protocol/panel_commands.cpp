#include "protocol/panel_commands.hpp"

#include <algorithm>
#include <array>
#include <set>

#include "protocol/card_format.hpp"
#include "protocol/ids.hpp"
#include "protocol/json_fields.hpp"
#include "protocol/panel_link_auth.hpp"

namespace sekimori::protocol {
namespace {

constexpr std::array kCommandTypes = {
    CommandType::unlock,    CommandType::holdUnlocked, CommandType::lock,
    CommandType::revoke,    CommandType::restore,      CommandType::eventAck,
    CommandType::cachePut,  CommandType::cacheRemove,  CommandType::cacheReset,
    CommandType::cacheSync, CommandType::gateRearm,
};

constexpr std::size_t kPinHashHexChars = 64;
constexpr std::size_t kSealOverhead = 24 + 16;  // secretbox nonce + MAC
constexpr std::size_t kMaxTemplateBoxChars = 4 * ((kSealOverhead + 2008 + 2) / 3);

bool isCommandId(std::string_view id) {
    if (id.empty() || id.size() > kMaxCommandIdChars) {
        return false;
    }
    for (char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
    }
    return true;
}

bool isLowerHex(std::string_view text, std::size_t chars) {
    if (text.size() != chars) {
        return false;
    }
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

bool isPrintableAscii(std::string_view text) {
    for (char c : text) {
        if (c < 0x20 || c >= 0x7f) {
            return false;
        }
    }
    return true;
}

void readHex(FieldReader& reader, std::string_view field, std::size_t chars, std::string& out) {
    out = reader.string(field);
    if (reader.ok() && !isLowerHex(out, chars)) {
        reader.fail(field, "must be " + std::to_string(chars) + " lower-case hex digits");
    }
}

// 1..kMaxCounter (FieldReader's integers are int-sized).
std::uint64_t readCounter(FieldReader& reader, const Json& json) {
    if (!reader.ok()) {
        return 0;
    }
    const auto it = json.find("counter");
    if (it == json.end()) {
        reader.fail("counter", "missing");
        return 0;
    }
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() < 1 ||
        it->get<std::uint64_t>() > kMaxCounter) {
        reader.fail("counter", it->is_number_integer() || it->is_number_unsigned()
                                   ? "out of range 1..2^53-1"
                                   : "must be an integer");
        return 0;
    }
    return it->get<std::uint64_t>();
}

void readAuth(FieldReader& reader, const Json& json, LinkAuth& auth) {
    readHex(reader, "epoch", kEpochHexChars, auth.epoch);
    auth.counter = readCounter(reader, json);
    readHex(reader, "nonce", kNonceHexChars, auth.nonce);
    readHex(reader, "mac", kMacHexChars, auth.mac);
}

void writeAuth(Json& json, const LinkAuth& auth) {
    json["epoch"] = auth.epoch;
    json["counter"] = auth.counter;
    json["nonce"] = auth.nonce;
}

void readCards(FieldReader& reader, const Json& json, std::vector<std::string>& out) {
    if (!reader.ok()) {
        return;
    }
    const auto it = json.find("cards");
    if (it == json.end()) {
        reader.fail("cards", "missing");
        return;
    }
    if (!it->is_array() || it->empty() || it->size() > kMaxCommandCards) {
        reader.fail("cards",
                    "must be an array of 1.." + std::to_string(kMaxCommandCards) + " card ids");
        return;
    }
    std::set<std::string> seen;
    for (const auto& card : *it) {
        if (!card.is_string() || !isDenyListCardId(card.get<std::string>())) {
            reader.fail("cards", "each must be a canonical card id (protocol/card_format)");
            return;
        }
        if (!seen.insert(card.get<std::string>()).second) {
            reader.fail("cards", "lists a card twice");
            return;
        }
        out.push_back(card.get<std::string>());
    }
}

template <class T>
Parsed<T> finish(const FieldReader& reader, T value) {
    if (!reader.ok()) {
        return Parsed<T>{std::nullopt, reader.error()};
    }
    return Parsed<T>{std::move(value), {}};
}

std::string withMac(const std::string& body, const std::string& mac) {
    return mac.empty() ? body : appendMember(body, "mac", mac);
}

bool namesDoor(CommandType type) {
    return type == CommandType::unlock || type == CommandType::holdUnlocked ||
           type == CommandType::lock || type == CommandType::gateRearm;
}

bool carriesVersion(CommandType type) {
    return type == CommandType::cachePut || type == CommandType::cacheRemove ||
           type == CommandType::cacheReset || type == CommandType::cacheSync;
}

// An unsigned field lo..hi (FieldReader's integers are int-sized).
std::uint64_t readUnsigned(FieldReader& reader, const Json& json, std::string_view field,
                           std::uint64_t lo, std::uint64_t hi) {
    if (!reader.ok()) {
        return 0;
    }
    const auto it = json.find(field);
    if (it == json.end()) {
        reader.fail(field, "missing");
        return 0;
    }
    if (!it->is_number_integer()) {
        reader.fail(field, "must be an integer");
        return 0;
    }
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() < lo ||
        it->get<std::uint64_t>() > hi) {
        reader.fail(field, "out of range " + std::to_string(lo) + ".." +
                               (hi == kMaxCounter ? std::string("2^53-1") : std::to_string(hi)));
        return 0;
    }
    return it->get<std::uint64_t>();
}

std::int64_t readTimeUs(FieldReader& reader, const Json& json, std::string_view field) {
    return static_cast<std::int64_t>(readUnsigned(reader, json, field, 0, kMaxCounter));
}

bool isBase64Text(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool alnum =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        const bool pad = c == '=' && i + 2 >= text.size();
        if (!alnum && c != '+' && c != '/' && !pad) {
            return false;
        }
    }
    return true;
}

Json windowsJson(const std::vector<OfflineWindow>& windows) {
    Json list = Json::array();
    for (const auto& w : windows) {
        Json window = Json::array({w.day, w.fromMin, w.untilMin});
        if (w.holidays == WindowHolidays::closedOnHolidays) {
            window.push_back("closed_on_holidays");
        } else if (w.holidays == WindowHolidays::holidaysOnly) {
            window.push_back("holidays_only");
        }
        list.push_back(std::move(window));
    }
    return list;
}

// [[day, from_min, until_min(, holiday rule)], ...]: day 0..6 (Monday first),
// 0 <= from < until <= 1440, the rule "closed_on_holidays" or "holidays_only" (none: any day).
void readWindows(FieldReader& reader, const Json& entry, std::string_view field,
                 std::vector<OfflineWindow>& out) {
    if (!reader.ok()) {
        return;
    }
    const auto it = entry.find(field);
    if (it == entry.end()) {
        reader.fail(field, "missing");
        return;
    }
    if (!it->is_array() || it->size() > kMaxOfflineWindows) {
        reader.fail(field, "must be an array of at most " + std::to_string(kMaxOfflineWindows) +
                               " [day, from_min, until_min] windows");
        return;
    }
    for (const auto& w : *it) {
        const bool shape = w.is_array() && (w.size() == 3 || w.size() == 4) &&
                           w[0].is_number_integer() && w[1].is_number_integer() &&
                           w[2].is_number_integer();
        if (!shape) {
            reader.fail(field, "each window must be [day, from_min, until_min] integers");
            return;
        }
        WindowHolidays rule = WindowHolidays::any;
        if (w.size() == 4) {
            if (w[3] == "closed_on_holidays") {
                rule = WindowHolidays::closedOnHolidays;
            } else if (w[3] == "holidays_only") {
                rule = WindowHolidays::holidaysOnly;
            } else {
                reader.fail(field,
                            "a window's fourth element must be \"closed_on_holidays\" or "
                            "\"holidays_only\"");
                return;
            }
        }
        const auto day = w[0].get<std::int64_t>();
        const auto from = w[1].get<std::int64_t>();
        const auto until = w[2].get<std::int64_t>();
        if (day < 0 || day > 6 || from < 0 || from > 1439 || until <= from || until > 1440) {
            reader.fail(field, "a window is out of range (day 0..6, 0 <= from < until <= 1440)");
            return;
        }
        out.push_back(OfflineWindow{static_cast<int>(day), static_cast<int>(from),
                                    static_cast<int>(until), rule});
    }
}

Json entryJson(const CacheEntry& e) {
    Json json;
    json["card"] = e.card;
    json["person"] = e.person;
    json["valid_from_us"] = e.validFromUs;
    json["valid_until_us"] = e.validUntilUs;
    json["entry_windows"] = windowsJson(e.entryWindows);
    json["exit_windows"] = windowsJson(e.exitWindows);
    if (!e.pinHash.empty()) {
        json["pin_hash"] = e.pinHash;
    }
    if (!e.templateBox.empty()) {
        json["template_box"] = e.templateBox;
    }
    if (!e.templateBox2.empty()) {
        json["template_box_2"] = e.templateBox2;
    }
    if (e.weightG > 0) {
        json["weight_g"] = e.weightG;
    }
    return json;
}

// minEntries..maxEntries entries, no card twice: a cache_put's (1..kMaxCacheEntries) or the
// at-rest cache's (0..kMaxCachedCards).
void readEntries(FieldReader& outer, const Json& json, std::vector<CacheEntry>& out,
                 std::size_t minEntries = 1, std::size_t maxEntries = kMaxCacheEntries) {
    if (!outer.ok()) {
        return;
    }
    const auto it = json.find("entries");
    if (it == json.end()) {
        outer.fail("entries", "missing");
        return;
    }
    if (!it->is_array() || it->size() < minEntries || it->size() > maxEntries) {
        outer.fail("entries", "must be an array of " + std::to_string(minEntries) + ".." +
                                  std::to_string(maxEntries) + " cache entries");
        return;
    }
    std::set<std::string> seen;
    for (const auto& item : *it) {
        if (!item.is_object()) {
            outer.fail("entries", "each entry must be an object");
            return;
        }
        FieldReader reader(item);
        CacheEntry e;
        reader.onlyFields({"card", "person", "valid_from_us", "valid_until_us", "entry_windows",
                           "exit_windows", "pin_hash", "template_box", "template_box_2",
                           "weight_g"});
        e.card = reader.string("card");
        if (reader.ok() && !isCanonicalCardId(e.card)) {
            reader.fail("card", "must be a canonical card id (protocol/card_format)");
        }
        if (reader.ok() && !seen.insert(e.card).second) {
            reader.fail("card", "listed twice");
        }
        e.person = reader.string("person");
        if (reader.ok() && !isValidId(e.person)) {
            reader.fail("person", "must be an id (1..64 of [a-z0-9_-])");
        }
        e.validFromUs = readTimeUs(reader, item, "valid_from_us");
        e.validUntilUs = readTimeUs(reader, item, "valid_until_us");
        if (reader.ok() && e.validUntilUs != 0 && e.validUntilUs <= e.validFromUs) {
            reader.fail("valid_until_us", "must be after valid_from_us (or 0: no end)");
        }
        readWindows(reader, item, "entry_windows", e.entryWindows);
        readWindows(reader, item, "exit_windows", e.exitWindows);
        if (reader.ok() && reader.has("pin_hash")) {
            readHex(reader, "pin_hash", kPinHashHexChars, e.pinHash);
        }
        for (auto [field, box] :
             {std::pair<std::string_view, std::string*>{"template_box", &e.templateBox},
              {"template_box_2", &e.templateBox2}}) {
            if (reader.ok() && reader.has(field)) {
                *box = reader.string(field);
                if (reader.ok() && (box->size() > kMaxTemplateBoxChars || !isBase64Text(*box))) {
                    reader.fail(field, "must be base64 of a sealed template");
                }
            }
        }
        if (reader.ok() && !e.templateBox2.empty() && e.templateBox.empty()) {
            reader.fail("template_box_2", "only allowed with template_box");
        }
        if (reader.ok() && reader.has("weight_g")) {
            e.weightG = reader.integer("weight_g", 1, kMaxWeightG);
        }
        if (!reader.ok()) {
            outer.fail("entries", "entry " + std::to_string(out.size()) + ": " + reader.error());
            return;
        }
        out.push_back(std::move(e));
    }
}

std::vector<std::string> factorNames(const std::vector<Factor>& factors) {
    std::vector<std::string> names;
    for (auto f : factors) {
        names.emplace_back(toString(f));
    }
    return names;
}

// Card first, no repeats, from card / pin / finger (empty: the caller decides).
void readFactors(FieldReader& reader, const Json& policy, std::string_view field,
                 std::vector<Factor>& out) {
    if (!reader.ok()) {
        return;
    }
    const auto it = policy.find(field);
    if (it == policy.end()) {
        reader.fail(field, "missing");
        return;
    }
    if (!it->is_array() || it->size() > 3) {
        reader.fail(field, "must be an array of at most 3 factors");
        return;
    }
    for (const auto& f : *it) {
        const std::string name = f.is_string() ? f.get<std::string>() : std::string();
        Factor factor = Factor::card;
        if (name == "card") {
            factor = Factor::card;
        } else if (name == "pin") {
            factor = Factor::pin;
        } else if (name == "finger") {
            factor = Factor::finger;
        } else {
            reader.fail(field, "each factor must be \"card\", \"pin\" or \"finger\"");
            return;
        }
        if (std::find(out.begin(), out.end(), factor) != out.end()) {
            reader.fail(field, "lists a factor twice");
            return;
        }
        out.push_back(factor);
    }
    if (!out.empty() && out.front() != Factor::card) {
        reader.fail(field, "must start with \"card\"");
    }
}

Json policyJson(const OfflinePolicy& p) {
    Json json;
    json["door"] = p.door;
    json["entry_factors"] = factorNames(p.entryFactors);
    json["exit_factors"] = factorNames(p.exitFactors);
    json["two_person"] = p.twoPerson;
    json["two_person_window_ms"] = p.twoPersonWindowMs;
    json["finger_threshold"] = p.fingerThreshold;
    json["unlock_ms"] = p.unlockMs;
    json["staleness_ms"] = p.stalenessMs;
    json["degraded"] = toString(p.degraded);
    json["journal_full"] = toString(p.journalFull);
    if (!p.holidays.empty()) {
        json["holidays"] = p.holidays;
    }
    return json;
}

void readPolicy(FieldReader& outer, const Json& json, std::optional<OfflinePolicy>& out) {
    if (!outer.ok()) {
        return;
    }
    const auto it = json.find("policy");
    if (it == json.end() || !it->is_object()) {
        outer.fail("policy", it == json.end() ? "missing" : "must be an object");
        return;
    }
    FieldReader reader(*it);
    OfflinePolicy p;
    reader.onlyFields({"door", "entry_factors", "exit_factors", "two_person",
                       "two_person_window_ms", "finger_threshold", "unlock_ms", "staleness_ms",
                       "degraded", "journal_full", "holidays"});
    p.door = reader.string("door");
    if (reader.ok() && !isValidId(p.door)) {
        reader.fail("door", "must be an id (1..64 of [a-z0-9_-])");
    }
    readFactors(reader, *it, "entry_factors", p.entryFactors);
    if (reader.ok() && p.entryFactors.empty()) {
        reader.fail("entry_factors", "must not be empty");
    }
    readFactors(reader, *it, "exit_factors", p.exitFactors);
    p.twoPerson = reader.boolean("two_person");
    p.twoPersonWindowMs = reader.integer("two_person_window_ms", 1, 300'000);
    p.fingerThreshold = reader.integer("finger_threshold", 0, 100);
    p.unlockMs = reader.integer("unlock_ms", 1, kMaxUnlockMs);
    p.stalenessMs =
        static_cast<std::int64_t>(readUnsigned(reader, *it, "staleness_ms", 1, kMaxStalenessMs));
    const std::string degraded = reader.string("degraded");
    if (reader.ok()) {
        if (degraded == "deny") {
            p.degraded = DegradedMode::deny;
        } else if (degraded == "two_person") {
            p.degraded = DegradedMode::twoPerson;
        } else {
            reader.fail("degraded", "must be \"deny\" or \"two_person\"");
        }
    }
    const std::string full = reader.string("journal_full");
    if (reader.ok()) {
        if (full == "deny_offline") {
            p.journalFull = JournalFullPolicy::denyOffline;
        } else if (full == "keep_deciding") {
            p.journalFull = JournalFullPolicy::keepDeciding;
        } else {
            reader.fail("journal_full", "must be \"deny_offline\" or \"keep_deciding\"");
        }
    }
    if (reader.ok() && reader.has("holidays")) {
        const Json& days = (*it)["holidays"];
        bool ordered = days.is_array() && days.size() <= kMaxOfflineHolidays;
        std::int64_t last = -1;
        for (std::size_t i = 0; ordered && i < days.size(); ++i) {
            // A day number of the years 1970..9999, strictly ascending.
            ordered = days[i].is_number_integer() && days[i].get<std::int64_t>() > last &&
                      days[i].get<std::int64_t>() <= 2'932'896;
            if (ordered) {
                last = days[i].get<std::int64_t>();
                p.holidays.push_back(last);
            }
        }
        if (!ordered) {
            reader.fail("holidays", "must be at most " + std::to_string(kMaxOfflineHolidays) +
                                        " ascending day numbers (0..2932896)");
        }
    }
    if (!reader.ok()) {
        outer.fail("policy", reader.error());
        return;
    }
    out = std::move(p);
}

}  // namespace

std::string_view toString(CommandType type) {
    switch (type) {
        case CommandType::unlock:
            return "unlock";
        case CommandType::holdUnlocked:
            return "hold_unlocked";
        case CommandType::lock:
            return "lock";
        case CommandType::revoke:
            return "revoke";
        case CommandType::restore:
            return "restore";
        case CommandType::eventAck:
            return "event_ack";
        case CommandType::cachePut:
            return "cache_put";
        case CommandType::cacheRemove:
            return "cache_remove";
        case CommandType::cacheReset:
            return "cache_reset";
        case CommandType::cacheSync:
            return "cache_sync";
        case CommandType::gateRearm:
            return "gate_rearm";
    }
    return "";
}

std::string_view toString(DegradedMode mode) {
    return mode == DegradedMode::deny ? "deny" : "two_person";
}

std::string_view toString(JournalFullPolicy policy) {
    return policy == JournalFullPolicy::denyOffline ? "deny_offline" : "keep_deciding";
}

std::string_view toString(AckResult result) {
    return result == AckResult::done ? "done" : "refused";
}

bool isDenyListCardId(std::string_view id) {
    return isCanonicalCardId(id);
}

std::string encodeBody(const PanelCommand& message) {
    Json json;
    json["command"] = message.id;
    json["type"] = toString(message.type);
    if (namesDoor(message.type)) {
        json["door"] = message.door;
    }
    if (message.type == CommandType::unlock || message.type == CommandType::holdUnlocked) {
        json["ms"] = message.ms;
    }
    if (message.type == CommandType::revoke || message.type == CommandType::restore ||
        message.type == CommandType::cacheRemove) {
        json["cards"] = message.cards;
    }
    if (message.type == CommandType::eventAck) {
        json["seq"] = message.seq;
    }
    if (carriesVersion(message.type)) {
        json["version"] = message.version;
    }
    if (message.type == CommandType::cachePut) {
        Json entries = Json::array();
        for (const auto& e : message.entries) {
            entries.push_back(entryJson(e));
        }
        json["entries"] = std::move(entries);
    }
    if (message.type == CommandType::cacheSync && message.policy) {
        json["policy"] = policyJson(*message.policy);
    }
    writeAuth(json, message.auth);
    return dumpCompact(json);
}

std::string encode(const PanelCommand& message) {
    return withMac(encodeBody(message), message.auth.mac);
}

std::string encodeBody(const PanelAck& message) {
    Json json;
    json["command"] = message.command;
    json["result"] = toString(message.result);
    if (message.result == AckResult::refused) {
        json["reason"] = message.reason;
    }
    writeAuth(json, message.auth);
    return dumpCompact(json);
}

std::string encode(const PanelAck& message) {
    return withMac(encodeBody(message), message.auth.mac);
}

Parsed<PanelCommand> parsePanelCommand(std::string_view text) {
    std::string error;
    const auto json = parseStrictObject(text, kMaxPayloadBytes, error);
    if (!json) {
        return Parsed<PanelCommand>{std::nullopt, std::move(error)};
    }
    FieldReader reader(*json);
    PanelCommand out;
    // The type decides which fields are allowed, so it is read first.
    const std::string type = reader.string("type");
    bool known = false;
    for (auto candidate : kCommandTypes) {
        if (reader.ok() && type == toString(candidate)) {
            out.type = candidate;
            known = true;
        }
    }
    if (reader.ok() && !known) {
        reader.fail("type",
                    "must be \"unlock\", \"hold_unlocked\", \"lock\", \"revoke\", "
                    "\"restore\", \"event_ack\", \"cache_put\", \"cache_remove\", "
                    "\"cache_reset\", \"cache_sync\" or \"gate_rearm\"");
    }
    if (reader.ok()) {
        switch (out.type) {
            case CommandType::unlock:
            case CommandType::holdUnlocked:
                reader.onlyFields(
                    {"command", "type", "door", "ms", "epoch", "counter", "nonce", "mac"});
                break;
            case CommandType::lock:
                reader.onlyFields({"command", "type", "door", "epoch", "counter", "nonce", "mac"});
                break;
            case CommandType::revoke:
            case CommandType::restore:
                reader.onlyFields({"command", "type", "cards", "epoch", "counter", "nonce", "mac"});
                break;
            case CommandType::eventAck:
                reader.onlyFields({"command", "type", "seq", "epoch", "counter", "nonce", "mac"});
                break;
            case CommandType::cachePut:
                reader.onlyFields(
                    {"command", "type", "version", "entries", "epoch", "counter", "nonce", "mac"});
                break;
            case CommandType::cacheRemove:
                reader.onlyFields(
                    {"command", "type", "version", "cards", "epoch", "counter", "nonce", "mac"});
                break;
            case CommandType::cacheReset:
                reader.onlyFields(
                    {"command", "type", "version", "epoch", "counter", "nonce", "mac"});
                break;
            case CommandType::cacheSync:
                reader.onlyFields(
                    {"command", "type", "version", "policy", "epoch", "counter", "nonce", "mac"});
                break;
            case CommandType::gateRearm:
                reader.onlyFields({"command", "type", "door", "epoch", "counter", "nonce", "mac"});
                break;
        }
    }
    out.id = reader.string("command");
    if (reader.ok() && !isCommandId(out.id)) {
        reader.fail("command", "must be 1..64 of [a-z0-9-]");
    }
    if (reader.ok() && namesDoor(out.type)) {
        out.door = reader.string("door");
        if (reader.ok() && !isValidId(out.door)) {
            reader.fail("door", "must be an id (1..64 of [a-z0-9_-])");
        }
    }
    if (reader.ok() && out.type == CommandType::unlock) {
        out.ms = reader.integer("ms", 1, kMaxUnlockMs);
    } else if (reader.ok() && out.type == CommandType::holdUnlocked) {
        out.ms = reader.integer("ms", 1, kMaxHoldUnlockedMs);
    }
    if (out.type == CommandType::revoke || out.type == CommandType::restore ||
        out.type == CommandType::cacheRemove) {
        readCards(reader, *json, out.cards);
    }
    if (out.type == CommandType::eventAck) {
        out.seq = readUnsigned(reader, *json, "seq", 1, kMaxCounter);
    }
    if (carriesVersion(out.type)) {
        out.version = readUnsigned(reader, *json, "version", 1, kMaxCounter);
    }
    if (out.type == CommandType::cachePut) {
        readEntries(reader, *json, out.entries);
    }
    if (out.type == CommandType::cacheSync) {
        readPolicy(reader, *json, out.policy);
    }
    readAuth(reader, *json, out.auth);
    return finish(reader, std::move(out));
}

Parsed<PanelAck> parsePanelAck(std::string_view text) {
    std::string error;
    const auto json = parseStrictObject(text, kMaxPayloadBytes, error);
    if (!json) {
        return Parsed<PanelAck>{std::nullopt, std::move(error)};
    }
    FieldReader reader(*json);
    PanelAck out;
    const std::string result = reader.string("result");
    if (reader.ok()) {
        if (result == "done") {
            out.result = AckResult::done;
            reader.onlyFields({"command", "result", "epoch", "counter", "nonce", "mac"});
        } else if (result == "refused") {
            out.result = AckResult::refused;
            reader.onlyFields({"command", "result", "reason", "epoch", "counter", "nonce", "mac"});
        } else {
            reader.fail("result", "must be \"done\" or \"refused\"");
        }
    }
    out.command = reader.string("command");
    if (reader.ok() && !isCommandId(out.command)) {
        reader.fail("command", "must be 1..64 of [a-z0-9-]");
    }
    if (reader.ok() && out.result == AckResult::refused) {
        out.reason = reader.string("reason");
        if (reader.ok() && (out.reason.empty() || out.reason.size() > kMaxAckReasonChars ||
                            !isPrintableAscii(out.reason))) {
            reader.fail("reason", "must be 1..64 printable ASCII characters");
        }
    }
    readAuth(reader, *json, out.auth);
    return finish(reader, std::move(out));
}

std::string commandMacInput(std::string_view site, std::string_view panel,
                            const PanelCommand& command, std::string_view body) {
    return macInput({kCommandTag, site, panel, command.door, command.id, toString(command.type),
                     command.auth.epoch, command.auth.counter, command.auth.nonce, body});
}

std::string ackMacInput(std::string_view site, std::string_view panel, const PanelAck& ack,
                        std::string_view body) {
    return macInput({kAckTag, site, panel, "", ack.command, toString(ack.result), ack.auth.epoch,
                     ack.auth.counter, ack.auth.nonce, body});
}

// --- the panel's cache at rest -----------------------------------------------------------------

std::string encodeCacheEntries(const CacheContents& cache) {
    Json json;
    json["format"] = kCacheFormat;
    json["version"] = cache.version;
    if (cache.policy) {
        json["policy"] = policyJson(*cache.policy);
    }
    Json entries = Json::array();
    for (const auto& e : cache.entries) {
        entries.push_back(entryJson(e));
    }
    json["entries"] = std::move(entries);
    return dumpCompact(json);
}

Parsed<CacheContents> parseCacheEntries(std::string_view text) {
    std::string error;
    const auto json = parseStrictObject(text, kMaxCacheBytes, error);
    if (!json) {
        return Parsed<CacheContents>{std::nullopt, std::move(error)};
    }
    FieldReader reader(*json);
    CacheContents out;
    reader.onlyFields({"format", "version", "policy", "entries"});
    const std::string format = reader.string("format");
    if (reader.ok() && format != kCacheFormat) {
        reader.fail("format", "must be \"" + std::string(kCacheFormat) + "\"");
    }
    out.version = readUnsigned(reader, *json, "version", 0, kMaxCounter);
    if (reader.ok() && reader.has("policy")) {
        readPolicy(reader, *json, out.policy);
    }
    readEntries(reader, *json, out.entries, 0, kMaxCachedCards);
    if (reader.ok() && out.version == 0 && !out.entries.empty()) {
        reader.fail("version", "must be at least 1 when the cache holds entries");
    }
    return finish(reader, std::move(out));
}

}  // namespace sekimori::protocol
