#pragma once
// Everything the vault link knows, rebuilt from the trail alone and advanced by every recorded
// event after it: the window book (only from requests whose vault signature still verifies),
// presence in the areas, the push stream, the open overstays, the nonces still in skew. One
// `apply` serves the start-up replay and the live bus, so both reach the same state. Pure.
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "policy/work_windows.hpp"
#include "vault/area_presence.hpp"
#include "vault/presence_outbox.hpp"
#include "vault/signed_request.hpp"

namespace sekimori::vault {

// A handler still inside their area after their window ended (vault.window_ended_inside).
struct Overstay {
    std::string person;
    std::string area;
    std::string approvalId;
};

struct VaultState {
    policy::WorkWindowBook book;
    AreaPresence presence;
    PresenceOutbox outbox;
    std::map<std::string, Overstay> overstays;                 // by person
    std::vector<std::pair<std::string, std::int64_t>> nonces;  // seen, with their timestamp
    // Signed change requests applied so far, for refusing one recorded twice (a genuine row
    // copied behind the daemon, e.g. a window approved again after its revocation): a request's
    // nonce is used once, and its timestamp may not lag the newest applied by more than twice the
    // skew (the live check held each within the skew of a clock that only moves on).
    std::int64_t skewSeconds = 300;
    std::int64_t newestRequestTs = 0;
    std::map<std::string, std::int64_t> requestNonces;             // nonce -> timestamp
    std::multimap<std::int64_t, std::string> requestNoncesByTime;  // to forget old ones
    std::uint64_t lastSeq = 0;
    std::uint64_t refusedRequests = 0;  // recorded requests whose signature does not verify
    std::string firstRefusal;           // what the first one was, for the log
    bool bookChanged = false;           // set by apply; the caller publishes and clears it
};

// The request recorded in a vault event ({"request": {...}}); nullopt when absent or malformed.
std::optional<SignedRequest> recordedRequest(const nlohmann::json& payload);
nlohmann::json requestJson(const SignedRequest& request);

// Applies one recorded event (any type; the vault's, presence's and zone.alone* matter).
// Returns the push it added to the stream, if any.
const PresencePush* apply(VaultState& state, const std::vector<core::Bytes>& vaultKeys,
                          const std::set<std::string>& areas, std::uint64_t seq,
                          std::string_view type, const nlohmann::json& payload,
                          core::TimeUs timeUs);

}  // namespace sekimori::vault
