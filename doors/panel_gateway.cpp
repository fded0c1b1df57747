#include "doors/panel_gateway.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include "core/core_event_types.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "doors/door_event_types.hpp"
#include "doors/door_events.hpp"
#include "doors/panel_link_event_types.hpp"
#include "protocol/panel_commands.hpp"
#include "protocol/panel_link_auth.hpp"
#include "protocol/topics.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kComponent = "doors";
constexpr std::size_t kEpochBytes = 16;

const unsigned char* u8(std::string_view bytes) {
    return reinterpret_cast<const unsigned char*>(bytes.data());
}

bool macMatches(const core::Bytes& macKey, std::string_view input, std::string_view macHex) {
    return core::constantTimeEqual(core::toHex(core::keyedHash(macKey, input)), macHex);
}

}  // namespace

std::string_view toString(LinkRefusal refusal) {
    switch (refusal) {
        case LinkRefusal::badMac:
            return "bad_mac";
        case LinkRefusal::staleEpoch:
            return "stale_epoch";
        case LinkRefusal::replay:
            return "replay";
        case LinkRefusal::outOfOrder:
            return "out_of_order";
        case LinkRefusal::unknownNonce:
            return "unknown_nonce";
        case LinkRefusal::badSignature:
            return "bad_signature";
        case LinkRefusal::noKey:
            return "no_key";
    }
    return "";
}

PanelGateway::PanelGateway(boost::asio::any_io_executor executor, io::MqttRouter& router,
                           core::EventRecorder& recorder, const core::Clock& clock,
                           std::string site, std::set<std::string> panels, const DoorKeys& keys)
    : executor_(std::move(executor)),
      router_(router),
      recorder_(recorder),
      clock_(clock),
      site_(std::move(site)),
      panels_(std::move(panels)),
      keys_(keys) {
    for (const auto& panel : panels_) {
        LinkState& link = links_[panel];
        if (auto key = keys_.panelKeys.find(panel); key != keys_.panelKeys.end()) {
            link.macKey = core::keyedHash(key->second, protocol::kMacKeyLabel);
        }
        link.flush = std::make_unique<boost::asio::steady_timer>(executor_);
    }
}

PanelGateway::~PanelGateway() {
    stop();
    for (auto& [panel, link] : links_) {
        sodium_memzero(link.macKey.data(), link.macKey.size());
    }
}

std::string PanelGateway::epochOf(const std::string& panel) const {
    auto it = links_.find(panel);
    return it == links_.end() ? std::string() : it->second.epoch;
}

core::Result<void> PanelGateway::start(Handlers handlers) {
    if (started()) {
        return {};
    }
    handlers_ = std::move(handlers);
    // A fresh epoch per start: whatever was captured under an earlier one is stale now.
    for (auto& [panel, link] : links_) {
        link.epoch = core::toHex(core::randomBytes(kEpochBytes));
        link.lastRequest = 0;
        link.lastAck = 0;
        link.commandCounter = 0;
        link.outstanding.clear();
        link.outstandingOrder.clear();
        protocol::PanelLink message{link.epoch, ""};
        const std::string body = protocol::encodeBody(message);
        message.mac = core::toHex(
            core::keyedHash(link.macKey, protocol::linkMacInput(site_, panel, message, body)));
        link.announcement = protocol::encode(message);
        router_.publish(protocol::panelTopic(site_, panel, protocol::PanelChannel::link),
                        link.announcement, /*retained=*/true);
    }
    auto reconnected = router_.onConnection(
        [this, alive = std::weak_ptr<int>(alive_)](bool connected, const std::string&) {
            if (!connected || alive.expired()) {
                return;
            }
            for (const auto& [panel, link] : links_) {  // the same epoch, byte for byte
                router_.publish(protocol::panelTopic(site_, panel, protocol::PanelChannel::link),
                                link.announcement, /*retained=*/true);
            }
        });
    if (reconnected) {
        subscriptions_.push_back(std::move(reconnected));
    }
    for (auto channel : {protocol::PanelChannel::request, protocol::PanelChannel::event,
                         protocol::PanelChannel::status, protocol::PanelChannel::ack}) {
        // Requests and events are delivered retained too, so the gateway can clear them.
        auto subscription = router_.subscribe(
            protocol::panelChannelFilter(site_, channel),
            [this, channel, alive = std::weak_ptr<int>(alive_)](const io::MqttMessage& message) {
                if (!alive.expired()) {
                    dispatch(channel, message);
                }
            });
        if (!subscription) {
            subscriptions_.clear();
            return core::makeError(
                "doors.subscribe",
                "cannot subscribe to " + protocol::panelChannelFilter(site_, channel));
        }
        subscriptions_.push_back(std::move(subscription));
    }
    return {};
}

void PanelGateway::stop() {
    alive_ = std::make_shared<int>(0);
    subscriptions_.clear();
    for (auto& [panel, link] : links_) {
        link.flush->cancel();
        flushCoalesced(panel);
    }
}

void PanelGateway::dispatch(protocol::PanelChannel channel, const io::MqttMessage& message) {
    auto topic = protocol::parsePanelTopic(site_, message.topic);
    if (!topic || topic->channel != channel) {
        reportError(core::kMqttForeignTopic, message.topic, "",
                    "topic is not sekimori/" + site_ + "/panel/<panel>/<channel>");
        return;
    }
    if (panels_.count(topic->panel) == 0) {
        reportError(core::kMqttForeignTopic, message.topic, topic->panel,
                    "panel '" + topic->panel + "' is not in the site configuration");
        return;
    }
    const std::string& panel = topic->panel;
    if (message.payload.empty() && channel != protocol::PanelChannel::status) {
        return;  // a retained message being cleared (by us, below): nothing to act on
    }
    switch (channel) {
        case protocol::PanelChannel::request:
            if (message.retained) {
                clearRetained(panel, message);
                return;
            }
            onRequestMessage(panel, message);
            return;
        case protocol::PanelChannel::event:
            if (message.retained) {
                clearRetained(panel, message);
                return;
            }
            onEventMessage(panel, message);
            return;
        case protocol::PanelChannel::status: {
            // Retained on purpose: the broker hands the last status to every new subscriber.
            auto parsed = protocol::parsePanelStatus(message.payload);
            if (!parsed) {
                reportError(core::kMqttBadPayload, message.topic, panel, parsed.error);
                return;
            }
            if (handlers_.onStatus) {
                handlers_.onStatus(panel, *parsed.value);
            }
            return;
        }
        case protocol::PanelChannel::ack:
            if (message.retained) {
                clearRetained(panel, message);
                return;
            }
            onAckMessage(panel, message);
            return;
        case protocol::PanelChannel::reply:
        case protocol::PanelChannel::link:
        case protocol::PanelChannel::command:
            return;  // not subscribed
    }
}

void PanelGateway::clearRetained(const std::string& panel, const io::MqttMessage& message) {
    // A retained request or event would replay at every reconnect and every restart: it is
    // never acted on, and an empty retained publish removes it from the broker.
    core::logWarning(kComponent, "retained message on " + message.topic + " cleared, not acted on");
    router_.publish(message.topic, "", /*retained=*/true);
    nlohmann::json payload{{"panel", panel}, {"topic", message.topic}};
    recorder_.record(
        core::Event{clock_.nowUs(), kPanelRetainedCleared, "panel:" + panel, "", payload.dump()});
}

std::optional<LinkRefusal> PanelGateway::checkCounter(std::uint64_t& last,
                                                      std::uint64_t counter) const {
    if (counter == last) {
        return LinkRefusal::replay;
    }
    if (counter < last) {
        return LinkRefusal::outOfOrder;
    }
    last = counter;
    return std::nullopt;
}

void PanelGateway::onRequestMessage(const std::string& panel, const io::MqttMessage& message) {
    auto parsed = protocol::parsePanelRequest(message.payload);
    if (!parsed) {
        reportError(core::kMqttBadPayload, message.topic, panel, parsed.error);
        return;
    }
    const protocol::PanelRequest& request = *parsed.value;
    LinkState& link = links_.at(panel);
    // MAC first: nothing unauthenticated may move the counter or say which epoch is current.
    const auto body = protocol::bodyBeforeMac(message.payload);
    if (!body || link.macKey.empty() ||
        !macMatches(link.macKey, protocol::requestMacInput(site_, panel, request, *body),
                    request.auth.mac)) {
        refuse(panel, message.topic, LinkRefusal::badMac);
        return;
    }
    if (request.auth.epoch != link.epoch) {
        refuse(panel, message.topic, LinkRefusal::staleEpoch);
        return;
    }
    if (auto refused = checkCounter(link.lastRequest, request.auth.counter)) {
        refuse(panel, message.topic, *refused);
        return;
    }
    if (handlers_.onRequest) {
        handlers_.onRequest(panel, message.topic, request);
    }
}

bool PanelGateway::reportSignatureValid(const std::string& site, const std::string& panel,
                                        std::string_view report, std::string_view sigHex,
                                        const core::Bytes& key) {
    const auto sig = core::fromHex(sigHex);
    if (!sig || sig->size() != crypto_sign_BYTES || key.size() != crypto_sign_PUBLICKEYBYTES) {
        return false;
    }
    const std::string signedBytes = protocol::reportSigningInput(site, panel, report);
    return crypto_sign_verify_detached(u8(*sig), u8(signedBytes), signedBytes.size(), u8(key)) == 0;
}

void PanelGateway::onEventMessage(const std::string& panel, const io::MqttMessage& message) {
    auto parsed = protocol::parsePanelEvent(message.payload);
    if (!parsed) {
        reportError(core::kMqttBadPayload, message.topic, panel, parsed.error);
        return;
    }
    const protocol::PanelEvent& event = *parsed.value;
    auto key = keys_.panelSignKeys.find(panel);
    if (key == keys_.panelSignKeys.end() || key->second.size() != crypto_sign_PUBLICKEYBYTES) {
        refuse(panel, message.topic, LinkRefusal::noKey);
        return;
    }
    const auto report = protocol::reportBeforeSig(message.payload);
    if (!report || !reportSignatureValid(site_, panel, *report, event.sig, key->second)) {
        refuse(panel, message.topic, LinkRefusal::badSignature);
        return;
    }
    // Ordered by the journal's seq, not the counter: a resend is byte-identical (same counter),
    // and a replay is only ever a duplicate seq, acknowledged again and never stored twice.
    LinkState& link = links_.at(panel);
    const IntakeDecision decision = link.intake.offer(event.seq);
    switch (decision.verdict) {
        case IntakeVerdict::take:
            if (decision.skippedGap) {
                core::logWarning(
                    kComponent,
                    "panel " + panel + ": journal entries " + std::to_string(decision.expected) +
                        ".." + std::to_string(event.seq - 1) + " never came (the panel resent " +
                        std::to_string(event.seq) + " without them); taken past the gap");
            }
            takeReport(panel, message.topic, event, SignedReport{*report, event.sig}, decision);
            return;
        case IntakeVerdict::duplicate:
            break;
        case IntakeVerdict::gap:
            if (decision.recordGap) {
                core::logWarning(kComponent, "panel " + panel + ": journal gap, expected seq " +
                                                 std::to_string(decision.expected) + ", got " +
                                                 std::to_string(event.seq));
                nlohmann::json payload{{"panel", panel},
                                       {"expected", decision.expected},
                                       {"received", event.seq},
                                       {"missing", event.seq - decision.expected}};
                recorder_.record(core::Event{clock_.nowUs(), kPanelJournalGap, "panel:" + panel, "",
                                             payload.dump()});
            }
            break;
    }
    if (decision.ackNow) {
        sendEventAck(panel, *decision.ackNow);
    }
}

void PanelGateway::takeReport(const std::string& panel, const std::string& topic,
                              const protocol::PanelEvent& event, const SignedReport& signedReport,
                              const IntakeDecision& decision) {
    LinkState& link = links_.at(panel);
    ReportEvents made;
    if (handlers_.onEvent) {
        made = handlers_.onEvent(panel, topic, event, signedReport);
    }
    const core::TimeUs now = clock_.nowUs();
    const core::TimeUs lateUs =
        std::chrono::duration_cast<std::chrono::microseconds>(kLateAfter).count();
    core::Change change;
    if (made.report.empty()) {
        const nlohmann::json kept{{"kind", protocol::toString(event.kind)},
                                  {"door", event.door},
                                  {"panel_report", signedReport.report},
                                  {"panel_sig", signedReport.sig}};
        made.report.push_back(
            core::Event{now, kPanelReportKept, "panel:" + panel, "", kept.dump()});
    }
    for (auto& e : made.report) {
        auto payload = nlohmann::json::parse(e.payload, nullptr, /*allow_exceptions=*/false);
        if (!payload.is_object()) {
            payload = nlohmann::json::object();
        }
        payload["panel"] = panel;
        payload["panel_seq"] = event.seq;
        payload["occurred_us"] = event.occurredUs;
        payload["late"] = event.occurredUs > 0 && now - event.occurredUs > lateUs;
        e.payload = payload.dump();
        change.events.push_back(std::move(e));
    }
    for (auto& e : made.derived) {
        change.events.push_back(std::move(e));
    }
    // The Change applies only right after the entry before it (or its own retry): a commit that
    // failed leaves the ones behind it unapplied too, so the resends restore the panel's order.
    const std::uint64_t seq = event.seq;
    const std::uint64_t prev = decision.skippedGap ? decision.expected - 1 : seq - 1;
    change.apply = [applied = link.lastApplied, seq,
                    prev](core::Database&) -> core::Result<std::vector<core::Event>> {
        const std::uint64_t last = applied->load();
        if (last != prev && last != seq) {
            return core::makeError("doors.journal_order", "journal entry " + std::to_string(seq) +
                                                              " follows " + std::to_string(last) +
                                                              ", not " + std::to_string(prev));
        }
        applied->store(seq);
        return std::vector<core::Event>{};
    };
    change.onDone = [this, alive = std::weak_ptr<int>(alive_), panel,
                     seq](const core::Result<void>& done) {
        if (alive.expired()) {
            return;
        }
        JournalIntake& intake = links_.at(panel).intake;
        if (!done) {
            core::logWarning(kComponent,
                             "panel " + panel + ": journal entry " + std::to_string(seq) +
                                 " not stored, taken again when resent: " + done.error().message);
            intake.failed(seq);
            return;
        }
        if (auto ack = intake.committed(seq)) {
            sendEventAck(panel, *ack);
        }
    };
    recorder_.commit(std::move(change));
}

void PanelGateway::sendEventAck(const std::string& panel, std::uint64_t seq) {
    auto it = links_.find(panel);
    if (it == links_.end() || !started()) {
        return;
    }
    protocol::PanelCommand command;
    command.id = "ea-" + std::to_string(seq);
    command.type = protocol::CommandType::eventAck;
    command.seq = seq;
    // Cumulative and never answered: not kept for an ack check.
    publishCommand(panel, it->second, std::move(command), /*track=*/false);
}

void PanelGateway::setStoredSeqs(const std::map<std::string, std::uint64_t>& stored) {
    for (auto& [panel, link] : links_) {
        auto it = stored.find(panel);
        const std::uint64_t last = it == stored.end() ? 0 : it->second;
        link.intake = JournalIntake(last);
        link.lastApplied->store(last);
    }
}

const JournalIntake* PanelGateway::intakeOf(const std::string& panel) const {
    auto it = links_.find(panel);
    return it == links_.end() ? nullptr : &it->second.intake;
}

void PanelGateway::onAckMessage(const std::string& panel, const io::MqttMessage& message) {
    auto parsed = protocol::parsePanelAck(message.payload);
    if (!parsed) {
        reportError(core::kMqttBadPayload, message.topic, panel, parsed.error);
        return;
    }
    const protocol::PanelAck& ack = *parsed.value;
    LinkState& link = links_.at(panel);
    const auto body = protocol::bodyBeforeMac(message.payload);
    if (!body || link.macKey.empty() ||
        !macMatches(link.macKey, protocol::ackMacInput(site_, panel, ack, *body), ack.auth.mac)) {
        refuse(panel, message.topic, LinkRefusal::badMac);
        return;
    }
    if (ack.auth.epoch != link.epoch) {
        refuse(panel, message.topic, LinkRefusal::staleEpoch);
        return;
    }
    if (auto refused = checkCounter(link.lastAck, ack.auth.counter)) {
        refuse(panel, message.topic, *refused);
        return;
    }
    // Each command is answered once, by the panel it was sent to.
    auto sent = link.outstanding.find(ack.auth.nonce);
    if (sent == link.outstanding.end() || sent->second != ack.command) {
        refuse(panel, message.topic, LinkRefusal::unknownNonce);
        return;
    }
    link.outstanding.erase(sent);
    if (onAck_) {
        onAck_(panel, ack);
    }
}

bool PanelGateway::sendCommand(const std::string& panel, protocol::PanelCommand command) {
    auto it = links_.find(panel);
    if (it == links_.end() || !started()) {
        return false;
    }
    publishCommand(panel, it->second, std::move(command), /*track=*/true);
    return true;
}

void PanelGateway::publishCommand(const std::string& panel, LinkState& link,
                                  protocol::PanelCommand command, bool track) {
    command.auth.epoch = link.epoch;
    command.auth.counter = ++link.commandCounter;
    command.auth.nonce = core::toHex(core::randomBytes(kEpochBytes));
    command.auth.mac.clear();
    const std::string body = protocol::encodeBody(command);
    command.auth.mac = core::toHex(
        core::keyedHash(link.macKey, protocol::commandMacInput(site_, panel, command, body)));
    if (track) {
        link.outstanding[command.auth.nonce] = command.id;
        link.outstandingOrder.push_back(command.auth.nonce);
        while (link.outstandingOrder.size() > kMaxOutstandingCommands) {
            link.outstanding.erase(link.outstandingOrder.front());
            link.outstandingOrder.pop_front();
        }
    }
    router_.publish(protocol::panelTopic(site_, panel, protocol::PanelChannel::command),
                    protocol::appendMember(body, "mac", command.auth.mac));
}

void PanelGateway::refuse(const std::string& panel, const std::string& topic, LinkRefusal why) {
    LinkState& link = links_.at(panel);
    const core::TimeUs now = clock_.nowUs();
    const core::TimeUs windowUs =
        std::chrono::duration_cast<std::chrono::microseconds>(kRefusalWindow).count();
    if (link.refusedInWindow == 0 || now - link.windowStartUs >= windowUs) {
        flushCoalesced(panel);
        link.windowStartUs = now;
        link.refusedInWindow = 0;
    }
    ++link.refusedInWindow;
    if (link.refusedInWindow > kRefusalsPerWindow) {
        // A flood (a stolen password replaying, a broken panel): counted, one event per window.
        if (link.coalesced.empty()) {
            core::logWarning(kComponent, "panel " + panel +
                                             ": more link refusals this minute are counted, "
                                             "recorded once at the end of the window");
            link.flush->expires_after(kRefusalWindow);
            link.flush->async_wait([this, alive = std::weak_ptr<int>(alive_),
                                    panel](const boost::system::error_code& ec) {
                if (!ec && !alive.expired()) {
                    flushCoalesced(panel);
                }
            });
        }
        ++link.coalesced[std::string(toString(why))];
        return;
    }
    core::logWarning(kComponent, "panel link refused " + topic + ": " + std::string(toString(why)));
    nlohmann::json payload{{"panel", panel}, {"reason", toString(why)}, {"topic", topic}};
    recorder_.record(core::Event{now, kPanelLinkRefused, "panel:" + panel, "", payload.dump()});
}

void PanelGateway::flushCoalesced(const std::string& panel) {
    LinkState& link = links_.at(panel);
    if (link.coalesced.empty()) {
        return;
    }
    int count = 0;
    nlohmann::json reasons = nlohmann::json::object();
    for (const auto& [reason, n] : link.coalesced) {
        reasons[reason] = n;
        count += n;
    }
    link.coalesced.clear();
    nlohmann::json payload{{"panel", panel},
                           {"reason", "coalesced"},
                           {"count", count},
                           {"reasons", reasons},
                           {"window_start_us", link.windowStartUs}};
    recorder_.record(
        core::Event{clock_.nowUs(), kPanelLinkRefused, "panel:" + panel, "", payload.dump()});
}

void PanelGateway::reply(const std::string& panel, protocol::PanelReply message) {
    auto it = links_.find(panel);
    if (it == links_.end()) {
        return;
    }
    message.auth.epoch = it->second.epoch;
    message.auth.mac.clear();
    const std::string body = protocol::encodeBody(message);
    message.auth.mac = core::toHex(
        core::keyedHash(it->second.macKey, protocol::replyMacInput(site_, panel, message, body)));
    router_.publish(protocol::panelTopic(site_, panel, protocol::PanelChannel::reply),
                    protocol::appendMember(body, "mac", message.auth.mac));
}

core::Result<std::map<std::string, std::string>> PanelGateway::enrolledKeys(
    core::Database& reader) {
    auto select = reader.prepare("SELECT payload FROM audit_events WHERE type = ? ORDER BY seq");
    if (!select) {
        return select.error();
    }
    select->bindTextRef(1, kPanelKeyEnrolled.name);
    std::map<std::string, std::string> keys;
    while (true) {
        auto more = select->step();
        if (!more) {
            return more.error();
        }
        if (!*more) {
            break;
        }
        auto payload =
            nlohmann::json::parse(select->columnText(0), nullptr, /*allow_exceptions=*/false);
        if (payload.is_object() && payload.value("panel", "") != "") {
            keys[payload.value("panel", "")] = payload.value("public_key", "");
        }
    }
    return keys;
}

void PanelGateway::enrollKeys(const std::map<std::string, std::string>& inTrail) {
    for (const auto& [panel, key] : keys_.panelSignKeys) {
        if (panels_.count(panel) == 0) {
            continue;
        }
        const std::string hex = core::toHex(key);
        auto known = inTrail.find(panel);
        if (known != inTrail.end() && known->second == hex) {
            continue;
        }
        nlohmann::json payload{{"panel", panel}, {"public_key", hex}};
        core::Event event{clock_.nowUs(), kPanelKeyEnrolled, "panel:" + panel, "", ""};
        if (known == inTrail.end()) {
            event.payload = payload.dump();
            core::logInfo(kComponent, "panel " + panel + ": signing key enrolled " + hex);
            recorder_.record(std::move(event));
        } else {
            // Someone replaced the panel, or its key file: operators must know.
            payload["previous_key"] = known->second;
            event.payload = payload.dump();
            raiseError(std::move(event));
        }
    }
}

void PanelGateway::reportError(core::EventType type, const std::string& topic,
                               const std::string& panel, const std::string& what) {
    core::logWarning(kComponent, std::string(type.name) + " on " + topic + ": " + what);
    core::Event event = edgeErrorEvent(type, topic, panel, what, clock_.nowUs());
    router_.publish(protocol::errorTopic(site_), errorTopicPayload(event));
    recorder_.record(std::move(event));
}

void PanelGateway::raiseError(core::Event event) {
    core::logError(kComponent, event.type + " from " + event.source + ": " + event.payload);
    router_.publish(protocol::errorTopic(site_), errorTopicPayload(event));
    recorder_.record(std::move(event));
}

}  // namespace sekimori::doors
