#include "witness/witness_link_service.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

#include "core/audit_cosignature.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "protocol/topics.hpp"
#include "witness/witness_event_types.hpp"

namespace sekimori::witness {
namespace {

constexpr const char* kComponent = "witness-link";
constexpr const char* kSource = "audit:witness";

std::optional<core::Hash> hashFromHex(const std::string& hex) {
    auto bytes = core::fromHex(hex);
    if (!bytes || bytes->size() != 32) {
        return std::nullopt;
    }
    core::Hash h{};
    std::copy(bytes->begin(), bytes->end(), h.begin());
    return h;
}

std::optional<core::Cosignature> toCosignature(const protocol::WitnessCosigned& m) {
    auto head = hashFromHex(m.headHash);
    auto sig = core::fromHex(m.signature);
    if (!head || !sig) {
        return std::nullopt;
    }
    return core::Cosignature{m.witness,          m.site,          m.treeSize,     *head,
                             m.checkpointTimeUs, m.witnessTimeUs, std::move(*sig)};
}

}  // namespace

core::Result<void> migrateCosignatureTable(core::Database& db) {
    return db.migrate("witness",
                      {{1,
                        "CREATE TABLE witness_cosignatures(witness TEXT NOT NULL,"
                        " tree_size INTEGER NOT NULL, head_hash BLOB NOT NULL,"
                        " checkpoint_time_us INTEGER NOT NULL, witness_time_us INTEGER NOT NULL,"
                        " signature BLOB NOT NULL,"
                        " PRIMARY KEY(witness, tree_size, checkpoint_time_us))"}});
}

// Where one witness stands, as far as the daemon knows, and what it is waiting for.
struct WitnessLinkService::Peer {
    LinkedWitness linked;
    bool known = false;  // its state or a cosignature arrived
    std::uint64_t treeSize = 0;
    core::Hash headHash{};
    core::TimeUs checkpointTimeUs = 0;
    bool inFlight = false;
    std::uint64_t sentFrom = 0;
    std::uint64_t sentSize = 0;
    core::Hash sentHead{};
    core::TimeUs waitingSinceUs = 0;  // in flight since, or (unknown) since start
    bool silentRecorded = false;
    core::TimeUs retryAfterUs = 0;
    std::string refusalReason;  // of the current episode (until the next cosignature)
};

core::Result<std::unique_ptr<WitnessLinkService>> WitnessLinkService::create(
    WitnessLinkParts parts) {
    auto signer = core::AuditSigner::load(parts.signingKeyPath);
    if (!signer) {
        return signer.error();
    }
    return std::unique_ptr<WitnessLinkService>(
        new WitnessLinkService(std::move(parts), std::move(*signer)));
}

WitnessLinkService::WitnessLinkService(WitnessLinkParts parts, core::AuditSigner signer)
    : parts_(std::move(parts)), signer_(std::move(signer)), timer_(parts_.executor) {
    for (auto& w : parts_.witnesses) {
        auto peer = std::make_unique<Peer>();
        peer->linked = w;
        peers_.push_back(std::move(peer));
    }
}

WitnessLinkService::~WitnessLinkService() {
    stop();
}

core::Result<void> WitnessLinkService::start() {
    running_ = true;
    self_ = std::make_shared<WitnessLinkService*>(this);
    const core::TimeUs now = parts_.clock.nowUs();
    for (auto& peer : peers_) {
        peer->waitingSinceUs = now;
    }
    subscriptions_.push_back(parts_.router.subscribe(
        protocol::witnessChannelFilter(parts_.site, protocol::WitnessChannel::state),
        [this](const io::MqttMessage& m) { onState(m); }));
    subscriptions_.push_back(parts_.router.subscribe(
        protocol::witnessChannelFilter(parts_.site, protocol::WitnessChannel::cosigned),
        [this](const io::MqttMessage& m) { onReply(m); }, io::MqttRouter::Retained::ignore));
    arm(parts_.tickInterval);
    return {};
}

void WitnessLinkService::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    self_.reset();
    timer_.cancel();
    subscriptions_.clear();
    worker_.join();  // a pass under way ends; its result is dropped (self_ is gone)
    reader_.reset();
}

std::optional<std::uint64_t> WitnessLinkService::cosignedSize(const std::string& witness) const {
    for (const auto& peer : peers_) {
        if (peer->linked.config.id == witness && peer->known) {
            return peer->treeSize;
        }
    }
    return std::nullopt;
}

WitnessLinkService::Peer* WitnessLinkService::find(const std::string& id) {
    for (auto& peer : peers_) {
        if (peer->linked.config.id == id) {
            return peer.get();
        }
    }
    return nullptr;
}

void WitnessLinkService::arm(std::chrono::milliseconds after) {
    if (!running_) {
        return;
    }
    timer_.expires_after(after);
    std::weak_ptr<WitnessLinkService*> weak = self_;
    timer_.async_wait([weak](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (!ec && self) {
            (*self)->tick();
        }
    });
}

// One pass: silence first, then one submit for every witness that is due, built on the worker.
// The timer is re-armed only once the pass has come back (passes never overlap).
void WitnessLinkService::tick() {
    if (!running_ || working_) {
        return;
    }
    const core::TimeUs now = parts_.clock.nowUs();
    checkSilence(now);
    std::vector<std::pair<std::string, SubmitRequest>> due;
    for (auto& peer : peers_) {
        if (peer->known && !peer->inFlight && now >= peer->retryAfterUs) {
            due.emplace_back(peer->linked.config.id, SubmitRequest{peer->treeSize, peer->headHash});
        }
    }
    if (due.empty()) {
        arm(parts_.tickInterval);
        return;
    }
    working_ = true;
    std::weak_ptr<WitnessLinkService*> weak = self_;
    boost::asio::post(worker_, [this, weak, due = std::move(due)] {
        using Built = std::vector<std::pair<std::string, core::Result<std::optional<BuiltSubmit>>>>;
        Built built;
        if (!reader_) {
            auto db = core::Database::open(parts_.dbPath, core::Database::Mode::readOnly);
            if (!db) {
                for (const auto& [id, request] : due) {
                    built.emplace_back(id, db.error());
                }
            } else {
                reader_ = std::move(*db);
            }
        }
        if (reader_) {
            for (const auto& [id, request] : due) {
                built.emplace_back(id, readSubmit(*reader_, signer_, request, parts_.submitBudget));
            }
        }
        boost::asio::post(parts_.executor, [weak, built = std::move(built)]() mutable {
            auto self = weak.lock();
            if (!self) {
                return;
            }
            WitnessLinkService& service = **self;
            service.working_ = false;
            const core::TimeUs sentUs = service.parts_.clock.nowUs();
            for (auto& [id, result] : built) {
                Peer* peer = service.find(id);
                if (peer == nullptr) {
                    continue;
                }
                if (!result) {
                    core::logError(kComponent, "cannot build the submit for witness " + id + ": " +
                                                   result.error().message);
                    continue;
                }
                if (!*result) {
                    continue;
                }
                const BuiltSubmit& submit = **result;
                peer->inFlight = true;
                peer->sentFrom = submit.submit.from;
                peer->sentSize = submit.submit.checkpoint.treeSize;
                peer->sentHead = submit.headHash;
                peer->waitingSinceUs = sentUs;
                service.parts_.router.publish(
                    protocol::witnessTopic(service.parts_.site, id,
                                           protocol::WitnessChannel::submit),
                    submit.payload);
            }
            service.arm(service.parts_.tickInterval);
        });
    });
}

void WitnessLinkService::checkSilence(core::TimeUs now) {
    for (auto& peer : peers_) {
        const bool waiting = peer->inFlight || !peer->known;
        const auto silentUs =
            std::chrono::duration_cast<std::chrono::microseconds>(peer->linked.config.silentAfter)
                .count();
        if (!waiting || now - peer->waitingSinceUs < silentUs) {
            continue;
        }
        if (!peer->silentRecorded) {
            peer->silentRecorded = true;
            const std::string& id = peer->linked.config.id;
            raise(kAuditWitnessSilent, id,
                  {{"witness", id},
                   {"since_us", peer->waitingSinceUs},
                   {"pending_tree_size", peer->inFlight ? peer->sentSize : 0},
                   {"cosigned_tree_size", peer->treeSize}},
                  "witness " + id + " silent for " +
                      std::to_string(peer->linked.config.silentAfter.count()) +
                      " s: checkpoints are not being cosigned");
        }
        if (peer->inFlight) {
            // Offer the newest head again (the witness answers a resent one idempotently).
            peer->inFlight = false;
            peer->waitingSinceUs = now;
        }
    }
}

void WitnessLinkService::onState(const io::MqttMessage& message) {
    auto topic = protocol::parseWitnessTopic(parts_.site, message.topic);
    Peer* peer = topic ? find(topic->witness) : nullptr;
    if (peer == nullptr) {
        return;
    }
    auto parsed = protocol::parseWitnessState(message.payload);
    if (!parsed || parsed.value->witness != topic->witness) {
        core::logError(kComponent,
                       "bad state from witness " + topic->witness + ": " +
                           (parsed ? std::string("names another witness") : parsed.error));
        return;
    }
    const auto& state = *parsed.value;
    auto head = hashFromHex(state.headHash);
    if (state.treeSize != 0) {
        protocol::WitnessCosigned asCosigned{
            state.witness,          state.site,          state.treeSize, state.headHash,
            state.checkpointTimeUs, state.witnessTimeUs, state.signature};
        auto c = toCosignature(asCosigned);
        if (!c || c->site != parts_.site || !core::verifyCosignature(*c, peer->linked.publicKey)) {
            core::logError(kComponent, "state of witness " + topic->witness +
                                           " does not verify under its pinned key; ignored");
            return;
        }
    }
    if (!head || peer->inFlight || (peer->known && state.treeSize < peer->treeSize)) {
        return;
    }
    peer->known = true;
    peer->treeSize = state.treeSize;
    peer->headHash = *head;
    peer->checkpointTimeUs = state.checkpointTimeUs;
}

void WitnessLinkService::onReply(const io::MqttMessage& message) {
    auto topic = protocol::parseWitnessTopic(parts_.site, message.topic);
    Peer* peer = topic ? find(topic->witness) : nullptr;
    if (peer == nullptr) {
        return;
    }
    auto parsed = protocol::parseWitnessReply(message.payload);
    if (!parsed) {
        core::logError(kComponent,
                       "bad reply from witness " + topic->witness + ": " + parsed.error);
        return;
    }
    if (const auto* refused = std::get_if<protocol::WitnessRefused>(&*parsed.value)) {
        onRefused(*peer, *refused);
        return;
    }
    onCosigned(*peer, std::get<protocol::WitnessCosigned>(*parsed.value));
}

void WitnessLinkService::onCosigned(Peer& peer, const protocol::WitnessCosigned& reply) {
    const std::string& id = peer.linked.config.id;
    auto cosignature = toCosignature(reply);
    if (!cosignature || cosignature->witness != id || cosignature->site != parts_.site ||
        !core::verifyCosignature(*cosignature, peer.linked.publicKey)) {
        record(peer, "bad_cosignature",
               "a cosignature from witness " + id + " does not verify under its pinned key",
               reply.treeSize);
        return;
    }
    const bool duplicate = peer.known && cosignature->treeSize == peer.treeSize &&
                           cosignature->headHash == peer.headHash &&
                           cosignature->checkpointTimeUs == peer.checkpointTimeUs;
    peer.known = true;
    peer.treeSize = cosignature->treeSize;
    peer.headHash = cosignature->headHash;
    peer.checkpointTimeUs = cosignature->checkpointTimeUs;
    peer.inFlight = false;
    peer.waitingSinceUs = parts_.clock.nowUs();
    peer.silentRecorded = false;
    peer.refusalReason.clear();
    peer.retryAfterUs = 0;
    if (duplicate) {
        return;
    }
    nlohmann::json payload{{"witness", id},
                           {"tree_size", cosignature->treeSize},
                           {"head_hash", core::toHex(cosignature->headHash)},
                           {"checkpoint_time_us", cosignature->checkpointTimeUs},
                           {"witness_time_us", cosignature->witnessTimeUs},
                           {"signature", core::toHex(cosignature->signature)}};
    core::Change change;
    change.events.push_back(
        core::Event{parts_.clock.nowUs(), kAuditCosigned, kSource, id, payload.dump()});
    change.apply =
        [c = *cosignature](core::Database& db) -> core::Result<std::vector<core::Event>> {
        auto insert = db.prepare(
            "INSERT OR IGNORE INTO witness_cosignatures(witness, tree_size, head_hash,"
            " checkpoint_time_us, witness_time_us, signature) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
        if (!insert) {
            return insert.error();
        }
        insert->bind(1, c.witness)
            .bind(2, static_cast<std::int64_t>(c.treeSize))
            .bindBlob(3, c.headHash.data(), c.headHash.size())
            .bind(4, std::int64_t{c.checkpointTimeUs})
            .bind(5, std::int64_t{c.witnessTimeUs})
            .bindBlob(6, c.signature.data(), c.signature.size());
        if (auto r = insert->run(); !r) {
            return r.error();
        }
        return std::vector<core::Event>{};
    };
    change.onDone = [id](const core::Result<void>& done) {
        if (!done) {
            core::logError(kComponent,
                           "cosignature of witness " + id + " not stored: " + done.error().message);
        }
    };
    parts_.recorder.commit(std::move(change));
    // A chunked catch-up goes on at once rather than at the next tick.
    if (!working_) {
        timer_.cancel();
        std::weak_ptr<WitnessLinkService*> weak = self_;
        boost::asio::post(parts_.executor, [weak] {
            if (auto self = weak.lock()) {
                (*self)->tick();
            }
        });
    }
}

// A refusal answers one submit, named by its (from, tree_size). One that answers an older submit
// (resent after a silence, or overtaken by a cosignature the witness gave meanwhile) says nothing
// about the history: the next submit starts from where the witness stands now.
void WitnessLinkService::onRefused(Peer& peer, const protocol::WitnessRefused& refused) {
    const std::string& id = peer.linked.config.id;
    if (refused.reason != "malformed" &&
        (!peer.inFlight || refused.from != peer.sentFrom || refused.treeSize != peer.sentSize)) {
        core::logInfo(kComponent, "witness " + id + ": stale refusal of an older submit (" +
                                      refused.reason + ") ignored");
        return;
    }
    if (refused.reason == "gap" && peer.sentFrom < peer.treeSize) {
        core::logInfo(kComponent, "witness " + id + " moved on to " +
                                      std::to_string(peer.treeSize) +
                                      " since the submit was sent; submitting from there");
        peer.inFlight = false;
        return;
    }
    record(peer, refused.reason, refused.detail, refused.treeSize);
}

void WitnessLinkService::record(Peer& peer, const std::string& reason, const std::string& detail,
                                std::uint64_t treeSize) {
    const std::string& id = peer.linked.config.id;
    const core::TimeUs now = parts_.clock.nowUs();
    peer.inFlight = false;
    peer.waitingSinceUs = now;
    peer.retryAfterUs =
        now +
        std::chrono::duration_cast<std::chrono::microseconds>(parts_.retryAfterRefusal).count();
    if (peer.refusalReason == reason) {
        core::logError(kComponent, "witness " + id + " refused checkpoint " +
                                       std::to_string(treeSize) + " again: " + reason);
        return;
    }
    peer.refusalReason = reason;
    raise(kAuditWitnessRefused, id,
          {{"witness", id}, {"reason", reason}, {"detail", detail}, {"tree_size", treeSize}},
          "witness " + id + " REFUSED checkpoint " + std::to_string(treeSize) + ": " + reason +
              ": " + detail);
}

void WitnessLinkService::raise(core::EventType type, const std::string& witness,
                               nlohmann::json payload, const std::string& logLine) {
    core::logError(kComponent, logLine);
    parts_.recorder.record(
        core::Event{parts_.clock.nowUs(), type, kSource, witness, payload.dump()});
    payload["type"] = std::string(type);
    parts_.router.publish(protocol::errorTopic(parts_.site), payload.dump());
}

}  // namespace sekimori::witness
