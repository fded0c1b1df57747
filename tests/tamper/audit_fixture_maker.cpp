// Makes the populated audit trail the tamper trials work on, with the real AuditedRecorder:
// a few hundred events in bursts (some appended by a second connection, as the CLI does),
// several signed checkpoints, and a clean shutdown.
//   audit_fixture_maker --dir DIR [--events N]
// Writes DIR/site.db, DIR/site.db.checkpoints, DIR/audit-signing.pub and DIR/keys/.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "core/audit_chain.hpp"
#include "core/audited_recorder.hpp"

using namespace sekimori::core;

namespace {

Event makeEvent(int i) {
    static constexpr const char* kTypes[] = {"access.granted", "door.opened",      "door.closed",
                                             "access.denied",  "presence.entered", "presence.left"};
    const std::string person = "p-" + std::to_string(1000 + i % 37);
    Event e;
    e.type = kTypes[i % 6];
    e.source = "door:server-room";
    e.subject = i % 6 == 1 || i % 6 == 2 ? "" : person;
    e.payload = "{\"door\":\"server-room\",\"side\":\"outer\",\"person\":\"" + person +
                "\",\"person_name\":\"Sato " + std::to_string(i) + "\",\"decision\":\"" +
                (i % 6 == 3 ? "denied" : "granted") +
                "\",\"reason\":\"ok\",\"n\":" + std::to_string(i) + "}";
    return e;
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir;
    int events = 300;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--dir" && i + 1 < argc) {
            dir = argv[++i];
        } else if (arg == "--events" && i + 1 < argc) {
            const std::string v = argv[++i];
            std::from_chars(v.data(), v.data() + v.size(), events);
        } else {
            std::cerr << "usage: audit_fixture_maker --dir DIR [--events N]\n";
            return 2;
        }
    }
    if (dir.empty() || events < 10) {
        std::cerr << "usage: audit_fixture_maker --dir DIR [--events N>=10]\n";
        return 2;
    }
    std::filesystem::create_directories(dir);
    const std::string dbPath = dir + "/site.db";

    boost::asio::io_context io;
    auto guard = boost::asio::make_work_guard(io);
    std::thread ioThread([&] { io.run(); });
    EventBus bus;
    SystemClock clock;
    AuditedRecorderOptions options;
    options.signingKeyPath = dir + "/keys/audit-signing.key";
    options.checkpointInterval = std::chrono::milliseconds(40);
    options.pollInterval = std::chrono::milliseconds(5);
    auto db = Database::open(dbPath);
    if (!db) {
        std::cerr << db.error().message << "\n";
        return 1;
    }
    auto recorder = AuditedRecorder::create(std::move(*db), io.get_executor(), bus, clock, options);
    if (!recorder) {
        std::cerr << recorder.error().message << "\n";
        return 1;
    }
    auto cli = Database::open(dbPath);
    if (!cli) {
        std::cerr << cli.error().message << "\n";
        return 1;
    }
    int burst = 0;
    for (int i = 0; i < events;) {
        for (int k = 0; k < 25 && i < events; ++k, ++i) {
            if (burst % 4 == 3 && k < 3) {
                // As the CLI does: its own connection, synchronously, between daemon batches.
                if (!(*recorder)->flush()) {
                    return 1;
                }
                Event e = makeEvent(i);
                e.timeUs = clock.nowUs();
                e.source = "cli";
                if (auto r = appendEvents(**cli, {e}); !r) {
                    std::cerr << r.error().message << "\n";
                    return 1;
                }
            } else {
                (*recorder)->record(makeEvent(i));
            }
        }
        ++burst;
        if (auto r = (*recorder)->flush(); !r) {
            std::cerr << r.error().message << "\n";
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(60));
    }
    (*recorder)->stop();
    recorder->reset();
    cli->reset();
    guard.reset();
    ioThread.join();
    std::cout << "fixture: " << events << " events in " << dbPath << "\n";
    return 0;
}
