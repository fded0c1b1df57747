#include "console/auth_routes.hpp"

#include "console/account_check.hpp"
#include "console/http_helpers.hpp"
#include "console/local_socket_listener.hpp"
#include "console/operator_preferences.hpp"
#include "console/operator_store.hpp"
#include "console/password_policy.hpp"
#include "console/request_actor.hpp"
#include "console/shell_pages.hpp"
#include "console/shell_routes.hpp"
#include "core/api_actor.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"

namespace sekimori::console {
namespace {

using json = nlohmann::json;

std::string sessionCookie(const std::string& token) {
    return std::string(kSessionCookie) + "=" + token +
           "; HttpOnly; Secure; SameSite=Strict; Path=/";
}

std::string expiredCookie() {
    return std::string(kSessionCookie) + "=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0";
}

ApiResponse tooMany(std::string message, core::TimeUs waitUs) {
    const auto seconds = std::max<core::TimeUs>(1, (waitUs + 999'999) / 1'000'000);
    ApiResponse r = jsonError(http::status::too_many_requests,
                              std::move(message) + "; retry in " + std::to_string(seconds) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(seconds));
    return r;
}

ApiResponse hashQueueFull() {
    return tooMany("too many password checks in progress", LoginLimiter::kSettleWaitUs);
}

// Parses a JSON object with exactly the string members `fields` (each 1..1024 characters);
// the error names the field.
std::variant<json, ApiResponse> readStrings(const std::string& text,
                                            std::initializer_list<std::string_view> fields) {
    auto body = json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        return jsonError(http::status::bad_request, "body: expected a JSON object");
    }
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (std::find(fields.begin(), fields.end(), it.key()) == fields.end()) {
            return jsonError(http::status::bad_request, "unknown field '" + it.key() + "'");
        }
    }
    for (auto field : fields) {
        const std::string key(field);
        if (!body.contains(key) || !body[key].is_string() ||
            body[key].get_ref<const std::string&>().empty() ||
            body[key].get_ref<const std::string&>().size() > kMaxPasswordLength) {
            return jsonError(http::status::bad_request,
                             key + ": required, a string of 1..1024 characters");
        }
    }
    return body;
}

struct LoginInput {
    std::string name;
    std::string password;
};

// Validates the body of POST /api/login; the error names the field.
std::variant<LoginInput, ApiResponse> readLogin(const std::string& text) {
    auto body = json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        return jsonError(http::status::bad_request,
                         "body: expected a JSON object {\"name\": ..., \"password\": ...}");
    }
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (it.key() != "name" && it.key() != "password") {
            return jsonError(http::status::bad_request, "unknown field '" + it.key() + "'");
        }
    }
    if (!body.contains("name") || !body["name"].is_string()) {
        return jsonError(http::status::bad_request, "name: required, a string");
    }
    LoginInput in{body["name"].get<std::string>(), {}};
    if (!isValidOperatorName(in.name)) {
        return jsonError(http::status::bad_request, "name: must be 1..64 chars of [a-z0-9_-]");
    }
    if (!body.contains("password") || !body["password"].is_string() ||
        body["password"].get_ref<const std::string&>().empty() ||
        body["password"].get_ref<const std::string&>().size() > kMaxPasswordLength) {
        return jsonError(http::status::bad_request,
                         "password: required, a string of 1..1024 characters");
    }
    in.password = body["password"].get<std::string>();
    return in;
}

// A failed attempt as the trail sees it: coalesced per name and address (login_failure_log).
void noteFailure(ConsoleContext& ctx, const std::string& name, const std::string& remote,
                 std::string_view reason) {
    if (auto event = ctx.failures.note(name, remote, reason)) {
        ctx.recorder.record(std::move(*event));
    }
}

struct LoginState {
    LoginInput in;
    std::string remote;
    LoginLimiter::Ticket ticket;
    AccountState account;
    Reply reply;
};

void finishLogin(ConsoleContext& ctx, LoginState& s, bool passwordOk) {
    const auto& record = s.account.record;
    const bool trusted = record && s.account.trust.ok();
    if (!passwordOk || !record || record->disabled || !trusted) {
        ctx.limiter.finish(s.ticket, false);
        const char* reason = !record       ? "unknown_name"
                             : !passwordOk ? "bad_password"
                             : !trusted    ? "row_mismatch"
                                           : "disabled";
        noteFailure(ctx, s.in.name, s.remote, reason);
        s.reply(
            jsonError(http::status::unauthorized, "bad_credentials", "invalid name or password"));
        return;
    }
    ctx.limiter.finish(s.ticket, true);
    SessionInfo who;
    who.name = record->name;
    who.role = record->role;
    who.person = record->person;
    who.mustChangePassword = record->mustChangePassword;
    std::optional<SessionInfo> evicted;
    const std::string token = ctx.sessions.create(who, &evicted);
    if (evicted) {
        ctx.sessionsEnded(evicted->name, {evicted->key}, "evicted");
    }
    ctx.recordOperatorEvent("operator.login", who.name,
                            {{"role", std::string(roleName(who.role))},
                             {"remote", s.remote},
                             {"must_change_password", who.mustChangePassword}});
    ApiResponse r;
    r.body = {{"name", who.name},
              {"role", std::string(roleName(who.role))},
              {"person", who.person},
              {"must_change_password", who.mustChangePassword}};
    r.headers.emplace_back("Set-Cookie", sessionCookie(token));
    s.reply(std::move(r));
}

// Verifies the password in the bounded hash queue (argon2id takes tens of milliseconds); an
// unknown name is verified against a dummy hash so timing does not reveal it.
void verifyLogin(const std::shared_ptr<ConsoleContext>& context,
                 std::shared_ptr<LoginState> state) {
    const std::string hash = state->account.record ? state->account.record->passwordHash : "";
    auto work = [dummy = context->dummyHash, hash, password = state->in.password] {
        std::call_once(dummy->once,
                       [&] { dummy->hash = core::hashPassword(core::randomToken(18)).value(); });
        return core::verifyPassword(hash.empty() ? dummy->hash : hash, password) && !hash.empty();
    };
    const bool queued =
        context->passwordWork.trySubmit(context->pool, context->io, std::move(work),
                                        [weak = std::weak_ptr(context), state](bool ok) {
                                            if (auto ctx = weak.lock()) {
                                                finishLogin(*ctx, *state, ok);
                                            }
                                        });
    if (!queued) {
        context->limiter.cancel(state->ticket);
        state->reply(hashQueueFull());
    }
}

void postLogin(const std::shared_ptr<ConsoleContext>& context, const ApiRequest& req, Reply reply) {
    auto input = readLogin(req.body);
    if (auto* bad = std::get_if<ApiResponse>(&input)) {
        reply(std::move(*bad));
        return;
    }
    auto state = std::make_shared<LoginState>();
    state->in = std::get<LoginInput>(std::move(input));
    state->remote = req.remote;
    state->reply = std::move(reply);
    auto admission = context->limiter.admit(state->in.name, req.remote);
    if (!admission.admitted) {
        noteFailure(*context, state->in.name, req.remote,
                    admission.byAddress ? "address_locked" : "locked");
        state->reply(tooMany(admission.byAddress
                                 ? "too many failed logins from this address"
                                 : "too many failed logins for '" + state->in.name + "'",
                             admission.waitUs));
        return;
    }
    state->ticket = std::move(admission.ticket);
    context->db.run([name = state->in.name, trail = context->trail](
                        core::Database& db) { return readAccount(db, *trail, name); },
                    [weak = std::weak_ptr(context), state](core::Result<AccountState> account) {
                        auto ctx = weak.lock();
                        if (!ctx) {
                            return;
                        }
                        if (!account) {
                            ctx->limiter.cancel(state->ticket);
                            state->reply(internalError(account.error()));
                            return;
                        }
                        state->account = std::move(*account);
                        if (state->account.record && !state->account.trust.ok()) {
                            ctx->reportRowMismatch(state->in.name, state->account.trust);
                        }
                        verifyLogin(ctx, state);
                    });
}

void postLogout(ConsoleContext& ctx, const ApiRequest& req, const Reply& reply) {
    if (auto key = ctx.sessions.remove(req.sessionToken)) {
        ctx.endSessionStreams(*key);
    }
    ctx.recordOperatorEvent(
        "operator.logout", req.session->name,
        {{"role", std::string(roleName(req.session->role))}, {"remote", req.remote}});
    ApiResponse r;
    r.body = {{"ok", true}};
    r.headers.emplace_back("Set-Cookie", expiredCookie());
    reply(std::move(r));
}

// Who is logged in, in which language, and which of the shell's pages the role may open.
void getMe(const std::shared_ptr<ConsoleContext>& context, const ApiRequest& req, Reply reply) {
    if (auto bad = rejectUnknownQuery(req, {})) {
        reply(std::move(*bad));
        return;
    }
    const SessionInfo& s = *req.session;
    nlohmann::json pages = nlohmann::json::array();
    for (auto page : shellPagesFor(s.role)) {
        pages.push_back(std::string(page));
    }
    json body = {{"name", s.name},
                 {"role", std::string(roleName(s.role))},
                 {"person", s.person},
                 {"must_change_password", s.mustChangePassword},
                 {"idle_timeout_s", context->settings.sessionIdleUs / 1'000'000},
                 {"expires_us", s.createdUs + context->settings.sessionLifetimeUs},
                 {"pages", std::move(pages)},
                 {"site", siteJson(context->settings.site)}};
    context->db.run([name = s.name](core::Database& db) { return readLanguage(db, name); },
                    [body = std::move(body),
                     reply = std::move(reply)](core::Result<std::string> language) mutable {
                        if (!language) {
                            reply(internalError(language.error()));
                            return;
                        }
                        ApiResponse r;
                        r.body = std::move(body);
                        r.body["language"] = std::move(*language);
                        reply(std::move(r));
                    });
}

struct PasswordChange {
    ApiRequest req;
    std::string oldPassword;
    std::string newPassword;
    std::string currentHash;
    LoginLimiter::Ticket ticket;
    Reply reply;
};

// Stores the new hash with its event (compare-and-set on the old hash) and, once durable,
// ends the account's other sessions: whoever else held one must log in with the new password.
void commitPassword(const std::shared_ptr<ConsoleContext>& context,
                    std::shared_ptr<PasswordChange> change, std::string newHash) {
    core::Change c;
    const core::ApiCall call = callOf(change->req);
    c.apply = [call, currentHash = change->currentHash, newHash = std::move(newHash),
               now = context->clock.nowUs()](
                  core::Database& db) -> core::Result<std::vector<core::Event>> {
        if (auto r = setOperatorPassword(db, call.actor, currentHash, newHash); !r) {
            return r.error();
        }
        auto event = operatorChangeEvent(db, "operator.password_changed", core::actorSource(call),
                                         call.actor, core::actorFields(call), now);
        if (!event) {
            return event.error();
        }
        return std::vector<core::Event>{std::move(*event)};
    };
    c.onDone = [weak = std::weak_ptr(context), change](const core::Result<void>& r) {
        auto ctx = weak.lock();
        if (!ctx) {
            return;
        }
        if (!r) {
            if (r.error().code == "console.password_changed") {
                change->reply(
                    jsonError(http::status::conflict, "password_changed", r.error().message));
                return;
            }
            change->reply(internalError(r.error()));
            return;
        }
        const std::string& name = change->req.session->name;
        ctx->sessions.clearMustChange(name);
        ctx->sessionsEnded(name, ctx->sessions.removeAllFor(name, change->req.session->key),
                           "password_changed");
        ApiResponse ok;
        ok.body = {{"ok", true}};
        change->reply(std::move(ok));
    };
    context->recorder.commit(std::move(c));
}

void hashNewPassword(const std::shared_ptr<ConsoleContext>& context,
                     std::shared_ptr<PasswordChange> change) {
    auto work = [hash = change->currentHash, oldPassword = change->oldPassword,
                 newPassword = change->newPassword]() -> core::Result<std::string> {
        if (hash.empty() || !core::verifyPassword(hash, oldPassword)) {
            return core::makeError("console.bad_old_password", "old: not the current password");
        }
        return core::hashPassword(newPassword);
    };
    const bool queued = context->passwordWork.trySubmit(
        context->pool, context->io, std::move(work),
        [weak = std::weak_ptr(context), change](core::Result<std::string> newHash) {
            auto ctx = weak.lock();
            if (!ctx) {
                return;
            }
            const std::string& name = change->req.session->name;
            if (!newHash) {
                if (newHash.error().code != "console.bad_old_password") {
                    ctx->limiter.cancel(change->ticket);
                    change->reply(internalError(newHash.error()));
                    return;
                }
                ctx->limiter.finish(change->ticket, false);
                noteFailure(*ctx, name, change->req.remote, "bad_old_password");
                change->reply(jsonError(http::status::forbidden, "bad_old_password",
                                        newHash.error().message));
                return;
            }
            ctx->limiter.finish(change->ticket, true);
            commitPassword(ctx, change, std::move(*newHash));
        });
    if (!queued) {
        context->limiter.cancel(change->ticket);
        change->reply(hashQueueFull());
    }
}

// POST /api/session/password {old, new}: the logged-in operator's own password. The old one
// is checked (a session left open must not be enough to take the account over for good).
void postPassword(const std::shared_ptr<ConsoleContext>& context, const ApiRequest& req,
                  Reply reply) {
    auto body = readStrings(req.body, {"old", "new"});
    if (auto* bad = std::get_if<ApiResponse>(&body)) {
        reply(std::move(*bad));
        return;
    }
    auto change = std::make_shared<PasswordChange>();
    change->req = req;
    change->oldPassword = std::get<json>(body)["old"].get<std::string>();
    change->newPassword = std::get<json>(body)["new"].get<std::string>();
    change->reply = std::move(reply);
    if (auto weak = passwordWeakness(change->newPassword, req.session->name, change->oldPassword)) {
        change->reply(jsonError(http::status::bad_request, "weak_password", "new: " + *weak));
        return;
    }
    auto admission = context->limiter.admit(req.session->name, req.remote);
    if (!admission.admitted) {
        change->reply(tooMany("too many failed password checks", admission.waitUs));
        return;
    }
    change->ticket = std::move(admission.ticket);
    context->db.run(
        [name = req.session->name](core::Database& db) -> core::Result<std::string> {
            auto op = findOperator(db, name);
            if (!op) {
                return op.error();
            }
            return *op ? (*op)->passwordHash : std::string();
        },
        [weak = std::weak_ptr(context), change](core::Result<std::string> hash) {
            auto ctx = weak.lock();
            if (!ctx) {
                return;
            }
            if (!hash) {
                ctx->limiter.cancel(change->ticket);
                change->reply(internalError(hash.error()));
                return;
            }
            change->currentHash = std::move(*hash);
            hashNewPassword(ctx, change);
        });
}

}  // namespace

bool allowedBeforePasswordChange(http::verb method, std::string_view pattern) {
    // The language too: the password-change screen is shown in the operator's language.
    return (method == http::verb::post && pattern == kPasswordRoute) ||
           (method == http::verb::post && pattern == kLanguageRoute) ||
           (method == http::verb::post && pattern == "/api/logout") ||
           (method == http::verb::get && pattern == "/api/me");
}

core::Result<void> addAuthRoutes(Router& router, const std::shared_ptr<ConsoleContext>& context) {
    using V = http::verb;
    if (auto r = router.add(V::post, "/api/login", RouteAccess::anyone(),
                            [context](const ApiRequest& req, Reply reply) {
                                postLogin(context, req, std::move(reply));
                            });
        !r) {
        return r;
    }
    if (auto r = router.add(
            V::post, "/api/logout", RouteAccess::loggedIn(),
            [context](const ApiRequest& req, Reply reply) { postLogout(*context, req, reply); });
        !r) {
        return r;
    }
    if (auto r = router.add(V::post, kPasswordRoute, RouteAccess::loggedIn(),
                            [context](const ApiRequest& req, Reply reply) {
                                postPassword(context, req, std::move(reply));
                            });
        !r) {
        return r;
    }
    return router.add(
        V::get, "/api/me", RouteAccess::loggedIn(),
        [context](const ApiRequest& req, Reply reply) { getMe(context, req, std::move(reply)); });
}

void authenticate(const std::shared_ptr<ConsoleContext>& context, const std::string& token,
                  std::function<void(std::optional<SessionInfo>)> done) {
    auto session = context->sessions.touch(token);
    if (!session) {
        done(std::nullopt);
        return;
    }
    const std::string name = session->name;
    context->db.run(
        [name, trail = context->trail](core::Database& db) {
            return readAccount(db, *trail, name);
        },
        [weak = std::weak_ptr(context), session = std::move(*session),
         done = std::move(done)](core::Result<AccountState> account) mutable {
            auto ctx = weak.lock();
            if (!ctx) {
                return;
            }
            if (!account) {
                core::logError("console", account.error().code + ": " + account.error().message);
                done(std::nullopt);
                return;
            }
            if (auto reason = sessionEndReason(session, *account)) {
                if (account->record && !account->trust.ok()) {
                    ctx->reportRowMismatch(session.name, account->trust);
                }
                ctx->sessionsEnded(session.name, ctx->sessions.removeAllFor(session.name), *reason);
                done(std::nullopt);
                return;
            }
            // Logged out (or expired) while the account was looked up.
            if (!ctx->sessions.isLive(session.key)) {
                done(std::nullopt);
                return;
            }
            if (session.mustChangePassword && !account->record->mustChangePassword) {
                ctx->sessions.clearMustChange(session.name);  // changed in another session
                session.mustChangePassword = false;
            }
            done(std::move(session));
        });
}

}  // namespace sekimori::console
