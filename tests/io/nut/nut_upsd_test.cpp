// The poller and its telemetry against NUT's real upsd and dummy-ups drivers, started by
// sim/nut_ups.py on a free loopback port and driven through its JSON lines.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/event_recorder.hpp"
#include "core/telemetry_registry.hpp"
#include "io/nut/nut_poller.hpp"
#include "io/nut/nut_telemetry.hpp"
#include "tests/io/io_thread.hpp"
#include "tests/io/nut/fake_upsd.hpp"
#include "tests/io/nut/pass_recorder.hpp"

namespace sekimori::io::nut {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// sim/nut_ups.py as a child: its ready line gives the port; each command waits for its answer.
class NutSim {
  public:
    explicit NutSim(std::vector<std::string> args) {
        int in[2];
        int out[2];
        if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
            throw std::runtime_error("pipe");
        }
        const std::string script = std::string(SEKIMORI_SOURCE_DIR) + "/sim/nut_ups.py";
        args.insert(args.begin(), {"python3", script});
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // the sim ends its daemons on SIGTERM
            ::dup2(in[0], 0);
            ::dup2(out[1], 1);
            std::vector<char*> argv;
            for (auto& a : args) {
                argv.push_back(a.data());
            }
            argv.push_back(nullptr);
            ::execv("/usr/bin/python3", argv.data());
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        toSim_ = in[1];
        fromSim_ = out[0];
        const auto ready = readLine(30s);
        if (!ready || !ready->contains("ready")) {
            throw std::runtime_error("nut_ups.py did not get ready: " +
                                     (ready ? ready->dump() : std::string("no line in 30 s")));
        }
        port_ = (*ready)["ready"]["port"].get<std::uint16_t>();
    }
    ~NutSim() {
        ::close(toSim_);  // EOF: the sim stops its daemons and exits
        const auto deadline = std::chrono::steady_clock::now() + 15s;
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            ::usleep(20'000);
        }
        ::close(fromSim_);
    }
    NutSim(const NutSim&) = delete;
    NutSim& operator=(const NutSim&) = delete;

    std::uint16_t port() const { return port_; }

    json command(const json& c) {
        const std::string line = c.dump() + "\n";
        if (::write(toSim_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            throw std::runtime_error("write to nut_ups.py");
        }
        auto answer = readLine(40s);
        if (!answer) {
            throw std::runtime_error("nut_ups.py did not answer " + c.dump());
        }
        return *answer;
    }

  private:
    std::optional<json> readLine(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (const auto end = buffer_.find('\n'); end != std::string::npos) {
                const std::string line = buffer_.substr(0, end);
                buffer_.erase(0, end + 1);
                return json::parse(line);
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd p{fromSim_, POLLIN, 0};
            if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                return std::nullopt;
            }
            char chunk[4096];
            const ssize_t n = ::read(fromSim_, chunk, sizeof chunk);
            if (n <= 0) {
                return std::nullopt;
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    pid_t pid_ = -1;
    int toSim_ = -1;
    int fromSim_ = -1;
    std::uint16_t port_ = 0;
    std::string buffer_;
};

class NullRecorder final : public core::EventRecorder {
  public:
    void record(core::Event) override {}
    void commit(core::Change) override {}
};

NutUpsSpec upsSpec(std::string id, std::string ups, std::uint16_t port) {
    NutUpsSpec s;
    s.id = std::move(id);
    s.ups = std::move(ups);
    s.port = port;
    s.poll = 300ms;
    s.timeout = 250ms;
    s.maxBackoff = 600ms;
    return s;
}

// A poller whose passes are applied to the UPS's telemetry on the io thread, as power/ will.
struct Ups {
    Ups(test::IoThread& thread, core::TelemetryRegistry& registry, NutUpsSpec spec,
        const core::Clock& clock)
        : io(thread),
          telemetry(thread.run([&] {
              auto t = NutTelemetry::declare(registry, spec, "ups:" + spec.id);
              if (!t) {
                  throw std::runtime_error(t.error().message);
              }
              return std::make_unique<NutTelemetry>(std::move(*t));
          })),
          poller(thread.executor(), spec, clock,
                 [this, &registry, id = spec.id](NutPassResult pass) {
                     applied = telemetry->apply(pass).ok() && applied;
                     bool failed = true;
                     for (const auto& def : nutPoints()) {
                         const auto* point = registry.find(id + "." + std::string(def.point));
                         failed = failed && point->quality() == core::TelemetryQuality::failed;
                     }
                     allFailed = failed;  // before the pass is seen: a waiting test reads both
                     sink(std::move(pass));
                 }) {}
    ~Ups() {
        io.run([this] { poller.stop(); });
    }

    test::IoThread& io;
    test::NutRecorder passes;
    io::nut::NutPoller::OnPass sink = passes.passSink();
    std::unique_ptr<NutTelemetry> telemetry;
    bool applied = true;                 // every apply() succeeded (io thread)
    std::atomic<bool> allFailed{false};  // every point of this UPS failed after the last pass
    NutPoller poller;
};

struct Site {
    test::IoThread io;
    core::SystemClock clock;
    NullRecorder recorder;
    core::TelemetryRegistry registry{recorder, clock, nullptr};

    core::TelemetryQuality quality(const std::string& point) {
        return io.run([&] { return registry.find(point)->quality(); });
    }
    std::string lastError(const std::string& point) {
        return io.run([&] { return registry.find(point)->lastError(); });
    }
    std::optional<double> value(const std::string& point) {
        return io.run([&] { return registry.find(point)->value(); });
    }
};

// A timer on the io thread every 20 ms: it counts only while nothing blocks the thread.
struct Ticker {
    explicit Ticker(test::IoThread& thread) : io(thread) {
        io.run([this] {
            timer = std::make_unique<boost::asio::steady_timer>(this->io.executor());
            arm();
        });
    }
    ~Ticker() {
        io.run([this] { timer.reset(); });  // its pending wait ends aborted, touching nothing
    }
    void arm() {
        timer->expires_after(20ms);
        timer->async_wait([this](const boost::system::error_code& ec) {
            if (!ec) {
                ++ticks;
                arm();
            }
        });
    }
    test::IoThread& io;
    std::unique_ptr<boost::asio::steady_timer> timer;
    std::atomic<int> ticks{0};
};

bool isOk(const NutPassResult& p) {
    return p.ok();
}

TEST(NutUpsd, VariablesAreReadAsServedAndApplied) {
    NutSim sim(
        {"--ups", "ups1", "--ups", "ups2", "--values",
         R"({"ups2": {"ups.status": "OL", "battery.charge": "55", "ups.mfr": "C:\\sim 'x' a=b"}})"});
    Site site;
    Ups ups1(site.io, site.registry, upsSpec("ups-1", "ups1", sim.port()), site.clock);
    Ups ups2(site.io, site.registry, upsSpec("ups-2", "ups2", sim.port()), site.clock);
    ASSERT_TRUE(ups1.poller.start());
    ASSERT_TRUE(ups2.poller.start());
    const auto pass = ups1.passes.waitFor(isOk);
    ASSERT_TRUE(pass) << "no good pass from upsd on port " << sim.port();
    EXPECT_EQ(pass->vars.at("ups.status"), "OL");
    EXPECT_EQ(pass->vars.at("battery.charge"), "100");
    EXPECT_EQ(pass->vars.at("driver.name"), "dummy-ups");
    EXPECT_EQ(site.value("ups-1.battery_charge"), 100.0);
    EXPECT_EQ(site.value("ups-1.battery_runtime"), 3600.0);
    EXPECT_EQ(site.value("ups-1.ups_load"), 23.0);
    EXPECT_EQ(site.value("ups-1.input_voltage"), 230.5);
    EXPECT_EQ(site.value("ups-1.input_frequency"), 50.0);
    EXPECT_EQ(site.value("ups-1.output_voltage"), 229.8);
    EXPECT_EQ(site.value("ups-1.on_line"), 1.0);
    EXPECT_EQ(site.value("ups-1.on_battery"), 0.0);
    for (const auto& def : nutPoints()) {
        EXPECT_EQ(site.quality("ups-1." + std::string(def.point)), core::TelemetryQuality::good)
            << def.point;
    }
    // ups2 reports less: its missing variables are errors of their points, not zeros.
    ASSERT_TRUE(ups2.passes.waitFor(isOk));
    EXPECT_EQ(site.value("ups-2.battery_charge"), 55.0);
    EXPECT_EQ(site.lastError("ups-2.input_voltage"), "not reported by upsd: input.voltage");
    EXPECT_FALSE(site.value("ups-2.input_voltage"));

    // A backslash travels through dummy-ups and upsd's escaping to the value as set.
    const auto ups2Pass = ups2.passes.waitFor(isOk);
    ASSERT_TRUE(ups2Pass);
    EXPECT_EQ(ups2Pass->vars.at("ups.mfr"), R"(C:\sim 'x' a=b)");
    EXPECT_TRUE(site.io.run([&] { return ups1.applied && ups2.applied; }));
}

TEST(NutUpsd, AChangeFromOnLineToOnBatteryIsSeen) {
    NutSim sim({"--ups", "ups1"});
    Site site;
    Ups ups(site.io, site.registry, upsSpec("ups-1", "ups1", sim.port()), site.clock);
    ASSERT_TRUE(ups.poller.start());
    ASSERT_TRUE(ups.passes.waitFor(isOk));
    EXPECT_EQ(site.io.run([&] { return ups.telemetry->status(); }), "OL");
    const std::size_t from = ups.passes.passCount();
    ASSERT_EQ(sim.command({{"do", "set"},
                           {"ups", "ups1"},
                           {"vars",
                            {{"ups.status", "OB DISCHRG LB"},
                             {"battery.charge", "18"},
                             {"input.transfer.reason", "input voltage out of range"}}}}),
              json({{"ok", "set"}}));
    const auto onBattery = ups.passes.waitFor(
        [](const NutPassResult& p) { return p.ok() && p.vars.at("ups.status") == "OB DISCHRG LB"; },
        from);
    ASSERT_TRUE(onBattery);
    EXPECT_EQ(site.value("ups-1.on_line"), 0.0);
    EXPECT_EQ(site.value("ups-1.on_battery"), 1.0);
    EXPECT_EQ(site.value("ups-1.low_battery"), 1.0);
    EXPECT_EQ(site.value("ups-1.replace_battery"), 0.0);
    EXPECT_EQ(site.value("ups-1.battery_charge"), 18.0);
    EXPECT_EQ(site.io.run([&] { return ups.telemetry->status(); }), "OB DISCHRG LB");
    EXPECT_EQ(site.io.run([&] { return ups.telemetry->transferReason(); }),
              "input voltage out of range");
}

TEST(NutUpsd, AKilledUpsdTurnsEveryPointFailedWithItsReasonWhileTheRestRuns) {
    NutSim sim({"--ups", "ups1"});
    Site site;
    Ups ups(site.io, site.registry, upsSpec("ups-1", "ups1", sim.port()), site.clock);
    // Another UPS on another upsd, and a timer on the io thread: neither may stall.
    test::FakeUpsd otherUpsd([](const std::string& line) {
        return line == "LIST VAR other" ? std::string(
                                              "BEGIN LIST VAR other\nVAR other ups.status \"OL\"\n"
                                              "END LIST VAR other\n")
                                        : std::string();
    });
    Ups other(site.io, site.registry, upsSpec("ups-9", "other", otherUpsd.port()), site.clock);
    Ticker ticker(site.io);
    auto& ticks = ticker.ticks;
    ASSERT_TRUE(ups.poller.start());
    ASSERT_TRUE(other.poller.start());
    ASSERT_TRUE(ups.passes.waitFor(isOk));

    ASSERT_EQ(sim.command({{"do", "kill_upsd"}}), json({{"ok", "kill_upsd"}}));
    const auto killedAt = std::chrono::steady_clock::now();
    const std::size_t otherFrom = other.passes.passCount();
    const int ticksFrom = ticks;
    // Three failed passes (the telemetry's failAfterErrors) take under 2 s at these periods.
    const auto dead = ups.passes.waitFor(
        [&](const NutPassResult& p) { return !p.ok() && ups.allFailed; }, 0, 10s);
    ASSERT_TRUE(dead);
    EXPECT_LT(std::chrono::steady_clock::now() - killedAt, 10s);
    for (const auto& def : nutPoints()) {
        const std::string point = "ups-1." + std::string(def.point);
        EXPECT_EQ(site.quality(point), core::TelemetryQuality::failed) << point;
        const auto reason = site.lastError(point);
        EXPECT_TRUE(reason.rfind("connect: Connection refused (127.0.0.1:", 0) == 0 ||
                    reason.rfind("io: upsd closed the connection", 0) == 0)
            << point << ": " << reason;
    }
    EXPECT_EQ(site.lastError("ups-1.on_line").rfind("connect: Connection refused", 0), 0U)
        << "by now every pass is refused";
    // Meanwhile the other UPS kept its passes coming, and the io thread its timer.
    EXPECT_TRUE(other.passes.waitFor(isOk, otherFrom + 3));
    EXPECT_GT(ticks.load(), ticksFrom);
    EXPECT_EQ(site.quality("ups-9.on_line"), core::TelemetryQuality::good);

    // upsd back: the poller reconnects by itself within its backoff.
    ASSERT_EQ(sim.command({{"do", "start_upsd"}}), json({{"ok", "start_upsd"}}));
    const std::size_t from = ups.passes.passCount();
    ASSERT_TRUE(ups.passes.waitFor(isOk, from));
    EXPECT_EQ(site.quality("ups-1.battery_charge"), core::TelemetryQuality::good);
}

TEST(NutUpsd, AStoppedDriverIsDataStaleForItsUpsOnly) {
    NutSim sim({"--ups", "ups1", "--ups", "ups2"});
    Site site;
    Ups ups1(site.io, site.registry, upsSpec("ups-1", "ups1", sim.port()), site.clock);
    Ups ups2(site.io, site.registry, upsSpec("ups-2", "ups2", sim.port()), site.clock);
    ASSERT_TRUE(ups1.poller.start());
    ASSERT_TRUE(ups2.poller.start());
    ASSERT_TRUE(ups1.passes.waitFor(isOk));
    ASSERT_EQ(sim.command({{"do", "stop_driver"}, {"ups", "ups1"}}), json({{"ok", "stop_driver"}}));
    // upsd calls it stale after MAXAGE (2 s in the sim); three such passes fail the points.
    const auto stale = ups1.passes.waitFor(
        [&](const NutPassResult& p) { return p.upsdError == "DATA-STALE" && ups1.allFailed; }, 0,
        20s);
    ASSERT_TRUE(stale);
    EXPECT_EQ(stale->error, NutError::protocol);
    EXPECT_TRUE(stale->vars.empty());
    for (const auto& def : nutPoints()) {
        const std::string point = "ups-1." + std::string(def.point);
        EXPECT_EQ(site.quality(point), core::TelemetryQuality::failed) << point;
        EXPECT_EQ(site.lastError(point),
                  "protocol: LIST VAR ups1: upsd answered ERR DATA-STALE (the driver's data is "
                  "stale: it stopped updating)")
            << point;
    }
    // The other UPS on the same upsd is unaffected.
    const std::size_t from2 = ups2.passes.passCount();
    ASSERT_TRUE(ups2.passes.waitFor(isOk, from2));
    EXPECT_EQ(site.quality("ups-2.battery_charge"), core::TelemetryQuality::good);

    ASSERT_EQ(sim.command({{"do", "resume_driver"}, {"ups", "ups1"}}),
              json({{"ok", "resume_driver"}}));
    const std::size_t from1 = ups1.passes.passCount();
    ASSERT_TRUE(ups1.passes.waitFor(isOk, from1));
    EXPECT_EQ(site.quality("ups-1.battery_charge"), core::TelemetryQuality::good);
}

TEST(NutUpsd, AnUnknownUpsNameIsUnknownUps) {
    NutSim sim({"--ups", "ups1"});
    Site site;
    Ups ups(site.io, site.registry, upsSpec("ups-7", "nope", sim.port()), site.clock);
    ASSERT_TRUE(ups.poller.start());
    const auto pass = ups.passes.waitFor([](const NutPassResult& p) { return !p.ok(); });
    ASSERT_TRUE(pass);
    EXPECT_EQ(pass->error, NutError::unknownUps);
    EXPECT_EQ(pass->upsdError, "UNKNOWN-UPS");
    EXPECT_EQ(pass->message,
              "LIST VAR nope: upsd answered ERR UNKNOWN-UPS (upsd serves no UPS of that name)");
    EXPECT_EQ(site.lastError("ups-7.battery_charge"),
              "unknown_ups: LIST VAR nope: upsd answered ERR UNKNOWN-UPS (upsd serves no UPS of "
              "that name)");
}

TEST(NutUpsd, InstantCommandsNeedCredentialsThatUpsdKnows) {
    NutSim sim({"--ups", "ups1", "--user", "sekimori", "--password", "s3cret pass"});
    Site site;
    Ups ups(site.io, site.registry, upsSpec("ups-1", "ups1", sim.port()), site.clock);
    ASSERT_TRUE(ups.poller.start());
    ASSERT_TRUE(ups.passes.waitFor(isOk));
    test::NutRecorder commands;
    site.io.run([&] {
        // None configured: refused here, nothing sent.
        const auto none = ups.poller.instcmd("load.off", "", "", commands.commandSink());
        ASSERT_FALSE(none);
        EXPECT_EQ(none.error().code, "nut.no_credentials");
        ASSERT_TRUE(ups.poller.instcmd("load.off", "sekimori", "wrong", commands.commandSink()));
        ASSERT_TRUE(ups.poller.instcmd("load.off", "nobody", "x", commands.commandSink()));
        ASSERT_TRUE(
            ups.poller.instcmd("load.off", "sekimori", "s3cret pass", commands.commandSink()));
        ASSERT_TRUE(
            ups.poller.instcmd("beeper.fly", "sekimori", "s3cret pass", commands.commandSink()));
    });
    const auto wrong = commands.waitForCommand(0);
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->id, "ups-1");
    EXPECT_EQ(wrong->command, "load.off");
    EXPECT_EQ(wrong->error, NutError::protocol);
    EXPECT_EQ(wrong->upsdError, "ACCESS-DENIED");
    EXPECT_EQ(wrong->message,
              "INSTCMD load.off: upsd answered ERR ACCESS-DENIED (the user may not do that, or "
              "the password is wrong)");
    const auto nobody = commands.waitForCommand(1);
    ASSERT_TRUE(nobody);
    EXPECT_EQ(nobody->upsdError, "ACCESS-DENIED");
    const auto done = commands.waitForCommand(2);
    ASSERT_TRUE(done);
    EXPECT_TRUE(done->ok()) << done->message;
    EXPECT_GT(done->timeUs, 0);
    const auto unknown = commands.waitForCommand(3);
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->upsdError, "CMD-NOT-SUPPORTED");
    for (const auto& r : {*wrong, *nobody, *done, *unknown}) {
        EXPECT_EQ(r.message.find("s3cret"), std::string::npos);
        EXPECT_EQ(r.message.find("sekimori"), std::string::npos);
    }
    // Polling went on around the commands.
    const std::size_t from = ups.passes.passCount();
    EXPECT_TRUE(ups.passes.waitFor(isOk, from));
}

}  // namespace
}  // namespace sekimori::io::nut
