#include "core/audit_panel_signatures.hpp"

#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

namespace sekimori::core {
namespace {

void putString(Bytes& out, std::string_view s) {
    const auto n = static_cast<std::uint32_t>(s.size());
    const char bytes[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                           static_cast<char>(n >> 8), static_cast<char>(n)};
    out.append(bytes, sizeof bytes);
    out.append(s);
}

bool verifyEd25519(std::string_view publicKey, std::string_view signature,
                   std::string_view message) {
    if (publicKey.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
        return false;
    }
    return crypto_sign_verify_detached(
               reinterpret_cast<const unsigned char*>(signature.data()),
               reinterpret_cast<const unsigned char*>(message.data()), message.size(),
               reinterpret_cast<const unsigned char*>(publicKey.data())) == 0;
}

std::optional<Bytes> keyFromHex(const std::string& hex) {
    auto key = fromHex(hex);
    if (!key || key->size() != crypto_sign_PUBLICKEYBYTES) {
        return std::nullopt;
    }
    return std::move(*key);
}

// DIR/<panel>.sign.pub, read once per panel; nullopt when absent or malformed.
class PinnedKeys {
  public:
    explicit PinnedKeys(std::string dir) : dir_(std::move(dir)) {}
    bool enabled() const { return !dir_.empty(); }
    const std::optional<Bytes>& of(const std::string& panel) {
        auto it = cache_.find(panel);
        if (it != cache_.end()) {
            return it->second;
        }
        std::optional<Bytes> key;
        std::ifstream in(std::filesystem::path(dir_) / (panel + ".sign.pub"));
        std::string hex;
        if (in >> hex) {
            key = keyFromHex(hex);
        }
        return cache_.emplace(panel, std::move(key)).first->second;
    }

  private:
    std::string dir_;
    std::map<std::string, std::optional<Bytes>> cache_;
};

std::string seqText(std::uint64_t seq) {
    return "seq " + std::to_string(seq);
}

}  // namespace

Bytes panelReportSigningInput(std::string_view site, std::string_view panel,
                              std::string_view report) {
    Bytes out;
    out.reserve(16 + kPanelReportTag.size() + site.size() + panel.size() + report.size());
    putString(out, kPanelReportTag);
    putString(out, site);
    putString(out, panel);
    putString(out, report);
    return out;
}

Result<PanelSignatureSummary> checkPanelSignatures(Database& db, const std::string& site,
                                                   const std::string& panelKeysDir,
                                                   std::vector<AuditFinding>& findings) {
    if (auto r = initCrypto(); !r) {
        return r.error();
    }
    auto select = db.prepare(
        "SELECT seq, type, payload FROM audit_events"
        " WHERE type IN ('panel.key_enrolled', 'audit.cosigned', 'daemon.started')"
        " OR instr(payload, '\"panel_sig\"') > 0 ORDER BY seq");
    if (!select) {
        return select.error();
    }
    PanelSignatureSummary summary;
    PinnedKeys pinned(panelKeysDir);
    std::map<std::string, Bytes> enrolled;  // panel -> newest key enrolled so far
    std::set<std::string> sites;
    if (!site.empty()) {
        sites.insert(site);
    }
    struct Pending {
        std::uint64_t seq;
        std::map<std::string, Bytes> keys;  // the enrollments in force at the event
        std::string panel;                  // from the payload, when it names one
        std::string report;
        Bytes sig;
    };
    std::vector<Pending> pending;
    for (;;) {
        auto row = select->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        const auto seq = static_cast<std::uint64_t>(select->columnInt(0));
        const std::string type = select->columnText(1);
        const auto body = nlohmann::json::parse(select->columnText(2), nullptr, false);
        if (!body.is_object()) {
            if (type != "audit.cosigned" && type != "daemon.started") {
                findings.push_back({seq, seqText(seq) + ": a panel event whose payload is not a "
                                                        "JSON object"});
            }
            continue;
        }
        const auto text = [&](const char* name) {
            auto it = body.find(name);
            return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        if (type == "audit.cosigned" || type == "daemon.started") {
            if (site.empty() && !text("site").empty()) {
                sites.insert(text("site"));
            }
            if (body.find("panel_sig") == body.end()) {
                continue;
            }
        }
        if (type == "panel.key_enrolled") {
            ++summary.enrolledKeys;
            const std::string panel = text("panel");
            auto key = keyFromHex(text("public_key"));
            if (panel.empty() || !key) {
                findings.push_back({seq, seqText(seq) + ": panel.key_enrolled without a panel "
                                                        "and a 64-hex-digit public_key"});
                continue;
            }
            if (pinned.enabled()) {
                const auto& pin = pinned.of(panel);
                if (!pin) {
                    findings.push_back({seq, seqText(seq) + ": panel " + panel +
                                                 " was enrolled but --panel-keys holds no " +
                                                 panel + ".sign.pub"});
                } else if (*pin != *key) {
                    findings.push_back({seq, seqText(seq) + ": panel " + panel +
                                                 " was enrolled with a key other than its pinned "
                                                 "one (a key put in the panel's place)"});
                }
            }
            enrolled[panel] = std::move(*key);
            continue;
        }
        ++summary.signedEvents;
        const auto sig = fromHex(text("panel_sig"));
        const std::string report = text("panel_report");
        if (!sig || sig->size() != crypto_sign_BYTES || report.empty()) {
            findings.push_back({seq, seqText(seq) + ": panel_sig is not 128 hex digits or "
                                                    "panel_report is missing"});
            continue;
        }
        pending.push_back({seq, enrolled, text("panel"), report, *sig});
    }
    if (!pending.empty() && sites.empty()) {
        findings.push_back({pending.front().seq,
                            std::to_string(pending.size()) +
                                " panel-signed events cannot be checked: the trail names no site; "
                                "pass --site"});
        return summary;
    }
    for (const auto& p : pending) {
        // The panel is the one the payload names, else whichever enrolled panel signed it: the
        // signed bytes hold the panel id, so a signature verifies for one panel only.
        std::vector<std::string> candidates;
        if (!p.panel.empty()) {
            candidates.push_back(p.panel);
        } else {
            for (const auto& [panel, key] : p.keys) {
                candidates.push_back(panel);
            }
        }
        std::optional<std::string> signer;
        for (const auto& s : sites) {
            for (const auto& panel : candidates) {
                auto key = p.keys.find(panel);
                if (key != p.keys.end() &&
                    verifyEd25519(key->second, p.sig,
                                  panelReportSigningInput(s, panel, p.report))) {
                    signer = panel;
                    if (pinned.enabled()) {
                        const auto& pin = pinned.of(panel);
                        if (!pin || !verifyEd25519(*pin, p.sig,
                                                   panelReportSigningInput(s, panel, p.report))) {
                            findings.push_back(
                                {p.seq, seqText(p.seq) + ": the report of panel " + panel +
                                            " does not verify under its pinned key"});
                        }
                    }
                    break;
                }
            }
            if (signer) {
                break;
            }
        }
        if (signer) {
            continue;
        }
        if (!p.panel.empty() && p.keys.count(p.panel) == 0) {
            findings.push_back({p.seq, seqText(p.seq) + ": panel " + p.panel +
                                           " signed a report but the trail enrolled no key for "
                                           "it before"});
        } else if (p.keys.empty()) {
            findings.push_back({p.seq, seqText(p.seq) +
                                           ": a panel-signed report, but the trail enrolled no "
                                           "panel key before it"});
        } else {
            findings.push_back({p.seq, seqText(p.seq) +
                                           ": panel_sig does not verify over panel_report under "
                                           "the key enrolled for the panel (forged or altered "
                                           "report)"});
        }
    }
    return summary;
}

}  // namespace sekimori::core
