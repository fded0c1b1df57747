#include "console/auth_routes.hpp"

#include "console/http_helpers.hpp"
#include "console/operator_store.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"

namespace sekimori::console {
namespace {

using json = nlohmann::json;
constexpr std::size_t kMaxPasswordLength = 1024;

std::string sessionCookie(const std::string& token) {
    return std::string(kSessionCookie) + "=" + token +
           "; HttpOnly; Secure; SameSite=Strict; Path=/";
}

std::string expiredCookie() {
    return std::string(kSessionCookie) + "=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0";
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

// The account as the login needs it, looked up on the database strand.
struct Account {
    std::string hash;  // empty: no such operator
    std::optional<Role> role;
    bool disabled = false;
};

void finishLogin(ConsoleContext& ctx, const std::string& name, const std::string& remote,
                 bool passwordOk, const Account& account, const Reply& reply) {
    if (!passwordOk || !account.role || account.disabled) {
        ctx.limiter.recordFailure(name);
        const char* reason =
            !account.role ? "unknown_name" : (!passwordOk ? "bad_password" : "disabled");
        ctx.recordOperatorEvent(
            "operator.login_failed", name,
            {{"reason", reason}, {"remote", remote}, {"failures", ctx.limiter.failures(name)}});
        reply(jsonError(http::status::unauthorized, "invalid name or password"));
        return;
    }
    ctx.limiter.recordSuccess(name);
    const std::string token = ctx.sessions.create(name, *account.role);
    ctx.recordOperatorEvent("operator.login", name,
                            {{"role", std::string(roleName(*account.role))}, {"remote", remote}});
    ApiResponse r;
    r.body = {{"name", name}, {"role", std::string(roleName(*account.role))}};
    r.headers.emplace_back("Set-Cookie", sessionCookie(token));
    reply(std::move(r));
}

// Verifies the password on the pool (argon2id takes tens of milliseconds); an unknown name is
// verified against a dummy hash so timing does not reveal it.
void verifyLogin(const std::shared_ptr<ConsoleContext>& context, LoginInput in, std::string remote,
                 Account account, Reply reply) {
    auto work = [dummy = context->dummyHash, hash = account.hash,
                 password = std::move(in.password)] {
        std::call_once(dummy->once,
                       [&] { dummy->hash = core::hashPassword(core::randomToken(18)).value(); });
        return core::verifyPassword(hash.empty() ? dummy->hash : hash, password) && !hash.empty();
    };
    runOffIo(context->pool, context->io, std::move(work),
             [weak = std::weak_ptr(context), name = std::move(in.name), remote = std::move(remote),
              account = std::move(account), reply = std::move(reply)](bool ok) {
                 if (auto ctx = weak.lock()) {
                     finishLogin(*ctx, name, remote, ok, account, reply);
                 }
             });
}

void postLogin(const std::shared_ptr<ConsoleContext>& context, const ApiRequest& req, Reply reply) {
    auto input = readLogin(req.body);
    if (auto* bad = std::get_if<ApiResponse>(&input)) {
        reply(std::move(*bad));
        return;
    }
    auto in = std::get<LoginInput>(std::move(input));
    if (const auto wait = context->limiter.lockedForUs(in.name); wait > 0) {
        const auto seconds = (wait + 999'999) / 1'000'000;
        context->recordOperatorEvent("operator.login_failed", in.name,
                                     {{"reason", "locked"}, {"remote", req.remote}});
        ApiResponse r = jsonError(http::status::too_many_requests,
                                  "too many failed logins for '" + in.name + "'; retry in " +
                                      std::to_string(seconds) + " s");
        r.headers.emplace_back("Retry-After", std::to_string(seconds));
        reply(std::move(r));
        return;
    }
    const std::string name = in.name;
    context->db.run(
        [name](core::Database& db) -> core::Result<Account> {
            auto found = findOperator(db, name);
            if (!found) {
                return found.error();
            }
            Account a;
            if (*found) {
                a = Account{(*found)->passwordHash, (*found)->role, (*found)->disabled};
            }
            return a;
        },
        [weak = std::weak_ptr(context), in = std::move(in), remote = req.remote,
         reply = std::move(reply)](core::Result<Account> account) mutable {
            auto ctx = weak.lock();
            if (!ctx) {
                return;
            }
            if (!account) {
                reply(internalError(account.error()));
                return;
            }
            verifyLogin(ctx, std::move(in), std::move(remote), std::move(*account),
                        std::move(reply));
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

void getMe(const ConsoleContext& ctx, const ApiRequest& req, const Reply& reply) {
    if (auto bad = rejectUnknownQuery(req, {})) {
        reply(std::move(*bad));
        return;
    }
    ApiResponse r;
    r.body = {{"name", req.session->name},
              {"role", std::string(roleName(req.session->role))},
              {"idle_timeout_s", ctx.settings.sessionIdleUs / 1'000'000}};
    reply(std::move(r));
}

}  // namespace

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
    return router.add(
        V::get, "/api/me", RouteAccess::loggedIn(),
        [context](const ApiRequest& req, Reply reply) { getMe(*context, req, reply); });
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
        [name](core::Database& db) -> core::Result<bool> {
            auto op = findOperator(db, name);
            if (!op) {
                return op.error();
            }
            return *op && !(*op)->disabled;
        },
        [weak = std::weak_ptr(context), session = std::move(*session),
         done = std::move(done)](core::Result<bool> enabled) {
            auto ctx = weak.lock();
            if (!ctx) {
                return;
            }
            if (!enabled) {
                core::logError("console", enabled.error().code + ": " + enabled.error().message);
            }
            if (!enabled || !*enabled) {
                ctx->sessions.removeAllFor(session.name);
                ctx->endSessionStreams(session.key);
                done(std::nullopt);
                return;
            }
            // Logged out (or expired) while the account was looked up.
            if (!ctx->sessions.isLive(session.key)) {
                done(std::nullopt);
                return;
            }
            done(session);
        });
}

}  // namespace sekimori::console
