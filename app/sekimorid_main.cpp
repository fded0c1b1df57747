// sekimorid: the site controller daemon. Loads the site file with every domain's section, builds
// the shared parts (audited recorder, MQTT link and router, bus, clock, console) on one
// io_context, makes each domain's service from the domain list (app/domains.cpp), starts them in
// order and stops them in reverse. Blocking work (SQLite writes, Paho, password hashing) runs on
// its own threads.
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

#include "app/audited_tables.hpp"
#include "app/cli_args.hpp"
#include "app/running_services.hpp"
#include "app/site_file.hpp"
#include "app/site_paths.hpp"
#include "console/console_server.hpp"
#include "console/operator_routes.hpp"
#include "console/operator_store.hpp"
#include "core/audited_recorder.hpp"
#include "core/clock.hpp"
#include "core/core_event_types.hpp"
#include "core/crypto.hpp"
#include "core/event_bus.hpp"
#include "core/io_watchdog.hpp"
#include "core/log.hpp"
#include "core/sqlite_db.hpp"
#include "doors/door_config.hpp"
#include "io/mqtt_password_file.hpp"
#include "io/mqtt_router.hpp"
#include "io/paho_mqtt_link.hpp"
#include "policy/approval_engine.hpp"
#include "protocol/topics.hpp"
#include "witness/witness_config.hpp"

namespace {

using namespace sekimori;

constexpr const char* kVersion = "0.1.0";
constexpr const char* kUsage = "usage: sekimorid --config SITE.toml\n";
constexpr const char* kComponent = "sekimorid";

int fail(const core::Error& error) {
    core::logError(kComponent, error.message);
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

core::Event daemonEvent(const core::Clock& clock, core::EventType type, nlohmann::json payload) {
    return core::Event{clock.nowUs(), type, kComponent, "", payload.dump()};
}

// QoS 1 queue in memory: the database is the durable outbox, so publishing does no file I/O
// on the io thread. Services subscribe through the router, not here.
core::Result<std::unique_ptr<io::MqttLink>> makeMqttLink(boost::asio::any_io_executor executor,
                                                         const core::SiteConfig& site) {
    auto password = io::readMqttPasswordFile(site.daemon.mqttPasswordFile);
    if (!password) {
        return password.error();
    }
    io::MqttOptions mqtt;
    mqtt.serverUri = site.daemon.mqttUri;
    mqtt.clientId = "sekimorid-" + site.site.id;
    mqtt.username = site.daemon.mqttUser;
    mqtt.password = std::move(*password);
    return io::makePahoMqttLink(executor, std::move(mqtt));
}

core::Result<std::unique_ptr<core::AuditedRecorder>> makeRecorder(
    const app::SitePaths& paths, boost::asio::any_io_executor executor, core::EventBus& bus,
    const core::Clock& clock, io::MqttRouter& router, const std::string& site) {
    auto writerDb = core::Database::open(paths.database.string());
    if (!writerDb) {
        return writerDb.error();
    }
    core::AuditedRecorderOptions options;
    options.signingKeyPath = paths.signingKey.string();
    options.checkpointFile = paths.checkpoints.string();
    options.onCheckpoint = [executor, &router,
                            topic = protocol::checkpointTopic(site)](const std::string& json) {
        boost::asio::post(executor, [&router, topic, json] { router.publish(topic, json, true); });
    };
    options.onError = [](const core::Error& error) {
        core::logError("audit", "commit failed, events stay queued: " + error.message);
    };
    options.onHealth = [](core::RecorderHealth health) {
        core::logWarning("audit", "recorder " + std::string(core::recorderHealthName(health)));
    };
    return core::AuditedRecorder::create(std::move(*writerDb), executor, bus, clock,
                                         std::move(options));
}

// A message on a topic no service subscribes to: recorded and reported on the error topic.
void recordForeignTopic(core::EventRecorder& recorder, io::MqttRouter& router,
                        const core::Clock& clock, const std::string& site,
                        const io::MqttMessage& message) {
    nlohmann::json payload{
        {"topic", message.topic}, {"panel", ""}, {"error", "no service takes this topic"}};
    core::logWarning(kComponent, "mqtt.foreign_topic on " + message.topic);
    recorder.record(daemonEvent(clock, core::kMqttForeignTopic, payload));
    payload["type"] = std::string(core::kMqttForeignTopic);
    router.publish(protocol::errorTopic(site), payload.dump());
}

// The approvals table, and the pending requests' expiries the engine sweeps.
core::Result<void> prepareApprovals(const app::SitePaths& paths,
                                    policy::ApprovalEngine& approvals) {
    auto db = core::Database::open(paths.database.string());
    if (!db) {
        return db.error();
    }
    return approvals.migrate(**db);
}

// The operators table, and on a site's first start only, the bootstrap admin (its row and
// operator.added committed together through the recorder).
core::Result<void> prepareOperators(const app::SitePaths& paths, core::EventRecorder& recorder,
                                    const core::Clock& clock) {
    auto db = core::Database::open(paths.database.string());
    if (!db) {
        return db.error();
    }
    if (auto r = console::migrateOperatorStore(**db); !r) {
        return r;
    }
    auto created =
        console::mintInitialAdmin(**db, recorder, clock, paths.initialAdminFile.string());
    if (!created) {
        return created.error();
    }
    if (*created) {
        core::logInfo(kComponent,
                      "first run: created console account 'admin'; its password is in " +
                          paths.initialAdminFile.string());
    }
    return {};
}

// The console's view of the site, and what its verify button runs: the same inputs an auditor
// gives `sekimori audit verify` on this host (the checkpoint file, the audit key published
// beside it, the enrolled panel keys, the site id, the audited tables). The witnesses' own logs
// live on their hosts, so the console's verify checks no witness log; its status page reports
// each witness from the cosignatures stored here.
console::ConsoleOptions consoleOptions(const core::SiteConfig& site, const app::SitePaths& paths,
                                       const witness::WitnessesConfig* witnesses) {
    console::ConsoleOptions options;
    options.site = site.site;
    options.zones = site.zones;
    options.auditVerify.dbPath = paths.database.string();
    options.auditVerify.checkpointFile = paths.checkpoints.string();
    options.auditVerify.panelKeysDir = paths.panelKeyDir.string();
    options.auditVerify.site = site.site.id;
    options.auditVerify.auditedTables = app::auditedTables();
    if (witnesses != nullptr) {
        for (const auto& w : witnesses->witnesses) {
            options.witnesses.push_back(console::WitnessWatch{
                w.id,
                std::chrono::duration_cast<std::chrono::microseconds>(w.silentAfter).count()});
        }
    }
    options.address = site.daemon.consoleHost;
    options.port = site.daemon.consolePort;
    options.certFile = site.daemon.consoleCert.string();
    options.keyFile = site.daemon.consoleKey.string();
    options.webRoot = site.daemon.consoleWebRoot.string();
    options.dbPath = paths.database.string();
    options.localSocketPath = paths.localSocket.string();
    // A person's photo (PUT /api/people/{id}/photo) is up to 256 KB, sent as base64 in JSON.
    options.bodyLimit = 400 * 1024;
    return options;
}

int run(const std::string& configPath) {
    if (auto r = core::initCrypto(); !r) {
        return fail(r.error());
    }
    auto file = app::loadSiteFile(configPath);
    if (!file) {
        return fail(file.error());
    }
    const core::SiteConfig& site = file->site;
    core::setLogLevel(site.daemon.logLevel);
    const app::SitePaths paths = app::sitePaths(site);
    for (const auto& dir : {site.daemon.dataDir, site.daemon.keyDir, paths.panelKeyDir}) {
        if (auto r = makePrivateDir(dir); !r) {
            return fail(r.error());
        }
    }

    boost::asio::io_context io;
    auto executor = io.get_executor();
    core::EventBus bus;
    core::SystemClock clock;
    auto link = makeMqttLink(executor, site);
    if (!link) {
        return fail(link.error());
    }
    io::MqttRouter router(**link);
    auto recorder = makeRecorder(paths, executor, bus, clock, router, site.site.id);
    if (!recorder) {
        return fail(recorder.error());
    }
    core::EventRecorder& events = **recorder;
    // Installed before anything listens: a SIGTERM that comes as soon as the console port answers
    // (a supervisor's quick restart) is a clean stop, never the default action that kills the
    // process before the shutdown checkpoint. Asio keeps it until the loop runs.
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) {
            return;
        }
        core::logInfo(kComponent, "signal " + std::to_string(signal) + ": stopping");
        events.record(daemonEvent(clock, core::kDaemonStopped, {{"signal", signal}}));
        io.stop();
    });
    router.onUnrouted([&](const io::MqttMessage& m) {
        recordForeignTopic(events, router, clock, site.site.id, m);
    });
    // Made before every domain, so that each registers its kinds in its factory.
    policy::ApprovalEngine approvals(events, clock);
    if (auto r = prepareApprovals(paths, approvals); !r) {
        return fail(r.error());
    }
    if (auto r = prepareOperators(paths, events, clock); !r) {
        return fail(r.error());
    }

    core::AlarmRuleBook alarmRules;  // filled by the domains' factories
    const app::DaemonParts parts{
        executor, router,    events,    bus, clock, site, file->modbusDevices->config(),
        paths,    approvals, alarmRules};
    auto services = app::RunningServices::make(file->domains, parts);
    if (!services) {
        return fail(services.error());
    }
    // The console's operator accounts: their routes, and the operators.* approval kinds it
    // registers when started (before every domain's service starts).
    console::OperatorService operators(
        console::OperatorServiceParts{approvals, events, clock, paths.database.string()});
    const auto* witnessSection = file->section<witness::WitnessConfigSection>();
    console::ConsoleServer console(
        io,
        consoleOptions(site, paths,
                       witnessSection != nullptr ? &witnessSection->config() : nullptr),
        bus, events, clock);
    console.addService(operators);
    nlohmann::json serviceNames = nlohmann::json::array();
    for (const auto& service : services->services()) {
        console.addService(*service);
        serviceNames.push_back(service->name());
    }
    if (auto r = operators.start(); !r) {
        return fail(r.error());
    }
    if (auto r = services->startAll(); !r) {
        return fail(r.error());
    }
    (*link)->start();
    if (auto r = console.start(); !r) {
        services->stopAll();
        return fail(r.error());
    }
    const auto* doors = file->section<doors::DoorConfigSection>();
    events.record(daemonEvent(clock, core::kDaemonStarted,
                              {{"version", kVersion},
                               {"site", site.site.id},
                               {"pid", static_cast<long>(::getpid())},
                               {"config", configPath},
                               {"doors", doors != nullptr ? doors->config().doors.size() : 0},
                               {"services", serviceNames}}));
    core::logInfo(kComponent, "site " + site.site.id + " up: console https://" +
                                  site.daemon.consoleListen + "/, broker " + site.daemon.mqttUri);

    auto watchdogOptions = core::ioWatchdogOptionsFromEnv();
    if (!watchdogOptions) {
        services->stopAll();
        return fail(watchdogOptions.error());
    }
    // With SEKIMORI_IO_WATCHDOG_MS set, a handler holding the io thread longer, or SQLite on it,
    // is logged as an error and makes the exit status 3.
    const auto watchdog = core::runIoLoop(io, *watchdogOptions);
    // Closing every console session is shutdown work, outside the watched loop: in the signal's
    // handler it held the io thread past the limit while nothing else could run anyway.
    console.stop();

    // Commit what is queued and sign the shutdown checkpoint, then let its publication run.
    // Messages that arrive meanwhile could no longer be stored, so no service sees them.
    router.stopDelivering();
    (*recorder)->stop();
    io.restart();
    io.poll();
    if (router.undeliveredCount() != 0) {
        core::logInfo(kComponent,
                      std::to_string(router.undeliveredCount()) +
                          " MQTT messages arrived during shutdown and were not handled");
    }
    // The link stops before the services drop their subscriptions, so the broker keeps the
    // daemon's persistent session subscribed while it is down.
    (*link)->stop();
    services->stopAll();
    core::logInfo(kComponent, "stopped");
    return watchdog.violations() == 0 ? 0 : 3;
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
