#pragma once
// The witness process's one job, on its io thread: hear a submit on
// sekimori/<site>/audit/witness/<id>/submit, decide with checkSubmission, and either cosign
// (log line fsync'd, state file replaced, then the cosignature and the retained state
// published) or refuse loudly (an error log line and a refusal message). It needs nothing of
// the controller but the broker and the pinned controller public key. Appending to its log
// blocks the io thread for one fsync: the process does nothing else, and a cosignature must not
// leave before it is durable.
#include <cstdint>
#include <optional>
#include <string>

#include "core/audit_cosignature.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/result.hpp"
#include "io/mqtt_router.hpp"
#include "witness/cosigner.hpp"

namespace sekimori::witness {

struct WitnessNodeOptions {
    std::string witnessId;
    std::string site;
    core::Bytes controllerPublicKey;  // pinned, 32 bytes
    std::string logPath;              // <state-dir>/witness.log
    std::string statePath;            // <state-dir>/state.json
    CosignerPolicy policy;
};

class WitnessNode {
  public:
    // Recovers the state from the state file and log (recoverWitnessState).
    static core::Result<std::unique_ptr<WitnessNode>> create(io::MqttRouter& router,
                                                             const core::Clock& clock,
                                                             core::CosignatureSigner signer,
                                                             WitnessNodeOptions options);
    // Subscribes to its submit topic and publishes its retained state (again on every
    // reconnect).
    void start();
    void stop();

    const CosignerState& state() const { return state_; }
    std::uint64_t cosignedCount() const { return cosigned_; }
    std::uint64_t refusedCount() const { return refused_; }

    // What the submit handler does with one payload (public for tests).
    void handleSubmit(const std::string& payload);

  private:
    WitnessNode(io::MqttRouter& router, const core::Clock& clock, core::CosignatureSigner signer,
                WitnessNodeOptions options, std::optional<core::WitnessLogEntry> last);
    void refuse(std::string_view reason, const std::string& detail, std::uint64_t treeSize,
                std::uint64_t from);
    void publishCosigned(const core::Cosignature& cosignature);
    void publishState();

    io::MqttRouter& router_;
    const core::Clock& clock_;
    core::CosignatureSigner signer_;
    WitnessNodeOptions options_;
    std::optional<core::WitnessLogEntry> last_;  // newest cosignature given
    CosignerState state_;
    std::uint64_t cosigned_ = 0;
    std::uint64_t refused_ = 0;
    io::MqttRouter::Subscription submitSubscription_;
    io::MqttRouter::Subscription connectionSubscription_;
};

}  // namespace sekimori::witness
