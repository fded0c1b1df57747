#pragma once
// Enrollment as the daemon does it, for the doors tests: through the real AuditedRecorder (rows
// and events in one Change, so the trail holds every row's digest), and a fingerprint set by
// staging and applying it as its approval would.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/audited_recorder.hpp"
#include "doors/credential_binding.hpp"
#include "doors/enrollment.hpp"

namespace sekimori::doors::test {

inline EnrollmentActor testActor() {
    return EnrollmentActor{"operator:test-admin",
                           {{"actor", "test-admin"}, {"role", "facility_admin"}}};
}

// Stages the template sealed for `person` and applies it, as an approved doors.enroll_template.
inline Enrollment::Events setFingerprint(Enrollment& e, const EnrollmentKeys& keys,
                                         const std::string& person, const core::Bytes& bytes) {
    const std::string approval = "apr-test-" + person;
    if (auto r =
            e.stageFingerprint(approval, person, sealTemplate(keys.templateKey, person, bytes));
        !r) {
        return r.error();
    }
    return e.applyApprovedFingerprint(approval, person);
}

// Commits `action` through `recorder` and waits until it is stored; its events or its error.
inline Enrollment::Events enrollThrough(core::AuditedRecorder& recorder, const core::Clock& clock,
                                        const EnrollmentKeys& keys, const KnownNames& names,
                                        EnrollmentAction action) {
    // Written on the writer thread, read after flush() (which synchronises with it).
    auto outcome = std::make_shared<std::optional<Enrollment::Events>>();
    recorder.commit(enrollmentChange(clock, keys, names, testActor(),
                                     [action = std::move(action), outcome](Enrollment& e) {
                                         auto events = action(e);
                                         *outcome = events;
                                         return events;
                                     }));
    if (auto flushed = recorder.flush(); !flushed) {
        return flushed.error();
    }
    if (!*outcome) {
        return core::makeError("test.enroll", "the enrollment's apply did not run");
    }
    return **outcome;
}

}  // namespace sekimori::doors::test
