#include "witness/witness_node.hpp"

#include <memory>
#include <variant>

#include "core/log.hpp"
#include "protocol/witness_messages.hpp"
#include "witness/witness_log.hpp"

namespace sekimori::witness {
namespace {

constexpr const char* kComponent = "witness";

CosignerState stateOf(const std::optional<core::WitnessLogEntry>& entry) {
    if (!entry) {
        return {};
    }
    const auto& c = entry->cosignature;
    return CosignerState{c.treeSize, c.headHash, entry->recordedTimeUs, c.checkpointTimeUs};
}

}  // namespace

core::Result<std::unique_ptr<WitnessNode>> WitnessNode::create(io::MqttRouter& router,
                                                               const core::Clock& clock,
                                                               core::CosignatureSigner signer,
                                                               WitnessNodeOptions options) {
    if (options.controllerPublicKey.size() != 32) {
        return core::makeError("witness.controller_key",
                               "the controller public key must be 32 bytes");
    }
    auto last = recoverWitnessState(options.statePath, options.logPath);
    if (!last) {
        return last.error();
    }
    if (*last && ((*last)->cosignature.witness != options.witnessId ||
                  (*last)->cosignature.site != options.site)) {
        return core::makeError("witness.state", options.statePath + " belongs to witness " +
                                                    (*last)->cosignature.witness + " of site " +
                                                    (*last)->cosignature.site);
    }
    return std::unique_ptr<WitnessNode>(
        new WitnessNode(router, clock, std::move(signer), std::move(options), std::move(*last)));
}

WitnessNode::WitnessNode(io::MqttRouter& router, const core::Clock& clock,
                         core::CosignatureSigner signer, WitnessNodeOptions options,
                         std::optional<core::WitnessLogEntry> last)
    : router_(router),
      clock_(clock),
      signer_(std::move(signer)),
      options_(std::move(options)),
      last_(std::move(last)),
      state_(stateOf(last_)) {}

void WitnessNode::start() {
    submitSubscription_ = router_.subscribe(
        protocol::witnessTopic(options_.site, options_.witnessId, protocol::WitnessChannel::submit),
        [this](const io::MqttMessage& m) { handleSubmit(m.payload); },
        io::MqttRouter::Retained::ignore);
    connectionSubscription_ = router_.onConnection([this](bool connected, const std::string&) {
        if (connected) {
            publishState();
        }
    });
    if (router_.connected()) {
        publishState();
    }
}

void WitnessNode::stop() {
    submitSubscription_.reset();
    connectionSubscription_.reset();
}

void WitnessNode::handleSubmit(const std::string& payload) {
    auto parsed = protocol::parseWitnessSubmit(payload);
    if (!parsed) {
        refuse("malformed", parsed.error, 0, 0);
        return;
    }
    const Submission submission = submissionFromWire(*parsed.value);
    const auto outcome = checkSubmission(state_, submission, options_.controllerPublicKey,
                                         clock_.nowUs(), options_.policy);
    if (const auto* refusal = std::get_if<Refusal>(&outcome)) {
        refuse(refusalReasonName(refusal->reason), refusal->detail, submission.checkpoint.treeSize,
               submission.from);
        return;
    }
    const auto& accepted = std::get<Accepted>(outcome);
    if (accepted.duplicate && last_) {
        publishCosigned(last_->cosignature);
        return;
    }
    core::WitnessLogEntry entry;
    entry.cosignature =
        signer_.sign(options_.witnessId, options_.site, accepted.next.treeSize,
                     accepted.next.headHash, accepted.next.checkpointTimeUs, clock_.nowUs());
    entry.recordedTimeUs = accepted.next.recordedTimeUs;
    entry.checkpointSignature = submission.checkpoint.signature;
    // Durable before it leaves: the log first (the evidence), then the state file.
    if (auto r = appendWitnessLog(options_.logPath, entry); !r) {
        refuse("witness_storage", r.error().message, submission.checkpoint.treeSize,
               submission.from);
        return;
    }
    if (auto r = writeStateFile(options_.statePath, entry); !r) {
        core::logError(kComponent,
                       "state file not replaced (the log has the entry): " + r.error().message);
    }
    last_ = entry;
    state_ = accepted.next;
    ++cosigned_;
    core::logInfo(kComponent, "cosigned tree size " + std::to_string(state_.treeSize) + " head " +
                                  core::toHex(state_.headHash).substr(0, 16));
    publishCosigned(entry.cosignature);
    publishState();
}

void WitnessNode::refuse(std::string_view reason, const std::string& detail, std::uint64_t treeSize,
                         std::uint64_t from) {
    ++refused_;
    core::logError(kComponent, "REFUSED checkpoint " + std::to_string(treeSize) + ": " +
                                   std::string(reason) + ": " + detail);
    protocol::WitnessRefused message{options_.witnessId, std::string(reason), detail.substr(0, 512),
                                     treeSize, from};
    router_.publish(protocol::witnessTopic(options_.site, options_.witnessId,
                                           protocol::WitnessChannel::cosigned),
                    protocol::encode(message));
}

void WitnessNode::publishCosigned(const core::Cosignature& c) {
    protocol::WitnessCosigned message{c.witness,
                                      c.site,
                                      c.treeSize,
                                      core::toHex(c.headHash),
                                      c.checkpointTimeUs,
                                      c.witnessTimeUs,
                                      core::toHex(c.signature)};
    router_.publish(protocol::witnessTopic(options_.site, options_.witnessId,
                                           protocol::WitnessChannel::cosigned),
                    protocol::encode(message));
}

void WitnessNode::publishState() {
    protocol::WitnessState message;
    message.witness = options_.witnessId;
    message.site = options_.site;
    message.treeSize = state_.treeSize;
    message.headHash = core::toHex(state_.headHash);
    message.recordedTimeUs = state_.recordedTimeUs;
    message.checkpointTimeUs = state_.checkpointTimeUs;
    if (last_) {
        message.witnessTimeUs = last_->cosignature.witnessTimeUs;
        message.signature = core::toHex(last_->cosignature.signature);
    }
    router_.publish(
        protocol::witnessTopic(options_.site, options_.witnessId, protocol::WitnessChannel::state),
        protocol::encode(message), true);
}

}  // namespace sekimori::witness
