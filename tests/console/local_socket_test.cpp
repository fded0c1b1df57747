// The console's local Unix socket (the CLI's door): the same router, sessions and roles as
// HTTPS over plain HTTP/1.1; the peer's Unix user (SO_PEERCRED) reaches the route's ApiCall;
// the socket file is 0660, replaced when stale, never when alive or not a socket, and removed
// at stop.
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <fstream>

#include "console/local_socket_listener.hpp"
#include "console_fixture.hpp"
#include "core/api_actor.hpp"

namespace sekimori::console::testing {
namespace {

using http::verb;
using local = asio::local::stream_protocol;

// One route that answers with everything the console put in the ApiCall.
class CallerEchoService final : public core::Service {
  public:
    std::string_view name() const override { return "echo"; }
    core::Result<void> start() override { return {}; }
    void stop() override {}
    std::vector<core::ApiRoute> routes() override {
        const core::RoleSet admins{Role::facilityAdmin, Role::securityAdmin};
        return {{core::HttpMethod::post, "/api/echo/{id}", admins, core::RunOn::worker,
                 [](const core::ApiCall& call, core::ApiReply reply) {
                     nlohmann::json body = core::actorFields(call);
                     body["source"] = core::actorSource(call);
                     body["remote"] = call.remote;
                     body["unix_user_field"] = call.unixUser;
                     body["id"] = call.params.at("id");
                     body["body"] = call.body;
                     reply(core::ApiResult{200, std::move(body)});
                 }}};
    }
};

std::string currentUser() {
    const passwd* pw = ::getpwuid(::getuid());
    return pw != nullptr ? pw->pw_name : "uid-" + std::to_string(::getuid());
}

Reply localRequest(const std::string& socketPath, verb method, const std::string& target,
                   const std::string& body = "", const std::string& cookie = "",
                   bool upgrade = false) {
    asio::io_context ioc;
    beast::basic_stream<local> stream(ioc);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(local::endpoint(socketPath));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "localhost");
    if (!cookie.empty()) {
        req.set(http::field::cookie, cookie);
    }
    if (upgrade) {
        req.set(http::field::connection, "Upgrade");
        req.set(http::field::upgrade, "websocket");
        req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
        req.set(http::field::sec_websocket_version, "13");
    }
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.keep_alive(false);
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    Reply out;
    out.status = res.result_int();
    for (auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    return out;
}

class LocalSocket : public ConsoleFixture {
  protected:
    void adjustOptions(ConsoleOptions& options) const override {
        options.localSocketPath = dir_ + "/sekimori.sock";
    }
    void addServices(ConsoleServer& server) override { server.addService(echo_); }

    std::string socketPath() const { return dir_ + "/sekimori.sock"; }
    std::string localLogin(Role role) {
        const nlohmann::json body = {{"name", "u-" + std::string(roleName(role))},
                                     {"password", passwords_[role]}};
        Reply r = localRequest(socketPath(), verb::post, "/api/login", body.dump());
        EXPECT_EQ(r.status, 200u) << r.body;
        const std::string setCookie = r.headers["set-cookie"];
        return setCookie.substr(0, setCookie.find(';'));
    }

    CallerEchoService echo_;
};

TEST_F(LocalSocket, TheUnixUserReachesTheCallBesideTheOperator) {
    const std::string cookie = localLogin(Role::facilityAdmin);
    Reply r = localRequest(socketPath(), verb::post, "/api/echo/p-1", R"({"name":"Aoki"})", cookie);
    ASSERT_EQ(r.status, 200u) << r.body;
    const auto j = r.json();
    EXPECT_EQ(j["actor"], "u-facility_admin");
    EXPECT_EQ(j["role"], "facility_admin");
    EXPECT_EQ(j["source"], "operator:u-facility_admin");
    EXPECT_EQ(j["remote"], "unix");
    EXPECT_EQ(j["unix_user"], currentUser());
    EXPECT_EQ(j["unix_user_field"], currentUser());
    EXPECT_EQ(j["id"], "p-1");
    EXPECT_EQ(j["body"]["name"], "Aoki");
    // The login itself was recorded with the peer as its remote.
    bool sawLogin = false;
    for (const auto& e : recorder_.ofType("operator.login")) {
        sawLogin = sawLogin || (e.subject == "u-facility_admin" &&
                                e.payload.find("unix:" + currentUser()) != std::string::npos);
    }
    EXPECT_TRUE(sawLogin);
}

TEST_F(LocalSocket, RolesAreCheckedAsOverHttps) {
    Reply r = localRequest(socketPath(), verb::post, "/api/echo/p-1", "{}");
    EXPECT_EQ(r.status, 401u) << r.body;
    const std::string desk = localLogin(Role::deskOperator);
    r = localRequest(socketPath(), verb::post, "/api/echo/p-1", "{}", desk);
    EXPECT_EQ(r.status, 403u) << r.body;
    EXPECT_EQ(r.json()["role"], "operator");
    EXPECT_EQ(r.json()["allowed_roles"], (nlohmann::json{"facility_admin", "security_admin"}));
    const nlohmann::json wrong = {{"name", "u-security_admin"}, {"password", "not-it"}};
    r = localRequest(socketPath(), verb::post, "/api/login", wrong.dump());
    EXPECT_EQ(r.status, 401u) << r.body;
    r = localRequest(socketPath(), verb::get, "/api/no-such-route", "", desk);
    EXPECT_EQ(r.status, 404u) << r.body;
}

TEST_F(LocalSocket, OneSessionStoreForBothDoors) {
    // Logged in on the socket, the same cookie works over HTTPS (and the remote there is an
    // address with no Unix user), and a logout on the socket ends it everywhere.
    const std::string cookie = localLogin(Role::securityAdmin);
    Reply r = request(verb::post, "/api/echo/p-2", "{}", cookie);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["remote"], "127.0.0.1");
    EXPECT_FALSE(r.json().contains("unix_user"));
    r = localRequest(socketPath(), verb::post, "/api/logout", "", cookie);
    EXPECT_EQ(r.status, 200u) << r.body;
    r = request(verb::post, "/api/echo/p-2", "{}", cookie);
    EXPECT_EQ(r.status, 401u) << r.body;
}

TEST_F(LocalSocket, NoEventStreamOnTheSocket) {
    const std::string cookie = localLogin(Role::securityAdmin);
    Reply r = localRequest(socketPath(), verb::get, "/ws/events", "", cookie, true);
    EXPECT_EQ(r.status, 400u) << r.body;
    EXPECT_NE(r.body.find("HTTPS only"), std::string::npos) << r.body;
}

TEST_F(LocalSocket, TheFileIsGroupOnlyAndGoesAtStop) {
    struct stat st {};
    ASSERT_EQ(::stat(socketPath().c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0660u);
    onIo([this] { server_->stop(); });
    EXPECT_FALSE(std::filesystem::exists(socketPath()));
}

class LocalSocketFile : public ::testing::Test {
  protected:
    void SetUp() override { dir_ = makeTempDir("local-socket"); }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string dir_;
    asio::io_context io_;
};

TEST_F(LocalSocketFile, AStaleSocketIsReplaced) {
    const std::string path = dir_ + "/sekimori.sock";
    {
        // A socket file nobody accepts on any more: what a killed daemon leaves behind.
        local::acceptor dead(io_, local::endpoint(path));
    }
    ASSERT_TRUE(std::filesystem::exists(path));
    auto listener = LocalSocketListener::open(io_, path);
    ASSERT_TRUE(listener.ok()) << listener.error().message;
    local::socket client(io_);
    boost::system::error_code ec;
    client.connect(local::endpoint(path), ec);
    EXPECT_FALSE(ec) << ec.message();
}

TEST_F(LocalSocketFile, ALiveDaemonsSocketIsNotTaken) {
    const std::string path = dir_ + "/sekimori.sock";
    auto first = LocalSocketListener::open(io_, path);
    ASSERT_TRUE(first.ok()) << first.error().message;
    auto second = LocalSocketListener::open(io_, path);
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.error().message.find("another daemon"), std::string::npos)
        << second.error().message;
    // The failed attempt left the first one's file in place.
    EXPECT_TRUE(std::filesystem::exists(path));
}

TEST_F(LocalSocketFile, SomethingElseIsNeverRemoved) {
    const std::string path = dir_ + "/sekimori.sock";
    std::ofstream(path) << "not a socket\n";
    auto listener = LocalSocketListener::open(io_, path);
    ASSERT_FALSE(listener.ok());
    EXPECT_NE(listener.error().message.find("not a socket"), std::string::npos);
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "not a socket");
}

TEST_F(LocalSocketFile, APathTooLongIsNamed) {
    const std::string path = dir_ + "/" + std::string(maxLocalSocketPath(), 'x');
    auto listener = LocalSocketListener::open(io_, path);
    ASSERT_FALSE(listener.ok());
    EXPECT_NE(listener.error().message.find("at most " + std::to_string(maxLocalSocketPath())),
              std::string::npos)
        << listener.error().message;
}

TEST_F(LocalSocketFile, StopKeepsASocketAnotherDaemonPutThere) {
    const std::string path = dir_ + "/sekimori.sock";
    auto listener = LocalSocketListener::open(io_, path);
    ASSERT_TRUE(listener.ok()) << listener.error().message;
    ASSERT_EQ(::unlink(path.c_str()), 0);
    local::acceptor other(io_, local::endpoint(path));
    (*listener)->stop();
    EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(LocalRemote, RoundTripsTheUnixUser) {
    EXPECT_EQ(unixUserOf(localRemote("sato")), "sato");
    EXPECT_EQ(unixUserOf("127.0.0.1"), std::nullopt);
    EXPECT_EQ(unixUserOf("::1"), std::nullopt);
}

}  // namespace
}  // namespace sekimori::console::testing
