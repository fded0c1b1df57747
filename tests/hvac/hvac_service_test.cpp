// The hvac service against the Modbus plant simulator (sim/plant_sim.py, Debian's pymodbus) over
// real TCP on loopback, with the real AuditedRecorder: a power event then a CRAC failure gives
// hvac.crac_stopped naming it; both units down, the room drifts (--speed) into an envelope alarm;
// a device that never answers is stale, raises nothing, and its trend query is refused only when
// the point is unknown.
#include "hvac/hvac_service.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/audited_recorder.hpp"
#include "core/crypto.hpp"
#include "hvac/hvac_event_types.hpp"
#include "tests/io/io_thread.hpp"
#include "tests/io/modbus/loopback_device.hpp"

namespace sekimori::hvac {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// sim/plant_sim.py on its own ports: the ready line, then one JSON command a line.
class PlantSim {
  public:
    explicit PlantSim(double speed) {
        int in[2];
        int out[2];
        if (::pipe(in) != 0 || ::pipe(out) != 0) {
            throw std::runtime_error("pipe");
        }
        const std::string script = std::string(SEKIMORI_SOURCE_DIR) + "/sim/plant_sim.py";
        const std::string speedText = std::to_string(speed);
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::dup2(in[0], 0);
            ::dup2(out[1], 1);
            ::close(in[1]);
            ::close(out[0]);
            ::execl("/usr/bin/python3", "python3", script.c_str(), "--speed", speedText.c_str(),
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        toSim_ = in[1];
        fromSim_ = ::fdopen(out[0], "r");
    }
    ~PlantSim() { kill(); }
    PlantSim(const PlantSim&) = delete;
    PlantSim& operator=(const PlantSim&) = delete;

    // The ports of {"ready": {...}} (blocks until the sim listens or exits).
    json ready() {
        std::string line;
        while (readLine(line)) {
            auto j = json::parse(line, nullptr, false);
            if (j.is_object() && j.contains("ready")) {
                return j["ready"];
            }
        }
        return nullptr;
    }
    void send(const json& command) {
        const std::string text = command.dump() + "\n";
        ASSERT_EQ(::write(toSim_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    }
    void kill() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
            ::close(toSim_);
            std::fclose(fromSim_);
        }
    }

  private:
    bool readLine(std::string& line) {
        line.clear();
        for (int c = std::fgetc(fromSim_); c != EOF; c = std::fgetc(fromSim_)) {
            if (c == '\n') {
                return true;
            }
            line.push_back(static_cast<char>(c));
        }
        return false;
    }
    pid_t pid_ = -1;
    int toSim_ = -1;
    std::FILE* fromSim_ = nullptr;
};

io::ModbusDeviceConfig device(std::string id, io::ModbusProfile profile, std::uint16_t port) {
    io::ModbusDeviceConfig d;
    d.id = std::move(id);
    d.host = "127.0.0.1";
    d.port = port;
    d.unitId = 1;
    d.profile = profile;
    d.poll = 200ms;
    d.timeout = 150ms;
    return d;
}

SensorConfig sensor(std::string id, std::string dev, SensorKind kind) {
    SensorConfig s;
    s.id = std::move(id);
    s.name = s.id;
    s.zone = "server-room";
    s.device = std::move(dev);
    s.kind = kind;
    if (kind == SensorKind::temperature) {
        s.min = 18.0;
        s.max = 27.0;
    } else if (kind == SensorKind::humidity) {
        s.min = 20.0;
        s.max = 80.0;
    }
    return s;
}

class HvacServiceTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(core::initCrypto());
        dir_ = std::filesystem::temp_directory_path() / ("hvac-service-" + core::randomToken(6));
        std::filesystem::create_directories(dir_);
        const std::string db = (dir_ / "site.db").string();
        core::AuditedRecorderOptions options;
        options.signingKeyPath = (dir_ / "audit-signing.key").string();
        auto writer = core::Database::open(db);
        ASSERT_TRUE(writer);
        auto recorder = core::AuditedRecorder::create(std::move(*writer), io_.executor(), bus_,
                                                      clock_, options);
        ASSERT_TRUE(recorder) << recorder.error().message;
        recorder_ = std::move(*recorder);
        token_ = bus_.subscribe("", [this](const core::RecordedEvent& e) {
            std::lock_guard lock(mutex_);
            events_.push_back(e);
            changed_.notify_all();
        });
    }
    void TearDown() override {
        if (service_) {
            io_.run([&] {
                service_->stop();
                service_.reset();
            });
        }
        if (recorder_) {
            recorder_->stop();
        }
        std::filesystem::remove_all(dir_);
    }

    // Waits (at most `timeout`) for a recorded event that `match` accepts.
    std::optional<core::RecordedEvent> waitFor(
        const std::function<bool(const core::RecordedEvent&)>& match,
        std::chrono::seconds timeout = 30s) {
        std::unique_lock lock(mutex_);
        std::optional<core::RecordedEvent> found;
        changed_.wait_for(lock, timeout, [&] {
            for (const auto& e : events_) {
                if (match(e)) {
                    found = e;
                    return true;
                }
            }
            return false;
        });
        return found;
    }
    static std::function<bool(const core::RecordedEvent&)> hvacEvent(core::EventType type,
                                                                     std::string watch) {
        return [type, watch](const core::RecordedEvent& e) {
            return e.event.type == type.name && e.body && e.body->value("watch", "") == watch;
        };
    }
    std::vector<core::RecordedEvent> events() {
        std::lock_guard lock(mutex_);
        return events_;
    }

    json call(std::size_t route, std::map<std::string, std::string> query, int* status) {
        auto routes = service_->routes();
        core::ApiCall c;
        c.query = std::move(query);
        c.actor = "desk";
        core::ApiResult result;
        const auto run = [&] {
            routes.at(route).handler(
                c, [&](core::ApiAnswer a) { result = std::get<core::ApiResult>(std::move(a)); });
        };
        if (routes.at(route).runOn == core::RunOn::io) {
            io_.run(run);
        } else {
            run();
        }
        *status = result.status;
        return result.body;
    }
    json hvac() {
        int status = 0;
        json body = call(0, {}, &status);
        EXPECT_EQ(status, 200);
        return body;
    }
    // Waits until `pred(GET /api/hvac)` holds.
    bool waitForView(const std::function<bool(const json&)>& pred,
                     std::chrono::seconds timeout = 20s) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            if (pred(hvac())) {
                return true;
            }
            std::this_thread::sleep_for(100ms);  // polling a view, not waiting for time to pass
        }
        return false;
    }

    test::IoThread io_;
    core::SystemClock clock_;
    core::EventBus bus_;
    std::unique_ptr<core::AuditedRecorder> recorder_;
    core::EventBus::Token token_;
    std::filesystem::path dir_;
    std::unique_ptr<HvacService> service_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<core::RecordedEvent> events_;
};

json sensorOf(const json& view, const std::string& id) {
    for (const auto& s : view["sensors"]) {
        if (s["id"] == id) {
            return s;
        }
    }
    return nullptr;
}

TEST_F(HvacServiceTest, CracFailureThenTheRoomDriftsAndADeadDeviceStaysStaleAndSilent) {
    PlantSim sim(60.0);  // a plant minute a second: the room warms 1 degC/s with both units down
    const json ready = sim.ready();
    ASSERT_TRUE(ready.is_object()) << "plant_sim.py did not start";

    HvacConfig config;
    config.climate.alarmDelayS = 2;
    config.climate.restoreDelayS = 2;
    config.climate.rateWindowS = 60;
    for (const char* id : {"crac-1", "crac-2"}) {
        CracConfig c;
        c.id = id;
        c.name = id;
        c.zone = "server-room";
        c.device = id;
        config.cracUnits.push_back(c);
    }
    config.sensors.push_back(sensor("room-temp", "room-1", SensorKind::temperature));
    config.sensors.push_back(sensor("room-rh", "room-1", SensorKind::humidity));
    config.sensors.push_back(sensor("room-leak", "room-1", SensorKind::leak));
    config.sensors.push_back(sensor("dead-temp", "dead-env", SensorKind::temperature));
    io::ModbusDevicesConfig devices;
    devices.devices = {
        device("crac-1", io::ModbusProfile::crac, ready["crac-1"].get<std::uint16_t>()),
        device("crac-2", io::ModbusProfile::crac, ready["crac-2"].get<std::uint16_t>()),
        device("room-1", io::ModbusProfile::sensor, ready["room-1"].get<std::uint16_t>()),
        device("dead-env", io::ModbusProfile::sensor, test::unusedLoopbackPort())};
    auto specs = hvacDeviceSpecs(config, devices);
    ASSERT_TRUE(specs) << specs.error().message;
    ASSERT_EQ(specs->size(), 4U);
    auto service = HvacService::create(
        HvacServiceParts{io_.executor(), *recorder_, bus_, clock_, config, std::move(*specs),
                         (dir_ / "telemetry-hvac.sqlite").string(), dir_ / "web"});
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
    ASSERT_TRUE(io_.run([&] { return service_->start(); }));

    ASSERT_TRUE(waitForView([](const json& v) {
        return v["cracs"][0]["quality"] == "good" && v["cracs"][1]["quality"] == "good" &&
               sensorOf(v, "room-temp")["quality"] == "good";
    })) << hvac().dump();
    json view = hvac();
    EXPECT_EQ(view["cracs"][0]["running"], true);
    EXPECT_EQ(view["cracs"][0]["alarm"], false);
    EXPECT_NEAR(view["cracs"][0]["supply_temp"].get<double>(), 18.0, 0.5);
    EXPECT_NEAR(sensorOf(view, "room-temp")["value"].get<double>(), 22.0, 0.5);
    EXPECT_EQ(sensorOf(view, "room-leak")["value"], false);
    ASSERT_TRUE(view["dew_point"].is_object());
    EXPECT_EQ(view["dew_point"]["quality"], "good");
    EXPECT_NEAR(view["dew_point"]["value"].get<double>(), 9.7, 0.6);  // 22 degC, 45 %
    EXPECT_TRUE(view["alarms"].empty()) << view["alarms"].dump();

    // A power event recorded by another domain, then the first unit fails.
    recorder_->record(
        core::Event{clock_.nowUs(), "power.source_lost", "feed:a", "", json{{"feed", "a"}}.dump()});
    const auto power =
        waitFor([](const core::RecordedEvent& e) { return e.event.type == "power.source_lost"; });
    ASSERT_TRUE(power);
    sim.send({{"do", "fail"}, {"crac", "crac-1"}});
    const auto stopped = waitFor(hvacEvent(kHvacCracStopped, "crac-1"));
    ASSERT_TRUE(stopped) << "no hvac.crac_stopped for crac-1";
    EXPECT_EQ(stopped->event.source, "crac:crac-1");
    ASSERT_TRUE(stopped->body->contains("after_power_event")) << stopped->event.payload;
    EXPECT_EQ((*stopped->body)["after_power_event"]["seq"], power->seq);
    EXPECT_EQ((*stopped->body)["after_power_event"]["type"], "power.source_lost");
    EXPECT_TRUE(waitFor(hvacEvent(kHvacCracAlarm, "crac-1")));

    // Both down: the room drifts over 27 degC; the envelope alarm after its delay.
    sim.send({{"do", "fail"}, {"crac", "crac-2"}});
    EXPECT_TRUE(waitFor(hvacEvent(kHvacCracStopped, "crac-2")));
    const auto hot = waitFor(hvacEvent(kHvacEnvelopeExceeded, "room-temp"));
    ASSERT_TRUE(hot) << "the room never went out of its envelope";
    EXPECT_EQ(hot->event.source, "sensor:room-temp");
    EXPECT_EQ((*hot->body)["bound"], "high");
    EXPECT_GT((*hot->body)["value"].get<double>(), 27.0);
    EXPECT_DOUBLE_EQ((*hot->body)["limit"].get<double>(), 27.0);
    EXPECT_GE((*hot->body)["held_s"].get<double>(), 2.0);
    EXPECT_TRUE(waitFor(hvacEvent(kHvacRateExceeded, "room-temp")));
    view = hvac();
    EXPECT_EQ(sensorOf(view, "room-temp")["alarm"], "high");
    EXPECT_EQ(view["cracs"][0]["running"], false);

    // The dead device: never good, no value, no alarm, nothing recorded of its watch.
    const json dead = sensorOf(view, "dead-temp");
    EXPECT_NE(dead["quality"], "good");
    EXPECT_TRUE(dead["value"].is_null());
    EXPECT_EQ(dead["alarm"], "none");
    for (const auto& e : events()) {
        if (e.body && e.event.type.starts_with("hvac.")) {
            EXPECT_NE(e.body->value("watch", ""), "dead-temp") << e.event.payload;
        }
    }
    // Its quality loss is core's telemetry event.
    EXPECT_TRUE(waitFor([](const core::RecordedEvent& e) {
        return e.event.type == "telemetry.quality_lost" && e.body &&
               e.body->value("point", "") == "dead-env.temp";
    }));

    // Trends: the room's samples are in the store; a bad point or range is a 400.
    int status = 0;
    const auto until = std::chrono::steady_clock::now() + 15s;
    json trend;
    while (std::chrono::steady_clock::now() < until) {
        trend = call(1, {{"point", "room-1.temp"}}, &status);
        if (status == 200 && !trend["buckets"].empty()) {
            break;
        }
        std::this_thread::sleep_for(200ms);  // the store commits once a second
    }
    ASSERT_EQ(status, 200) << trend.dump();
    EXPECT_EQ(trend["point"], "room-1.temp");
    EXPECT_EQ(trend["unit"], "degC");
    EXPECT_EQ(trend["resolution"], "raw");
    ASSERT_FALSE(trend["buckets"].empty());
    EXPECT_EQ(trend["buckets"][0].size(), 4U);
    trend = call(1, {{"point", "dead-env.temp"}}, &status);
    EXPECT_EQ(status, 200) << trend.dump();  // declared, never sampled: empty
    EXPECT_TRUE(trend["buckets"].empty());
    trend = call(1, {{"point", "nope.temp"}}, &status);
    EXPECT_EQ(status, 400);
    EXPECT_EQ(trend["code"], "hvac.bad_query");
    trend = call(1, {{"point", "room-1.temp"}, {"from_us", "20"}, {"to_us", "10"}}, &status);
    EXPECT_EQ(status, 400);
    trend = call(1, {{"point", "room-1.temp"}, {"from_us", "x"}}, &status);
    EXPECT_EQ(status, 400);
    EXPECT_NE(trend["error"].get<std::string>().find("from_us"), std::string::npos);

    // The sim dies with the room hot: every point goes stale, then failed; nothing restores,
    // and once no point is good nothing is raised either (a delay that ran out while the last
    // values were still within their stale limit may still raise before that).
    const std::size_t atKill = events().size();
    sim.kill();
    ASSERT_TRUE(waitForView([](const json& v) {
        for (const auto& p : v["points"]) {
            if (p["quality"] == "good") {
                return false;
            }
        }
        return true;
    }));
    const std::size_t allStale = events().size();
    ASSERT_TRUE(waitFor([](const core::RecordedEvent& e) {
        return e.event.type == "telemetry.quality_lost" && e.body &&
               e.body->value("point", "") == "room-1.temp" &&
               e.body->value("quality", "") == "failed";
    })) << "room-1.temp never failed";
    const auto all = events();
    for (std::size_t i = atKill; i < all.size(); ++i) {
        EXPECT_NE(all[i].event.type, kHvacEnvelopeRestored.name) << all[i].event.payload;
        if (i >= allStale) {
            EXPECT_FALSE(all[i].event.type.starts_with("hvac."))
                << all[i].event.type << " " << all[i].event.payload;
        }
    }
    EXPECT_EQ(sensorOf(hvac(), "room-temp")["alarm"], "high");  // still on: stale, not cleared
}

}  // namespace
}  // namespace sekimori::hvac
