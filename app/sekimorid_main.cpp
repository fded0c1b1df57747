// sekimorid: the site controller daemon. The only place that picks real parts and wires them:
// configuration -> audit recorder -> MQTT link -> door controller -> console, all on one
// io_context; blocking work (SQLite writes, Paho, password hashing) runs on its own threads.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "app/cli_args.hpp"
#include "app/door_wiring.hpp"
#include "app/site_paths.hpp"
#include "console/console_server.hpp"
#include "console/operator_store.hpp"
#include "core/audited_recorder.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/event_bus.hpp"
#include "core/log.hpp"
#include "core/site_config.hpp"
#include "core/sqlite_db.hpp"
#include "doors/credential_store.hpp"
#include "doors/door_controller.hpp"
#include "io/mqtt_password_file.hpp"
#include "io/paho_mqtt_link.hpp"
#include "protocol/topics.hpp"

namespace {

using namespace sekimori;

constexpr const char* kVersion = "0.1.0";
constexpr const char* kUsage = "usage: sekimorid --config SITE.toml\n";

int fail(const core::Error& error) {
    core::logError("sekimorid", error.message);
    return error.code.rfind("config.", 0) == 0 ? 2 : 1;
}

core::Result<void> makePrivateDir(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return core::makeError("daemon.dir", "cannot create " + dir.string() + ": " + ec.message());
    }
    ::chmod(dir.c_str(), 0700);
    return {};
}

core::Event daemonEvent(const core::Clock& clock, std::string type, nlohmann::json payload) {
    return core::Event{clock.nowUs(), std::move(type), "sekimorid", "", payload.dump()};
}

int run(const std::string& configPath) {
    if (auto r = core::initCrypto(); !r) {
        return fail(r.error());
    }
    auto config = core::loadSiteConfig(configPath);
    if (!config) {
        return fail(config.error());
    }
    core::setLogLevel(config->daemon.logLevel);
    const app::SitePaths paths = app::sitePaths(*config);
    for (const auto& dir : {config->daemon.dataDir, config->daemon.keyDir, paths.panelKeyDir}) {
        if (auto r = makePrivateDir(dir); !r) {
            return fail(r.error());
        }
    }

    boost::asio::io_context io;
    core::EventBus bus;
    core::SystemClock clock;
    auto executor = io.get_executor();

    auto mainDb = core::Database::open(paths.database.string());
    if (!mainDb) {
        return fail(mainDb.error());
    }
    auto writerDb = core::Database::open(paths.database.string());
    if (!writerDb) {
        return fail(writerDb.error());
    }

    // The link is created before the recorder so checkpoints can be published on it.
    auto mqttPassword = io::readMqttPasswordFile(config->daemon.mqttPasswordFile);
    if (!mqttPassword) {
        return fail(mqttPassword.error());
    }
    io::MqttOptions mqtt;
    mqtt.serverUri = config->daemon.mqttUri;
    mqtt.clientId = "sekimorid-" + config->site.id;
    mqtt.username = config->daemon.mqttUser;
    mqtt.password = std::move(*mqttPassword);
    mqtt.persistenceDir = paths.mqttPersistence.string();
    mqtt.subscriptions = {protocol::panelWildcard(config->site.id)};
    auto link = io::makePahoMqttLink(executor, mqtt);
    io::MqttLink* linkPtr = link.get();

    core::AuditedRecorderOptions auditOptions;
    auditOptions.signingKeyPath = paths.signingKey.string();
    auditOptions.checkpointFile = paths.checkpoints.string();
    const std::string checkpointTopic = protocol::checkpointTopic(config->site.id);
    auditOptions.onCheckpoint = [executor, linkPtr, checkpointTopic](const std::string& json) {
        boost::asio::post(executor, [linkPtr, checkpointTopic, json] {
            linkPtr->publish(checkpointTopic, json, true);
        });
    };
    auditOptions.onError = [](const core::Error& error) {
        core::logError("audit", "commit failed, events stay queued: " + error.message);
    };
    auto recorder = core::AuditedRecorder::create(std::move(*writerDb), executor, bus, clock,
                                                  std::move(auditOptions));
    if (!recorder) {
        return fail(recorder.error());
    }

    auto store = doors::CredentialStore::open(**mainDb);
    if (!store) {
        return fail(store.error());
    }
    auto keys = app::loadOrCreateDoorKeys(*config, paths);
    if (!keys) {
        return fail(keys.error());
    }
    auto doorController = doors::DoorController::create(
        executor, *link, **recorder, clock, config->site.id, app::doorSpecs(*config),
        app::schedules(*config), std::move(*keys), **store);
    if (!doorController) {
        return fail(doorController.error());
    }

    if (auto r = console::migrateOperatorStore(**mainDb); !r) {
        return fail(r.error());
    }
    auto createdAdmin = console::ensureInitialAdmin(**mainDb, paths.initialAdminFile.string());
    if (!createdAdmin) {
        return fail(createdAdmin.error());
    }
    if (*createdAdmin) {
        (*recorder)->record(core::Event{clock.nowUs(), "operator.added", "sekimorid", "admin",
                                        R"({"name":"admin","role":"security_admin"})"});
        core::logInfo("sekimorid",
                      "first run: created console account 'admin'; its password is in " +
                          paths.initialAdminFile.string());
    }

    console::ConsoleOptions consoleOptions;
    consoleOptions.address = config->daemon.consoleHost;
    consoleOptions.port = config->daemon.consolePort;
    consoleOptions.certFile = config->daemon.consoleCert.string();
    consoleOptions.keyFile = config->daemon.consoleKey.string();
    consoleOptions.webRoot = config->daemon.consoleWebRoot.string();
    consoleOptions.dbPath = paths.database.string();
    console::ConsoleServer consoleServer(io, consoleOptions, bus, **recorder, clock);
    doors::DoorController* controller = doorController->get();
    consoleServer.setDoorsProvider([controller] { return controller->doorsJson(); });
    consoleServer.setPresenceProvider([controller] { return controller->presenceJson(); });

    controller->start();
    link->start();
    if (auto r = consoleServer.start(); !r) {
        return fail(r.error());
    }
    (*recorder)->record(daemonEvent(clock, "daemon.started",
                                    {{"version", kVersion},
                                     {"pid", static_cast<long>(::getpid())},
                                     {"config", configPath},
                                     {"doors", config->doors.size()}}));
    core::logInfo("sekimorid", "site " + config->site.id + " up: console https://" +
                                   config->daemon.consoleListen + "/, broker " +
                                   config->daemon.mqttUri);

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) {
            return;
        }
        core::logInfo("sekimorid", "signal " + std::to_string(signal) + ": stopping");
        (*recorder)->record(daemonEvent(clock, "daemon.stopped", {{"signal", signal}}));
        consoleServer.stop();
        controller->stop();
        io.stop();
    });
    io.run();

    // Commit what is queued and sign the shutdown checkpoint, then let its publication run.
    (*recorder)->stop();
    io.restart();
    io.poll();
    link->stop();
    core::logInfo("sekimorid", "stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = app::CliArgs::parse(args, {"config"});
    if (!parsed || !parsed->has("config")) {
        std::cerr << (parsed ? "" : parsed.error().message + "\n") << kUsage;
        return 2;
    }
    return run(*parsed->get("config"));
}
