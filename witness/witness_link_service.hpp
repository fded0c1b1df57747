#pragma once
// The daemon's side of its audit witnesses (docs/witness.md). For each configured witness it
// reads the witness's retained state, and after each checkpoint submits the events from the
// witness's size to the new head (built on its own worker thread with its own reader
// connection: never SQLite on the io thread), one submit in flight per witness, chunked under
// 200 KiB. Each cosignature that verifies under the witness's pinned key is stored in
// witness_cosignatures through the recorder (event audit.cosigned); a refusal is an error
// operators must hear (audit.witness_refused, an error log line, the error topic); a witness
// that does not answer is recorded as audit.witness_silent.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/audit_checkpoint.hpp"
#include "core/clock.hpp"
#include "core/event_recorder.hpp"
#include "core/event_type.hpp"
#include "core/service.hpp"
#include "core/sqlite_db.hpp"
#include "io/mqtt_router.hpp"
#include "protocol/witness_messages.hpp"
#include "witness/submit_reader.hpp"
#include "witness/witness_config.hpp"

namespace sekimori::witness {

struct LinkedWitness {
    WitnessConfig config;
    core::Bytes publicKey;  // pinned, 32 bytes (read from config.publicKeyFile by the wiring)
};

struct WitnessLinkParts {
    boost::asio::any_io_executor executor;
    io::MqttRouter& router;
    core::EventRecorder& recorder;
    const core::Clock& clock;
    std::string site;
    std::string dbPath;          // the service opens its own reader connection on its worker
    std::string signingKeyPath;  // the daemon's audit key: signs intermediate heads
    std::vector<LinkedWitness> witnesses;
    std::chrono::milliseconds tickInterval{1000};
    // After a refusal, the next submit to that witness waits this long.
    std::chrono::milliseconds retryAfterRefusal{10'000};
    std::size_t submitBudget = protocol::kMaxWitnessSubmitBytes;
};

// witness_cosignatures (migration component "witness"). Not audit_*: the audit schema contract
// (core/audit_schema.hpp) admits exactly the chain's two tables under that prefix, and the
// cosignatures are evidence about the chain, not part of it (each is in the chain as
// audit.cosigned).
core::Result<void> migrateCosignatureTable(core::Database& db);

class WitnessLinkService final : public core::Service {
  public:
    // Loads the audit signing key (the recorder made it) to sign intermediate heads.
    static core::Result<std::unique_ptr<WitnessLinkService>> create(WitnessLinkParts parts);
    ~WitnessLinkService() override;

    std::string_view name() const override { return "witness"; }
    core::Result<void> start() override;
    void stop() override;

    // io thread: the newest cosigned size known for a witness (nullopt: unknown yet).
    std::optional<std::uint64_t> cosignedSize(const std::string& witness) const;

  private:
    struct Peer;
    WitnessLinkService(WitnessLinkParts parts, core::AuditSigner signer);
    Peer* find(const std::string& id);
    void arm(std::chrono::milliseconds after);
    void tick();
    void checkSilence(core::TimeUs now);
    void onState(const io::MqttMessage& message);
    void onReply(const io::MqttMessage& message);
    void onCosigned(Peer& peer, const protocol::WitnessCosigned& reply);
    void onRefused(Peer& peer, const protocol::WitnessRefused& refused);
    void record(Peer& peer, const std::string& reason, const std::string& detail,
                std::uint64_t treeSize);
    void raise(core::EventType type, const std::string& witness, nlohmann::json payload,
               const std::string& logLine);

    WitnessLinkParts parts_;
    core::AuditSigner signer_;
    std::vector<std::unique_ptr<Peer>> peers_;
    boost::asio::steady_timer timer_;
    bool running_ = false;
    bool working_ = false;  // a worker pass is under way (passes never overlap)
    std::vector<io::MqttRouter::Subscription> subscriptions_;
    // Handlers posted from the worker reach the service through this only while it runs.
    std::shared_ptr<WitnessLinkService*> self_;
    // Worker-thread state: its reader connection.
    std::unique_ptr<core::Database> reader_;
    boost::asio::thread_pool worker_{1};
};

}  // namespace sekimori::witness
