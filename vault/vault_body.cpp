#include "vault/vault_body.hpp"

#include <nlohmann/json.hpp>

#include "policy/rfc3339.hpp"
#include "protocol/ids.hpp"

namespace sekimori::vault {
namespace {

using json = nlohmann::json;

core::Error bad(std::string message) {
    return core::makeError("vault.bad_request", std::move(message));
}

core::Result<json> object(std::string_view body, std::initializer_list<std::string_view> keys) {
    json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        return bad("body: not valid JSON");
    }
    if (!j.is_object()) {
        return bad("body: a JSON object is expected");
    }
    for (const auto& [key, value] : j.items()) {
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
            return bad("body." + key + ": unknown field");
        }
    }
    return j;
}

core::Result<std::string> idField(const json& j, const std::string& path, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
        return bad(path + key + ": a string is required");
    }
    const auto& text = it->get_ref<const std::string&>();
    if (!protocol::isValidId(text)) {
        return bad(path + key + ": not an id (a-z 0-9 _ -, 1 to 64)");
    }
    return text;
}

core::Result<core::TimeUs> timeField(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
        return bad(std::string("body.") + key + ": an RFC 3339 time string is required");
    }
    auto t = policy::parseRfc3339(it->get_ref<const std::string&>());
    if (!t) {
        return bad(std::string("body.") + key +
                   ": not an RFC 3339 time with an offset (2026-12-02T09:00:00+09:00)");
    }
    return *t;
}

}  // namespace

bool isApprovalId(std::string_view id) {
    if (id.empty() || id.size() > 64) {
        return false;
    }
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == ':';
        if (!ok) {
            return false;
        }
    }
    return true;
}

core::Result<HandlersBody> parseHandlersBody(std::string_view body) {
    auto j = object(body, {"set", "remove"});
    if (!j) {
        return j.error();
    }
    HandlersBody out;
    std::set<std::string> seen;
    const auto add = [&](HandlerDesignation d, const std::string& path) -> core::Result<void> {
        if (!seen.insert(d.person).second) {
            return bad(path + ": " + d.person + " is named twice in one request");
        }
        out.set.push_back(std::move(d));
        if (out.set.size() > kMaxHandlersPerRequest) {
            return bad("body: more than " + std::to_string(kMaxHandlersPerRequest) +
                       " handlers in one request; send them in batches");
        }
        return {};
    };
    if (auto set = j->find("set"); set != j->end()) {
        if (!set->is_array()) {
            return bad("body.set: an array is required");
        }
        for (std::size_t i = 0; i < set->size(); ++i) {
            const json& row = (*set)[i];
            const std::string path = "body.set[" + std::to_string(i) + "]";
            if (!row.is_object()) {
                return bad(path + ": an object {person, areas} is required");
            }
            for (const auto& [key, value] : row.items()) {
                if (key != "person" && key != "areas") {
                    return bad(path + "." + key + ": unknown field");
                }
            }
            auto person = idField(row, path + ".", "person");
            if (!person) {
                return person.error();
            }
            HandlerDesignation d{*person, {}};
            auto areas = row.find("areas");
            if (areas == row.end() || !areas->is_array() || areas->empty()) {
                return bad(path +
                           ".areas: a non-empty array of zone ids is required (use "
                           "\"remove\" to end a designation)");
            }
            for (const auto& a : *areas) {
                if (!a.is_string() || !protocol::isValidId(a.get_ref<const std::string&>())) {
                    return bad(path + ".areas: each area is a zone id");
                }
                d.areas.insert(a.get<std::string>());
            }
            if (auto r = add(std::move(d), path); !r) {
                return r.error();
            }
        }
    }
    if (auto remove = j->find("remove"); remove != j->end()) {
        if (!remove->is_array()) {
            return bad("body.remove: an array of person ids is required");
        }
        for (std::size_t i = 0; i < remove->size(); ++i) {
            const json& p = (*remove)[i];
            const std::string path = "body.remove[" + std::to_string(i) + "]";
            if (!p.is_string() || !protocol::isValidId(p.get_ref<const std::string&>())) {
                return bad(path + ": a person id is required");
            }
            if (auto r = add(HandlerDesignation{p.get<std::string>(), {}}, path); !r) {
                return r.error();
            }
        }
    }
    if (out.set.empty()) {
        return bad("body: \"set\" or \"remove\" must name at least one person");
    }
    return out;
}

core::Result<policy::WorkWindow> parseWindowBody(std::string_view body) {
    auto j = object(body, {"approval_id", "person", "area", "from", "to"});
    if (!j) {
        return j.error();
    }
    policy::WorkWindow w;
    auto id = j->find("approval_id");
    if (id == j->end() || !id->is_string() || !isApprovalId(id->get_ref<const std::string&>())) {
        return bad(
            "body.approval_id: the vault's approval id is required (1 to 64 of A-Z a-z "
            "0-9 _ - . :)");
    }
    w.approvalId = id->get<std::string>();
    auto person = idField(*j, "body.", "person");
    if (!person) {
        return person.error();
    }
    w.person = *person;
    auto area = idField(*j, "body.", "area");
    if (!area) {
        return area.error();
    }
    w.area = *area;
    auto from = timeField(*j, "from");
    if (!from) {
        return from.error();
    }
    auto to = timeField(*j, "to");
    if (!to) {
        return to.error();
    }
    if (*to <= *from) {
        return bad("body.to: must be after body.from");
    }
    if (*to - *from > kMaxWindowUs) {
        return bad("body.to: a work window lasts at most 7 days");
    }
    w.fromUs = *from;
    w.toUs = *to;
    return w;
}

core::Result<AuthorizeBody> parseAuthorizeBody(std::string_view body) {
    auto j = object(body, {"person", "area"});
    if (!j) {
        return j.error();
    }
    auto person = idField(*j, "body.", "person");
    if (!person) {
        return person.error();
    }
    auto area = idField(*j, "body.", "area");
    if (!area) {
        return area.error();
    }
    return AuthorizeBody{*person, *area};
}

core::Result<AckBody> parseAckBody(std::string_view body) {
    auto j = object(body, {"upto"});
    if (!j) {
        return j.error();
    }
    auto upto = j->find("upto");
    if (upto == j->end() || !upto->is_number_unsigned()) {
        return bad("body.upto: the id of the newest push received, a non-negative integer");
    }
    return AckBody{upto->get<std::uint64_t>()};
}

}  // namespace sekimori::vault
