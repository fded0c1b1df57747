// The person page, the person record routes and the access catalog on the real AuditedRecorder:
// what the page shows (factors as booleans, never a secret; cards with their history; levels
// through groups; events the role may see), each write durable with its actor and row digest
// before the reply, the photo checked and served with its type, and a disabled person refused by
// the next credential snapshot the card step waits for.
#include "doors/person_routes.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>

#include "core/audited_recorder.hpp"
#include "core/event_bus.hpp"
#include "core/row_digest.hpp"
#include "doors/access_catalog_routes.hpp"
#include "doors/credential_binding.hpp"
#include "doors/credential_cache.hpp"
#include "doors/credential_store.hpp"
#include "doors/enrollment_routes.hpp"
#include "policy/approval_engine.hpp"
#include "tests/doors/enroll_helpers.hpp"

using namespace sekimori;
using namespace sekimori::doors;
using M = core::HttpMethod;

namespace {

const core::Bytes kPng = std::string("\x89PNG\r\n\x1A\n", 8) + std::string(64, 'p');
const std::string kCard = "0123456789ABCDEF";

class PersonRoutesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        dir_ = std::filesystem::temp_directory_path() / ("person-routes-" + core::randomToken(6));
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
        names_ = KnownNames{{"corridor", "server-room"}, {"office"}, {"server-room"}};
        names_.levels = {{"corridor-day", {"corridor"}}};
        names_.groups = {"staff"};
        auto context = std::make_shared<const EnrollmentContext>(EnrollmentContext{
            *recorder_, clock_, EnrollmentKeys{pepper_, templateKey_}, names_, nullptr});
        for (auto& r : enrollmentRoutes(context)) {
            routes_.push_back(std::move(r));
        }
        for (auto& r : personRoutes(context, dbPath_)) {
            routes_.push_back(std::move(r));
        }
        ASSERT_EQ(
            call(admin(), M::post, "/api/people", {}, {{"id", "alice"}, {"name", "Alice"}}).status,
            201);
    }
    void TearDown() override {
        if (cache_) {
            cache_->stop();
        }
        routes_.clear();
        recorder_->stop();
        io_.restart();
        io_.poll();
        std::filesystem::remove_all(dir_);
    }

    static core::ApiCall caller(std::string name, core::Role role, std::string person = "") {
        core::ApiCall c;
        c.actor = std::move(name);
        c.role = role;
        c.remote = "unix";
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

    const core::ApiRoute* route(M method, const std::string& pattern) const {
        for (const auto& r : routes_) {
            if (r.method == method && r.pattern == pattern) {
                return &r;
            }
        }
        return nullptr;
    }

    core::ApiAnswer answer(core::ApiCall c, M method, const std::string& pattern,
                           std::map<std::string, std::string> params, nlohmann::json body) {
        const core::ApiRoute* r = route(method, pattern);
        EXPECT_NE(r, nullptr) << pattern;
        if (r == nullptr) {
            return core::ApiResult{};
        }
        c.params = std::move(params);
        c.body = std::move(body);
        std::optional<core::ApiAnswer> result;
        r->handler(c, [&](core::ApiAnswer a) {
            result = std::move(a);
            eventsAtReply_ = countOf("SELECT count(*) FROM audit_events");
        });
        EXPECT_TRUE(runUntil([&] { return result.has_value(); })) << pattern << " did not answer";
        return result ? std::move(*result) : core::ApiAnswer{core::ApiResult{}};
    }
    core::ApiResult call(core::ApiCall c, M method, const std::string& pattern,
                         std::map<std::string, std::string> params, nlohmann::json body) {
        auto a = answer(std::move(c), method, pattern, std::move(params), std::move(body));
        auto* result = std::get_if<core::ApiResult>(&a);
        EXPECT_NE(result, nullptr) << pattern << " answered a stream";
        return result ? *result : core::ApiResult{};
    }
    nlohmann::json page(core::ApiCall c = admin()) {
        auto r = call(std::move(c), M::get, "/api/people/{id}", {{"id", "alice"}}, nullptr);
        EXPECT_EQ(r.status, 200) << r.body.dump();
        return r.body["person"];
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
            "SELECT payload FROM audit_events WHERE type = ?1 ORDER BY seq DESC LIMIT 1");
        EXPECT_TRUE(s);
        s->bind(1, type);
        auto row = s->step();
        if (!row || !*row) {
            ADD_FAILURE() << "no " << type << " in the trail";
            return nullptr;
        }
        return nlohmann::json::parse(s->columnText(0));
    }
    std::string digestNow(const core::AuditedTable& table, const std::vector<std::string>& key) {
        auto d = core::digestRow(*reader_, table, key);
        EXPECT_TRUE(d && *d);
        return d && *d ? core::toHex(**d) : std::string();
    }
    // The way the daemon's card step reads credentials: the cache, refreshed before the lookup.
    std::shared_ptr<const CredentialSnapshot> refreshedSnapshot() {
        if (!cache_) {
            auto cache = CredentialCache::open(io_.get_executor(), dbPath_);
            EXPECT_TRUE(cache) << cache.error().message;
            cache_ = std::move(*cache);
            cache_->start([this](std::shared_ptr<const CredentialSnapshot> s) { latest_ = s; });
            EXPECT_TRUE(runUntil([&] { return latest_ != nullptr; }));
        }
        bool refreshed = false;
        cache_->refresh([&] { refreshed = true; });
        EXPECT_TRUE(runUntil([&] { return refreshed; }));
        return latest_;
    }

    boost::asio::io_context io_;
    core::ManualClock clock_;
    core::EventBus bus_;
    std::filesystem::path dir_;
    std::string dbPath_;
    std::unique_ptr<core::Database> reader_;
    std::unique_ptr<core::AuditedRecorder> recorder_;
    KnownNames names_;
    std::vector<core::ApiRoute> routes_;
    core::Bytes pepper_ = core::randomBytes(32);
    core::Bytes templateKey_ = core::randomBytes(32);
    std::int64_t eventsAtReply_ = -1;
    std::unique_ptr<CredentialCache> cache_;
    std::shared_ptr<const CredentialSnapshot> latest_;
};

TEST_F(PersonRoutesTest, RolesAreDeclaredWhereTheRoutesAreRegistered) {
    for (const auto& r : routes_) {
        EXPECT_TRUE(r.roles.contains(core::Role::facilityAdmin)) << r.pattern;
        EXPECT_TRUE(r.roles.contains(core::Role::securityAdmin)) << r.pattern;
        EXPECT_FALSE(r.roles.contains(core::Role::auditor)) << r.pattern;
        // The desk sees a photo (a face against the card), nothing else of these.
        const bool photo = r.method == M::get && r.pattern == "/api/people/{id}/photo";
        EXPECT_EQ(r.roles.contains(core::Role::deskOperator), photo) << r.pattern;
    }
}

TEST_F(PersonRoutesTest, ThePageShowsFactorsAsBooleansAndNeverASecret) {
    ASSERT_EQ(
        call(admin(), M::put, "/api/people/{id}/card", {{"id", "alice"}}, {{"uid", kCard}}).status,
        200);
    ASSERT_EQ(call(admin(), M::put, "/api/people/{id}/card", {{"id", "alice"}},
                   {{"uid", "0123456789ABCDEE"}})
                  .status,
              200);  // replaces (and revokes) the first
    ASSERT_EQ(
        call(admin(), M::put, "/api/people/{id}/pin", {{"id", "alice"}}, {{"pin", "4711"}}).status,
        200);
    ASSERT_EQ(call(admin(), M::post, "/api/people/{id}/grants", {{"id", "alice"}},
                   {{"zone", "corridor"}, {"schedule", "office"}})
                  .status,
              200);
    ASSERT_EQ(call(admin(), M::post, "/api/groups/{id}/levels", {{"id", "staff"}},
                   {{"level", "corridor-day"}})
                  .status,
              200);
    ASSERT_EQ(
        call(admin(), M::post, "/api/groups/{id}/members", {{"id", "staff"}}, {{"person", "alice"}})
            .status,
        200);
    const auto p = page();
    EXPECT_EQ(p["name"], "Alice");
    EXPECT_EQ(p["active"], true);
    EXPECT_EQ(p["factors"], (nlohmann::json{{"card", true},
                                            {"pin", true},
                                            {"finger", false},
                                            {"finger_2", false},
                                            {"keypad_code", false},
                                            {"photo", false}}));
    EXPECT_TRUE(p["photo_url"].is_null());
    ASSERT_EQ(p["cards"].size(), 2U);
    const auto& first = p["cards"][1];
    EXPECT_EQ(first["uid"], kCard);
    EXPECT_EQ(first["state"], "revoked");
    ASSERT_EQ(first["history"].size(), 2U);  // issued, then replaced
    EXPECT_EQ(first["history"][0]["type"], "person.card_set");
    EXPECT_EQ(first["history"][1]["why"], "replaced");
    EXPECT_EQ(first["history"][1]["actor"], "fa-1");
    EXPECT_EQ(p["grants"], (nlohmann::json{{{"zone", "corridor"}, {"schedule", "office"}}}));
    ASSERT_EQ(p["groups"].size(), 1U);
    EXPECT_EQ(p["groups"][0]["id"], "staff");
    EXPECT_EQ(p["groups"][0]["levels"][0]["level"], "corridor-day");
    ASSERT_FALSE(p["recent_events"].empty());
    EXPECT_EQ(p["recent_events"][0]["type"], "person.group_joined");  // newest first
    // Nothing secret: neither the PIN nor its hash.
    const std::string dumped = p.dump();
    EXPECT_EQ(dumped.find("4711"), std::string::npos);
    auto hash = pinHash(pepper_, "alice", "4711");
    EXPECT_EQ(dumped.find(core::toHex(hash)), std::string::npos);
    EXPECT_EQ(dumped.find(core::toBase64(hash)), std::string::npos);

    auto missing = call(admin(), M::get, "/api/people/{id}", {{"id", "ghost"}}, nullptr);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(call(admin(), M::get, "/api/people/{id}", {{"id", "Bad Id"}}, nullptr).status, 400);
}

TEST_F(PersonRoutesTest, AFacilityAdminsPageLeavesOutAccessEvents) {
    // An access event about alice, as the doors service records them.
    recorder_->record(core::Event{clock_.nowUs(), "access.granted", "door:d1", "alice", "{}"});
    ASSERT_TRUE(recorder_->flush());
    const auto facility = page(admin());
    const auto securityView = page(security());
    const auto hasAccessEvent = [](const nlohmann::json& p) {
        for (const auto& e : p["recent_events"]) {
            if (e["type"] == "access.granted") {
                return true;
            }
        }
        return false;
    };
    EXPECT_FALSE(hasAccessEvent(facility));
    EXPECT_TRUE(hasAccessEvent(securityView));
}

TEST_F(PersonRoutesTest, PatchChangesOnlyWhatItNamesWithItsDigests) {
    auto r = call(admin(), M::patch, "/api/people/{id}", {{"id", "alice"}},
                  {{"organisation", "Contoso"}, {"escort_required", true}});
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(eventsAtReply_, countOf("SELECT count(*) FROM audit_events"));
    auto payload = lastPayload("person.updated");
    EXPECT_EQ(payload["changed"], (nlohmann::json{"organisation", "escort_required"}));
    EXPECT_EQ(payload["actor"], "fa-1");
    EXPECT_EQ(payload["row_digest"]["digest"], digestNow(personDetailsTable(), {"alice"}));
    const auto p = page();
    EXPECT_EQ(p["organisation"], "Contoso");
    EXPECT_EQ(p["escort_required"], true);
    EXPECT_EQ(p["name"], "Alice");

    struct Bad {
        nlohmann::json body;
        std::string startsWith;
    };
    for (const auto& bad : std::vector<Bad>{
             {nlohmann::json::object(), "body: give at least one"},
             {{{"name", ""}}, "name: "},
             {{{"valid_from_us", "soon"}}, "valid_from_us: must be an integer"},
             {{{"escort_required", 1}}, "escort_required: must be true or false"},
             {{{"pin", "1234"}}, "pin: unknown field"},
         }) {
        auto refused = call(admin(), M::patch, "/api/people/{id}", {{"id", "alice"}}, bad.body);
        EXPECT_EQ(refused.status, 400) << bad.body.dump();
        EXPECT_EQ(refused.body["code"], "doors.bad_request");
        EXPECT_EQ(refused.body["error"].get<std::string>().rfind(bad.startsWith, 0), 0U)
            << refused.body.dump();
    }
    auto dates = call(admin(), M::patch, "/api/people/{id}", {{"id", "alice"}},
                      {{"valid_from_us", 2000}, {"valid_until_us", 1000}});
    EXPECT_EQ(dates.status, 400);
    EXPECT_EQ(
        call(admin(), M::patch, "/api/people/{id}", {{"id", "ghost"}}, {{"name", "G"}}).status,
        404);
}

TEST_F(PersonRoutesTest, NobodyChangesTheirOwnPerson) {
    const auto self = caller("sa-alice", core::Role::securityAdmin, "alice");
    const auto before = countOf("SELECT count(*) FROM audit_events");
    EXPECT_EQ(
        call(self, M::patch, "/api/people/{id}", {{"id", "alice"}}, {{"name", "Boss"}}).status,
        403);
    EXPECT_EQ(call(self, M::post, "/api/people/{id}/enable", {{"id", "alice"}}, {{"comment", "me"}})
                  .status,
              403);
    EXPECT_EQ(call(self, M::put, "/api/people/{id}/photo", {{"id", "alice"}},
                   {{"photo_b64", core::toBase64(kPng)}})
                  .status,
              403);
    EXPECT_EQ(countOf("SELECT count(*) FROM audit_events"), before);
}

// The card step waits on the credential cache's refresh: right after the 200, the snapshot it
// decides from no longer lets the person in (and enable brings them back).
TEST_F(PersonRoutesTest, ADisabledPersonIsRefusedByTheNextSnapshotRightAfterThe200) {
    ASSERT_EQ(
        call(admin(), M::put, "/api/people/{id}/card", {{"id", "alice"}}, {{"uid", kCard}}).status,
        200);
    auto before = refreshedSnapshot();
    ASSERT_NE(before, nullptr);
    ASSERT_NE(before->person("alice"), nullptr);
    ASSERT_TRUE(before->person("alice")->active);

    auto refused = call(admin(), M::post, "/api/people/{id}/disable", {{"id", "alice"}}, {});
    EXPECT_EQ(refused.status, 400) << "a comment is required";
    auto r = call(admin(), M::post, "/api/people/{id}/disable", {{"id", "alice"}},
                  {{"comment", "badge lost with the laptop"}});
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(eventsAtReply_, countOf("SELECT count(*) FROM audit_events"));
    auto payload = lastPayload("person.disabled");
    EXPECT_EQ(payload["comment"], "badge lost with the laptop");
    EXPECT_EQ(payload["cards"], (nlohmann::json{kCard}));
    EXPECT_EQ(payload["row_digest"]["digest"], digestNow(peopleTable(), {"alice"}));

    auto after = refreshedSnapshot();
    const PersonRecord* alice = after->person("alice");
    EXPECT_TRUE(alice == nullptr || !alice->active) << "a disabled person still opens doors";
    EXPECT_EQ(call(admin(), M::post, "/api/people/{id}/disable", {{"id", "alice"}},
                   {{"comment", "again"}})
                  .status,
              409);

    ASSERT_EQ(
        call(admin(), M::post, "/api/people/{id}/enable", {{"id", "alice"}}, {{"comment", "found"}})
            .status,
        200);
    auto back = refreshedSnapshot();
    ASSERT_NE(back->person("alice"), nullptr);
    EXPECT_TRUE(back->person("alice")->active);
}

TEST_F(PersonRoutesTest, APhotoIsCheckedStoredWithItsHashAndServedWithItsType) {
    const std::map<std::string, std::string> alice{{"id", "alice"}};
    auto gif = call(admin(), M::put, "/api/people/{id}/photo", alice,
                    {{"photo_b64", core::toBase64("GIF89a-pretending")}});
    EXPECT_EQ(gif.status, 400);
    EXPECT_NE(gif.body["error"].get<std::string>().find("JPEG or PNG"), std::string::npos);
    const std::string big = std::string("\xFF\xD8\xFF", 3) + std::string(kMaxPhotoBytes, 'j');
    EXPECT_EQ(
        call(admin(), M::put, "/api/people/{id}/photo", alice, {{"photo_b64", core::toBase64(big)}})
            .status,
        400);
    EXPECT_EQ(call(admin(), M::put, "/api/people/{id}/photo", alice, {{"photo_b64", "%%%"}}).status,
              400);
    auto none = call(caller("desk", core::Role::deskOperator), M::get, "/api/people/{id}/photo",
                     alice, nullptr);
    EXPECT_EQ(none.status, 404);

    auto r = call(admin(), M::put, "/api/people/{id}/photo", alice,
                  {{"photo_b64", core::toBase64(kPng)}});
    ASSERT_EQ(r.status, 200) << r.body.dump();
    const std::string sha = core::toHex(core::sha256(kPng));
    EXPECT_EQ(r.body["sha256"], sha);
    auto payload = lastPayload("person.photo_set");
    EXPECT_EQ(payload["sha256"], sha);
    EXPECT_EQ(payload["mime"], "image/png");
    EXPECT_EQ(page()["photo_url"], "/api/people/alice/photo");
    EXPECT_EQ(page()["factors"]["photo"], true);

    auto served = answer(caller("desk", core::Role::deskOperator), M::get, "/api/people/{id}/photo",
                         alice, nullptr);
    auto* stream = std::get_if<core::StreamBody>(&served);
    ASSERT_NE(stream, nullptr);
    EXPECT_EQ(stream->contentType, "image/png");
    EXPECT_TRUE(stream->fileName.empty());
    std::string bytes;
    for (;;) {
        auto chunk = stream->next();
        ASSERT_TRUE(chunk);
        if (chunk->empty()) {
            break;
        }
        bytes += *chunk;
    }
    EXPECT_EQ(bytes, kPng);
}

// --- the access catalog ------------------------------------------------------------------------

TEST(AccessCatalogRoutes, LevelsGroupsSchedulesAndTheHolidaysOfAYear) {
    auto calendar = std::make_shared<policy::HolidayCalendar>(
        policy::HolidayCalendar::parseCsv("date,name\n2026-01-01,元日\n2026-01-12,成人の日\n",
                                          "test.csv")
            .value());
    ASSERT_TRUE(calendar->addClosure({2026, 12, 29}, "年末"));
    AccessCatalog catalog;
    catalog.groups = {{"staff", "Staff"}};
    catalog.levels = {
        {"srv-work",
         {"srv-work", "Server work", {{"corridor", "office"}, {"server-room", "office"}}}},
        {"day", {"day", "Day", {{"corridor", "office"}}}}};
    catalog.restrictedZones = {"server-room"};
    policy::Schedule office;
    office.id = "office";
    office.windows = {{policy::kWeekdays, 8 * 60, 19 * 60}};
    office.holidays = policy::HolidayRule::closedOnHolidays;
    office.calendar = calendar;
    catalog.schedules = {office};
    catalog.calendar = calendar;
    core::ManualClock clock;
    clock.set(1'795'568'400'000'000);  // 2026-11-25
    catalog.clock = &clock;
    auto routes = accessCatalogRoutes(std::move(catalog));
    ASSERT_EQ(routes.size(), 4U);
    const auto get = [&](const std::string& pattern, std::map<std::string, std::string> query) {
        for (const auto& r : routes) {
            EXPECT_TRUE(r.roles.contains(core::Role::deskOperator));
            EXPECT_TRUE(r.roles.contains(core::Role::facilityAdmin));
            if (r.pattern == pattern) {
                core::ApiCall c;
                c.query = std::move(query);
                core::ApiResult out;
                r.handler(c, [&](core::ApiAnswer a) { out = std::get<core::ApiResult>(a); });
                return out;
            }
        }
        ADD_FAILURE() << pattern;
        return core::ApiResult{};
    };
    auto levels = get("/api/access_levels", {}).body["access_levels"];
    ASSERT_EQ(levels.size(), 2U);
    EXPECT_EQ(levels[0]["id"], "day");
    EXPECT_EQ(levels[0]["restricted"], false);
    EXPECT_EQ(levels[1]["restricted"], true);
    EXPECT_EQ(levels[1]["zones"][1],
              (nlohmann::json{{"zone", "server-room"}, {"schedule", "office"}}));
    EXPECT_EQ(get("/api/groups", {}).body["groups"][0]["name"], "Staff");
    auto schedules = get("/api/schedules", {}).body["schedules"];
    EXPECT_EQ(schedules[0]["holidays"], "closed");
    EXPECT_EQ(schedules[0]["windows"][0]["days"],
              (nlohmann::json{"mon", "tue", "wed", "thu", "fri"}));
    EXPECT_EQ(schedules[0]["windows"][0]["start_minute"], 480);

    auto year = get("/api/holidays", {}).body;  // the site's current year
    EXPECT_EQ(year["year"], 2026);
    ASSERT_EQ(year["holidays"].size(), 3U);
    EXPECT_EQ(year["holidays"][0],
              (nlohmann::json{{"date", "2026-01-01"}, {"name", "元日"}, {"kind", "national"}}));
    EXPECT_EQ(year["holidays"][2]["kind"], "closure");
    EXPECT_EQ(year["listed_until"], "2026-01-12");
    EXPECT_TRUE(get("/api/holidays", {{"year", "2027"}}).body["holidays"].empty());
    EXPECT_EQ(get("/api/holidays", {{"year", "twenty"}}).status, 400);
    EXPECT_EQ(get("/api/holidays", {{"month", "1"}}).status, 400);
}

}  // namespace
