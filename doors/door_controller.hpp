#pragma once
// DEPRECATED: replaced by doors::DoorsService (doors/doors_service.hpp); deleted once
// app/sekimorid_main.cpp builds the service through app/door_wiring.
// The doors edge: serves the panels of one site over MQTT. It turns panel requests into
// access decisions (doors/access_decision), answers on the panel's reply topic, tracks door
// and panel state and presence, and records every state change as an event. All of it runs
// on the io executor given at construction; nothing here blocks except the small credential
// snapshot read when another process (the CLI) changed the store.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/event_recorder.hpp"
#include "core/result.hpp"
#include "doors/access_decision.hpp"
#include "doors/credential_store.hpp"
#include "doors/door_keys.hpp"
#include "doors/door_spec.hpp"
#include "doors/presence.hpp"
#include "io/mqtt_link.hpp"
#include "policy/schedule.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::doors {

struct DoorControllerOptions {
    // How often PRAGMA data_version is checked for enrollments made by another process.
    std::chrono::milliseconds reloadInterval{1000};
};

class DoorController {
  public:
    // Checks the doors, schedules and keys whole (every door's panel needs a key) and loads
    // the first credential snapshot.
    static core::Result<std::unique_ptr<DoorController>> create(
        boost::asio::any_io_executor executor, io::MqttLink& link, core::EventRecorder& recorder,
        const core::Clock& clock, std::string site, std::vector<DoorSpec> doors,
        std::vector<policy::Schedule> schedules, DoorKeys keys, CredentialStore& store,
        DoorControllerOptions options = {});
    ~DoorController();
    DoorController(const DoorController&) = delete;
    DoorController& operator=(const DoorController&) = delete;

    // Installs the link's message handler and arms the reload timer. Call before
    // link.start(); the link must subscribe to protocol::panelWildcard(site).
    void start();
    // Cancels every timer; no handler of this controller runs afterwards.
    void stop();

    // For an app that shares one link between domains and dispatches itself.
    void handleMessage(const io::MqttMessage& message);
    // Reloads credentials now (e.g. after an enrollment made through this process).
    core::Result<void> reloadCredentials();

    // Read-only views for the console.
    // [{"id","name","panel","from_zone","to_zone","lock":"locked|unlocked",
    //   "position":"open|closed|unknown","panel_online":bool|null,"tamper":bool,
    //   "last_event":{"type","time_us"}|null}, ...]
    nlohmann::json doorsJson() const;
    nlohmann::json presenceJson() const;  // Presence::toJson()

  private:
    struct Session;
    struct DoorState;
    struct PanelState;

    DoorController(boost::asio::any_io_executor executor, io::MqttLink& link,
                   core::EventRecorder& recorder, const core::Clock& clock, std::string site,
                   std::vector<policy::Schedule> schedules, DoorKeys keys, CredentialStore& store,
                   DoorControllerOptions options);

    void onRequest(const std::string& panel, const std::string& topic, std::string_view payload);
    void onPanelEvent(const std::string& panel, const std::string& topic, std::string_view payload);
    void onStatus(const std::string& panel, const std::string& topic, std::string_view payload);

    AccessSnapshot snapshotFor(Session& session) const;
    void applyDecision(const std::string& key, const AccessDecision& decision);
    void challenge(Session& session, protocol::Factor next);
    void grant(const std::string& key);
    void deny(const std::string& key, std::string_view reasonCode, std::string_view detail);
    void armStepTimer(Session& session);
    void onStepTimeout(const std::string& key, std::uint64_t generation);
    void armHeldOpenTimer(DoorState& door);
    void armReloadTimer();

    void reply(const Session& session, protocol::PanelReply message);
    void recordAccess(const Session& session, const char* type, std::string_view decision,
                      std::string_view reasonCode, nlohmann::json extra = {});
    void recordDoor(DoorState& door, const std::string& type, nlohmann::json payload,
                    const std::string& subject = {});
    void reportError(const char* type, const std::string& topic, const std::string& panel,
                     const std::string& what);

    boost::asio::any_io_executor executor_;
    io::MqttLink& link_;
    core::EventRecorder& recorder_;
    const core::Clock& clock_;
    std::string site_;
    std::map<std::string, policy::Schedule> schedules_;
    DoorKeys keys_;
    CredentialStore& store_;
    DoorControllerOptions options_;

    std::shared_ptr<const CredentialSnapshot> credentials_;
    std::optional<std::int64_t> dataVersion_;
    std::map<std::string, std::unique_ptr<DoorState>> doors_;   // by door id
    std::map<std::string, PanelState> panels_;                  // by panel id
    std::map<std::string, std::unique_ptr<Session>> sessions_;  // by panel/door/side/session
    std::uint64_t nextGeneration_ = 1;
    Presence presence_;
    boost::asio::steady_timer reloadTimer_;
    // Timer callbacks hold a weak copy: once the controller is gone they do nothing.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sekimori::doors
