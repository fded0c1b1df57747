#pragma once
// A chain of audit events in memory with the controller's signing key in a temp dir: what the
// witness tests feed the cosigner, and the forger's tools (rewrite with recomputed hashes,
// sign the forged head with the real controller key, as a root on the controller host can).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/audit_chain.hpp"
#include "core/audit_checkpoint.hpp"
#include "core/crypto.hpp"
#include "witness/cosigner.hpp"

namespace sekimori::witness::test {

inline std::filesystem::path makeTempDir(const std::string& name) {
    std::string pattern = (std::filesystem::temp_directory_path() / (name + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    return pattern;
}

struct TestChain {
    std::filesystem::path dir = makeTempDir("sekimori-witness-test");
    core::AuditSigner controller = [this] {
        EXPECT_TRUE(core::initCrypto());
        auto s = core::AuditSigner::loadOrCreate((dir / "audit-signing.key").string());
        if (!s) {
            throw std::runtime_error(s.error().message);
        }
        return std::move(*s);
    }();
    std::vector<SubmittedEvent> events;  // seq 1..n
    std::vector<core::Hash> hashes;      // hashes[i] = hash of seq i+1

    ~TestChain() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    core::Hash headAt(std::uint64_t size) const {
        return size == 0 ? core::Hash{} : hashes[size - 1];
    }

    void append(core::TimeUs timeUs, std::string type = "door.opened") {
        const std::uint64_t seq = events.size() + 1;
        core::Event e{timeUs, std::move(type), "door:d1", "",
                      "{\"n\":" + std::to_string(seq) + "}"};
        hashes.push_back(core::auditEventHash(seq, e, headAt(seq - 1)));
        events.push_back({seq, std::move(e)});
    }
    // Recomputes every hash from `from` on (after an edit of events), as a forger would.
    void rechain() {
        for (std::size_t i = 0; i < events.size(); ++i) {
            hashes[i] = core::auditEventHash(events[i].seq, events[i].event,
                                             i == 0 ? core::Hash{} : hashes[i - 1]);
        }
    }
    // The events from+1..to under a checkpoint of `to` signed with the real controller key.
    Submission submit(std::uint64_t from, std::uint64_t to, core::TimeUs checkpointUs) const {
        Submission s;
        s.checkpoint = controller.sign(to, headAt(to), checkpointUs);
        s.from = from;
        s.events.assign(events.begin() + static_cast<std::ptrdiff_t>(from),
                        events.begin() + static_cast<std::ptrdiff_t>(to));
        return s;
    }
    std::string publicKey() const { return controller.publicKey(); }
};

}  // namespace sekimori::witness::test
