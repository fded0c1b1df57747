#pragma once
// The vault's request bodies, parsed strictly (docs/vault-api.md): every key known, every type
// and range checked, the error naming the field. Pure; fuzzed (fuzz/vault_body_fuzz.cpp).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "policy/work_windows.hpp"

namespace sekimori::vault {

inline constexpr std::size_t kMaxHandlersPerRequest = 5000;
inline constexpr core::TimeUs kMaxWindowUs = 7LL * 86'400 * 1'000'000;  // a week

struct HandlerDesignation {
    std::string person;
    std::set<std::string> areas;  // empty: the person is no longer a handler
};
struct HandlersBody {
    std::vector<HandlerDesignation> set;  // in request order, each person once
};
struct AuthorizeBody {
    std::string person;
    std::string area;
};
struct AckBody {
    std::uint64_t upto = 0;
};

// Error code vault.bad_request (HTTP 400) with the field in the message.
// {"set": [{"person", "areas": [...]}], "remove": [person, ...]}: remove is set with no areas.
core::Result<HandlersBody> parseHandlersBody(std::string_view body);
// {"approval_id", "person", "area", "from", "to"}: RFC 3339 with an offset, from < to, at most
// kMaxWindowUs long.
core::Result<policy::WorkWindow> parseWindowBody(std::string_view body);
core::Result<AuthorizeBody> parseAuthorizeBody(std::string_view body);
core::Result<AckBody> parseAckBody(std::string_view body);
// 1..64 of A-Z a-z 0-9 _ - . : (the vault's own ids).
bool isApprovalId(std::string_view id);

}  // namespace sekimori::vault
