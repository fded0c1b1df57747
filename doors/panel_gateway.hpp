#pragma once
// The MQTT edge of our panels (door panels now, circle gates later), and the controller's end of
// the authenticated panel link (docs/mqtt.md, "The authenticated link"). Subscribes through the
// router to the site's panel request, event and status topics, takes the panel id from the topic
// (never the payload), refuses panels the site does not declare and parses each payload
// strictly. Then it authenticates: a request must carry this start's epoch, a counter above the
// panel's last one and a MAC under the panel's key; an event report the panel's own Ed25519
// signature (its replay is a duplicate journal seq, never stored twice). Event reports are taken in
// the order of their journal sequence (`seq`, doors/journal_intake), each exactly once: a report's
// events are committed in one Change and the panel is sent event_ack {seq} (cumulative) from that
// commit's onDone; a duplicate is acked again, a gap recorded once (panel.journal_gap). What fails
// is refused with no reply and recorded as panel.link_refused (coalesced under a flood). Replies
// leave with the epoch and a MAC. On start it announces a fresh epoch per panel on the retained
// link topic, and the same announcement again after every reconnect to the broker. It also sends
// the controller's commands (protocol/panel_commands.hpp: door commands, deny-list updates) and
// authenticates the panels' acks to them (MAC, epoch, counter, and the nonce of a command it sent).
// A retained request or event is never acted on: it is cleared (empty retained publish) and
// recorded. Bad payloads become mqtt.bad_payload / mqtt.foreign_topic events, a warning and a
// message on the site's error topic. io thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/event_recorder.hpp"
#include "core/event_type.hpp"
#include "core/result.hpp"
#include "core/sqlite_db.hpp"
#include "doors/door_keys.hpp"
#include "doors/journal_intake.hpp"
#include "io/mqtt_router.hpp"
#include "protocol/door_messages.hpp"
#include "protocol/panel_commands.hpp"
#include "protocol/topics.hpp"

namespace sekimori::doors {

// Why the link refused a message (the `reason` of panel.link_refused).
enum class LinkRefusal {
    badMac,
    staleEpoch,
    replay,
    outOfOrder,
    unknownNonce,
    badSignature,
    noKey
};
std::string_view toString(LinkRefusal refusal);

// What a panel signed, kept in the door event's payload so anyone with the panel's public key
// can check it later: "panel_report" (the exact JSON it sent without "sig"), "panel_sig" (hex).
struct SignedReport {
    std::string report;
    std::string sig;
};

// What a journaled report makes, stored in one Change before the panel is acked.
struct ReportEvents {
    // The report itself (door.opened, access.offline_granted, ...): the gateway adds panel,
    // panel_seq, occurred_us and late to each payload.
    std::vector<core::Event> report;
    // What it caused (presence moves): stored after them, in the same Change.
    std::vector<core::Event> derived;
};

class PanelGateway {
  public:
    struct Handlers {
        std::function<void(const std::string& panel, const std::string& topic,
                           const protocol::PanelRequest& request)>
            onRequest;
        // An authentic report taken in journal order, once per seq. Nothing it returns is stored
        // elsewhere: the gateway commits it and acks the panel when it is durable.
        std::function<ReportEvents(const std::string& panel, const std::string& topic,
                                   const protocol::PanelEvent& event,
                                   const SignedReport& signedReport)>
            onEvent;
        std::function<void(const std::string& panel, const protocol::PanelStatus& status)> onStatus;
    };

    // Refusals per panel recorded one by one within a window; past that, counted and recorded
    // as one event when the window ends.
    static constexpr int kRefusalsPerWindow = 10;
    static constexpr std::chrono::seconds kRefusalWindow{60};
    // A journaled report recorded more than this after it happened (its occurred_us) is marked
    // late: true (an upload from a panel's journal after the link came back).
    static constexpr std::chrono::seconds kLateAfter{5};

    PanelGateway(boost::asio::any_io_executor executor, io::MqttRouter& router,
                 core::EventRecorder& recorder, const core::Clock& clock, std::string site,
                 std::set<std::string> panels, const DoorKeys& keys);
    ~PanelGateway();
    PanelGateway(const PanelGateway&) = delete;
    PanelGateway& operator=(const PanelGateway&) = delete;

    // Announces a fresh epoch to every panel, then subscribes the request, event and status
    // filters of the site.
    core::Result<void> start(Handlers handlers);
    // Called with every authentic ack (before start); the ack answers a command sent to the panel.
    using AckHandler = std::function<void(const std::string& panel, const protocol::PanelAck& ack)>;
    void onAck(AckHandler handler) { onAck_ = std::move(handler); }
    // Sends `command` (id, type and its fields set by the caller) with this start's epoch, the
    // panel's next command counter, a fresh nonce and its MAC, on the panel's command topic.
    // False (nothing sent) for a panel the site does not declare or before start.
    bool sendCommand(const std::string& panel, protocol::PanelCommand command);
    // Commands sent and not yet acknowledged, per panel, kept for the ack check (the oldest are
    // forgotten past this: their acks are then refused unknown_nonce).
    static constexpr std::size_t kMaxOutstandingCommands = 1024;

    // Unsubscribes; no handler runs after it returns. Coalesced refusals are recorded.
    void stop();
    bool started() const { return !subscriptions_.empty(); }

    // Sends `message` with this start's epoch and its MAC; the caller set step, counter, nonce.
    void reply(const std::string& panel, protocol::PanelReply message);
    // A message refused by the link: recorded (coalesced under a flood), logged; no reply.
    void refuse(const std::string& panel, const std::string& topic, LinkRefusal why);
    // Records the error event, logs a warning and publishes it on the site's error topic.
    void reportError(core::EventType type, const std::string& topic, const std::string& panel,
                     const std::string& what);
    // An error operators must hear even when the store is down: published on the error topic
    // and logged as an error at once, and handed to the recorder, which stores it if it can.
    void raiseError(core::Event event);

    // Whether `sigHex` is `panel`'s Ed25519 signature (public key `key`) over the report body
    // `report` (the event without its sig) at `site`: the one check every stored report passed.
    static bool reportSignatureValid(const std::string& site, const std::string& panel,
                                     std::string_view report, std::string_view sigHex,
                                     const core::Bytes& key);

    // The newest public key the trail enrolled per panel (hex), read on a reader connection.
    static core::Result<std::map<std::string, std::string>> enrolledKeys(core::Database& reader);
    // Records panel.key_enrolled for every panel whose signing key the trail lacks or holds a
    // different one of (that one also raised as an error). io thread.
    void enrollKeys(const std::map<std::string, std::string>& inTrail);

    // The newest journal seq per panel the trail holds (doors/presence_rebuild.hpp,
    // lastJournalSeqs), read before start: the upload resumes after it. io thread.
    void setStoredSeqs(const std::map<std::string, std::uint64_t>& stored);
    // The panel's journal bookkeeping; null for an unknown panel.
    const JournalIntake* intakeOf(const std::string& panel) const;

    const std::string& site() const { return site_; }
    // This start's epoch for `panel` (hex); empty for an unknown panel.
    std::string epochOf(const std::string& panel) const;

  private:
    struct LinkState {
        std::string epoch;
        // This epoch's retained link message, published again after every reconnect: a broker
        // that lost its retained store (a crash, a restart without persistence) would leave a
        // panel starting afterwards with no epoch at all.
        std::string announcement;
        core::Bytes macKey;
        std::uint64_t lastRequest = 0;  // counters seen this epoch
        std::uint64_t lastAck = 0;
        std::uint64_t commandCounter = 0;                // the controller's, per epoch
        std::map<std::string, std::string> outstanding;  // command nonce -> command id
        std::deque<std::string> outstandingOrder;        // nonces, oldest first
        // The journal upload (kept across starts: it follows the trail, not the epoch).
        JournalIntake intake;
        // The newest seq whose Change the writer applied: a Change applies only right after
        // the one before it, so the trail keeps the panel's order even when a commit fails.
        std::shared_ptr<std::atomic<std::uint64_t>> lastApplied =
            std::make_shared<std::atomic<std::uint64_t>>(0);
        // Refusal coalescing.
        int refusedInWindow = 0;
        std::map<std::string, int> coalesced;  // by reason, past kRefusalsPerWindow
        core::TimeUs windowStartUs = 0;
        std::unique_ptr<boost::asio::steady_timer> flush;
    };

    void dispatch(protocol::PanelChannel channel, const io::MqttMessage& message);
    void onRequestMessage(const std::string& panel, const io::MqttMessage& message);
    void onEventMessage(const std::string& panel, const io::MqttMessage& message);
    void onAckMessage(const std::string& panel, const io::MqttMessage& message);
    void takeReport(const std::string& panel, const std::string& topic,
                    const protocol::PanelEvent& event, const SignedReport& signedReport,
                    const IntakeDecision& decision);
    void sendEventAck(const std::string& panel, std::uint64_t seq);
    // Signs and publishes `command`; `track` keeps its nonce for the ack check.
    void publishCommand(const std::string& panel, LinkState& link, protocol::PanelCommand command,
                        bool track);
    void clearRetained(const std::string& panel, const io::MqttMessage& message);
    std::optional<LinkRefusal> checkCounter(std::uint64_t& last, std::uint64_t counter) const;
    void flushCoalesced(const std::string& panel);

    boost::asio::any_io_executor executor_;
    io::MqttRouter& router_;
    core::EventRecorder& recorder_;
    const core::Clock& clock_;
    std::string site_;
    std::set<std::string> panels_;
    const DoorKeys& keys_;
    std::map<std::string, LinkState> links_;
    Handlers handlers_;
    AckHandler onAck_;
    std::vector<io::MqttRouter::Subscription> subscriptions_;
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sekimori::doors
