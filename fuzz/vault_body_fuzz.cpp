// Feeds arbitrary bytes to the vault link's request-body parsers (vault/vault_body.hpp) and the
// RFC 3339 reader they use (policy/rfc3339.hpp). Beyond "never crashes, never throws": a refusal
// names its field (vault.bad_request with a message), and whatever parses keeps the contract of
// docs/vault-api.md — a window is a valid approval id with from < to and at most a week long, a
// designation list is at most kMaxHandlersPerRequest people, each once; a time that parses
// formats back to the same instant at any offset.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "policy/rfc3339.hpp"
#include "vault/signed_request.hpp"
#include "vault/vault_body.hpp"

namespace {

namespace vault = sekimori::vault;
namespace policy = sekimori::policy;

template <class R>
void checkRefusal(const R& result) {
    if (!result && (result.error().code != "vault.bad_request" || result.error().message.empty())) {
        __builtin_trap();
    }
}

void checkBodies(std::string_view input) {
    const auto window = vault::parseWindowBody(input);
    checkRefusal(window);
    if (window && (!vault::isApprovalId(window->approvalId) || window->fromUs >= window->toUs ||
                   window->toUs - window->fromUs > vault::kMaxWindowUs || window->person.empty() ||
                   window->area.empty())) {
        __builtin_trap();
    }
    const auto handlers = vault::parseHandlersBody(input);
    checkRefusal(handlers);
    if (handlers) {
        std::set<std::string> people;
        if (handlers->set.size() > vault::kMaxHandlersPerRequest) {
            __builtin_trap();
        }
        for (const auto& d : handlers->set) {
            if (!people.insert(d.person).second) {
                __builtin_trap();
            }
        }
    }
    checkRefusal(vault::parseAuthorizeBody(input));
    checkRefusal(vault::parseAckBody(input));
}

void checkTime(std::string_view input) {
    const auto t = policy::parseRfc3339(input);
    if (!t) {
        return;
    }
    for (int offset : {0, 540, -330}) {
        if (policy::parseRfc3339(policy::formatRfc3339(*t, offset)) != t) {
            __builtin_trap();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    checkBodies(input);
    checkTime(input);
    // The canonical string is built from any bytes without failing.
    (void)vault::canonicalRequest("POST", input, 0, input, input);
    return 0;
}
