// Operator accounts through the API on a site as it starts for the first time: the bootstrap
// admin (minted because the trail never knew an operator) must set its password, may add ONE
// security admin without approval, and everything after goes through the approval engine
// (operators.add, operators.change_role): self-approval and the wrong role are refused, nothing
// takes effect before approval, and the account's sessions and streams end when its role
// changes or it is disabled. A row inserted behind the daemon's back cannot log in.
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include <sys/stat.h>

#include <fstream>

#include "console/console_app.hpp"
#include "console/operator_routes.hpp"
#include "console_fixture.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::console::testing {
namespace {

using http::verb;
using json = nlohmann::json;
namespace websocket = beast::websocket;
using WsStream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// The engine's own routes, as the daemon's approvals service serves them.
class ApprovalRoutes final : public core::Service {
  public:
    ApprovalRoutes(policy::ApprovalEngine& engine, std::string dbPath)
        : engine_(engine), dbPath_(std::move(dbPath)) {}
    std::string_view name() const override { return "approvals"; }
    core::Result<void> start() override { return {}; }
    void stop() override {}
    std::vector<core::ApiRoute> routes() override { return engine_.routes(dbPath_); }

  private:
    policy::ApprovalEngine& engine_;
    std::string dbPath_;
};

class OperatorRoutes : public ConsoleFixture {
  protected:
    // No security admin but the bootstrap one: the site as on its first start.
    std::vector<Role> seededRoles() override {
        return {Role::deskOperator, Role::facilityAdmin, Role::auditor, Role::bcpCoordinator};
    }
    // The site's first start: the bootstrap admin before any other account.
    void beforeSeeding() override {
        const std::string file = dir_ + "/initial-admin.txt";
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db.ok());
        auto minted = mintInitialAdmin(**db, recorder_, clock_, file);
        ASSERT_TRUE(minted.ok()) << minted.error().message;
        ASSERT_TRUE(*minted);
        ASSERT_NO_FATAL_FAILURE(flushRecorder());
        struct stat st {};
        ASSERT_EQ(::stat(file.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u);
        std::ifstream(file) >> adminPassword_;
    }
    void addServices(ConsoleServer& server) override {
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(engine_.migrate(**db).ok());
        operators_ = std::make_unique<OperatorService>(
            OperatorServiceParts{engine_, recorder_, clock_, dbPath_});
        approvalRoutes_ = std::make_unique<ApprovalRoutes>(engine_, dbPath_);
        ASSERT_TRUE(operators_->start().ok());
        server.addService(*operators_);
        server.addService(*approvalRoutes_);
    }

    // Logs in with a password someone else chose and replaces it; returns the cookie.
    std::string firstLogin(const std::string& name, const std::string& oneTime) {
        const Reply login = postLogin(name, oneTime);
        EXPECT_EQ(login.status, 200u) << login.body;
        EXPECT_EQ(login.json()["must_change_password"], true);
        const std::string cookie = cookieOf(login);
        const Reply changed =
            changePassword(cookie, oneTime, std::string("my own private phrase!"));
        EXPECT_EQ(changed.status, 200u) << changed.body;
        return cookie;
    }

    // The bootstrap admin, password changed, and the second security admin it may add alone.
    void bootstrap() {
        admin_ = firstLogin("admin", adminPassword_);
        const Reply added = request(verb::post, "/api/operators",
                                    R"({"name":"sec2","role":"security_admin","person":"p-sec2"})",
                                    admin_, origin_);
        ASSERT_EQ(added.status, 201u) << added.body;
        EXPECT_EQ(added.json()["bootstrap"], true);
        sec2_ = firstLogin("sec2", added.json()["password"].get<std::string>());
    }

    Reply post(const std::string& target, const json& body, const std::string& cookie) {
        return request(verb::post, target, body.is_null() ? "" : body.dump(), cookie, origin_);
    }
    std::string approve(const std::string& id, const std::string& cookie, unsigned expected) {
        const Reply r = post("/api/approvals/" + id + "/approve", nullptr, cookie);
        EXPECT_EQ(r.status, expected) << r.body;
        return r.body;
    }
    json operatorsList() {
        return request(verb::get, "/api/operators", "", admin_).json()["operators"];
    }
    bool listed(const std::string& name) {
        for (const auto& op : operatorsList()) {
            if (op["name"] == name) {
                return true;
            }
        }
        return false;
    }

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
        ws->handshake("localhost", "/ws/events", ec);
        EXPECT_FALSE(ec) << ec.message();
        return ec ? nullptr : std::move(ws);
    }
    static bool endedByServer(WsStream& ws) {
        beast::flat_buffer buffer;
        beast::error_code ec;
        for (;;) {
            ws.read(buffer, ec);
            if (ec) {
                return ec != beast::error::timeout;
            }
            buffer.consume(buffer.size());
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

    policy::ApprovalEngine engine_{recorder_, clock_};
    // Made once dbPath_ is known (SetUp).
    std::unique_ptr<OperatorService> operators_;
    std::unique_ptr<ApprovalRoutes> approvalRoutes_;
    std::string adminPassword_;
    std::string admin_;
    std::string sec2_;
    asio::io_context clientIo_;
    asio::ssl::context tls_{[] {
        asio::ssl::context c(asio::ssl::context::tls_client);
        c.set_verify_mode(asio::ssl::verify_none);
        return c;
    }()};
};

TEST_F(OperatorRoutes, TheBootstrapAdminIsMintedOnceAndMustChangeItsPassword) {
    onIo([] {});  // the capture of the mint's commit was posted before the io thread ran
    const auto added = recorder_.ofType("operator.added");
    ASSERT_FALSE(added.empty());
    const auto payload = json::parse(added.back().payload);
    EXPECT_EQ(added.back().subject, "admin");
    EXPECT_EQ(payload["bootstrap_admin"], true);
    EXPECT_EQ(payload["must_change_password"], true);
    EXPECT_EQ(payload["row_digest"]["key"], json::array({"admin"}));
    const Reply login = postLogin("admin", adminPassword_);
    ASSERT_EQ(login.status, 200u) << login.body;
    const std::string cookie = cookieOf(login);
    const Reply refused = request(verb::get, "/api/operators", "", cookie);
    EXPECT_EQ(refused.status, 403u);
    EXPECT_EQ(refused.json()["error"], "password_change_required");
    EXPECT_EQ(post("/api/operators", {{"name", "x"}, {"role", "auditor"}}, cookie).status, 403u);
    ASSERT_EQ(changePassword(cookie, adminPassword_, "a different private phrase").status, 200u);
    EXPECT_EQ(request(verb::get, "/api/operators", "", cookie).status, 200u);
}

TEST_F(OperatorRoutes, TheBootstrapWindowAdmitsOneSecurityAdminThenCloses) {
    ASSERT_NO_FATAL_FAILURE(bootstrap());
    const auto added = recorder_.ofType("operator.added");
    const auto payload = json::parse(added.back().payload);
    EXPECT_EQ(added.back().subject, "sec2");
    EXPECT_EQ(added.back().source, "operator:admin");
    EXPECT_EQ(payload["bootstrap"], true);
    EXPECT_EQ(payload["actor"], "admin");
    EXPECT_EQ(payload["role"], "security_admin");
    EXPECT_EQ(payload["person"], "p-sec2");
    // A second one needs an approval now.
    const Reply next =
        post("/api/operators", {{"name", "sec3"}, {"role", "security_admin"}}, admin_);
    EXPECT_EQ(next.status, 202u) << next.body;
    EXPECT_EQ(next.json()["approval"]["state"], "pending");
    EXPECT_FALSE(listed("sec3"));
    // Disabling sec2 does not reopen the window: the trail remembers the bootstrap add.
    ASSERT_EQ(post("/api/operators/sec2/disable", nullptr, admin_).status, 200u);
    EXPECT_EQ(post("/api/operators", {{"name", "sec4"}, {"role", "security_admin"}}, admin_).status,
              202u);
}

TEST_F(OperatorRoutes, AddingAnOperatorNeedsAnotherSecurityAdminAndNothingHappensBefore) {
    ASSERT_NO_FATAL_FAILURE(bootstrap());
    const Reply asked = post("/api/operators", {{"name", "desk2"}, {"role", "operator"}}, sec2_);
    ASSERT_EQ(asked.status, 202u) << asked.body;
    const std::string id = asked.json()["approval"]["id"];
    EXPECT_EQ(asked.json()["approval"]["kind"], "operators.add");
    EXPECT_FALSE(listed("desk2"));
    // The requester cannot approve it; nor can a role other than security_admin.
    EXPECT_NE(approve(id, sec2_, 403u).find("approval.self"), std::string::npos);
    EXPECT_NE(approve(id, loginAs(Role::facilityAdmin), 403u).find("approval.role"),
              std::string::npos);
    EXPECT_EQ(post("/api/approvals/" + id + "/approve", nullptr, loginAs(Role::auditor)).status,
              403u);
    EXPECT_FALSE(listed("desk2"));
    EXPECT_TRUE(recorder_.ofType("operator.added").size() == 2u);  // admin, sec2
    // Another security admin approves and alone receives the one-time password.
    const json approved = json::parse(approve(id, admin_, 200u));
    const std::string oneTime = approved["result"]["password"];
    EXPECT_GE(oneTime.size(), 24u);
    EXPECT_TRUE(listed("desk2"));
    const auto added = recorder_.ofType("operator.added").back();
    EXPECT_EQ(added.subject, "desk2");
    EXPECT_EQ(json::parse(added.payload)["role"], "operator");
    EXPECT_EQ(added.payload.find(oneTime), std::string::npos);
    // The new account must set its own password first.
    const std::string desk2 = firstLogin("desk2", oneTime);
    EXPECT_EQ(request(verb::get, "/api/me", "", desk2).json()["role"], "operator");
}

TEST_F(OperatorRoutes, NobodyRequestsOrApprovesTheirOwnRoleAndWrongRolesAreRefused) {
    ASSERT_NO_FATAL_FAILURE(bootstrap());
    // sec2 asking about sec2: refused at once.
    Reply r =
        request(verb::put, "/api/operators/sec2/role", R"({"role":"auditor"})", sec2_, origin_);
    EXPECT_EQ(r.status, 403u) << r.body;
    EXPECT_NE(r.body.find("approval.self"), std::string::npos);
    // A facility admin may not even ask (the route is the security admin's).
    r = request(verb::put, "/api/operators/u-operator/role", R"({"role":"auditor"})",
                loginAs(Role::facilityAdmin), origin_);
    EXPECT_EQ(r.status, 403u);
    r = request(verb::put, "/api/operators/nobody/role", R"({"role":"auditor"})", sec2_, origin_);
    EXPECT_EQ(r.status, 404u);
    r = request(verb::put, "/api/operators/u-auditor/role", R"({"role":"root"})", sec2_, origin_);
    EXPECT_EQ(r.status, 400u);
    // A request about admin, by sec2: admin (the subject) may not approve it.
    r = request(verb::put, "/api/operators/admin/role", R"({"role":"auditor"})", sec2_, origin_);
    ASSERT_EQ(r.status, 202u) << r.body;
    EXPECT_NE(approve(r.json()["approval"]["id"], admin_, 403u).find("approval.self"),
              std::string::npos);
}

// Approved role change: the account's sessions end and its open stream is closed.
TEST_F(OperatorRoutes, AnApprovedRoleChangeEndsTheAccountsSessionsAndStreams) {
    ASSERT_NO_FATAL_FAILURE(bootstrap());
    const std::string auditor = loginAs(Role::auditor);
    auto ws = openStream(auditor);
    ASSERT_TRUE(ws);
    ASSERT_NO_FATAL_FAILURE(waitForStreams(1));
    const Reply asked = request(verb::put, "/api/operators/u-auditor/role",
                                R"({"role":"facility_admin"})", sec2_, origin_);
    ASSERT_EQ(asked.status, 202u) << asked.body;
    onIo([&] { server_->app()->sweepNow(); });
    EXPECT_EQ(request(verb::get, "/api/me", "", auditor).json()["role"], "auditor");  // not yet
    approve(asked.json()["approval"]["id"], admin_, 200u);
    const auto changed = recorder_.ofType("operator.role_changed");
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(json::parse(changed[0].payload)["previous_role"], "auditor");
    EXPECT_EQ(json::parse(changed[0].payload)["role"], "facility_admin");
    onIo([&] { server_->app()->sweepNow(); });
    EXPECT_TRUE(endedByServer(*ws));
    EXPECT_EQ(request(verb::get, "/api/me", "", auditor).status, 401u);
    // Logging in again gives the new role (the change carried its digest, so the row matches).
    const Reply again = postLogin("u-auditor", passwords_[Role::auditor]);
    ASSERT_EQ(again.status, 200u) << again.body;
    EXPECT_EQ(again.json()["role"], "facility_admin");
}

TEST_F(OperatorRoutes, DisablingAnAccountEndsItsSessionsAndStreamsAndItsLogins) {
    ASSERT_NO_FATAL_FAILURE(bootstrap());
    const std::string desk = loginAs(Role::deskOperator);
    auto ws = openStream(desk);
    ASSERT_TRUE(ws);
    ASSERT_NO_FATAL_FAILURE(waitForStreams(1));
    EXPECT_EQ(post("/api/operators/" + std::string("u-operator") + "/disable", nullptr,
                   loginAs(Role::auditor))
                  .status,
              403u);
    EXPECT_EQ(post("/api/operators/sec2/disable", nullptr, sec2_).status, 409u);  // oneself
    EXPECT_EQ(post("/api/operators/nobody/disable", nullptr, sec2_).status, 404u);
    const Reply r = post("/api/operators/u-operator/disable", nullptr, sec2_);
    ASSERT_EQ(r.status, 200u) << r.body;
    onIo([&] { server_->app()->sweepNow(); });
    EXPECT_TRUE(endedByServer(*ws));
    EXPECT_EQ(request(verb::get, "/api/me", "", desk).status, 401u);
    EXPECT_EQ(postLogin("u-operator", passwords_[Role::deskOperator]).status, 401u);
    EXPECT_TRUE(recorder_.ofType("operator.row_mismatch").empty());  // a recorded change
    const auto disabled = recorder_.ofType("operator.disabled");
    ASSERT_EQ(disabled.size(), 1u);
    EXPECT_EQ(disabled[0].source, "operator:sec2");
}

// An insider writes an operator row straight into the database: it has a valid hash of a
// password they know, but the trail never named it.
TEST_F(OperatorRoutes, AnInsertedOperatorRowCannotLogIn) {
    {
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db.ok());
        auto hash = core::hashPassword("insider-chosen-password");
        ASSERT_TRUE(hash.ok());
        ASSERT_TRUE(
            insertOperator(
                **db, NewOperator{"mallory", Role::securityAdmin, *hash, clock_.nowUs(), {}, false})
                .ok());
    }
    const Reply r = postLogin("mallory", "insider-chosen-password");
    EXPECT_EQ(r.status, 401u);
    EXPECT_EQ(r.json()["error"], "invalid name or password");
    const auto mismatch = recorder_.ofType("operator.row_mismatch");
    ASSERT_EQ(mismatch.size(), 1u);
    EXPECT_EQ(mismatch[0].subject, "mallory");
    EXPECT_EQ(json::parse(mismatch[0].payload)["verdict"], "unnamed");
}

TEST_F(OperatorRoutes, BadBodiesAre400NamingTheField) {
    ASSERT_NO_FATAL_FAILURE(bootstrap());
    auto errorOf = [&](const json& body) {
        const Reply r = post("/api/operators", body, sec2_);
        EXPECT_EQ(r.status, 400u) << r.body;
        return r.json()["error"].get<std::string>();
    };
    EXPECT_TRUE(errorOf({{"role", "auditor"}}).starts_with("name:"));
    EXPECT_TRUE(errorOf({{"name", "Bad Name"}, {"role", "auditor"}}).starts_with("name:"));
    EXPECT_TRUE(errorOf({{"name", "ok"}, {"role", "root"}}).starts_with("role:"));
    EXPECT_TRUE(
        errorOf({{"name", "ok"}, {"role", "auditor"}, {"person", "P 1"}}).starts_with("person:"));
    EXPECT_NE(errorOf({{"name", "ok"}, {"role", "auditor"}, {"x", 1}}).find("'x'"),
              std::string::npos);
    EXPECT_EQ(post("/api/operators", {{"name", "u-auditor"}, {"role", "auditor"}}, sec2_).status,
              409u);
}

// An emptied operator table is not a first start: no admin is minted, the daemon refuses.
TEST_F(OperatorRoutes, AnEmptiedOperatorTableMintsNoAdmin) {
    auto db = core::Database::open(dbPath_);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->exec("DELETE FROM operators").ok());
    const std::string file = dir_ + "/initial-admin-2.txt";
    auto again = mintInitialAdmin(**db, *realRecorder_, clock_, file);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "console.operators_erased");
    EXPECT_FALSE(std::filesystem::exists(file));
    auto admin = findOperator(**db, "admin");
    ASSERT_TRUE(admin.ok());
    EXPECT_FALSE(admin->has_value());
}

}  // namespace
}  // namespace sekimori::console::testing
