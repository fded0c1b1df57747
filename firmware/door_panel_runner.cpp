#include "firmware/door_panel_runner.hpp"

#include <algorithm>
#include <iterator>
#include <memory>
#include <utility>

#include "protocol/panel_commands.hpp"
#include "protocol/panel_link_auth.hpp"

namespace sekimori::firmware {

namespace {

// The journal of a panel without persistent storage: kept in memory only.
class VolatileJournalStore final : public JournalStore {
  public:
    Loaded load() override { return {}; }
    StoreStatus append(const JournalEntry&) override { return {}; }
    StoreStatus acknowledge(std::uint64_t) override { return {}; }
    StoreStatus saveLost(std::uint64_t) override { return {}; }
};

std::unique_ptr<PanelJournal> openVolatileJournal(JournalStore& store) {
    auto journal = std::make_unique<PanelJournal>(JournalConfig{}, store);
    (void)journal->open();  // an empty store always opens
    return journal;
}

}  // namespace

DoorPanelRunner::DoorPanelRunner(PanelConfig config, DoorPanelHal& hal, PanelJournal& journal)
    : config_(std::move(config)), hal_(hal), journal_(journal) {
    boot();
}

DoorPanelRunner::DoorPanelRunner(PanelConfig config, DoorPanelHal& hal)
    : config_(std::move(config)),
      hal_(hal),
      ownStore_(std::make_unique<VolatileJournalStore>()),
      ownJournal_(openVolatileJournal(*ownStore_)),
      journal_(*ownJournal_) {
    boot();
}

DoorPanelRunner::~DoorPanelRunner() = default;

void DoorPanelRunner::boot() {
    // Boot: the offline cache as last stored, stale until the controller's first sync.
    state_ = step(config_, std::move(state_), CacheRestored{hal_.loadCache()}, 0).state;
    // And how full the journal is (a full one applies the site's journal_full policy).
    state_ = step(config_, std::move(state_), journalLevel(), 0).state;
    reportedLevel_ = journal_.pending();
    // The link is taken as up until linkStatus() says otherwise (a host without connection
    // callbacks, the controller's tests): publishing into a link that is down loses nothing, the
    // entries stay in the journal until acknowledged.
    journal_.linkUp(0);
}

JournalLevel DoorPanelRunner::journalLevel() const {
    // The machine is full when pending reaches capacity: the ordinary room, without the slot
    // kept for the journal_near_full notice; a journal that did not open has no room at all.
    const std::uint64_t room =
        journal_.isOpen() && journal_.capacity() > 0 ? journal_.capacity() - 1 : 0;
    return JournalLevel{journal_.pending(), room};
}

std::optional<std::int64_t> DoorPanelRunner::nextDeadline() const {
    const auto machine = firmware::nextDeadline(config_, state_);
    const auto resend = journal_.nextDeadline();
    if (machine && resend) {
        return std::min(*machine, *resend);
    }
    return machine ? machine : resend;
}

bool DoorPanelRunner::journalEvent(protocol::PanelEvent& event, bool notice,
                                   std::vector<Output>& performed) {
    if (!notice && !journal_.hasRoom()) {
        // Never an overwrite: the report is refused, counted, and reported as lost later.
        if (auto counted = journal_.countLost(); !counted) {
            performed.push_back(Ignored{"journal: " + counted.error});
        }
        performed.push_back(
            Ignored{"journal full: " + std::string(protocol::toString(event.kind)) + " not kept"});
        return false;
    }
    event.seq = journal_.nextSeq();
    if (event.occurredUs > 0) {
        lastOccurredUs_ = event.occurredUs;
    } else {
        event.occurredUs = lastOccurredUs_;
    }
    event.sig = hal_.sign(
        protocol::reportSigningInput(config_.site, config_.panel, protocol::encodeReport(event)));
    if (auto kept = journal_.append(protocol::encode(event), notice); !kept) {
        if (!notice) {
            (void)journal_.countLost();
        }
        performed.push_back(Ignored{"journal: " + kept.error});
        return false;
    }
    return true;
}

void DoorPanelRunner::journalNotices(std::vector<Output>& performed) {
    const auto notice = [&](protocol::DoorEventKind kind) {
        protocol::PanelEvent event;
        event.door = config_.door;
        event.kind = kind;
        // The panel's one counter (the machine's nextCounter rule): never repeated.
        state_.counter = std::max(state_.counter + 1, config_.firstCounter);
        event.counter = state_.counter;
        return event;
    };
    if (journal_.nearFullDue()) {
        auto event = notice(protocol::DoorEventKind::journalNearFull);
        event.pending = journal_.pending();
        if (journalEvent(event, /*notice=*/true, performed)) {
            journal_.nearFullReported();
            performed.push_back(SendEvent{std::move(event)});
        }
    }
    if (const auto lost = journal_.overflowDue()) {
        auto event = notice(protocol::DoorEventKind::journalOverflow);
        event.lost = *lost;
        if (journalEvent(event, /*notice=*/true, performed)) {
            if (auto reported = journal_.overflowReported(); !reported) {
                performed.push_back(Ignored{"journal: " + reported.error});
            }
            performed.push_back(SendEvent{std::move(event)});
        }
    }
}

void DoorPanelRunner::upload(std::int64_t nowMs, std::vector<Output>& performed) {
    for (const JournalEntry* entry : journal_.due(nowMs)) {
        // The payload as kept: parsing and encoding it again gives the same bytes (the codec is
        // canonical), so a resend carries the same seq, counter and signature.
        auto event = protocol::parsePanelEvent(entry->payload);
        if (!event) {
            performed.push_back(Ignored{"journal: entry " + std::to_string(entry->seq) +
                                        " does not parse: " + event.error});
            continue;
        }
        hal_.publishEvent(*event.value);
    }
}

// After the outputs: the journal's notices, the upload, and its level into the machine when it
// changed (a full journal changes offline decisions).
void DoorPanelRunner::afterOutputs(std::int64_t nowMs, std::vector<Output>& performed) {
    journalNotices(performed);
    upload(nowMs, performed);
    const auto level = journalLevel();
    const bool wasFull = reportedLevel_ >= level.capacity;
    const bool isFull = level.pending >= level.capacity;
    if (level.pending != reportedLevel_ && (wasFull || isFull)) {
        reportedLevel_ = level.pending;
        auto outputs = handle(level, nowMs);
        performed.insert(performed.end(), std::make_move_iterator(outputs.begin()),
                         std::make_move_iterator(outputs.end()));
    } else {
        reportedLevel_ = level.pending;
    }
}

std::vector<Output> DoorPanelRunner::linkStatus(bool connected, std::int64_t nowMs) {
    if (connected) {
        journal_.linkUp(nowMs);
    } else {
        journal_.linkDown();
    }
    return handle(LinkStatus{connected}, nowMs);  // the machine's view, then the upload
}

std::vector<Output> DoorPanelRunner::handle(const Input& input, std::int64_t nowMs) {
    auto result = step(config_, std::move(state_), input, nowMs);
    state_ = std::move(result.state);
    std::vector<Output> performed;
    performed.reserve(result.outputs.size());
    std::optional<OfflinePinResult> offlinePin;  // offline: the HAL's hash of the typed PIN
    for (auto& output : result.outputs) {
        if (auto* pin = std::get_if<SendPin>(&output)) {
            SendRequest sealed{std::move(pin->request)};
            if (std::holds_alternative<protocol::KeypadCode>(sealed.request.step)) {
                // A keypad code opens the session: it is bound to its own request's nonce.
                sealed.request.auth.nonce = hal_.freshNonce();
                sealed.request.step =
                    protocol::KeypadCode{hal_.sealPin(sealed.request.auth.nonce, pin->digits)};
            } else {
                sealed.request.step =
                    protocol::PinEntered{hal_.sealPin(sealed.request.auth.nonce, pin->digits)};
            }
            pin->digits.assign(pin->digits.size(), '\0');
            output = std::move(sealed);
        }
        if (auto* send = std::get_if<SendRequest>(&output)) {
            auto& request = send->request;
            if (std::holds_alternative<protocol::CardPresented>(request.step)) {
                request.auth.nonce = hal_.freshNonce();
            }
            request.auth.mac = hal_.mac(protocol::requestMacInput(
                config_.site, config_.panel, request, protocol::encodeBody(request)));
            hal_.publishRequest(request);
        } else if (auto* event = std::get_if<SendEvent>(&output)) {
            // Journal first (seq, signature, durable); published by upload() below.
            if (!journalEvent(event->event, /*notice=*/false, performed)) {
                continue;
            }
        } else if (const auto* acked = std::get_if<AckJournal>(&output)) {
            if (auto dropped = journal_.ack(acked->seq, nowMs); !dropped) {
                performed.push_back(Ignored{"journal: " + dropped.error});
            }
        } else if (auto* ack = std::get_if<SendAck>(&output)) {
            ack->ack.auth.mac = hal_.mac(protocol::ackMacInput(
                config_.site, config_.panel, ack->ack, protocol::encodeBody(ack->ack)));
            hal_.publishAck(ack->ack);
        } else if (auto* verify = std::get_if<VerifyOfflinePin>(&output)) {
            offlinePin = OfflinePinResult{hal_.offlinePinHash(verify->person, verify->digits)};
            verify->digits.assign(verify->digits.size(), '\0');
            verify->digits.clear();
        } else if (const auto* cache = std::get_if<CacheChanged>(&output)) {
            hal_.storeCache(cache->bytes);
        } else if (const auto* lock = std::get_if<DriveLock>(&output)) {
            hal_.driveLock(lock->released, lock->ms);
        } else if (const auto* display = std::get_if<Display>(&output)) {
            hal_.display(*display);
        }
        performed.push_back(std::move(output));
    }
    if (offlinePin) {
        for (auto& output : handle(*offlinePin, nowMs)) {
            performed.push_back(std::move(output));
        }
    }
    afterOutputs(nowMs, performed);
    return performed;
}

std::vector<Output> DoorPanelRunner::fingerPlaced(std::string_view liveSample, std::int64_t nowMs) {
    std::optional<int> score;
    if (state_.phase == Phase::awaitingFinger) {
        score = hal_.matchFinger(state_.templateBox, liveSample);
        // Two fingers enrolled: the better of the two scores is the one sent.
        if (!state_.templateBox2.empty()) {
            const std::optional<int> second = hal_.matchFinger(state_.templateBox2, liveSample);
            if (second && (!score || *second > *score)) {
                score = second;
            }
        }
    }
    return handle(FingerPlaced{score}, nowMs);
}

bool DoorPanelRunner::macMatches(std::string_view input, std::string_view mac) {
    const std::string expected = hal_.mac(input);
    if (expected.size() != mac.size()) {
        return false;
    }
    unsigned char difference = 0;
    for (std::size_t i = 0; i < mac.size(); ++i) {
        difference |= static_cast<unsigned char>(expected[i] ^ mac[i]);
    }
    return difference == 0;
}

std::vector<Output> DoorPanelRunner::replyReceived(std::string_view payload, std::int64_t nowMs) {
    auto reply = protocol::parsePanelReply(payload);
    if (!reply) {
        return {Ignored{"reply: " + reply.error}};
    }
    const auto body = protocol::bodyBeforeMac(payload);
    const bool authentic = body && macMatches(protocol::replyMacInput(config_.site, config_.panel,
                                                                      *reply.value, *body),
                                              reply.value->auth.mac);
    return handle(ControllerReply{std::move(*reply.value), authentic}, nowMs);
}

std::vector<Output> DoorPanelRunner::linkReceived(std::string_view payload, std::int64_t nowMs) {
    auto link = protocol::parsePanelLink(payload);
    if (!link) {
        return {Ignored{"link: " + link.error}};
    }
    const auto body = protocol::bodyBeforeMac(payload);
    const bool authentic =
        body && macMatches(protocol::linkMacInput(config_.site, config_.panel, *link.value, *body),
                           link.value->mac);
    const std::string before = state_.linkEpoch;
    auto outputs = handle(LinkAnnounced{std::move(*link.value), authentic}, nowMs);
    if (state_.linkEpoch != before && journal_.online()) {
        // A new controller incarnation: whatever it had not acknowledged goes again, oldest first.
        journal_.linkUp(nowMs);
        upload(nowMs, outputs);
    }
    return outputs;
}

}  // namespace sekimori::firmware

namespace sekimori::firmware {

std::vector<Output> DoorPanelRunner::commandReceived(std::string_view payload, std::int64_t nowMs) {
    auto command = protocol::parsePanelCommand(payload);
    if (!command) {
        return {Ignored{"command: " + command.error}};
    }
    const auto body = protocol::bodyBeforeMac(payload);
    const bool authentic = body && macMatches(protocol::commandMacInput(config_.site, config_.panel,
                                                                        *command.value, *body),
                                              command.value->auth.mac);
    return handle(ControllerCommand{std::move(*command.value), authentic}, nowMs);
}

}  // namespace sekimori::firmware
