#include "app/witness_wiring.hpp"

#include "core/audit_checkpoint.hpp"
#include "core/sqlite_db.hpp"
#include "witness/witness_link_service.hpp"

namespace sekimori::app {

core::Result<std::unique_ptr<core::Service>> makeWitnessLinkService(
    const DaemonParts& parts, const witness::WitnessesConfig& config) {
    witness::WitnessLinkParts link{parts.executor,
                                   parts.router,
                                   parts.recorder,
                                   parts.clock,
                                   parts.site.site.id,
                                   parts.paths.database.string(),
                                   parts.paths.signingKey.string(),
                                   {}};
    for (const auto& w : config.witnesses) {
        auto key = core::readPublicKeyFile(w.publicKeyFile.string());
        if (!key) {
            return core::makeError("witness.public_key",
                                   "witness " + w.id + ": " + key.error().message);
        }
        link.witnesses.push_back(witness::LinkedWitness{w, std::move(*key)});
    }
    // The table the recorder's writer stores cosignatures in exists before the first one.
    auto db = core::Database::open(parts.paths.database.string());
    if (!db) {
        return db.error();
    }
    if (auto r = witness::migrateCosignatureTable(**db); !r) {
        return r.error();
    }
    auto service = witness::WitnessLinkService::create(std::move(link));
    if (!service) {
        return service.error();
    }
    return std::unique_ptr<core::Service>(std::move(*service));
}

}  // namespace sekimori::app
