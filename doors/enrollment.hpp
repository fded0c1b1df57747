#pragma once
// What `sekimori person ...` does: validates, writes the credential store, and returns the
// audit events to record. Events never hold a PIN or a template, only that one was set.
// An action opens no transaction of its own: run it inside the caller's write transaction
// together with the append of its events (core::commitWithEvents, as the CLI does), so the
// credential change and its audit record are durable together or not at all.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "doors/credential_store.hpp"

namespace sekimori::doors {

inline constexpr std::size_t kMinPinDigits = 4;
inline constexpr std::size_t kMaxPinDigits = 8;
// docs/mqtt.md caps a challenge's template_box at 2048 sealed bytes; sealing adds a 24-byte
// nonce and a 16-byte MAC.
inline constexpr std::size_t kMaxTemplateBytes = 2048 - 40;

struct EnrollmentKeys {
    core::Bytes pepper;       // pin-pepper.key, core::kPepperKeySize bytes
    core::Bytes templateKey;  // template.key, core::kBoxKeySize bytes
};

// Zones and schedules the site configuration defines; grants naming others are refused.
struct KnownNames {
    std::set<std::string> zones;
    std::set<std::string> schedules;
};

class Enrollment {
  public:
    // `actor` is who enrolls (an operator name or "cli"); it becomes each event's source.
    Enrollment(CredentialStore& store, const core::Clock& clock, EnrollmentKeys keys,
               KnownNames names, std::string actor);

    using Events = core::Result<std::vector<core::Event>>;

    Events addPerson(const std::string& id, const std::string& name);
    // Lower-case hex is accepted and stored upper-case. A person's previous active card is
    // revoked by the same action (two events).
    Events setCard(const std::string& person, const std::string& uid);
    Events revokeCard(const std::string& uid);
    // Only the keyed hash is stored; the caller wipes its own copy of `digits`.
    Events setPin(const std::string& person, std::string_view digits);
    Events setFingerprint(const std::string& person, const core::Bytes& templateBytes);
    Events grantZone(const std::string& person, const std::string& zone,
                     const std::string& scheduleId);

  private:
    core::Result<PersonRecord> requirePerson(const std::string& id);
    core::Event event(std::string type, const std::string& subject, std::string payload) const;

    CredentialStore& store_;
    const core::Clock& clock_;
    EnrollmentKeys keys_;
    KnownNames names_;
    std::string actor_;
};

// Card UIDs as the readers send them: 8..20 hex digits; returns the upper-case form.
core::Result<std::string> normalizeCardUid(std::string_view uid);

}  // namespace sekimori::doors
