// A ConsoleServer for the browser tests: real SQLite, the real AuditedRecorder, three accounts,
// and a doors service built from the doors domain's own route table, door views and presence
// (doors::doorRoutes, doors::doorJson, doors::Presence), so the page is tested against the
// shapes the daemon produces. Events are injected from stdin.
//
//   console_test_server --dir DIR --web-root DIR [--port N] [--plugin-dir DIR] [--first-login 1]
// DIR must hold console-cert.pem / console-key.pem (scripts/make-cert DIR). Prints
//   OPERATOR <name> <role> <password>   (one per account)
//   LISTENING <port>
// then reads commands, one per line:
//   grant <door> <person> <person_name>   (the person passes the door: presence moves too)
//   deny <door> <person> <person_name> <reason>
//   quit
// With --plugin-dir the service also brings a UI plugin "doors-extra" served from that
// directory for the desk and the security admin. With --first-login 1 every account must change
// its password first (the shell's password view). The site is the demo's 3F: a floor plan with
// the server room and the handling area on it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "console/console_server.hpp"
#include "console/operator_store.hpp"
#include "core/audited_recorder.hpp"
#include "core/log.hpp"
#include "core/service.hpp"
#include "doors/door_routes.hpp"
#include "doors/door_views.hpp"
#include "doors/presence.hpp"

namespace {

using namespace sekimori;

struct Args {
    std::string dir;
    std::string webRoot;
    std::string pluginDir;
    std::uint16_t port = 0;
    bool firstLogin = false;
};

bool parseArgs(int argc, char** argv, Args& out) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        const std::string value = argv[i + 1];
        if (key == "--dir") {
            out.dir = value;
        } else if (key == "--web-root") {
            out.webRoot = value;
        } else if (key == "--plugin-dir") {
            out.pluginDir = value;
        } else if (key == "--first-login") {
            out.firstLogin = value == "1";
        } else if (key == "--port") {
            out.port = static_cast<std::uint16_t>(std::stoi(value));
        } else {
            std::cerr << "unknown option " << key << "\n";
            return false;
        }
    }
    return !out.dir.empty() && !out.webRoot.empty();
}

// Two doors of the demo site, their state and presence, on the io thread; the console reaches
// them only through the routes the doors domain declares.
class DoorsView final : public core::Service {
  public:
    DoorsView(const core::Clock& clock, std::string databasePath, std::string pluginDir)
        : clock_(clock), databasePath_(std::move(databasePath)), pluginDir_(std::move(pluginDir)) {
        for (auto spec :
             {doors::DoorSpec{"server-room", "Server room", "p-srv", "building", "server-room"},
              doors::DoorSpec{"handling-area", "Handling area", "p-ha", "server-room",
                              "handling-area"}}) {
            doors_[spec.id] = Door{spec, {}};
        }
    }

    std::string_view name() const override { return "doors"; }
    core::Result<void> start() override { return {}; }
    void stop() override {}

    std::vector<core::ApiRoute> routes() override {
        doors::DoorRouteSources sources;
        sources.doors = [this] {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& [id, d] : doors_) {
                list.push_back(view(d));
            }
            return list;
        };
        sources.door = [this](const std::string& id) -> std::optional<nlohmann::json> {
            auto it = doors_.find(id);
            if (it == doors_.end()) {
                return std::nullopt;
            }
            return view(it->second);
        };
        sources.presence = [this] { return presence_.toJson(); };
        sources.databasePath = databasePath_;
        return doors::doorRoutes(std::move(sources));
    }

    // The same rules as doors::DoorsService::eventVisibility().
    std::vector<core::EventVisibility> eventVisibility() override {
        const core::RoleSet watchers{core::Role::deskOperator, core::Role::securityAdmin,
                                     core::Role::auditor};
        return {{"access.", watchers},
                {"door.", watchers},
                {"panel.", watchers},
                {"presence.", core::RoleSet::all()}};
    }

    std::optional<core::UiPlugin> uiPlugin() override {
        if (pluginDir_.empty()) {
            return std::nullopt;
        }
        return core::UiPlugin{"doors-extra", pluginDir_, "index.js",
                              core::RoleSet{core::Role::deskOperator, core::Role::securityAdmin}};
    }

    // A grant at `door`: the lock opens and the person passes into the door's inner zone.
    // Returns the events to record (the grant, then presence.left / presence.entered).
    std::vector<core::Event> grant(const std::string& door, const std::string& person,
                                   const std::string& personName) {
        auto& d = doors_.at(door);
        const auto now = clock_.nowUs();
        d.state.unlockedUntilUs = now + 5'000'000;
        d.state.lastEventType = "access.granted";
        d.state.lastEventUs = now;
        std::vector<core::Event> events{
            accessEvent("granted", door, person, personName, "granted")};
        for (auto& e : presence_.pass(doors::Passage{
                 person, personName, door, d.spec.fromZone, d.spec.toZone, now, {}})) {
            events.push_back(std::move(e));
        }
        return events;
    }
    core::Event deny(const std::string& door, const std::string& person,
                     const std::string& personName, const std::string& reason) {
        auto& d = doors_.at(door);
        d.state.lastEventType = "access.denied";
        d.state.lastEventUs = clock_.nowUs();
        return accessEvent("denied", door, person, personName, reason);
    }
    bool hasDoor(const std::string& door) const { return doors_.contains(door); }

  private:
    struct Door {
        doors::DoorSpec spec;
        doors::DoorState state;
    };

    nlohmann::json view(const Door& d) const {
        return doors::doorJson(d.spec, d.state, doors::PanelView{true, "1.4.2"}, clock_.nowUs());
    }

    core::Event accessEvent(const std::string& verdict, const std::string& door,
                            const std::string& person, const std::string& name,
                            const std::string& reason) const {
        core::Event e;
        e.timeUs = clock_.nowUs();
        e.type = "access." + verdict;
        e.source = "door:" + door;
        e.subject = person;
        e.payload = nlohmann::json{{"door", door},        {"side", "outside"},   {"person", person},
                                   {"person_name", name}, {"decision", verdict}, {"reason", reason}}
                        .dump();
        return e;
    }

    const core::Clock& clock_;
    std::string databasePath_;
    std::string pluginDir_;
    std::map<std::string, Door> doors_;
    doors::Presence presence_;
};

}  // namespace

int main(int argc, char** argv) {
    Args args;
    if (!parseArgs(argc, argv, args)) {
        std::cerr << "usage: console_test_server --dir DIR --web-root DIR [--port N]"
                     " [--plugin-dir DIR]\n";
        return 2;
    }
    const std::string dbPath = args.dir + "/site.db";
    {
        auto db = core::Database::open(dbPath);
        if (!db) {
            std::cerr << db.error().message << "\n";
            return 1;
        }
        if (auto m = console::migrateOperatorStore(**db); !m) {
            std::cerr << m.error().message << "\n";
            return 1;
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
    // The accounts go through the recorder with their operator.added events (and row digests),
    // as the daemon makes them: a row the trail does not name may not log in. They have set
    // their own passwords already (no first-login change in these tests).
    for (auto [name, role] : {std::pair{"desk", console::Role::deskOperator},
                              std::pair{"facility", console::Role::facilityAdmin},
                              std::pair{"auditor", console::Role::auditor}}) {
        auto credential = console::makeOperatorCredential();
        if (!credential) {
            std::cerr << credential.error().message << "\n";
            return 1;
        }
        (*recorder)->commit(console::addOperatorChange(
            console::NewOperator{
                name, role, credential->passwordHash, clock.nowUs(), {}, args.firstLogin},
            "console_test_server", {}));
        std::cout << "OPERATOR " << name << " " << console::roleName(role) << " "
                  << credential->password << "\n";
    }
    if (auto flushed = (*recorder)->flush(); !flushed) {
        std::cerr << flushed.error().message << "\n";
        return 1;
    }

    DoorsView doorsView(clock, dbPath, args.pluginDir);
    console::ConsoleOptions options;
    options.port = args.port;
    options.certFile = args.dir + "/console-cert.pem";
    options.keyFile = args.dir + "/console-key.pem";
    options.webRoot = args.webRoot;
    options.dbPath = dbPath;
    options.site = core::SiteInfo{"tokyo-dc1", "Tokyo DC1", 540};
    using core::PlanRect;
    using core::ZoneKind;
    options.zones = {
        {"tokyo-dc1", "Tokyo DC1 grounds", "", ZoneKind::site, std::nullopt},
        {"building", "Building A", "tokyo-dc1", ZoneKind::building, std::nullopt},
        {"floor-3f", "3F corridor", "building", ZoneKind::floor, PlanRect{0, 0, 1000, 600}},
        {"server-room", "3F server room", "floor-3f", ZoneKind::managementArea,
         PlanRect{60, 80, 420, 300}},
        {"handling-area", "3F handling room", "server-room", ZoneKind::handlingArea,
         PlanRect{260, 200, 180, 140}}};
    console::ConsoleServer server(io, options, bus, **recorder, clock);
    server.addService(doorsView);
    if (auto r = server.start(); !r) {
        std::cerr << r.error().message << "\n";
        return 1;
    }
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
            boost::asio::post(io, [&, command, door, person, name, reason] {
                if (!doorsView.hasDoor(door)) {
                    std::cerr << "unknown door: " << door << "\n";
                    return;
                }
                if (command == "grant") {
                    for (auto& e : doorsView.grant(door, person, name)) {
                        (*recorder)->record(std::move(e));
                    }
                } else {
                    (*recorder)->record(
                        doorsView.deny(door, person, name, reason.empty() ? "no_access" : reason));
                }
            });
        }
        boost::asio::post(io, shutdown);
    });
    io.run();
    input.detach();  // may still block on stdin after a signal; the process is ending
    return 0;
}
