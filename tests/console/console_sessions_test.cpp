// Console sessions end when they should, and close their live streams when they do: idle
// expiry and the absolute lifetime (injected clock), logout; the first-login password change;
// login failures counted per name and address under concurrent attempts; the bounded
// password-hash queue; HSTS on every answer.
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include <sys/stat.h>

#include <atomic>
#include <fstream>

#include "console/console_app.hpp"
#include "console_fixture.hpp"

namespace sekimori::console::testing {
namespace {

using http::verb;
namespace websocket = beast::websocket;
using WsStream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

class ConsoleSessions : public ConsoleFixture {
  protected:
    std::unique_ptr<WsStream> openStream(const std::string& cookie) {
        auto ws = std::make_unique<WsStream>(clientIo_, tls_);
        beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(10));
        beast::get_lowest_layer(*ws).connect(
            asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
        ws->next_layer().handshake(asio::ssl::stream_base::client);
        ws->set_option(
            websocket::stream_base::decorator([cookie, this](websocket::request_type& r) {
                r.set(http::field::cookie, cookie);
                r.set(http::field::origin, origin_);
            }));
        beast::error_code ec;
        websocket::response_type response;
        ws->handshake(response, "localhost", "/ws/events", ec);
        if (ec) {
            ADD_FAILURE() << "handshake: " << ec.message();
            return nullptr;
        }
        hsts_ = std::string(response[http::field::strict_transport_security]);
        // The server closes the stream; a read with a 10 s bound tells when.
        beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(10));
        return ws;
    }

    // True when the server ended the stream (not the 10 s bound).
    static bool endedByServer(WsStream& ws) {
        beast::flat_buffer buffer;
        beast::error_code ec;
        for (;;) {
            ws.read(buffer, ec);
            if (ec) {
                return ec != beast::error::timeout;
            }
            buffer.consume(buffer.size());  // an event; keep reading
        }
    }

    void waitForStreams(std::size_t n) {
        for (int i = 0; i < 500; ++i) {
            std::size_t have = 0;
            onIo([&] { have = server_->liveStreams(); });
            if (have == n) {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        FAIL() << "streams never reached " << n;
    }

    // An account the trail names that must change its password at first login.
    std::string addNewAccount(const std::string& name, Role role) {
        auto credential = makeOperatorCredential();
        EXPECT_TRUE(credential.ok());
        realRecorder_->commit(addOperatorChange(
            NewOperator{name, role, credential->passwordHash, clock_.nowUs(), "p-" + name, true},
            "test", {}));
        flushRecorder();
        return credential->password;
    }

    std::vector<std::string> endedReasons() const {
        std::vector<std::string> out;
        for (const auto& e : recorder_.ofType("operator.session_ended")) {
            out.push_back(nlohmann::json::parse(e.payload)["reason"]);
        }
        return out;
    }

    asio::io_context clientIo_;
    asio::ssl::context tls_{[] {
        asio::ssl::context c(asio::ssl::context::tls_client);
        c.set_verify_mode(asio::ssl::verify_none);
        return c;
    }()};
    std::string hsts_;
};

// Nobody touches the session: the server's own sweep (every second) ends it at 15 idle
// minutes and closes its stream, without a request from the browser.
TEST_F(ConsoleSessions, IdleExpiryClosesTheStreamWithoutARequest) {
    const std::string cookie = loginAs(Role::deskOperator);
    auto ws = openStream(cookie);
    ASSERT_TRUE(ws);
    ASSERT_NO_FATAL_FAILURE(waitForStreams(1));
    clock_.advanceMs(15 * 60 * 1000);
    EXPECT_TRUE(endedByServer(*ws));
    ASSERT_NO_FATAL_FAILURE(waitForStreams(0));
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).status, 401u);
    EXPECT_EQ(endedReasons(), (std::vector<std::string>{"idle"}));
}

// However busy, a session ends at its absolute lifetime (12 h by default) and its stream with it.
TEST_F(ConsoleSessions, AbsoluteLifetimeEndsABusySessionAndItsStream) {
    const std::string cookie = loginAs(Role::auditor);
    auto ws = openStream(cookie);
    ASSERT_TRUE(ws);
    ASSERT_NO_FATAL_FAILURE(waitForStreams(1));
    const Reply me = request(verb::get, "/api/me", "", cookie);
    const auto expires = me.json()["expires_us"].get<core::TimeUs>();
    EXPECT_EQ(expires, clock_.nowUs() + kDefaultSessionLifetimeUs);
    for (int i = 0; i < 12 * 6 - 1; ++i) {
        clock_.advanceMs(10 * 60 * 1000);
        ASSERT_EQ(request(verb::get, "/api/me", "", cookie).status, 200u) << i;
    }
    onIo([&] { server_->app()->sweepNow(); });
    ASSERT_NO_FATAL_FAILURE(waitForStreams(1));  // still inside its 12 h
    clock_.advanceMs(10 * 60 * 1000);
    onIo([&] { server_->app()->sweepNow(); });
    EXPECT_TRUE(endedByServer(*ws));
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).status, 401u);
    EXPECT_EQ(endedReasons(), (std::vector<std::string>{"lifetime"}));
}

TEST_F(ConsoleSessions, LogoutClosesTheStreamAtOnce) {
    const std::string cookie = loginAs(Role::securityAdmin);
    auto ws = openStream(cookie);
    ASSERT_TRUE(ws);
    ASSERT_NO_FATAL_FAILURE(waitForStreams(1));
    EXPECT_EQ(request(verb::post, "/api/logout", "", cookie, origin_).status, 200u);
    EXPECT_TRUE(endedByServer(*ws));
    ASSERT_NO_FATAL_FAILURE(waitForStreams(0));
}

TEST_F(ConsoleSessions, ANewAccountMustSetItsOwnPasswordBeforeAnythingElse) {
    const std::string oneTime = addNewAccount("newbie", Role::deskOperator);
    const Reply login = postLogin("newbie", oneTime);
    ASSERT_EQ(login.status, 200u) << login.body;
    EXPECT_EQ(login.json()["must_change_password"], true);
    EXPECT_EQ(login.json()["person"], "p-newbie");
    const std::string cookie = cookieOf(login);
    const std::string other = cookieOf(postLogin("newbie", oneTime));

    // Everything but the change itself, logout and "who am I" is refused.
    Reply r = request(verb::get, "/api/events", "", cookie);
    EXPECT_EQ(r.status, 403u);
    EXPECT_EQ(r.json()["error"], "password_change_required");
    EXPECT_EQ(request(verb::get, "/api/ui/plugins", "", cookie).status, 403u);
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).json()["must_change_password"], true);
    EXPECT_EQ(request(verb::get, "/ws/events", "", cookie).status, 403u);

    // The new password is checked, and so is the old one.
    r = changePassword(cookie, oneTime, "short");
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(r.json()["error"].get<std::string>().starts_with("new:")) << r.body;
    EXPECT_EQ(changePassword(cookie, oneTime, oneTime).status, 400u);
    r = changePassword(cookie, "not-the-password", "a long and private phrase");
    EXPECT_EQ(r.status, 403u) << r.body;
    r = request(verb::post, "/api/session/password", R"({"old": "x"})", cookie, origin_);
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(r.json()["error"].get<std::string>().starts_with("new:")) << r.body;

    r = changePassword(cookie, oneTime, "a long and private phrase");
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(request(verb::get, "/api/events", "", cookie).status, 200u);
    EXPECT_EQ(request(verb::get, "/api/me", "", cookie).json()["must_change_password"], false);
    // The other session (made with the one-time password) ended.
    EXPECT_EQ(request(verb::get, "/api/me", "", other).status, 401u);
    EXPECT_EQ(postLogin("newbie", oneTime).status, 401u);
    const Reply again = postLogin("newbie", "a long and private phrase");
    ASSERT_EQ(again.status, 200u);
    EXPECT_EQ(again.json()["must_change_password"], false);

    // The change is in the trail with the row's new digest, without any password.
    const auto changed = recorder_.ofType("operator.password_changed");
    ASSERT_EQ(changed.size(), 1u);
    const auto payload = nlohmann::json::parse(changed[0].payload);
    EXPECT_EQ(changed[0].source, "operator:newbie");
    EXPECT_EQ(payload["actor"], "newbie");
    EXPECT_EQ(payload["row_digest"]["table"], "operators");
    EXPECT_EQ(payload["row_digest"]["digest"].get<std::string>().size(), 64u);
    for (const auto& e : recorder_.events()) {
        EXPECT_EQ(e.payload.find(oneTime), std::string::npos);
        EXPECT_EQ(e.payload.find("private phrase"), std::string::npos);
    }
}

// Twenty wrong attempts at one name sent at once: no more than the five free ones reach the
// password check; the rest are refused (locked, or the hash queue was full), and afterwards
// the name is locked even for the right password.
TEST_F(ConsoleSessions, ConcurrentFailuresAtOneNameAreCountedAtomically) {
    constexpr int kAttempts = 20;
    std::atomic<int> unauthorized{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kAttempts; ++i) {
        threads.emplace_back([&] {
            const unsigned status = postLogin("u-auditor", "wrong-password").status;
            (status == 401u ? unauthorized : refused) += status == 401u || status == 429u ? 1 : 0;
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(unauthorized + refused, kAttempts);
    EXPECT_LE(unauthorized.load(), 5);
    EXPECT_GE(unauthorized.load(), 1);
    // Finish the five one by one: exactly five failures in all, then locked.
    int checked = unauthorized.load();
    while (checked < 5) {
        const unsigned status = postLogin("u-auditor", "wrong-password").status;
        ASSERT_EQ(status, 401u);
        ++checked;
    }
    const Reply locked = postLogin("u-auditor", passwords_[Role::auditor]);
    EXPECT_EQ(locked.status, 429u) << locked.body;
    EXPECT_NE(locked.json()["error"].get<std::string>().find("u-auditor"), std::string::npos);
}

// One address trying many names is locked by its own count (20 free attempts), even though
// no single name reached its limit.
TEST_F(ConsoleSessions, FailuresFromOneAddressLockThatAddress) {
    for (int i = 0; i < 20; ++i) {
        ASSERT_EQ(postLogin("guess-" + std::to_string(i), "x").status, 401u) << i;
    }
    const Reply r = postLogin("u-operator", passwords_[Role::deskOperator]);
    EXPECT_EQ(r.status, 429u) << r.body;
    EXPECT_NE(r.json()["error"].get<std::string>().find("address"), std::string::npos);
    // Twenty failures, one audit row each (distinct names): and each counted.
    EXPECT_EQ(recorder_.ofType("operator.login_failed").size(), 21u);
}

// With every slot of the password-hash queue taken, a login is refused with 429 instead of
// queueing more argon2id work; when a slot frees, logins work again.
TEST_F(ConsoleSessions, AFullPasswordHashQueueAnswers429) {
    std::vector<PasswordWorkQueue::Slot> taken;  // touched on the io thread only
    onIo([&] {
        auto& queue = server_->app()->passwordWork();
        while (auto slot = queue.tryTake()) {
            taken.push_back(std::move(*slot));
        }
    });
    ASSERT_EQ(taken.size(), PasswordWorkQueue::kDefaultCapacity);
    const Reply busy = postLogin("u-operator", passwords_[Role::deskOperator]);
    EXPECT_EQ(busy.status, 429u) << busy.body;
    EXPECT_EQ(busy.headers.at("retry-after"), "1");
    // Refused before any check: neither a failure counted nor an audit row.
    EXPECT_TRUE(recorder_.ofType("operator.login_failed").empty());
    onIo([&] { taken.clear(); });
    EXPECT_EQ(postLogin("u-operator", passwords_[Role::deskOperator]).status, 200u);
}

TEST_F(ConsoleSessions, EveryAnswerCarriesHsts) {
    for (const char* target : {"/", "/shell.js", "/api/me", "/api/nothing", "/missing.css"}) {
        const Reply r = request(verb::get, target);
        EXPECT_EQ(r.headers.at("strict-transport-security"), "max-age=31536000") << target;
    }
    const Reply bad = request(verb::post, "/api/login", "{", "", origin_);
    EXPECT_EQ(bad.headers.at("strict-transport-security"), "max-age=31536000");
    auto ws = openStream(loginAs(Role::deskOperator));
    ASSERT_TRUE(ws);
    EXPECT_EQ(hsts_, "max-age=31536000");
}

}  // namespace
}  // namespace sekimori::console::testing
