#include "console/session_sweep.hpp"

#include <map>
#include <set>
#include <vector>

#include "console/account_check.hpp"

namespace sekimori::console {
namespace {

void endExpired(ConsoleContext& ctx) {
    std::map<std::pair<std::string, std::string_view>, std::vector<std::string>> ended;
    for (const auto& e : ctx.sessions.removeExpired()) {
        ended[{e.session.name, e.reason}].push_back(e.session.key);
    }
    for (const auto& [who, keys] : ended) {
        ctx.sessionsEnded(who.first, keys, who.second);
    }
}

void checkAccounts(const std::shared_ptr<ConsoleContext>& context) {
    if (context->accountCheckRunning) {
        return;  // the previous read is still on the strand
    }
    std::set<std::string> names;
    for (const auto& s : context->sessions.live()) {
        names.insert(s.name);
    }
    if (names.empty()) {
        return;
    }
    context->accountCheckRunning = true;
    context->db.run(
        [names, trail = context->trail](
            core::Database& db) -> core::Result<std::map<std::string, AccountState>> {
            std::map<std::string, AccountState> out;
            for (const auto& name : names) {
                auto account = readAccount(db, *trail, name);
                if (!account) {
                    return account.error();
                }
                out.emplace(name, std::move(*account));
            }
            return out;
        },
        [weak =
             std::weak_ptr(context)](core::Result<std::map<std::string, AccountState>> accounts) {
            auto ctx = weak.lock();
            if (!ctx) {
                return;
            }
            ctx->accountCheckRunning = false;
            if (!accounts) {
                core::logError("console", "session check: " + accounts.error().code + ": " +
                                              accounts.error().message);
                return;
            }
            // Sessions made after the read began are judged by their own login; the role and
            // person in each session are compared with the account as read.
            for (const auto& s : ctx->sessions.live()) {
                auto it = accounts->find(s.name);
                if (it == accounts->end()) {
                    continue;
                }
                auto reason = sessionEndReason(s, it->second);
                if (!reason) {
                    continue;
                }
                if (it->second.record && !it->second.trust.ok()) {
                    ctx->reportRowMismatch(s.name, it->second.trust);
                }
                ctx->sessionsEnded(s.name, ctx->sessions.removeAllFor(s.name), *reason);
            }
        });
}

void arm(const std::shared_ptr<ConsoleContext>& context) {
    context->sweepTimer.expires_after(context->settings.sweepInterval);
    context->sweepTimer.async_wait([weak = std::weak_ptr(context)](boost::system::error_code ec) {
        if (ec) {
            return;  // cancelled: the console stopped
        }
        if (auto ctx = weak.lock()) {
            sweepSessions(ctx);
            arm(ctx);
        }
    });
}

}  // namespace

void sweepSessions(const std::shared_ptr<ConsoleContext>& context) {
    endExpired(*context);
    for (auto& event : context->failures.flushDue()) {
        context->recorder.record(std::move(event));
    }
    checkAccounts(context);
}

void startSessionSweep(const std::shared_ptr<ConsoleContext>& context) {
    arm(context);
}

}  // namespace sekimori::console
