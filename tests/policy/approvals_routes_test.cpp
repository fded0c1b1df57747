// The approvals routes through the real console over HTTPS, on the real audited recorder: the
// list tells each caller what they may do, approve and reject answer with the engine's codes
// and statuses, the console's role check comes first, and the page is offered to the roles that
// see approvals.
#include <future>

#include "policy/approvals_service.hpp"
#include "tests/console/console_fixture.hpp"

namespace sekimori::console::testing {
namespace {

using http::verb;
constexpr const char* kKind = "test.grant_restricted";

class ApprovalRoutes : public ConsoleFixture {
  protected:
    void prepareDatabase() override {
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE((*db)->exec("CREATE TABLE test_grants(person TEXT NOT NULL)").ok());
    }

    void addServices(ConsoleServer& server) override {
        engine_ = std::make_unique<policy::ApprovalEngine>(recorder_, clock_);
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db.ok());
        ASSERT_TRUE(engine_->migrate(**db).ok());
        policy::ApprovalKind kind;
        kind.name = kKind;
        kind.requesters = {Role::facilityAdmin, Role::securityAdmin};
        kind.approvers = {Role::securityAdmin};
        kind.apply =
            [](core::Database& w,
               const policy::ApprovalRequest& r) -> core::Result<std::vector<core::Event>> {
            auto insert = w.prepare("INSERT INTO test_grants(person) VALUES(?1)");
            if (!insert) {
                return insert.error();
            }
            insert->bind(1, r.subjectPerson);
            if (auto ok = insert->run(); !ok) {
                return ok.error();
            }
            return std::vector<core::Event>{};
        };
        engine_->registerKind(std::move(kind));
        service_ = std::make_unique<policy::ApprovalsService>(policy::ApprovalsServiceParts{
            io_.get_executor(), *engine_, dbPath_, 540,
            std::filesystem::path(SEKIMORI_SOURCE_DIR) / "policy" / "web" / "approvals"});
        server.addService(*service_);
    }

    // A request as the facility admin makes it, answered once durable.
    std::string ask(const std::string& person) {
        core::ApiCall by;
        by.actor = "u-facility_admin";
        by.role = Role::facilityAdmin;
        std::promise<core::Result<policy::ApprovalRequest>> answered;
        engine_->request(by, kKind, {{"person", person}}, "grant " + person, person,
                         [&](core::Result<policy::ApprovalRequest> r) { answered.set_value(r); });
        auto r = answered.get_future().get();
        EXPECT_TRUE(r.ok()) << r.error().message;
        return r.ok() ? r->id : "";
    }

    std::int64_t grants() {
        auto db = core::Database::open(dbPath_, core::Database::Mode::readOnly);
        EXPECT_TRUE(db.ok());
        auto s = (*db)->prepare("SELECT count(*) FROM test_grants");
        EXPECT_TRUE(s.ok());
        EXPECT_TRUE(s->step().ok());
        return s->columnInt(0);
    }

    Reply post(const std::string& target, const std::string& body, const std::string& cookie) {
        return request(verb::post, target, body, cookie, origin_);
    }

    std::unique_ptr<policy::ApprovalEngine> engine_;
    std::unique_ptr<policy::ApprovalsService> service_;
};

TEST_F(ApprovalRoutes, TheListSaysWhoMayDecideAndIsInTheSitesZone) {
    const std::string id = ask("p-1");
    const std::string requester = loginAs(Role::facilityAdmin);
    Reply r = request(verb::get, "/api/approvals?state=pending", "", requester);
    ASSERT_EQ(r.status, 200u) << r.body;
    auto body = r.json();
    EXPECT_EQ(body["utc_offset_minutes"], 540);
    ASSERT_EQ(body["approvals"].size(), 1u);
    auto item = body["approvals"][0];
    EXPECT_EQ(item["id"], id);
    EXPECT_EQ(item["state"], "pending");
    EXPECT_EQ(item["action"]["person"], "p-1");
    EXPECT_FALSE(item["may_approve"]);
    EXPECT_TRUE(item["may_reject"]);  // the requester may withdraw
    EXPECT_NE(item["refusal"].get<std::string>().find("another person"), std::string::npos);

    const std::string approver = loginAs(Role::securityAdmin);
    item = request(verb::get, "/api/approvals", "", approver).json()["approvals"][0];
    EXPECT_TRUE(item["may_approve"]);
    EXPECT_EQ(item["refusal"], "");
    // The auditor reads it and may decide nothing.
    item = request(verb::get, "/api/approvals", "", loginAs(Role::auditor)).json()["approvals"][0];
    EXPECT_FALSE(item["may_approve"]);
    EXPECT_FALSE(item["may_reject"]);
    EXPECT_EQ(request(verb::get, "/api/approvals", "", loginAs(Role::deskOperator)).status, 403u);
    EXPECT_EQ(request(verb::get, "/api/approvals?state=open", "", approver).status, 400u);
    EXPECT_EQ(request(verb::get, "/api/approvals?limit=0", "", approver).status, 400u);
    EXPECT_EQ(request(verb::get, "/api/approvals?state=approved", "", approver)
                  .json()["approvals"]
                  .size(),
              0u);
}

TEST_F(ApprovalRoutes, ApproveAnswersWithTheEnginesCodes) {
    const std::string id = ask("p-2");
    const std::string target = "/api/approvals/" + id + "/approve";
    Reply r = post(target, "", loginAs(Role::facilityAdmin));
    EXPECT_EQ(r.status, 403u) << r.body;
    EXPECT_EQ(r.json()["code"], "approval.self");
    // The console's own role check: the auditor never reaches the engine.
    EXPECT_EQ(post(target, "", loginAs(Role::auditor)).status, 403u);
    EXPECT_EQ(grants(), 0);

    const std::string approver = loginAs(Role::securityAdmin);
    r = post(target, "", approver);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["approval"]["state"], "approved");
    EXPECT_EQ(r.json()["approval"]["decided_by"], "u-security_admin");
    EXPECT_EQ(grants(), 1);
    r = post(target, "", approver);
    EXPECT_EQ(r.status, 409u);
    EXPECT_EQ(r.json()["code"], "approval.not_pending");
    EXPECT_EQ(post("/api/approvals/apr-99/approve", "", approver).status, 404u);
    EXPECT_EQ(post("/api/approvals/nonsense/approve", "", approver).status, 404u);
    EXPECT_EQ(grants(), 1);
}

TEST_F(ApprovalRoutes, RejectNeedsAReason) {
    const std::string id = ask("p-3");
    const std::string approver = loginAs(Role::securityAdmin);
    const std::string target = "/api/approvals/" + id + "/reject";
    Reply r = post(target, "{}", approver);
    EXPECT_EQ(r.status, 400u);
    EXPECT_NE(r.body.find("reason"), std::string::npos);
    r = post(target, R"({"reason": "no work order"})", approver);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["approval"]["state"], "rejected");
    EXPECT_EQ(r.json()["approval"]["reason"], "no work order");
    EXPECT_EQ(post("/api/approvals/" + id + "/approve", "", approver).status, 409u);
    EXPECT_EQ(grants(), 0);
}

TEST_F(ApprovalRoutes, ThePageIsOfferedToThoseWhoSeeApprovals) {
    auto names = [&](Role role) {
        const auto list = request(verb::get, "/api/ui/plugins", "", loginAs(role)).json();
        std::vector<std::string> out;
        for (const auto& p : list["plugins"]) {
            out.push_back(p["name"]);
        }
        return out;
    };
    const std::vector<std::string> approvals{"approvals"};
    EXPECT_EQ(names(Role::securityAdmin), approvals);
    EXPECT_EQ(names(Role::auditor), approvals);
    EXPECT_TRUE(names(Role::deskOperator).empty());
    Reply js = request(verb::get, "/plugins/approvals/index.js", "", loginAs(Role::auditor));
    EXPECT_EQ(js.status, 200u);
    EXPECT_NE(js.body.find("export async function start"), std::string::npos);
}

}  // namespace
}  // namespace sekimori::console::testing
