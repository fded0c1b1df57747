#include "vault/vault_state.hpp"

#include <algorithm>

#include "vault/vault_body.hpp"
#include "vault/vault_event_types.hpp"

namespace sekimori::vault {
namespace {

std::string stringField(const nlohmann::json& payload, const char* key) {
    auto it = payload.find(key);
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string();
}

constexpr std::string_view kWindowsTarget = "/api/vault/windows";

// A change of the book is applied only from the vault's own signed words: the body it signed,
// on the route it signed for. A row written behind the daemon has no such signature.
std::optional<SignedRequest> verified(VaultState& state, const std::vector<core::Bytes>& keys,
                                      const nlohmann::json& payload, std::string_view type,
                                      std::string_view method, std::string_view target,
                                      std::uint64_t seq) {
    auto request = recordedRequest(payload);
    const bool routeOk = request && request->method == method &&
                         (target.empty() ? request->target.starts_with("/api/vault/windows/")
                                         : request->target == target);
    const bool replayed =
        request && (state.requestNonces.count(request->nonce) != 0 ||
                    request->timestamp < state.newestRequestTs - 2 * state.skewSeconds);
    if (!request || !routeOk || !signatureValid(*request, keys) || replayed) {
        if (state.refusedRequests++ == 0) {
            state.firstRefusal = std::string(type) + " at seq " + std::to_string(seq) +
                                 (replayed ? " (a request recorded twice)" : "");
        }
        return std::nullopt;
    }
    state.nonces.emplace_back(request->nonce, request->timestamp);
    state.requestNonces.emplace(request->nonce, request->timestamp);
    state.requestNoncesByTime.emplace(request->timestamp, request->nonce);
    state.newestRequestTs = std::max(state.newestRequestTs, request->timestamp);
    // A nonce older than the lag allowed is refused by its timestamp alone.
    const std::int64_t forgetBefore = state.newestRequestTs - 2 * state.skewSeconds;
    while (!state.requestNoncesByTime.empty() &&
           state.requestNoncesByTime.begin()->first < forgetBefore) {
        state.requestNonces.erase(state.requestNoncesByTime.begin()->second);
        state.requestNoncesByTime.erase(state.requestNoncesByTime.begin());
    }
    return request;
}

}  // namespace

std::optional<SignedRequest> recordedRequest(const nlohmann::json& payload) {
    auto it = payload.find("request");
    if (it == payload.end() || !it->is_object()) {
        return std::nullopt;
    }
    const auto& r = *it;
    auto str = [&](const char* key) -> std::optional<std::string> {
        auto f = r.find(key);
        if (f == r.end() || !f->is_string()) {
            return std::nullopt;
        }
        return f->get<std::string>();
    };
    auto ts = r.find("timestamp");
    auto method = str("method");
    auto target = str("target");
    auto nonce = str("nonce");
    auto signature = str("signature");
    auto body = str("body");
    if (ts == r.end() || !ts->is_number_integer() || !method || !target || !nonce || !signature ||
        !body) {
        return std::nullopt;
    }
    return SignedRequest{*method, *target, ts->get<std::int64_t>(), *nonce, *signature, *body};
}

nlohmann::json requestJson(const SignedRequest& request) {
    return {{"method", request.method},       {"target", request.target},
            {"timestamp", request.timestamp}, {"nonce", request.nonce},
            {"signature", request.signature}, {"body", request.body}};
}

const PresencePush* apply(VaultState& state, const std::vector<core::Bytes>& keys,
                          const std::set<std::string>& areas, std::uint64_t seq,
                          std::string_view type, const nlohmann::json& payload,
                          core::TimeUs timeUs) {
    if (seq <= state.lastSeq) {
        return nullptr;  // seen (the live bus after the replay's read)
    }
    state.lastSeq = seq;
    const bool change = type == kVaultHandlersChanged.name || type == kVaultWindowApproved.name ||
                        type == kVaultWindowRevoked.name || type == kVaultPresenceAcked.name;
    if (!payload.is_object() && !change) {
        return nullptr;  // a change with a malformed payload is refused (and counted) below
    }
    if (type == kVaultHandlersChanged.name) {
        if (auto r = verified(state, keys, payload, type, "POST", "/api/vault/handlers", seq)) {
            if (auto body = parseHandlersBody(r->body)) {
                for (auto& d : body->set) {
                    state.book.setHandler(d.person, std::move(d.areas));
                }
                state.bookChanged = true;
            }
        }
    } else if (type == kVaultWindowApproved.name) {
        if (auto r = verified(state, keys, payload, type, "POST", kWindowsTarget, seq)) {
            if (auto window = parseWindowBody(r->body)) {
                state.book.putWindow(std::move(*window));
                state.bookChanged = true;
            }
        }
    } else if (type == kVaultWindowRevoked.name) {
        if (auto r = verified(state, keys, payload, type, "DELETE", "", seq)) {
            state.book.removeWindow(r->target.substr(kWindowsTarget.size() + 1));
            state.bookChanged = true;
        }
    } else if (type == kVaultPresenceAcked.name) {
        if (auto r = verified(state, keys, payload, type, "POST", "/api/vault/presence/ack", seq)) {
            if (auto body = parseAckBody(r->body)) {
                state.outbox.acked(body->upto);
            }
        }
    } else if (type == kVaultAuthorized.name || type == kVaultPresenceRead.name) {
        if (auto nonce = payload.find("nonce"); nonce != payload.end() && nonce->is_string()) {
            auto ts = payload.find("timestamp");
            state.nonces.emplace_back(nonce->get<std::string>(),
                                      ts != payload.end() && ts->is_number_integer()
                                          ? ts->get<std::int64_t>()
                                          : timeUs / 1'000'000);
        }
    } else if (type == kVaultWindowEndedInside.name) {
        const std::string person = stringField(payload, "person");
        state.overstays[person] =
            Overstay{person, stringField(payload, "area"), stringField(payload, "approval_id")};
    } else if (type == kVaultOverstayCleared.name) {
        state.overstays.erase(stringField(payload, "person"));
    } else {
        state.presence.apply(type, payload, timeUs);
    }
    if (auto push = pushFor(seq, type, payload, timeUs, areas)) {
        return state.outbox.add(std::move(*push));
    }
    return nullptr;
}

}  // namespace sekimori::vault
