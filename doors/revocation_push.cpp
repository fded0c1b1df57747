#include "doors/revocation_push.hpp"

#include "core/log.hpp"
#include "doors/door_event_types.hpp"
#include "doors/door_routes.hpp"

namespace sekimori::doors {
namespace {

constexpr std::string_view kComponent = "doors";

std::string text(const core::RecordedEvent& event, const char* field) {
    if (!event.body || !event.body->is_object()) {
        return {};
    }
    auto it = event.body->find(field);
    return it != event.body->end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

RevocationPush::RevocationPush(RevocationPushParts parts) : parts_(std::move(parts)) {}

RevocationPush::~RevocationPush() {
    stop();
}

void RevocationPush::start() {
    if (!tokens_.empty()) {
        return;
    }
    tokens_.push_back(parts_.bus.subscribe(kPersonCardRevoked,
                                           [this](const core::RecordedEvent& e) { onRevoked(e); }));
    tokens_.push_back(parts_.bus.subscribe(
        kPersonDisabled, [this](const core::RecordedEvent& e) { onDisabled(e); }));
    tokens_.push_back(parts_.bus.subscribe(kPersonEnabled,
                                           [this](const core::RecordedEvent& e) { onEnabled(e); }));
}

void RevocationPush::stop() {
    tokens_.clear();
    alive_ = std::make_shared<int>(0);
}

void RevocationPush::onRevoked(const core::RecordedEvent& event) {
    const std::string card = text(event, "card");
    if (!protocol::isDenyListCardId(card)) {
        core::logError(kComponent, "person.card_revoked #" + std::to_string(event.seq) +
                                       " names no card the panels can hold: not pushed");
        return;
    }
    push(std::string(kIdPrefix) + std::to_string(event.seq), text(event, "person"), "card_revoked",
         {card});
}

void RevocationPush::onDisabled(const core::RecordedEvent& event) {
    const std::string person = text(event, "person");
    if (person.empty() || !parts_.cardsOf) {
        return;
    }
    const std::string id = std::string(kIdPrefix) + std::to_string(event.seq);
    parts_.cardsOf(person, [this, alive = std::weak_ptr<int>(alive_), id,
                            person](std::vector<std::string> cards) {
        if (alive.expired() || cards.empty()) {
            return;
        }
        push(id, person, "person_disabled", std::move(cards));
    });
}

void RevocationPush::onEnabled(const core::RecordedEvent& event) {
    const std::string person = text(event, "person");
    if (person.empty() || !parts_.cardsOf) {
        return;
    }
    const std::string id = "rst-" + std::to_string(event.seq);
    parts_.cardsOf(person, [this, alive = std::weak_ptr<int>(alive_), id,
                            person](std::vector<std::string> cards) {
        if (alive.expired() || cards.empty()) {
            return;
        }
        // Nothing still pending for these cards may reach a panel after the restore.
        for (auto& revocation : recent_) {
            if (revocation.person == person) {
                for (auto it = revocation.sentUs.begin(); it != revocation.sentUs.end();) {
                    it = revocation.latency.count(it->first) == 0 ? revocation.sentUs.erase(it)
                                                                  : std::next(it);
                }
                revocation.cause += revocation.cause.ends_with("_lifted") ? "" : "_lifted";
            }
        }
        for (const auto& panel : parts_.panels) {
            if (!parts_.online(panel)) {
                continue;
            }
            protocol::PanelCommand restore;
            restore.id = id;
            restore.type = protocol::CommandType::restore;
            restore.cards = cards;
            parts_.gateway.sendCommand(panel, std::move(restore));
        }
    });
}

void RevocationPush::push(std::string id, std::string person, std::string cause,
                          std::vector<std::string> cards) {
    if (cards.size() > protocol::kMaxCommandCards) {
        cards.resize(protocol::kMaxCommandCards);  // the controller refuses the rest itself
    }
    recent_.push_back(Revocation{std::move(id),
                                 parts_.clock.nowUs(),
                                 std::move(person),
                                 std::move(cause),
                                 std::move(cards),
                                 {},
                                 {}});
    while (recent_.size() > kKept) {
        recent_.pop_front();
    }
    std::vector<std::string> online;
    for (const auto& panel : parts_.panels) {
        if (parts_.online(panel)) {
            online.push_back(panel);
        }
    }
    send(recent_.back(), online);
}

void RevocationPush::send(Revocation& revocation, const std::vector<std::string>& panels) {
    const core::TimeUs now = parts_.clock.nowUs();
    std::vector<std::string> sent;
    for (const auto& panel : panels) {
        protocol::PanelCommand revoke;
        revoke.id = revocation.id;
        revoke.type = protocol::CommandType::revoke;
        revoke.cards = revocation.cards;
        // The revocation itself is durable (person.card_revoked, person.disabled): taking access
        // away is sent at once, beside the record of having sent it.
        if (parts_.gateway.sendCommand(panel, std::move(revoke))) {
            revocation.sentUs.emplace(panel, now);
            sent.push_back(panel);
        }
    }
    nlohmann::json payload{{"revocation", revocation.id},
                           {"cards", revocation.cards},
                           {"panels", sent},
                           {"person", revocation.person},
                           {"cause", revocation.cause}};
    parts_.recorder.record(core::Event{now, std::string(kPanelRevocationSent.name), "doors",
                                       revocation.person, payload.dump()});
}

RevocationPush::Revocation* RevocationPush::find(const std::string& id) {
    for (auto& revocation : recent_) {
        if (revocation.id == id) {
            return &revocation;
        }
    }
    return nullptr;
}

void RevocationPush::panelOnline(const std::string& panel) {
    for (auto& revocation : recent_) {
        if (revocation.latency.count(panel) == 0 && !revocation.cause.ends_with("_lifted")) {
            send(revocation, {panel});
        }
    }
}

bool RevocationPush::acked(const std::string& panel, const protocol::PanelAck& ack) {
    if (!ack.command.starts_with(kIdPrefix)) {
        return ack.command.starts_with("rst-");
    }
    Revocation* revocation = find(ack.command);
    if (revocation == nullptr || revocation->latency.count(panel) != 0) {
        return true;  // forgotten, or a resend's second ack
    }
    const core::TimeUs now = parts_.clock.nowUs();
    auto sent = revocation->sentUs.find(panel);
    const core::TimeUs latency = sent == revocation->sentUs.end() ? 0 : now - sent->second;
    revocation->latency[panel] = latency;
    if (ack.result != protocol::AckResult::done) {
        core::logWarning(kComponent, "panel " + panel + " refused revocation " + ack.command +
                                         ": " + ack.reason);
    }
    nlohmann::json payload{
        {"revocation", revocation->id}, {"panel", panel}, {"latency_us", latency}};
    parts_.recorder.record(core::Event{now, std::string(kPanelRevocationAcked.name),
                                       "panel:" + panel, revocation->person, payload.dump()});
    return true;
}

nlohmann::json RevocationPush::toJson() const {
    nlohmann::json list = nlohmann::json::array();
    for (auto it = recent_.rbegin(); it != recent_.rend(); ++it) {
        nlohmann::json acked = nlohmann::json::array();
        for (const auto& [panel, latency] : it->latency) {
            acked.push_back({{"panel", panel}, {"latency_us", latency}});
        }
        nlohmann::json pending = nlohmann::json::array();
        if (!it->cause.ends_with("_lifted")) {
            for (const auto& panel : parts_.panels) {
                if (it->latency.count(panel) == 0) {
                    pending.push_back(panel);
                }
            }
        }
        list.push_back({{"id", it->id},
                        {"time_us", it->timeUs},
                        {"person", it->person},
                        {"cards", it->cards},
                        {"cause", it->cause},
                        {"acked", acked},
                        {"pending", pending}});
    }
    return {{"revocations", list}};
}

std::vector<core::ApiRoute> RevocationPush::routes() {
    return {{core::HttpMethod::get, "/api/revocations", kDoorViewers, core::RunOn::io,
             [this](const core::ApiCall& call, core::ApiReply reply) {
                 if (!call.query.empty()) {
                     auto bad = core::apiError(
                         400, call.query.begin()->first + ": unknown query parameter");
                     bad.body["code"] = "doors.bad_request";
                     reply(std::move(bad));
                     return;
                 }
                 reply(core::ApiResult{200, toJson()});
             }}};
}

core::Result<std::vector<std::string>> RevocationPush::activeCardsOf(core::Database& db,
                                                                     const std::string& person) {
    auto select = db.prepare(
        "SELECT uid FROM door_cards WHERE person = ?1 AND state = 'active' ORDER BY uid");
    if (!select) {
        return select.error();
    }
    select->bindTextRef(1, person);
    std::vector<std::string> cards;
    while (true) {
        auto more = select->step();
        if (!more) {
            return more.error();
        }
        if (!*more) {
            return cards;
        }
        cards.push_back(select->columnText(0));
    }
}

}  // namespace sekimori::doors
