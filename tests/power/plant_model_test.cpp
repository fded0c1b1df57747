// The plant model over a real core::TelemetryRegistry, polled as the Modbus engine and NUT
// would poll it (every point sampled each pass, a dead device's points given errors), with an
// injected clock: debounced feed losses, transfers confirmed by the switch's aux contacts, the
// generator's start, meter/switch disagreement, fuel endurance with hysteresis, refuelling,
// the restart from the trail, and the console's view.
#include "power/plant_model.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/alarm_rule.hpp"
#include "power/fuel_endurance.hpp"
#include "power/power_alarm_rules.hpp"
#include "power/power_event_types.hpp"

namespace sekimori::power {
namespace {

using core::TimeUs;
using nlohmann::json;

constexpr TimeUs kMs = 1000;
constexpr TimeUs kT0 = 1'796'083'200'000'000;

class KeepingRecorder final : public core::EventRecorder {
  public:
    void record(core::Event event) override { events.push_back(std::move(event)); }
    void commit(core::Change change) override {
        for (auto& e : change.events) {
            events.push_back(std::move(e));
        }
    }
    std::vector<core::Event> events;
};

std::vector<BurnPoint> dieselCurve() {
    std::vector<BurnPoint> out;
    for (const auto& [x, y] : std::vector<std::pair<double, double>>{
             {0.0, 24.0}, {0.25, 78.0}, {0.5, 139.0}, {0.75, 198.0}, {1.0, 258.0}}) {
        BurnPoint p;
        p.loadFraction = x;
        p.litresPerHour = y;
        out.push_back(p);
    }
    return out;
}

// The demo site's plant: feeds A and B on the switch's sides a and b, the generator behind b.
PowerPlantConfig demoPlant(double bulkLitres = 30000) {
    PowerPlantConfig c;
    for (const char* id : {"a", "b"}) {
        FeedConfig f;
        f.id = std::string("feed-").append(id);
        f.name = std::string("Feed ").append(id);
        f.meter = std::string("pm-feed-").append(id);
        c.feeds.push_back(f);
    }
    c.ats = "ats-main";
    c.atsSources.a = "feed-a";
    c.atsSources.b = "feed-b";
    GeneratorConfig g;
    g.device = "gen-1";
    g.ratingKw = 1000;
    g.burnCurve = dieselCurve();
    g.siteLoadKw = 380;
    g.dayTankLitres = 950;
    g.bulkTankLitres = bulkLitres;
    g.atsSide = AtsSide::b;
    c.generator = g;
    UpsConfig u;
    u.id = "ups-1";
    u.name = "UPS 1";
    u.nut = "ups1@127.0.0.1";
    c.ups.push_back(u);
    return c;
}

class PlantTest : public ::testing::Test {
  protected:
    void SetUp() override { start(demoPlant()); }

    void start(PowerPlantConfig config, PlantModelOptions options = {}) {
        model_ = std::make_unique<PlantModel>(std::move(config), options);
        for (const std::string& id : model_->pointIds()) {
            if (registry_.find(id) != nullptr) {
                continue;
            }
            core::TelemetryPointSpec spec;
            spec.id = id;
            spec.unit.assign(1, '-');  // (= "-" trips GCC 12 -O3 -Wrestrict here)
            spec.source = std::string("power:").append(id, 0, id.find('.'));
            spec.pollIntervalUs = 1000 * kMs;
            ASSERT_TRUE(registry_.declare(spec));
        }
    }

    // Both feeds live, the load (300 kW) on A, the generator standing by, the UPS on line.
    void healthy() {
        values_ = {
            {"pm-feed-a.voltage_ln_avg", 230.4},
            {"pm-feed-a.power", 300},
            {"pm-feed-b.voltage_ln_avg", 229.8},
            {"pm-feed-b.power", 0},
            {"ats-main.source_a_available", 1},
            {"ats-main.source_b_available", 1},
            {"ats-main.on_a", 1},
            {"ats-main.on_b", 0},
            {"ats-main.transferring", 0},
            {"gen-1.engine_state", 0},
            {"gen-1.power", 0},
            {"gen-1.fuel_level", 90},
            {"ups-1.on_battery", 0},
            {"ups-1.battery_charge", 100},
            {"ups-1.battery_runtime", 1800},
            {"ups-1.low_battery", 0},
        };
    }

    void set(const std::string& point, double value) { values_[point] = value; }

    // One pass every 100 ms of plant time: every point sampled (a dead device's points get an
    // error), the registry ticked, the model evaluated; and at the model's own deadlines.
    std::vector<core::Event> run(TimeUs ms) {
        std::vector<core::Event> out;
        const TimeUs end = now_ + ms * kMs;
        while (now_ < end) {
            const TimeUs deadline = model_->nextDeadlineUs();
            const TimeUs next = std::min(now_ + 100 * kMs, end);
            if (deadline > now_ && deadline < next) {
                now_ = deadline;
                clock_.set(now_);
                append(out, model_->evaluate(registry_, now_));
            }
            now_ = next;
            clock_.set(now_);
            for (const auto& [point, value] : values_) {
                const std::string device = point.substr(0, point.find('.'));
                if (dead_.count(device) != 0) {
                    EXPECT_TRUE(registry_.error(point, "timeout: Connection timed out", now_));
                } else {
                    EXPECT_TRUE(registry_.sample(point, value, now_));
                }
            }
            registry_.tick();
            append(out, model_->evaluate(registry_, now_));
        }
        return out;
    }

    static void append(std::vector<core::Event>& out, std::vector<core::Event> more) {
        for (auto& e : more) {
            out.push_back(std::move(e));
        }
    }

    static std::vector<std::string> types(const std::vector<core::Event>& events) {
        std::vector<std::string> out;
        for (const auto& e : events) {
            out.push_back(e.type);
        }
        return out;
    }

    static json payload(const core::Event& e) { return json::parse(e.payload); }

    static const core::Event* find(const std::vector<core::Event>& events, core::EventType type) {
        for (const auto& e : events) {
            if (e.type == type) {
                return &e;
            }
        }
        return nullptr;
    }

    json view() const { return model_->view(registry_, now_); }

    core::ManualClock clock_{kT0};
    KeepingRecorder recorder_;
    core::TelemetryRegistry registry_{recorder_, clock_, nullptr};
    std::unique_ptr<PlantModel> model_;
    std::map<std::string, double> values_;
    std::set<std::string> dead_;
    TimeUs now_ = kT0;
};

TEST_F(PlantTest, AHealthyPlantRecordsNothing) {
    healthy();
    // The first state of each thing is committed after its delay too (fuel: 30 s), silently.
    EXPECT_TRUE(run(40'000).empty());
    const json v = view();
    EXPECT_EQ(v["feeds"][0]["state"], "live");
    EXPECT_EQ(v["ats"]["position"], "a");
    EXPECT_EQ(v["load"]["source"], "feed-a");
    EXPECT_EQ(v["load"]["power_kw"], 300.0);
    EXPECT_EQ(v["generator"]["state"], "stopped");
    EXPECT_EQ(model_->nextDeadlineUs(), PlantModel::kNoDeadline);
}

TEST_F(PlantTest, FeedALostIsRecordedAfterTheDebounceThenTheTransferToBWithItsTime) {
    healthy();
    run(5'000);
    const TimeUs cut = now_ + 100 * kMs;  // the first pass that reads it
    set("pm-feed-a.voltage_ln_avg", 0);
    set("pm-feed-a.power", 0);
    set("ats-main.source_a_available", 0);
    EXPECT_TRUE(run(1'900).empty());  // inside the debounce
    auto events = run(200);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.source_lost"});
    EXPECT_EQ(events[0].source, "power:feed-a");
    EXPECT_EQ(events[0].timeUs, cut + 2'000 * kMs);
    const json lost = payload(events[0]);
    EXPECT_EQ(lost["feed"], "feed-a");
    EXPECT_EQ(lost["meter"], "pm-feed-a");
    EXPECT_EQ(lost["since_us"], cut);
    // The switch waits 3 s, travels, and its aux contact confirms b at cut + 3.5 s.
    run(900);
    set("ats-main.on_a", 0);
    set("ats-main.transferring", 1);
    EXPECT_TRUE(run(500).empty());
    EXPECT_EQ(view()["ats"]["position"], "transferring");
    EXPECT_EQ(view()["load"]["source"], "none");
    set("ats-main.transferring", 0);
    set("ats-main.on_b", 1);
    set("pm-feed-b.power", 300);
    events = run(100);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.transfer"});
    EXPECT_EQ(events[0].source, "power:ats-main");
    const json transfer = payload(events[0]);
    EXPECT_EQ(transfer["from"], "feed-a");
    EXPECT_EQ(transfer["to"], "feed-b");
    EXPECT_EQ(transfer["took_ms"], 3'500);
    EXPECT_EQ(transfer["cause"], "source_lost");
    EXPECT_EQ(transfer["position"], "b");
    EXPECT_EQ(view()["load"]["source"], "feed-b");
    // A is back: restored after the debounce; the switch returns on its own time.
    set("pm-feed-a.voltage_ln_avg", 230);
    set("ats-main.source_a_available", 1);
    events = run(2'100);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.source_restored"});
    set("ats-main.on_b", 0);
    set("ats-main.transferring", 1);
    run(300);
    set("ats-main.transferring", 0);
    set("ats-main.on_a", 1);
    events = run(100);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.transfer"});
    EXPECT_EQ(payload(events[0])["from"], "feed-b");
    EXPECT_EQ(payload(events[0])["to"], "feed-a");
    EXPECT_EQ(payload(events[0])["cause"], "retransfer");
    EXPECT_EQ(payload(events[0])["took_ms"], 300);  // the switch's travel, as its contacts showed
}

TEST_F(PlantTest, ABounceShorterThanTheDebounceRecordsNothing) {
    healthy();
    run(5'000);
    set("pm-feed-a.voltage_ln_avg", 12);
    set("ats-main.source_a_available", 0);
    EXPECT_TRUE(run(1'000).empty());
    EXPECT_NE(model_->nextDeadlineUs(), PlantModel::kNoDeadline);  // the debounce is running
    set("pm-feed-a.voltage_ln_avg", 231);
    set("ats-main.source_a_available", 1);
    EXPECT_TRUE(run(40'000).empty());
    EXPECT_EQ(model_->nextDeadlineUs(), PlantModel::kNoDeadline);
    EXPECT_EQ(view()["feeds"][0]["state"], "live");
}

TEST_F(PlantTest, AMeterTimeOutMakesTheFeedUnknownNeverLostAndNoTransfer) {
    healthy();
    run(5'000);
    dead_.insert("pm-feed-a");
    EXPECT_TRUE(run(30'000).empty());
    const json feed = view()["feeds"][0];
    EXPECT_EQ(feed["state"], "unknown");
    EXPECT_EQ(feed["quality"], "failed");
    EXPECT_TRUE(feed["voltage"].is_null());
    EXPECT_TRUE(feed["power_kw"].is_null());
    EXPECT_EQ(view()["load"]["source"], "unknown");
    // The registry recorded the quality change; the model recorded no loss.
    ASSERT_FALSE(recorder_.events.empty());
    EXPECT_EQ(recorder_.events[0].type, "telemetry.quality_lost");
    dead_.clear();
    EXPECT_TRUE(run(5'000).empty());
    EXPECT_EQ(view()["feeds"][0]["state"], "live");
    EXPECT_EQ(view()["load"]["source"], "feed-a");
}

TEST_F(PlantTest, ASwitchThatTimesOutIsUnknownAndMovesNothing) {
    healthy();
    run(5'000);
    dead_.insert("ats-main");
    EXPECT_TRUE(run(10'000).empty());
    EXPECT_EQ(view()["ats"]["position"], "unknown");
    EXPECT_EQ(view()["ats"]["quality"], "failed");
    dead_.clear();
    EXPECT_TRUE(run(1'000).empty());
    EXPECT_EQ(view()["ats"]["position"], "a");
}

TEST_F(PlantTest, BothFeedsLostTheGeneratorStartsWarmsAndTakesTheLoad) {
    healthy();
    run(5'000);
    const TimeUs cut = now_ + 100 * kMs;
    for (const char* feed : {"a", "b"}) {
        set(std::string("pm-feed-").append(feed).append(".voltage_ln_avg"), 0);
        set(std::string("pm-feed-").append(feed).append(".power"), 0);
        set(std::string("ats-main.source_").append(feed).append("_available"), 0);
    }
    set("ups-1.on_battery", 1);
    set("ups-1.battery_runtime", 900);
    auto events = run(1'000);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.on_battery"});
    EXPECT_EQ(payload(events[0])["runtime_s"], 900.0);
    EXPECT_EQ(view()["load"]["source"], "battery");
    set("gen-1.engine_state", 1);  // cranking at cut + 1 s
    events = run(2'000);
    EXPECT_EQ(types(events), (std::vector<std::string>{"power.generator_state", "power.source_lost",
                                                       "power.source_lost"}));
    EXPECT_EQ(payload(events[0])["state"], "cranking");
    EXPECT_EQ(payload(events[0])["previous"], "stopped");
    set("gen-1.engine_state", 2);  // warming: the switch's side b may or may not show it
    set("ats-main.source_b_available", 1);
    events = run(7'000);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.generator_state"});
    EXPECT_EQ(payload(events[0])["state"], "warming");
    set("gen-1.engine_state", 3);  // running off load: side b is live
    events = run(500);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.generator_state"});
    set("ats-main.on_a", 0);
    set("ats-main.transferring", 1);
    run(500);
    set("ats-main.transferring", 0);
    set("ats-main.on_b", 1);
    EXPECT_TRUE(run(500).empty());  // on b, but the generator is not on load yet
    EXPECT_EQ(view()["load"]["source"], "battery");
    set("gen-1.engine_state", 4);
    set("gen-1.power", 310);
    set("ups-1.on_battery", 0);
    events = run(100);
    ASSERT_EQ(types(events), (std::vector<std::string>{"power.generator_state", "power.off_battery",
                                                       "power.transfer"}));
    const json onLoad = payload(events[0]);
    EXPECT_EQ(onLoad["state"], "on_load");
    EXPECT_EQ(onLoad["start_ms"], 10'500);  // from the first crank to on load
    const json transfer = payload(events[2]);
    EXPECT_EQ(transfer["from"], "feed-a");
    EXPECT_EQ(transfer["to"], "generator");
    EXPECT_EQ(transfer["took_ms"], (now_ - cut) / kMs);
    EXPECT_EQ(transfer["cause"], "source_lost");
    const json v = view();
    EXPECT_EQ(v["load"]["source"], "generator");
    EXPECT_EQ(v["load"]["power_kw"], 310.0);
    EXPECT_EQ(v["generator"]["state"], "on_load");
    EXPECT_EQ(v["fuel"]["load_basis"], "generator");
    EXPECT_EQ(v["feeds"][1]["state"], "lost");  // feed B is lost, though side b is live
    EXPECT_TRUE(run(10'000).empty());           // no disagreement: the generator backs side b
}

TEST_F(PlantTest, TheSwitchIsWhereItsAuxContactsSayNeverWhereItShouldHaveGone) {
    healthy();
    run(5'000);
    // Feed A is gone and B is there: everything says "move to b", but the contacts say a.
    set("pm-feed-a.voltage_ln_avg", 0);
    set("pm-feed-a.power", 0);
    set("ats-main.source_a_available", 0);
    set("ups-1.on_battery", 1);
    const auto events = run(20'000);
    EXPECT_EQ(types(events), (std::vector<std::string>{"power.on_battery", "power.source_lost"}));
    const json v = view();
    EXPECT_EQ(v["ats"]["position"], "a");
    EXPECT_EQ(v["load"]["source"], "battery");
    EXPECT_EQ(find(events, kPowerTransfer), nullptr);
}

TEST_F(PlantTest, ContactsThatSayBothOrNeitherAreASwitchFaultAndSoIsAHungTransfer) {
    healthy();
    run(5'000);
    set("ats-main.on_b", 1);
    EXPECT_TRUE(run(1'500).empty());
    EXPECT_EQ(view()["ats"]["position"], "fault");
    EXPECT_EQ(view()["load"]["source"], "unknown");
    auto events = run(600);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.switch_fault"});
    EXPECT_EQ(payload(events[0])["state"], "active");
    EXPECT_EQ(payload(events[0])["reason"], "both_contacts");
    set("ats-main.on_b", 0);
    events = run(2'100);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.switch_fault"});
    EXPECT_EQ(payload(events[0])["state"], "cleared");
    // Transferring for 30 s is hung.
    set("ats-main.on_a", 0);
    set("ats-main.transferring", 1);
    EXPECT_TRUE(run(31'000).empty());
    events = run(1'100);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.switch_fault"});
    EXPECT_EQ(payload(events[0])["reason"], "stuck_transferring");
}

TEST_F(PlantTest, MeterAndSwitchDisagreeingIsSaidNeverTakenForALoss) {
    healthy();
    run(5'000);
    // The meter says feed A is dead; the switch still sees it. One of them is wrong (or lies:
    // Modbus has no authentication).
    set("pm-feed-a.voltage_ln_avg", 0);
    set("pm-feed-a.power", 0);
    EXPECT_TRUE(run(1'900).empty());
    auto events = run(200);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.source_disagreement"});
    const json p = payload(events[0]);
    EXPECT_EQ(p["feed"], "feed-a");
    EXPECT_EQ(p["state"], "active");
    EXPECT_EQ(p["meter_live"], false);
    EXPECT_EQ(p["ats_available"], true);
    EXPECT_TRUE(run(20'000).empty());  // never a source_lost, never a transfer
    EXPECT_EQ(view()["feeds"][0]["state"], "unknown");
    set("pm-feed-a.voltage_ln_avg", 230);
    events = run(2'100);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.source_disagreement"});
    EXPECT_EQ(payload(events[0])["state"], "cleared");
    EXPECT_EQ(view()["feeds"][0]["state"], "live");
}

// 0.9 x 950 L in the day tank and 7,000 L in the bulk tank: 7,855 L.
TEST_F(PlantTest, FuelEnduranceBelowTheRequirementRaisesAndClearsWithHysteresis) {
    start(demoPlant(7000));
    healthy();
    const auto endurance = [](double kw) {
        return 7855.0 / burnLitresPerHour(dieselCurve(), kw / 1000.0);
    };
    ASSERT_GT(endurance(300), 76.0);
    ASSERT_LT(endurance(380), 72.0);
    ASSERT_GT(endurance(360), 72.0);
    ASSERT_LT(endurance(360), 76.0);
    ASSERT_GT(endurance(340), 76.0);
    EXPECT_TRUE(run(5'000).empty());
    EXPECT_EQ(view()["fuel"]["below_requirement"], false);
    // A step to 380 kW for less than the delay: nothing.
    set("pm-feed-a.power", 380);
    EXPECT_TRUE(run(20'000).empty());
    set("pm-feed-a.power", 300);
    EXPECT_TRUE(run(5'000).empty());
    // 380 kW for good: fuel_low once it has held 30 s.
    set("pm-feed-a.power", 380);
    EXPECT_TRUE(run(29'900).empty());
    auto events = run(200);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.fuel_low"});
    EXPECT_EQ(events[0].source, "power:gen-1");
    json p = payload(events[0]);
    EXPECT_EQ(p["litres"], 7855.0);
    EXPECT_NEAR(p["endurance_h"].get<double>(), endurance(380), 0.05);
    EXPECT_EQ(p["required_h"], 72.0);
    EXPECT_EQ(p["load_basis"], "feeds");
    EXPECT_EQ(view()["fuel"]["below_requirement"], true);
    // Inside the hysteresis band (72..76 h): still low.
    set("pm-feed-a.power", 360);
    EXPECT_TRUE(run(60'000).empty());
    EXPECT_EQ(view()["fuel"]["below_requirement"], true);
    set("pm-feed-a.power", 340);
    events = run(30'200);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.fuel_ok"});
    EXPECT_EQ(view()["fuel"]["below_requirement"], false);
}

TEST_F(PlantTest, PumpedFuelComesOffTheBulkBookAndADeliveryGoesOnIt) {
    healthy();
    set("gen-1.fuel_level", 40);
    run(1'000);
    EXPECT_DOUBLE_EQ(model_->bulkLitres(), 30000.0);  // full until the trail says otherwise
    set("gen-1.fuel_level", 42);                      // under 5 % of the day tank: a gauge's wobble
    EXPECT_TRUE(run(1'000).empty());
    set("gen-1.fuel_level", 90);  // the transfer pump filled the day tank from the bulk tank
    auto events = run(1'000);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.fuel_transferred"});
    EXPECT_EQ(payload(events[0])["litres"], 475.0);
    EXPECT_EQ(payload(events[0])["bulk_l"], 29525.0);
    events = model_->refuelled(300, "alice", now_);
    ASSERT_EQ(types(events), std::vector<std::string>{"power.refuelled"});
    EXPECT_EQ(events[0].subject, "alice");
    json p = payload(events[0]);
    EXPECT_EQ(p["litres"], 300.0);
    EXPECT_EQ(p["actor"], "alice");
    EXPECT_EQ(p["tank"], "bulk");
    EXPECT_EQ(p["bulk_l"], 29825.0);
    EXPECT_EQ(view()["fuel"]["litres"], 29825.0 + 855.0);
    // More than the tank holds: all recorded, the book stops at its capacity.
    events = model_->refuelled(1000, "bob", now_);
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(payload(events[0])["booked_l"], 175.0);
    EXPECT_DOUBLE_EQ(model_->bulkLitres(), 30000.0);
    EXPECT_TRUE(model_->refuelled(0, "x", now_).empty());
    EXPECT_TRUE(model_->refuelled(-5, "x", now_).empty());
    EXPECT_TRUE(model_->refuelled(std::nan(""), "x", now_).empty());
}

TEST_F(PlantTest, AfterARestartTheTrailIsTheStateNothingIsRecordedTwice) {
    healthy();
    run(5'000);
    set("pm-feed-a.voltage_ln_avg", 0);
    set("pm-feed-a.power", 0);
    set("ats-main.source_a_available", 0);
    set("gen-1.engine_state", 1);
    set("gen-1.fuel_level", 50);
    std::vector<core::Event> trail = run(3'000);
    set("gen-1.fuel_level", 80);
    append(trail, run(500));
    append(trail, model_->refuelled(100, "alice", now_));
    ASSERT_EQ(types(trail),
              (std::vector<std::string>{"power.generator_state", "power.source_lost",
                                        "power.fuel_transferred", "power.refuelled"}));
    const double bulk = model_->bulkLitres();
    // The daemon restarts: a new model, fed the trail, then the same readings.
    model_ = std::make_unique<PlantModel>(demoPlant());
    std::uint64_t seq = 0;
    for (const auto& e : trail) {
        core::RecordedEvent r;
        r.seq = ++seq;
        r.event = e;
        if (seq % 2 == 0) {  // the bus hands some already parsed
            r.body = std::make_shared<const json>(json::parse(e.payload));
        }
        model_->apply(r);
    }
    EXPECT_DOUBLE_EQ(model_->bulkLitres(), bulk);
    EXPECT_TRUE(run(5'000).empty());
    // And it carries on from there: A comes back.
    set("pm-feed-a.voltage_ln_avg", 230);
    set("ats-main.source_a_available", 1);
    EXPECT_EQ(types(run(2'100)), std::vector<std::string>{"power.source_restored"});
    // apply() after the first evaluate changes nothing.
    model_->apply(trail[1]);
    EXPECT_TRUE(run(3'000).empty());
}

TEST_F(PlantTest, TheViewHasTheConsolesShape) {
    healthy();
    run(3'000);
    const json v = view();
    EXPECT_EQ(v["time_us"], now_);
    ASSERT_EQ(v["feeds"].size(), 2U);
    const json& feed = v["feeds"][1];
    EXPECT_EQ(feed["id"], "feed-b");
    EXPECT_EQ(feed["name"], "Feed b");
    EXPECT_EQ(feed["meter"], "pm-feed-b");
    EXPECT_EQ(feed["state"], "live");
    EXPECT_EQ(feed["voltage"], 229.8);
    EXPECT_EQ(feed["power_kw"], 0.0);
    EXPECT_EQ(feed["quality"], "good");
    EXPECT_EQ(v["ats"], (json{{"device", "ats-main"},
                              {"position", "a"},
                              {"sources", {{"a", "feed-a"}, {"b", "feed-b"}}},
                              {"generator_side", "b"},
                              {"quality", "good"}}));
    EXPECT_EQ(v["generator"], (json{{"device", "gen-1"},
                                    {"state", "stopped"},
                                    {"power_kw", 0.0},
                                    {"fuel_percent", 90.0},
                                    {"quality", "good"}}));
    EXPECT_EQ(v["ups"], (json::array({{{"id", "ups-1"},
                                       {"name", "UPS 1"},
                                       {"on_battery", false},
                                       {"charge", 100.0},
                                       {"runtime_s", 1800.0},
                                       {"quality", "good"}}})));
    EXPECT_EQ(v["load"], (json{{"source", "feed-a"}, {"power_kw", 300.0}}));
    const json& fuel = v["fuel"];
    EXPECT_EQ(fuel["litres"], 30855.0);
    const double burn = burnLitresPerHour(dieselCurve(), 0.3);
    EXPECT_EQ(fuel["endurance_h"], std::round(30855.0 / burn * 10) / 10);
    EXPECT_EQ(fuel["required_h"], 72.0);
    EXPECT_EQ(fuel["below_requirement"], false);
    EXPECT_EQ(fuel["load_kw"], 300.0);
    EXPECT_EQ(fuel["load_basis"], "feeds");
    EXPECT_EQ(fuel["bulk_l"], 30000.0);
    ASSERT_EQ(fuel["projection"].size(), 49U);
    EXPECT_EQ(fuel["projection"][0], json::array({0.0, 30855.0}));
    EXPECT_EQ(fuel["projection"][48][0], 96.0);
    // Nothing read yet: every value null, never a last known one.
    dead_ = {"pm-feed-a", "pm-feed-b", "ats-main", "gen-1", "ups-1"};
    run(10'000);
    const json stale = view();
    EXPECT_TRUE(stale["feeds"][0]["voltage"].is_null());
    EXPECT_EQ(stale["ats"]["position"], "unknown");
    EXPECT_EQ(stale["generator"]["state"], "unknown");
    EXPECT_TRUE(stale["generator"]["fuel_percent"].is_null());
    EXPECT_TRUE(stale["ups"][0]["on_battery"].is_null());
    EXPECT_EQ(stale["load"]["source"], "unknown");
    EXPECT_TRUE(stale["load"]["power_kw"].is_null());
    EXPECT_TRUE(stale["fuel"]["litres"].is_null());
    EXPECT_TRUE(stale["fuel"]["projection"].empty());
}

TEST_F(PlantTest, ASiteWithoutSwitchOrGeneratorHasNullForThem) {
    PowerPlantConfig c;
    FeedConfig f;
    f.id = "feed-a";
    f.name = "A";
    f.meter = "pm-feed-a";
    c.feeds.push_back(f);
    start(c);
    values_ = {{"pm-feed-a.voltage_ln_avg", 230}, {"pm-feed-a.power", 120}};
    EXPECT_TRUE(run(3'000).empty());
    const json v = view();
    EXPECT_TRUE(v["ats"].is_null());
    EXPECT_TRUE(v["generator"].is_null());
    EXPECT_TRUE(v["fuel"].is_null());
    EXPECT_EQ(v["load"]["source"], "feed-a");
    set("pm-feed-a.voltage_ln_avg", 0);
    EXPECT_EQ(types(run(2'200)), std::vector<std::string>{"power.source_lost"});
    EXPECT_EQ(view()["load"]["source"], "none");
}

TEST(PowerEvents, EveryTypeAndAlarmHasItsLabelsAndTheRulesAreValid) {
    core::AlarmRuleBook book;
    const auto rules = powerAlarmRules();
    ASSERT_TRUE(book.add(rules));
    std::ifstream file(std::string(SEKIMORI_SOURCE_DIR) + "/power/web/messages.json");
    ASSERT_TRUE(file.good());
    const json messages = json::parse(file);
    std::vector<std::string> keys;
    for (const core::EventType type :
         {kPowerSourceLost, kPowerSourceRestored, kPowerTransfer, kPowerGeneratorState,
          kPowerOnBattery, kPowerOffBattery, kPowerBatteryLow, kPowerBatteryOk, kPowerSwitchFault,
          kPowerFuelLow, kPowerFuelOk, kPowerRefuelled, kPowerFuelTransferred,
          kPowerSourceDisagreement}) {
        keys.push_back(std::string("event.").append(type.name));
    }
    for (const auto& rule : rules) {
        if (rule.action == core::AlarmAction::raise) {
            keys.push_back("alarm.type." + rule.alarmType);
        }
    }
    for (const auto& key : keys) {
        ASSERT_TRUE(messages.contains(key)) << key;
        EXPECT_FALSE(messages[key].value("en", "").empty()) << key;
        EXPECT_FALSE(messages[key].value("ja", "").empty()) << key;
    }
}

}  // namespace
}  // namespace sekimori::power
