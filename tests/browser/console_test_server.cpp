// A ConsoleServer for the browser tests: real SQLite and the real AuditedRecorder, two accounts,
// and events injected from stdin, so a test can watch an access grant reach the page live.
//
//   console_test_server --dir DIR --web-root DIR [--port N]
// DIR must hold console-cert.pem / console-key.pem (scripts/make-cert DIR). Prints
//   OPERATOR <name> <role> <password>   (one per account)
//   LISTENING <port>
// then reads commands, one per line:
//   grant <door> <person> <person_name>
//   deny <door> <person> <person_name> <reason>
//   quit
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "console/console_server.hpp"
#include "console/operator_store.hpp"
#include "core/audited_recorder.hpp"
#include "core/log.hpp"

namespace {

using namespace sekimori;

struct Args {
    std::string dir;
    std::string webRoot;
    std::uint16_t port = 0;
};

bool parseArgs(int argc, char** argv, Args& out) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const std::string value = argv[i + 1];
        if (key == "--dir") {
            out.dir = value;
        } else if (key == "--web-root") {
            out.webRoot = value;
        } else if (key == "--port") {
            out.port = static_cast<std::uint16_t>(std::stoi(value));
        } else {
            std::cerr << "unknown option " << key << "\n";
            return false;
        }
    }
    return !out.dir.empty() && !out.webRoot.empty();
}

core::Event accessEvent(const core::Clock& clock, const std::string& verdict,
                        const std::string& door, const std::string& person, const std::string& name,
                        const std::string& reason) {
    core::Event e;
    e.timeUs = clock.nowUs();
    e.type = "access." + verdict;
    e.source = "door:" + door;
    e.subject = person;
    e.payload = nlohmann::json{{"door", door},        {"side", "outside"},   {"person", person},
                               {"person_name", name}, {"decision", verdict}, {"reason", reason}}
                    .dump();
    return e;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    if (!parseArgs(argc, argv, args)) {
        std::cerr << "usage: console_test_server --dir DIR --web-root DIR [--port N]\n";
        return 2;
    }
    const std::string dbPath = args.dir + "/site.db";
    {
        auto db = core::Database::open(dbPath);
        if (!db) {
            std::cerr << db.error().message << "\n";
            return 1;
        }
        for (auto [name, role] : {std::pair{"desk", console::Role::deskOperator},
                                  std::pair{"facility", console::Role::facilityAdmin}}) {
            auto pw = console::addOperator(**db, name, role);
            if (!pw) {
                std::cerr << pw.error().message << "\n";
                return 1;
            }
            std::cout << "OPERATOR " << name << " " << console::roleName(role) << " " << *pw
                      << "\n";
        }
    }

    boost::asio::io_context io;
    core::SystemClock clock;
    core::EventBus bus;
    auto writerDb = core::Database::open(dbPath);
    if (!writerDb) {
        std::cerr << writerDb.error().message << "\n";
        return 1;
    }
    core::AuditedRecorderOptions recorderOptions;
    recorderOptions.signingKeyPath = args.dir + "/audit-signing.key";
    auto recorder = core::AuditedRecorder::create(std::move(*writerDb), io.get_executor(), bus,
                                                  clock, recorderOptions);
    if (!recorder) {
        std::cerr << recorder.error().message << "\n";
        return 1;
    }

    console::ConsoleOptions options;
    options.port = args.port;
    options.certFile = args.dir + "/console-cert.pem";
    options.keyFile = args.dir + "/console-key.pem";
    options.webRoot = args.webRoot;
    options.dbPath = dbPath;
    console::ConsoleServer server(io, options, bus, **recorder, clock);
    if (auto r = server.start(); !r) {
        std::cerr << r.error().message << "\n";
        return 1;
    }
    server.setDoorsProvider([] {
        return nlohmann::json::array(
            {{{"id", "server-room"}, {"name", "Server room"}, {"state", "closed"}},
             {{"id", "handling-area"}, {"name", "Handling area"}, {"state", "closed"}}});
    });
    std::cout << "LISTENING " << server.port() << std::endl;

    auto shutdown = [&] {
        server.stop();
        (*recorder)->stop();
        io.stop();
    };
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) { shutdown(); });

    // stdin is read on its own thread; each command is handed to the io thread.
    std::thread input([&] {
        std::string line;
        while (std::getline(std::cin, line)) {
            std::istringstream words(line);
            std::string command, door, person, name, reason;
            words >> command >> door >> person >> name >> reason;
            if (command == "quit") {
                break;
            }
            if (command != "grant" && command != "deny") {
                std::cerr << "unknown command: " << line << "\n";
                continue;
            }
            const std::string verdict = command == "grant" ? "granted" : "denied";
            boost::asio::post(io, [&, verdict, door, person, name, reason] {
                (*recorder)->record(accessEvent(clock, verdict, door, person, name,
                                                reason.empty() ? "ok" : reason));
            });
        }
        boost::asio::post(io, shutdown);
    });
    io.run();
    input.detach();  // may still block on stdin after a signal; the process is ending
    return 0;
}
