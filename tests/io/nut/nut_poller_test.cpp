// The poller against a scripted upsd (fake_upsd.hpp) for what the real one does not do on
// demand: silence, garbage, an endless line, a refused port. The real upsd is
// nut_upsd_test.cpp.
#include "io/nut/nut_poller.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/clock.hpp"
#include "tests/io/io_thread.hpp"
#include "tests/io/modbus/loopback_device.hpp"
#include "tests/io/nut/fake_upsd.hpp"
#include "tests/io/nut/pass_recorder.hpp"

namespace sekimori::io::nut {
namespace {

using namespace std::chrono_literals;

NutUpsSpec spec(std::uint16_t port) {
    NutUpsSpec s;
    s.id = "ups-1";
    s.ups = "ups1";
    s.port = port;
    s.poll = 200ms;
    s.timeout = 150ms;
    s.maxBackoff = 800ms;
    return s;
}

std::string goodList(const std::string& line) {
    if (line == "LIST VAR ups1") {
        return "BEGIN LIST VAR ups1\nVAR ups1 ups.status \"OL\"\n"
               "VAR ups1 battery.charge \"97\"\nEND LIST VAR ups1\n";
    }
    return "ERR UNKNOWN-COMMAND\n";
}

TEST(NutPoller, APassIsEveryVariableOnTheIoThreadOverOneKeptConnection) {
    test::FakeUpsd upsd(goodList);
    test::IoThread io;
    core::SystemClock clock;
    test::NutRecorder passes;
    NutPoller poller(io.executor(), spec(upsd.port()), clock, passes.passSink());
    ASSERT_TRUE(poller.start());
    const auto third = passes.waitFor([](const NutPassResult& p) { return p.ok(); }, 2);
    ASSERT_TRUE(third);
    EXPECT_EQ(third->id, "ups-1");
    EXPECT_EQ(third->vars.at("ups.status"), "OL");
    EXPECT_EQ(third->vars.at("battery.charge"), "97");
    EXPECT_GT(third->timeUs, 0);
    EXPECT_EQ(upsd.connections(), 1);
    io.run([&] { poller.stop(); });
    for (const auto id : passes.threads()) {
        EXPECT_EQ(id, io.id());
    }
    // stop() said LOGOUT on its way out.
    const auto lines = upsd.lines();
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.back(), "LOGOUT");
}

TEST(NutPoller, ASilentUpsdIsATimeOutAndStopReturnsWithoutWaitingItOut) {
    test::FakeUpsd upsd([](const std::string&) { return std::string(); });
    test::IoThread io;
    core::SystemClock clock;
    test::NutRecorder passes;
    auto s = spec(upsd.port());
    NutPoller poller(io.executor(), s, clock, passes.passSink());
    ASSERT_TRUE(poller.start());
    const auto failed = passes.waitFor([](const NutPassResult& p) { return !p.ok(); });
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->error, NutError::timeout);
    EXPECT_EQ(failed->message, "no reply from upsd within 150 ms");
    EXPECT_TRUE(failed->vars.empty());

    // Stopped in the middle of a wait on a peer that never answers: the wake fd ends it.
    test::FakeUpsd silent([](const std::string&) { return std::string(); });
    NutUpsSpec slow = spec(silent.port());
    slow.poll = 20s;
    slow.timeout = 10s;
    slow.maxBackoff = 20s;
    test::NutRecorder none;
    NutPoller waiting(io.executor(), slow, clock, none.passSink());
    ASSERT_TRUE(waiting.start());
    const auto asked = std::chrono::steady_clock::now() + 10s;
    while (silent.lines().empty() && std::chrono::steady_clock::now() < asked) {
        std::this_thread::sleep_for(5ms);  // a bounded poll: until the request is out
    }
    ASSERT_EQ(silent.lines().size(), 1U) << "the poller is now waiting for the reply";
    const auto began = std::chrono::steady_clock::now();
    io.run([&] { waiting.stop(); });
    EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
    EXPECT_EQ(none.passCount(), 0U) << "no pass is posted once stop() has begun";
    io.run([&] { poller.stop(); });
}

TEST(NutPoller, AMalformedReplyIsAProtocolErrorAndTheConnectionIsDropped) {
    test::FakeUpsd upsd([](const std::string& line) {
        return line == "LIST VAR ups1" ? std::string("BEGIN LIST VAR ups1\nVAR ups1 x 1\n")
                                       : std::string();
    });
    test::IoThread io;
    core::SystemClock clock;
    test::NutRecorder passes;
    NutPoller poller(io.executor(), spec(upsd.port()), clock, passes.passSink());
    ASSERT_TRUE(poller.start());
    const auto second = passes.waitFor([](const NutPassResult& p) { return !p.ok(); }, 1);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->error, NutError::protocol);
    EXPECT_EQ(second->upsdError, "");
    EXPECT_NE(second->message.find("expected 'VAR ups1 <name> \"<value>\"', got 'VAR ups1 x 1'"),
              std::string::npos)
        << second->message;
    io.run([&] { poller.stop(); });
    EXPECT_GE(upsd.connections(), 2) << "every bad reply closes the connection";
}

TEST(NutPoller, AnEndlessLineIsCutAtTheLimit) {
    test::FakeUpsd upsd([](const std::string& line) {
        return line == "LIST VAR ups1"
                   ? "BEGIN LIST VAR ups1\nVAR ups1 a \"" + std::string(3 * 1024, 'x')
                   : std::string();
    });
    test::IoThread io;
    core::SystemClock clock;
    test::NutRecorder passes;
    NutPoller poller(io.executor(), spec(upsd.port()), clock, passes.passSink());
    ASSERT_TRUE(poller.start());
    const auto failed = passes.waitFor([](const NutPassResult& p) { return !p.ok(); });
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->error, NutError::protocol);
    EXPECT_EQ(failed->message, "a reply line longer than 1024 bytes");
    io.run([&] { poller.stop(); });
}

TEST(NutPoller, ARefusedPortIsAConnectErrorRetriedWithADoublingBackoff) {
    const std::uint16_t port = test::unusedLoopbackPort();
    test::IoThread io;
    core::SystemClock clock;
    test::NutRecorder passes;
    NutPoller poller(io.executor(), spec(port), clock, passes.passSink());
    ASSERT_TRUE(poller.start());
    ASSERT_TRUE(passes.waitFor([](const NutPassResult&) { return true; }, 3));
    io.run([&] { poller.stop(); });
    const auto all = passes.passes();
    for (const auto& p : all) {
        EXPECT_EQ(p.error, NutError::connect);
        EXPECT_NE(p.message.find("Connection refused (127.0.0.1:"), std::string::npos) << p.message;
    }
    // 200, 400, 800 ms between tries: the fourth pass comes no sooner than 1.4 s after the
    // first (the poller's own clock is the wall clock here).
    ASSERT_GE(all.size(), 4U);
    EXPECT_GE(all[3].timeUs - all[0].timeUs, 1'300'000);
}

TEST(NutPoller, ASpecUpsdWouldNotTakeIsRefusedAtStart) {
    test::IoThread io;
    core::SystemClock clock;
    test::NutRecorder passes;
    auto s = spec(3493);
    s.ups = "ups 1";
    NutPoller badName(io.executor(), s, clock, passes.passSink());
    const auto r = badName.start();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "nut.bad_ups");
    EXPECT_NE(r.error().message.find("'ups 1'"), std::string::npos);
    auto t = spec(3493);
    t.timeout = t.poll;
    NutPoller badTimeout(io.executor(), t, clock, passes.passSink());
    EXPECT_FALSE(badTimeout.start());
}

TEST(NutPoller, CommandsAreRefusedBeforeAnythingIsSentWhenTheyCannotBeRight) {
    test::FakeUpsd upsd(goodList);
    test::IoThread io;
    core::SystemClock clock;
    test::NutRecorder passes;
    NutPoller poller(io.executor(), spec(upsd.port()), clock, passes.passSink());
    const auto notStarted = poller.instcmd("load.off", "admin", "pw", passes.commandSink());
    ASSERT_FALSE(notStarted);
    EXPECT_EQ(notStarted.error().code, "nut.stopped");
    ASSERT_TRUE(poller.start());
    io.run([&] {
        const auto none = poller.instcmd("load.off", "", "", passes.commandSink());
        ASSERT_FALSE(none);
        EXPECT_EQ(none.error().code, "nut.no_credentials");
        EXPECT_EQ(none.error().message,
                  "no upsd user and password are configured for UPS 'ups-1': instant commands "
                  "need them (upsd.users)");
        EXPECT_EQ(poller.instcmd("load.off", "admin", "", passes.commandSink()).error().code,
                  "nut.no_credentials");
        EXPECT_EQ(poller.instcmd("load off", "admin", "pw", passes.commandSink()).error().code,
                  "nut.bad_command");
        const auto injected =
            poller.instcmd("load.off", "admin", "pw\nINSTCMD ups1 load.on", passes.commandSink());
        ASSERT_FALSE(injected);
        EXPECT_EQ(injected.error().code, "nut.bad_credentials");
        EXPECT_EQ(injected.error().message.find("pw"), std::string::npos);
    });
    ASSERT_TRUE(passes.waitFor([](const NutPassResult& p) { return p.ok(); }, 1));
    io.run([&] { poller.stop(); });
    for (const auto& line : upsd.lines()) {
        EXPECT_EQ(line.find("INSTCMD"), std::string::npos) << line;
        EXPECT_EQ(line.find("USERNAME"), std::string::npos) << line;
    }
    EXPECT_EQ(passes.commandCount(), 0U);
    EXPECT_EQ(poller.instcmd("load.off", "admin", "pw", passes.commandSink()).error().code,
              "nut.stopped");
}

}  // namespace
}  // namespace sekimori::io::nut
