// The credential write routes on the real AuditedRecorder and the real approval engine: roles,
// bad bodies naming the field, each change durable with its event (actor, row digest) before
// the reply, nobody changing their own credentials, and 202 for the approval kinds with nothing
// effective before approval.
#include "doors/enrollment_routes.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>

#include "core/audited_recorder.hpp"
#include "core/event_bus.hpp"
#include "core/row_digest.hpp"
#include "doors/credential_binding.hpp"
#include "policy/approval_engine.hpp"

using namespace sekimori;
using namespace sekimori::doors;

namespace {

const std::string kTemplateText = "MINUTIAE-OF-ALICE";

class EnrollmentRoutesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        dir_ = std::filesystem::temp_directory_path() / ("doors-routes-" + core::randomToken(6));
        std::filesystem::create_directories(dir_);
        dbPath_ = (dir_ / "site.db").string();
        auto db = core::Database::open(dbPath_);
        ASSERT_TRUE(db);
        reader_ = std::move(*db);
        ASSERT_TRUE(CredentialStore::open(*reader_));
        core::AuditedRecorderOptions options;
        options.signingKeyPath = (dir_ / "audit-signing.key").string();
        auto writer = core::Database::open(dbPath_);
        ASSERT_TRUE(writer);
        auto recorder = core::AuditedRecorder::create(std::move(*writer), io_.get_executor(), bus_,
                                                      clock_, options);
        ASSERT_TRUE(recorder) << recorder.error().message;
        recorder_ = std::move(*recorder);
        engine_ = std::make_unique<policy::ApprovalEngine>(*recorder_, clock_);
        ASSERT_TRUE(engine_->migrate(*reader_));
        makeRoutes(engine_.get());
        ASSERT_EQ(call(admin(), core::HttpMethod::post, "/api/people", {},
                       {{"id", "alice"}, {"name", "Alice"}})
                      .status,
                  201);
    }
    void TearDown() override {
        routes_.clear();
        recorder_->stop();
        io_.restart();
        io_.poll();
        std::filesystem::remove_all(dir_);
    }

    void makeRoutes(policy::ApprovalEngine* engine) {
        KnownNames names{{"corridor", "server-room"}, {"office"}, {"server-room"}};
        names.levels = {{"corridor-day", {"corridor"}}, {"srv-work", {"corridor", "server-room"}}};
        names.groups = {"staff", "srv-team"};
        auto context = std::make_shared<const EnrollmentContext>(EnrollmentContext{
            *recorder_, clock_, EnrollmentKeys{pepper_, templateKey_}, std::move(names), engine});
        if (engine != nullptr) {
            registerDoorApprovalKinds(*engine, context);
        }
        routes_ = enrollmentRoutes(context);
    }

    static core::ApiCall caller(std::string name, core::Role role, std::string person = "") {
        core::ApiCall c;
        c.actor = std::move(name);
        c.role = role;
        c.remote = "unix";
        c.unixUser = "yamada";
        c.actorPerson = std::move(person);
        return c;
    }
    static core::ApiCall admin() { return caller("fa-1", core::Role::facilityAdmin); }
    static core::ApiCall security() { return caller("sa-2", core::Role::securityAdmin); }

    bool runUntil(const std::function<bool()>& done, int maxMs = 3000) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(maxMs);
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            io_.restart();
            io_.run_for(std::chrono::milliseconds(1));
        }
        return true;
    }

    const core::ApiRoute* route(core::HttpMethod method, const std::string& pattern) const {
        for (const auto& r : routes_) {
            if (r.method == method && r.pattern == pattern) {
                return &r;
            }
        }
        return nullptr;
    }

    // Calls a route as the console would, and notes how many events the trail held when the
    // reply came (a reply before its event is durable would show in that count).
    core::ApiResult call(core::ApiCall c, core::HttpMethod method, const std::string& pattern,
                         std::map<std::string, std::string> params, nlohmann::json body) {
        const core::ApiRoute* r = route(method, pattern);
        EXPECT_NE(r, nullptr) << pattern;
        if (r == nullptr) {
            return {};
        }
        c.params = std::move(params);
        c.body = std::move(body);
        std::optional<core::ApiResult> result;
        r->handler(c, [&](core::ApiAnswer answer) {
            result = std::get<core::ApiResult>(std::move(answer));
            eventsAtReply_ = countOf("SELECT count(*) FROM audit_events");
        });
        EXPECT_TRUE(runUntil([&] { return result.has_value(); })) << pattern << " did not answer";
        return result.value_or(core::ApiResult{});
    }

    core::Result<policy::ApprovalRequest> decide(const core::ApiCall& by, const std::string& id,
                                                 bool approve = true) {
        std::optional<core::Result<policy::ApprovalRequest>> out;
        auto done = [&](core::Result<policy::ApprovalRequest> r) { out = std::move(r); };
        if (approve) {
            engine_->approve(by, id, done);
        } else {
            engine_->reject(by, id, "not today", done);
        }
        EXPECT_TRUE(runUntil([&] { return out.has_value(); }));
        return out.value_or(core::makeError("test", "no answer"));
    }

    std::int64_t countOf(const std::string& sql) {
        auto s = reader_->prepare(sql);
        EXPECT_TRUE(s) << sql;
        auto row = s->step();
        EXPECT_TRUE(row && *row) << sql;
        return s->columnInt(0);
    }
    nlohmann::json lastPayload(const std::string& type) {
        auto s = reader_->prepare(
            "SELECT payload, source FROM audit_events WHERE type = ?1 ORDER BY seq DESC LIMIT 1");
        EXPECT_TRUE(s);
        s->bind(1, type);
        auto row = s->step();
        if (!row || !*row) {
            ADD_FAILURE() << "no " << type << " in the trail";
            return nullptr;
        }
        auto payload = nlohmann::json::parse(s->columnText(0));
        payload["(source)"] = s->columnText(1);
        return payload;
    }
    std::string digestNow(const core::AuditedTable& table, const std::vector<std::string>& key) {
        auto d = core::digestRow(*reader_, table, key);
        EXPECT_TRUE(d && *d);
        return d && *d ? core::toHex(**d) : std::string();
    }

    boost::asio::io_context io_;
    core::ManualClock clock_;
    core::EventBus bus_;
    std::filesystem::path dir_;
    std::string dbPath_;
    std::unique_ptr<core::Database> reader_;
    std::unique_ptr<core::AuditedRecorder> recorder_;
    std::unique_ptr<policy::ApprovalEngine> engine_;
    std::vector<core::ApiRoute> routes_;
    core::Bytes pepper_ = core::randomBytes(32);
    core::Bytes templateKey_ = core::randomBytes(32);
    std::int64_t eventsAtReply_ = -1;
};

TEST_F(EnrollmentRoutesTest, OnlyFacilityAndSecurityAdminsWrite) {
    ASSERT_EQ(routes_.size(), 14U);
    for (const auto& r : routes_) {
        EXPECT_TRUE(r.roles.contains(core::Role::facilityAdmin)) << r.pattern;
        EXPECT_TRUE(r.roles.contains(core::Role::securityAdmin)) << r.pattern;
        EXPECT_FALSE(r.roles.contains(core::Role::auditor)) << r.pattern;
        EXPECT_FALSE(r.roles.contains(core::Role::deskOperator)) << r.pattern;
        EXPECT_FALSE(r.roles.contains(core::Role::bcpCoordinator)) << r.pattern;
    }
}

TEST_F(EnrollmentRoutesTest, BadBodiesAreRefusedNamingTheFieldAndWriteNothing) {
    using M = core::HttpMethod;
    struct Row {
        M method;
        std::string pattern;
        std::map<std::string, std::string> params;
        nlohmann::json body;
        std::string startsWith;
    };
    const std::map<std::string, std::string> alice{{"id", "alice"}};
    const std::vector<Row> rows{
        {M::post, "/api/people", {}, nullptr, "body: "},
        {M::post, "/api/people", {}, {{"name", "Bob"}}, "id: required"},
        {M::post, "/api/people", {}, {{"id", 7}, {"name", "Bob"}}, "id: must be a string"},
        {M::post, "/api/people", {}, {{"id", "Bob"}, {"name", "Bob"}}, "id: person id 'Bob'"},
        {M::post, "/api/people", {}, {{"id", "bob"}, {"name", ""}}, "name: "},
        {M::post, "/api/people", {}, {{"id", "bob"}, {"name", "B"}, {"pin", "1"}}, "pin: unknown"},
        {M::put, "/api/people/{id}/card", alice, {{"uid", "12"}}, "uid: "},
        {M::put, "/api/people/{id}/card", alice, {{"card", "0123456789ABCDEF"}}, "card: unknown"},
        {M::put, "/api/people/{id}/card", {{"id", "No"}}, {{"uid", "0123456789ABCDEF"}}, "id: "},
        {M::del, "/api/cards/{uid}", {{"uid", "XYZ"}}, nullptr, "uid: "},
        {M::put, "/api/people/{id}/pin", alice, {{"pin", "12"}}, "pin: PIN must be 4..8"},
        {M::put, "/api/people/{id}/pin", alice, {{"pin", "12ab"}}, "pin: PIN must contain"},
        {M::put, "/api/people/{id}/pin", alice, {{"pin", 1234}}, "pin: must be a string"},
        {M::put,
         "/api/people/{id}/fingerprint",
         alice,
         {{"template_b64", "@@@"}},
         "template_b64: not valid base64"},
        {M::put, "/api/people/{id}/fingerprint", alice, {{"template_b64", ""}}, "template_b64: "},
        {M::post,
         "/api/people/{id}/grants",
         alice,
         {{"zone", "moon"}, {"schedule", "office"}},
         "zone: 'moon'"},
        {M::post,
         "/api/people/{id}/grants",
         alice,
         {{"zone", "corridor"}, {"schedule", "x"}},
         "schedule: 'x'"},
        {M::post, "/api/people/{id}/grants", alice, {{"zone", "corridor"}}, "schedule: required"},
    };
    const auto before = countOf("SELECT count(*) FROM audit_events");
    for (const auto& row : rows) {
        auto r = call(admin(), row.method, row.pattern, row.params, row.body);
        EXPECT_EQ(r.status, 400) << row.pattern << " " << row.body.dump();
        const std::string error = r.body.value("error", "");
        EXPECT_EQ(error.rfind(row.startsWith, 0), 0U)
            << row.pattern << " " << row.body.dump() << " -> " << error;
        EXPECT_EQ(error.find("12ab"), std::string::npos) << "a PIN repeated in an error";
    }
    EXPECT_EQ(countOf("SELECT count(*) FROM audit_events"), before);
}

TEST_F(EnrollmentRoutesTest, AChangeIsDurableWithItsActorAndRowDigestBeforeTheReply) {
    auto r = call(admin(), core::HttpMethod::put, "/api/people/{id}/card", {{"id", "alice"}},
                  {{"uid", "0123456789abcdef"}});
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["card"], "0123456789ABCDEF");
    EXPECT_EQ(eventsAtReply_, countOf("SELECT count(*) FROM audit_events"));
    auto payload = lastPayload("person.card_set");
    EXPECT_EQ(payload["(source)"], "operator:fa-1");
    EXPECT_EQ(payload["actor"], "fa-1");
    EXPECT_EQ(payload["role"], "facility_admin");
    EXPECT_EQ(payload["unix_user"], "yamada");
    EXPECT_EQ(payload["row_digest"]["table"], "door_cards");
    EXPECT_EQ(payload["row_digest"]["digest"], digestNow(cardsTable(), {"0123456789ABCDEF"}));

    auto revoked = call(security(), core::HttpMethod::del, "/api/cards/{uid}",
                        {{"uid", "0123456789ABCDEF"}}, nullptr);
    ASSERT_EQ(revoked.status, 200) << revoked.body.dump();
    EXPECT_EQ(lastPayload("person.card_revoked")["row_digest"]["digest"],
              digestNow(cardsTable(), {"0123456789ABCDEF"}));
    EXPECT_EQ(call(admin(), core::HttpMethod::del, "/api/cards/{uid}",
                   {{"uid", "0123456789ABCDEF"}}, nullptr)
                  .status,
              409);
}

TEST_F(EnrollmentRoutesTest, UnknownIdsAre404AndConflictsAre409) {
    EXPECT_EQ(call(admin(), core::HttpMethod::put, "/api/people/{id}/pin", {{"id", "ghost"}},
                   {{"pin", "4711"}})
                  .status,
              404);
    EXPECT_EQ(call(admin(), core::HttpMethod::del, "/api/cards/{uid}",
                   {{"uid", "FFFFFFFFFFFFFFFF"}}, nullptr)
                  .status,
              404);
    EXPECT_EQ(
        call(admin(), core::HttpMethod::post, "/api/people", {}, {{"id", "alice"}, {"name", "A"}})
            .status,
        409);
    EXPECT_EQ(call(admin(), core::HttpMethod::put, "/api/people/{id}/fingerprint",
                   {{"id", "ghost"}}, {{"template_b64", core::toBase64("T")}})
                  .status,
              404);
}

TEST_F(EnrollmentRoutesTest, APinIsStoredBoundToThePersonAndNeverRecorded) {
    auto r = call(admin(), core::HttpMethod::put, "/api/people/{id}/pin", {{"id", "alice"}},
                  {{"pin", "908172"}});
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body.dump().find("908172"), std::string::npos);
    EXPECT_EQ(countOf("SELECT count(*) FROM audit_events WHERE instr(payload, '908172') > 0"), 0);
    auto st = reader_->prepare("SELECT hash FROM door_pins WHERE person = 'alice'");
    ASSERT_TRUE(st);
    ASSERT_TRUE(st->step().value());
    EXPECT_EQ(st->columnBlob(0), pinHash(pepper_, "alice", "908172"));
    EXPECT_EQ(lastPayload("person.pin_set")["row_digest"]["digest"],
              digestNow(pinsTable(), {"alice"}));
}

TEST_F(EnrollmentRoutesTest, NobodyChangesTheirOwnCredentials) {
    const auto self = caller("sa-alice", core::Role::securityAdmin, "alice");
    const auto before = countOf("SELECT count(*) FROM audit_events");
    const std::map<std::string, std::string> alice{{"id", "alice"}};
    EXPECT_EQ(
        call(self, core::HttpMethod::put, "/api/people/{id}/pin", alice, {{"pin", "4711"}}).status,
        403);
    EXPECT_EQ(call(self, core::HttpMethod::put, "/api/people/{id}/card", alice,
                   {{"uid", "0123456789ABCDEF"}})
                  .status,
              403);
    EXPECT_EQ(call(self, core::HttpMethod::post, "/api/people/{id}/grants", alice,
                   {{"zone", "corridor"}, {"schedule", "office"}})
                  .status,
              403);
    EXPECT_EQ(call(self, core::HttpMethod::post, "/api/people/{id}/grants", alice,
                   {{"zone", "server-room"}, {"schedule", "office"}})
                  .status,
              403);
    EXPECT_EQ(call(self, core::HttpMethod::put, "/api/people/{id}/fingerprint", alice,
                   {{"template_b64", core::toBase64("T")}})
                  .status,
              403);
    EXPECT_EQ(countOf("SELECT count(*) FROM audit_events"), before);
    // Someone else's credentials: fine.
    EXPECT_EQ(call(self, core::HttpMethod::post, "/api/people", {}, {{"id", "bob"}, {"name", "B"}})
                  .status,
              201);
}

TEST_F(EnrollmentRoutesTest, AnOrdinaryGrantIsEffectiveAtOnce) {
    auto r = call(admin(), core::HttpMethod::post, "/api/people/{id}/grants", {{"id", "alice"}},
                  {{"zone", "corridor"}, {"schedule", "office"}});
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(countOf("SELECT count(*) FROM door_zone_grants WHERE zone = 'corridor'"), 1);
    EXPECT_EQ(lastPayload("person.zone_granted")["row_digest"]["digest"],
              digestNow(grantsTable(), {"alice", "corridor"}));
}

TEST_F(EnrollmentRoutesTest, ARestrictedGrantTakesEffectOnlyWhenASecurityAdminApproves) {
    auto r = call(admin(), core::HttpMethod::post, "/api/people/{id}/grants", {{"id", "alice"}},
                  {{"zone", "server-room"}, {"schedule", "office"}});
    ASSERT_EQ(r.status, 202) << r.body.dump();
    const std::string id = r.body["approval"]["id"];
    EXPECT_EQ(r.body["approval"]["kind"], "doors.grant_restricted");
    EXPECT_EQ(r.body["approval"]["state"], "pending");
    EXPECT_GT(r.body["approval"]["expires_us"].get<std::int64_t>(), clock_.nowUs());
    EXPECT_EQ(countOf("SELECT count(*) FROM door_zone_grants"), 0) << "effective before approval";
    EXPECT_EQ(countOf("SELECT count(*) FROM audit_events WHERE type = 'person.zone_granted'"), 0);

    // The requester cannot approve, nor can a facility admin.
    EXPECT_FALSE(decide(admin(), id));
    EXPECT_FALSE(decide(caller("fa-2", core::Role::facilityAdmin), id));
    EXPECT_EQ(countOf("SELECT count(*) FROM door_zone_grants"), 0);

    auto approved = decide(security(), id);
    ASSERT_TRUE(approved) << approved.error().message;
    EXPECT_EQ(countOf("SELECT count(*) FROM door_zone_grants WHERE zone = 'server-room'"), 1);
    auto payload = lastPayload("person.zone_granted");
    EXPECT_EQ(payload["approval"], id);
    EXPECT_EQ(payload["actor"], "sa-2");
    EXPECT_EQ(payload["requested_by"], "fa-1");
    EXPECT_EQ(payload["row_digest"]["digest"], digestNow(grantsTable(), {"alice", "server-room"}));
}

TEST_F(EnrollmentRoutesTest, ATemplateWaitsSealedForItsPersonUntilApproved) {
    auto r = call(admin(), core::HttpMethod::put, "/api/people/{id}/fingerprint", {{"id", "alice"}},
                  {{"template_b64", core::toBase64(kTemplateText)}});
    ASSERT_EQ(r.status, 202) << r.body.dump();
    const std::string id = r.body["approval"]["id"];
    EXPECT_EQ(r.body["approval"]["kind"], "doors.enroll_template");
    EXPECT_EQ(countOf("SELECT count(*) FROM door_fingerprints"), 0) << "effective before approval";
    // Nowhere in clear: not in the pending row, not in the trail, not in the approval.
    EXPECT_EQ(countOf("SELECT count(*) FROM door_pending_templates WHERE approval = '" + id + "'"),
              1);
    EXPECT_EQ(countOf("SELECT count(*) FROM door_pending_templates"
                      " WHERE instr(template_box, CAST('MINUTIAE' AS BLOB)) > 0"),
              0);
    EXPECT_EQ(countOf("SELECT count(*) FROM audit_events WHERE instr(payload, 'MINUTIAE') > 0"), 0);
    EXPECT_EQ(countOf("SELECT count(*) FROM audit_events"
                      " WHERE instr(payload, '" +
                      core::toBase64(kTemplateText) + "') > 0"),
              0);

    auto approved = decide(security(), id);
    ASSERT_TRUE(approved) << approved.error().message;
    EXPECT_EQ(countOf("SELECT count(*) FROM door_pending_templates"), 0);
    auto st = reader_->prepare("SELECT template_box FROM door_fingerprints WHERE person = 'alice'");
    ASSERT_TRUE(st);
    ASSERT_TRUE(st->step().value());
    const core::Bytes box = st->columnBlob(0);
    EXPECT_EQ(openTemplate(templateKey_, "alice", box).value(), kTemplateText);
    EXPECT_FALSE(openTemplate(templateKey_, "bob", box));
    auto payload = lastPayload("person.finger_set");
    EXPECT_EQ(payload["template_bytes"], kTemplateText.size());
    EXPECT_EQ(payload["row_digest"]["digest"], digestNow(fingerprintsTable(), {"alice"}));
}

TEST_F(EnrollmentRoutesTest, ARejectedTemplateIsDroppedAndNeverApplied) {
    auto r = call(admin(), core::HttpMethod::put, "/api/people/{id}/fingerprint", {{"id", "alice"}},
                  {{"template_b64", core::toBase64(kTemplateText)}});
    ASSERT_EQ(r.status, 202) << r.body.dump();
    const std::string id = r.body["approval"]["id"];
    ASSERT_TRUE(decide(security(), id, /*approve=*/false));
    EXPECT_EQ(countOf("SELECT count(*) FROM door_pending_templates"), 0);
    EXPECT_FALSE(decide(security(), id));
    EXPECT_EQ(countOf("SELECT count(*) FROM door_fingerprints"), 0);
}

TEST_F(EnrollmentRoutesTest, WithoutTheApprovalEngineTheApprovalRoutesAnswer503) {
    makeRoutes(nullptr);
    EXPECT_EQ(call(admin(), core::HttpMethod::post, "/api/people/{id}/grants", {{"id", "alice"}},
                   {{"zone", "server-room"}, {"schedule", "office"}})
                  .status,
              503);
    EXPECT_EQ(countOf("SELECT count(*) FROM door_zone_grants"), 0);
}

}  // namespace

namespace {

TEST_F(EnrollmentRoutesTest, AnExpiredTemplateRequestIsDroppedAndCannotBeApproved) {
    auto r = call(admin(), core::HttpMethod::put, "/api/people/{id}/fingerprint", {{"id", "alice"}},
                  {{"template_b64", core::toBase64(kTemplateText)}});
    ASSERT_EQ(r.status, 202) << r.body.dump();
    const std::string id = r.body["approval"]["id"];
    clock_.set(r.body["approval"]["expires_us"].get<std::int64_t>() + 1);
    EXPECT_EQ(engine_->sweepExpired(), 1U);
    ASSERT_TRUE(recorder_->flush());
    EXPECT_EQ(countOf("SELECT count(*) FROM door_pending_templates"), 0);
    EXPECT_FALSE(decide(security(), id));
    EXPECT_EQ(countOf("SELECT count(*) FROM door_fingerprints"), 0);
}

}  // namespace

// --- issue 14: grants removed, keypad codes, second fingers, levels and groups -----------------

namespace {

using M = core::HttpMethod;
const std::map<std::string, std::string> kAlice{{"id", "alice"}};

TEST_F(EnrollmentRoutesTest, RemovingAGrantIsDurableWithTheDeletedRowBeforeTheReply) {
    ASSERT_EQ(call(admin(), M::post, "/api/people/{id}/grants", kAlice,
                   {{"zone", "corridor"}, {"schedule", "office"}})
                  .status,
              200);
    auto r = call(admin(), M::del, "/api/people/{id}/grants/{zone}",
                  {{"id", "alice"}, {"zone", "corridor"}}, nullptr);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(eventsAtReply_, countOf("SELECT count(*) FROM audit_events"));
    EXPECT_EQ(countOf("SELECT count(*) FROM door_zone_grants"), 0);
    auto payload = lastPayload("person.grant_removed");
    EXPECT_EQ(payload["zone"], "corridor");
    EXPECT_EQ(payload["actor"], "fa-1");
    EXPECT_TRUE(payload["row_digest"]["digest"].is_null());
    auto again = call(admin(), M::del, "/api/people/{id}/grants/{zone}",
                      {{"id", "alice"}, {"zone", "corridor"}}, nullptr);
    EXPECT_EQ(again.status, 404);
    EXPECT_EQ(again.body["code"], "enroll.not_found");
    const auto self = caller("sa-alice", core::Role::securityAdmin, "alice");
    EXPECT_EQ(call(self, M::del, "/api/people/{id}/grants/{zone}",
                   {{"id", "alice"}, {"zone", "corridor"}}, nullptr)
                  .status,
              403);
}

TEST_F(EnrollmentRoutesTest, AKeypadCodeIsStoredHashedAndAnotherPersonsCodeIs409) {
    auto r = call(admin(), M::put, "/api/people/{id}/keypad_code", kAlice, {{"code", "5550123"}});
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body.dump().find("5550123"), std::string::npos);
    EXPECT_EQ(countOf("SELECT count(*) FROM audit_events WHERE instr(payload, '5550123') > 0"), 0);
    EXPECT_EQ(lastPayload("person.keypad_code_set")["row_digest"]["digest"],
              digestNow(keypadCodesTable(), {"alice"}));
    ASSERT_EQ(call(admin(), M::post, "/api/people", {}, {{"id", "bob"}, {"name", "Bob"}}).status,
              201);
    auto taken = call(admin(), M::put, "/api/people/{id}/keypad_code", {{"id", "bob"}},
                      {{"code", "5550123"}});
    EXPECT_EQ(taken.status, 409);
    EXPECT_EQ(taken.body["code"], "doors.keypad_code_taken");
    auto shortCode =
        call(admin(), M::put, "/api/people/{id}/keypad_code", kAlice, {{"code", "1234"}});
    EXPECT_EQ(shortCode.status, 400);
    EXPECT_EQ(shortCode.body["error"].get<std::string>().find("1234"), std::string::npos);
}

TEST_F(EnrollmentRoutesTest, ASecondFingerWaitsForItsApprovalAndNeedsAFirst) {
    const nlohmann::json body{{"template_b64", core::toBase64("SECOND-FINGER")}};
    auto bad = call(admin(), M::put, "/api/people/{id}/fingerprint", kAlice, body);
    ASSERT_EQ(bad.status, 202);  // finger 1
    ASSERT_TRUE(decide(security(), bad.body["approval"]["id"]));
    const core::ApiRoute* finger = route(M::put, "/api/people/{id}/fingerprint");
    ASSERT_NE(finger, nullptr);
    auto c = admin();
    c.params = kAlice;
    c.query = {{"finger", "3"}};
    c.body = body;
    std::optional<core::ApiResult> refused;
    finger->handler(c, [&](core::ApiAnswer a) { refused = std::get<core::ApiResult>(a); });
    ASSERT_TRUE(runUntil([&] { return refused.has_value(); }));
    EXPECT_EQ(refused->status, 400);
    c.query = {{"finger", "2"}};
    std::optional<core::ApiResult> asked;
    finger->handler(c, [&](core::ApiAnswer a) { asked = std::get<core::ApiResult>(a); });
    ASSERT_TRUE(runUntil([&] { return asked.has_value(); }));
    ASSERT_EQ(asked->status, 202) << asked->body.dump();
    EXPECT_EQ(countOf("SELECT count(*) FROM door_backup_fingerprints"), 0);
    ASSERT_TRUE(decide(security(), asked->body["approval"]["id"]));
    EXPECT_EQ(countOf("SELECT count(*) FROM door_backup_fingerprints"), 1);
    auto payload = lastPayload("person.finger_set");
    EXPECT_EQ(payload["finger"], 2);
    EXPECT_EQ(payload["row_digest"]["digest"], digestNow(backupFingerprintsTable(), {"alice"}));
}

TEST_F(EnrollmentRoutesTest, AnOrdinaryLevelIsAssignedAtOnceARestrictedOneAfterApproval) {
    auto ordinary = call(admin(), M::post, "/api/people/{id}/levels", kAlice,
                         {{"level", "corridor-day"}, {"valid_until_us", 2'000'000'000'000'000}});
    ASSERT_EQ(ordinary.status, 200) << ordinary.body.dump();
    EXPECT_EQ(countOf("SELECT count(*) FROM door_level_assignments"), 1);
    auto assigned = lastPayload("person.level_assigned");
    EXPECT_EQ(assigned["valid_until_us"], 2'000'000'000'000'000);
    EXPECT_EQ(assigned["row_digest"]["digest"],
              digestNow(levelAssignmentsTable(), {"person", "alice", "corridor-day"}));

    auto restricted =
        call(admin(), M::post, "/api/people/{id}/levels", kAlice, {{"level", "srv-work"}});
    ASSERT_EQ(restricted.status, 202) << restricted.body.dump();
    EXPECT_EQ(restricted.body["approval"]["kind"], "doors.level_restricted");
    EXPECT_EQ(countOf("SELECT count(*) FROM door_level_assignments"), 1) << "before approval";
    EXPECT_FALSE(decide(admin(), restricted.body["approval"]["id"]));
    ASSERT_TRUE(decide(security(), restricted.body["approval"]["id"]));
    EXPECT_EQ(countOf("SELECT count(*) FROM door_level_assignments WHERE level = 'srv-work'"), 1);
    EXPECT_EQ(lastPayload("person.level_assigned")["requested_by"], "fa-1");

    EXPECT_EQ(call(admin(), M::post, "/api/people/{id}/levels", kAlice, {{"level", "moon"}}).status,
              400);
    EXPECT_EQ(call(admin(), M::post, "/api/people/{id}/levels", kAlice,
                   {{"level", "corridor-day"}, {"valid_from_us", -5}})
                  .status,
              400);
    auto removed = call(admin(), M::del, "/api/people/{id}/levels/{level}",
                        {{"id", "alice"}, {"level", "corridor-day"}}, nullptr);
    ASSERT_EQ(removed.status, 200) << removed.body.dump();
    EXPECT_TRUE(lastPayload("person.level_removed")["row_digest"]["digest"].is_null());
}

TEST_F(EnrollmentRoutesTest, JoiningAGroupThatHoldsARestrictedLevelNeedsAnApproval) {
    ASSERT_EQ(call(admin(), M::post, "/api/groups/{id}/levels", {{"id", "staff"}},
                   {{"level", "corridor-day"}})
                  .status,
              200);
    auto held = call(admin(), M::post, "/api/groups/{id}/levels", {{"id", "srv-team"}},
                     {{"level", "srv-work"}});
    ASSERT_EQ(held.status, 202);
    ASSERT_TRUE(decide(security(), held.body["approval"]["id"]));

    auto joined = call(admin(), M::post, "/api/groups/{id}/members", {{"id", "staff"}},
                       {{"person", "alice"}});
    ASSERT_EQ(joined.status, 200) << joined.body.dump();
    EXPECT_EQ(lastPayload("person.group_joined")["row_digest"]["digest"],
              digestNow(groupMembersTable(), {"staff", "alice"}));
    auto restricted = call(admin(), M::post, "/api/groups/{id}/members", {{"id", "srv-team"}},
                           {{"person", "alice"}});
    ASSERT_EQ(restricted.status, 202) << restricted.body.dump();
    EXPECT_EQ(restricted.body["approval"]["kind"], "doors.level_restricted");
    EXPECT_EQ(countOf("SELECT count(*) FROM door_group_members WHERE group_id = 'srv-team'"), 0);
    ASSERT_TRUE(decide(security(), restricted.body["approval"]["id"]));
    EXPECT_EQ(countOf("SELECT count(*) FROM door_group_members WHERE group_id = 'srv-team'"), 1);

    EXPECT_EQ(call(admin(), M::post, "/api/groups/{id}/members", {{"id", "ghosts"}},
                   {{"person", "alice"}})
                  .status,
              404);
    auto left = call(admin(), M::del, "/api/groups/{id}/members/{person}",
                     {{"id", "staff"}, {"person", "alice"}}, nullptr);
    ASSERT_EQ(left.status, 200) << left.body.dump();
    EXPECT_EQ(countOf("SELECT count(*) FROM door_group_members WHERE group_id = 'staff'"), 0);
}

TEST_F(EnrollmentRoutesTest, NobodyAssignsLevelsToThemselvesOrTheirGroup) {
    ASSERT_EQ(
        call(admin(), M::post, "/api/groups/{id}/members", {{"id", "staff"}}, {{"person", "alice"}})
            .status,
        200);
    const auto self = caller("sa-alice", core::Role::securityAdmin, "alice");
    const auto before = countOf("SELECT count(*) FROM audit_events");
    EXPECT_EQ(
        call(self, M::post, "/api/people/{id}/levels", kAlice, {{"level", "corridor-day"}}).status,
        403);
    EXPECT_EQ(
        call(self, M::post, "/api/groups/{id}/members", {{"id", "srv-team"}}, {{"person", "alice"}})
            .status,
        403);
    auto group = call(self, M::post, "/api/groups/{id}/levels", {{"id", "staff"}},
                      {{"level", "corridor-day"}});
    EXPECT_EQ(group.status, 403) << group.body.dump();
    EXPECT_EQ(group.body["code"], "enroll.self");
    auto restrictedGroup =
        call(self, M::post, "/api/groups/{id}/levels", {{"id", "staff"}}, {{"level", "srv-work"}});
    EXPECT_EQ(restrictedGroup.status, 403) << restrictedGroup.body.dump();
    EXPECT_EQ(countOf("SELECT count(*) FROM audit_events"), before);
}

}  // namespace
