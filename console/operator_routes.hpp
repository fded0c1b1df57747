#pragma once
// Operator accounts over the API (C4), as the "operators" service: list, add, change a role,
// disable. Nothing that widens who may log in or what they may do takes effect without a
// second security admin: adding an account and changing a role go through the approval engine
// (kinds operators.add and operators.change_role, C3) and answer 202; disabling only narrows
// and answers 200. The one exception is the bootstrap window: while no second enabled
// security_admin exists, the bootstrap admin may add ONE security_admin directly (201, event
// operator.added with "bootstrap": true), which closes the window. Every change is one Change
// through the recorder: the row and its event (with the row digest) commit together.
//
//   GET  /api/operators                  security_admin, auditor
//   POST /api/operators {name,role,person?}   security_admin → 202, or 201 {password} (bootstrap)
//   PUT  /api/operators/{name}/role {role}    security_admin → 202
//   POST /api/operators/{name}/disable        security_admin → 200
// A new account's one-time password is answered once: to the approver (the approve reply's
// "result"), or to the bootstrap admin; the account must change it at first login.
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/event_recorder.hpp"
#include "core/service.hpp"
#include "policy/approval_engine.hpp"

namespace sekimori::console {

inline constexpr std::string_view kOperatorsAddKind = "operators.add";
inline constexpr std::string_view kOperatorsChangeRoleKind = "operators.change_role";

// The two kinds, with the rules of C3 (security_admin asks, another security_admin approves;
// never about oneself). `clock` stamps the events of their effect.
policy::ApprovalKind operatorsAddKind(const core::Clock& clock);
policy::ApprovalKind operatorsChangeRoleKind(const core::Clock& clock);

struct OperatorServiceParts {
    policy::ApprovalEngine& approvals;
    core::EventRecorder& recorder;
    const core::Clock& clock;
    std::string dbPath;  // the site database; the service opens its own reader connections
};

class OperatorService final : public core::Service {
  public:
    explicit OperatorService(OperatorServiceParts parts);

    std::string_view name() const override { return "operators"; }
    // Registers operators.add and operators.change_role with the approval engine.
    core::Result<void> start() override;
    void stop() override {}
    std::vector<core::ApiRoute> routes() override;

  private:
    OperatorServiceParts parts_;
};

}  // namespace sekimori::console
