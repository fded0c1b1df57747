#pragma once
// A revocation reaches every panel's local deny list (firmware/panel_commands), not only the
// controller: it follows person.card_revoked and person.disabled on the bus (after commit), sends
// a revoke command to every online panel at once and records panel.revocation_sent; each panel's
// ack is recorded as panel.revocation_acked with its latency. A panel that was offline, or has not
// acknowledged, gets it again whenever its status turns online, until it acknowledges.
// person.enabled sends a restore of the person's cards to the online panels. GET /api/revocations
// lists the recent revocations with the panels that acknowledged and those still pending (the
// doors page draws it). io thread only. The list lives in memory: after a restart it starts empty
// (the trail keeps every sent and acked event).
#include <nlohmann/json.hpp>

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/api_route.hpp"
#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "core/event_recorder.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"
#include "doors/panel_gateway.hpp"

namespace sekimori::doors {

// The person's active cards, looked up off the io thread; `then` runs on the io thread.
using CardsOfPerson = std::function<void(const std::string& person,
                                         std::function<void(std::vector<std::string>)> then)>;

struct RevocationPushParts {
    core::EventBus& bus;
    core::EventRecorder& recorder;
    const core::Clock& clock;
    PanelGateway& gateway;
    std::set<std::string> panels;                          // every panel of the site
    std::function<bool(const std::string& panel)> online;  // its current status
    CardsOfPerson cardsOf;                                 // for person.disabled / enabled
};

class RevocationPush {
  public:
    static constexpr std::size_t kKept = 200;  // revocations GET /api/revocations lists
    static constexpr std::string_view kIdPrefix = "rev-";

    explicit RevocationPush(RevocationPushParts parts);
    ~RevocationPush();
    RevocationPush(const RevocationPush&) = delete;
    RevocationPush& operator=(const RevocationPush&) = delete;

    // Follows the bus from now on.
    void start();
    void stop();

    // The panel's status turned online: every revocation it has not acknowledged goes again.
    void panelOnline(const std::string& panel);
    // An authentic ack from the gateway; true when it answered a revocation (ids "rev-...").
    bool acked(const std::string& panel, const protocol::PanelAck& ack);

    // {"revocations":[{"id","time_us","person","cards","cause","acked":[{"panel","latency_us"}],
    //  "pending":[panel...]}]}, newest first.
    nlohmann::json toJson() const;
    // GET /api/revocations: desk operator, security and facility admins.
    std::vector<core::ApiRoute> routes();

    // The active cards of `person` on a reader connection (what CardsOfPerson runs).
    static core::Result<std::vector<std::string>> activeCardsOf(core::Database& db,
                                                                const std::string& person);

  private:
    struct Revocation {
        std::string id;
        core::TimeUs timeUs = 0;
        std::string person;
        std::string cause;  // "card_revoked" | "person_disabled"
        std::vector<std::string> cards;
        std::map<std::string, core::TimeUs> sentUs;   // panel -> first send
        std::map<std::string, core::TimeUs> latency;  // panel -> sent-to-acked, once acked
    };

    void onRevoked(const core::RecordedEvent& event);
    void onDisabled(const core::RecordedEvent& event);
    void onEnabled(const core::RecordedEvent& event);
    void push(std::string id, std::string person, std::string cause,
              std::vector<std::string> cards);
    // Sends `revocation` to `panels` and records panel.revocation_sent naming them.
    void send(Revocation& revocation, const std::vector<std::string>& panels);
    Revocation* find(const std::string& id);

    RevocationPushParts parts_;
    std::deque<Revocation> recent_;  // newest last
    std::vector<core::EventBus::Token> tokens_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sekimori::doors
