#include "custody/custody_requests.hpp"

#include <set>

#include "custody/custody_event_types.hpp"
#include "policy/rfc3339.hpp"

namespace sekimori::custody {

namespace {

using json = nlohmann::json;

constexpr core::TimeUs kDayUs = 86'400'000'000LL;

core::Error bad(const std::string& message) {
    return core::makeError("custody.bad_request", message);
}

core::Result<void> onlyKeys(const json& body, const std::set<std::string>& allowed) {
    if (!body.is_object()) {
        return bad("the body must be a JSON object");
    }
    for (const auto& [key, value] : body.items()) {
        if (!allowed.contains(key)) {
            return bad("body." + key + ": unknown field");
        }
    }
    return {};
}

core::Result<std::string> text(const json& body, const char* key, std::size_t maxSize) {
    auto it = body.find(key);
    if (it == body.end() || !it->is_string() || it->get<std::string>().empty()) {
        return bad(std::string("body.") + key + ": a non-empty string is required");
    }
    if (it->get<std::string>().size() > maxSize) {
        return bad(std::string("body.") + key + ": at most " + std::to_string(maxSize) +
                   " characters");
    }
    return it->get<std::string>();
}

core::Result<core::TimeUs> time(const json& body, const char* key) {
    auto value = text(body, key, 40);
    if (!value) {
        return value.error();
    }
    auto parsed = policy::parseRfc3339(*value);
    if (!parsed) {
        return bad(std::string("body.") + key +
                   ": not an RFC 3339 time with an offset (2026-12-01T09:00:00+09:00)");
    }
    return *parsed;
}

core::Result<std::pair<core::TimeUs, core::TimeUs>> window(const json& body, const char* from,
                                                           const char* until, core::TimeUs nowUs,
                                                           core::TimeUs longestUs) {
    auto f = time(body, from);
    if (!f) {
        return f.error();
    }
    auto u = time(body, until);
    if (!u) {
        return u.error();
    }
    if (*u <= *f) {
        return bad(std::string("body.") + until + ": must be after " + from);
    }
    if (*u <= nowUs) {
        return bad(std::string("body.") + until + ": is in the past");
    }
    if (*u - *f > longestUs) {
        return bad(std::string("body.") + until + ": the window is longer than " +
                   std::to_string(longestUs / kDayUs) + " days");
    }
    return std::pair{*f, *u};
}

core::Result<std::string> actionText(const policy::ApprovalRequest& request, const char* key) {
    auto it = request.action.find(key);
    if (it == request.action.end() || !it->is_string()) {
        return core::makeError("custody.bad_request", std::string("action.") + key + " missing");
    }
    return it->get<std::string>();
}

}  // namespace

core::Result<json> parseItemRequest(const json& body, core::TimeUs nowUs) {
    if (auto ok = onlyKeys(body, {"person", "kind", "description", "valid_from", "valid_until"});
        !ok) {
        return ok.error();
    }
    auto person = text(body, "person", 64);
    if (!person) {
        return person.error();
    }
    auto kind = text(body, "kind", 16);
    if (!kind) {
        return kind.error();
    }
    static const std::set<std::string> kinds{"laptop", "tool_kit", "media", "other"};
    if (!kinds.contains(*kind)) {
        return bad("body.kind: one of laptop, tool_kit, media, other");
    }
    auto description = text(body, "description", 200);
    if (!description) {
        return description.error();
    }
    auto span = window(body, "valid_from", "valid_until", nowUs, 31 * kDayUs);
    if (!span) {
        return span.error();
    }
    return json{{"person", *person},
                {"kind", *kind},
                {"description", *description},
                {"valid_from_us", span->first},
                {"valid_until_us", span->second}};
}

core::Result<json> parseKeyRequest(const json& body, const CustodyConfig& config,
                                   core::TimeUs nowUs) {
    if (auto ok = onlyKeys(body, {"person", "key", "from", "until", "reason"}); !ok) {
        return ok.error();
    }
    auto person = text(body, "person", 64);
    if (!person) {
        return person.error();
    }
    auto key = text(body, "key", 64);
    if (!key) {
        return key.error();
    }
    const KeyConfig* k = config.key(*key);
    if (k == nullptr) {
        return bad("body.key: no key \"" + *key + "\" is configured");
    }
    if (!k->approval) {
        return bad("body.key: \"" + *key + "\" needs no approval (its access level suffices)");
    }
    auto reason = text(body, "reason", 200);
    if (!reason) {
        return reason.error();
    }
    auto span = window(body, "from", "until", nowUs, 7 * kDayUs);
    if (!span) {
        return span.error();
    }
    return json{{"person", *person},
                {"key", *key},
                {"reason", *reason},
                {"from_us", span->first},
                {"until_us", span->second}};
}

void registerApprovalKinds(policy::ApprovalEngine& engine, const CustodyConfig&,
                           const core::Clock& clock) {
    const core::RoleSet requesters{core::Role::facilityAdmin, core::Role::securityAdmin};
    const core::RoleSet approvers{core::Role::securityAdmin};
    const auto approved = [&clock](core::EventType type, const policy::ApprovalRequest& request,
                                   json payload) -> core::Result<std::vector<core::Event>> {
        auto person = actionText(request, "person");
        if (!person) {
            return person.error();
        }
        payload["approval"] = request.id;
        payload["approved_by"] = request.decidedBy;
        payload["requested_by"] = request.requester;
        return std::vector<core::Event>{core::Event{clock.nowUs(), std::string(type.name),
                                                    "approval:" + request.id, *person,
                                                    payload.dump()}};
    };
    policy::ApprovalKind carry;
    carry.name = std::string(kCarryInKind);
    carry.requesters = requesters;
    carry.approvers = approvers;
    carry.apply = [approved](core::Database&, const policy::ApprovalRequest& request) {
        json payload = request.action;
        // "apr-7" -> "ci-7": the item is named after the approval that let it in.
        const std::string n = request.id.rfind("apr-", 0) == 0 ? request.id.substr(4) : request.id;
        payload["item"] = "ci-" + n;
        return approved(kCustodyItemRegistered, request, std::move(payload));
    };
    engine.registerKind(std::move(carry));
    policy::ApprovalKind issue;
    issue.name = std::string(kKeyIssueKind);
    issue.requesters = requesters;
    issue.approvers = approvers;
    issue.apply = [approved](core::Database&, const policy::ApprovalRequest& request) {
        return approved(kCustodyKeyRequestApproved, request, request.action);
    };
    engine.registerKind(std::move(issue));
}

}  // namespace sekimori::custody
