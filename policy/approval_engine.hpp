#pragma once
// Four-eyes approvals (申請・承認): one engine for every change that needs a second person.
// A domain registers a kind (who may ask, who may approve, how long a request lives, what
// approval does); its route asks the engine instead of writing, and answers 202. Each step
// (requested, approved, rejected, expired) is one Change through the recorder with its event;
// approval re-reads the request inside the transaction, checks every rule there and runs the
// kind's apply in the same transaction, so nothing takes effect before approval and an apply
// error leaves the request pending. docs/approvals.md is the contract.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/api_route.hpp"
#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/event_recorder.hpp"
#include "core/result.hpp"
#include "core/roles.hpp"
#include "core/sqlite_db.hpp"
#include "policy/approval_event_types.hpp"

namespace sekimori::policy {

// Error codes (and the HTTP status each route answers with).
inline constexpr std::string_view kApprovalSelf = "approval.self";                 // 403
inline constexpr std::string_view kApprovalRole = "approval.role";                 // 403
inline constexpr std::string_view kApprovalExpiredCode = "approval.expired";       // 409
inline constexpr std::string_view kApprovalNotPending = "approval.not_pending";    // 409
inline constexpr std::string_view kApprovalUnknown = "approval.unknown";           // 404
inline constexpr std::string_view kApprovalUnknownKind = "approval.unknown_kind";  // 400
inline constexpr std::string_view kApprovalBadRequest = "approval.bad_request";    // 400
// Any other error (an apply that refused, the recorder) is answered with the apply's own
// message; its status comes from approvalErrorStatus.

struct ApprovalRequest {
    std::string id;             // "apr-<n>"
    std::string kind;           // "doors.grant_restricted", ...
    nlohmann::json action;      // what the domain will do, as the requester sent it (no secrets!)
    std::string summary;        // one line for people ("grant p-1 server-room 24x7")
    std::string subjectPerson;  // the person (or operator) the change is about; may be empty
    std::string requester;
    core::Role requesterRole = core::Role::deskOperator;
    std::string requesterPerson;
    core::TimeUs createdUs = 0, expiresUs = 0;
    std::string state;  // pending | approved | rejected | expired
    std::string decidedBy;
    core::TimeUs decidedUs = 0;
    std::string reason;  // a rejection's reason; empty otherwise

    // Not stored. Inside approve only: what the kind's prepare made for apply (e.g. a password
    // hash), and what the approver is answered beside the approval ("result": a new
    // operator's one-time password). Never in an event.
    nlohmann::json prepared;
    nlohmann::json reply;
};

// {"id","kind","state","summary","subject","requester","requester_role","created_us",
//  "expires_us","decided_by","decided_us","reason","action"}: what the API answers.
nlohmann::json approvalJson(const ApprovalRequest& request);

// What a kind's prepare hands on: `forApply` becomes request.prepared inside apply, `reply`
// becomes request.reply (answered to the approver as "result").
struct ApprovalPrepared {
    nlohmann::json forApply;
    nlohmann::json reply;
};

struct ApprovalKind {
    std::string name;
    core::RoleSet requesters;  // who may ask
    core::RoleSet approvers;   // who may approve (never the requester; never the subject)
    std::chrono::seconds ttl{std::chrono::hours(24)};
    // Runs inside the approval's transaction on the writer connection, after the engine marked
    // the request approved: writes the domain's rows, returns the events of the effect (with
    // their row_digest). An error rolls the approval back (the request stays pending).
    std::function<core::Result<std::vector<core::Event>>(core::Database&, const ApprovalRequest&)>
        apply;
    // Optional. Runs before the approval's transaction, on the thread that calls approve (the
    // approve route runs on a console worker), for slow work that must not hold the database
    // lock: hashing a new operator's one-time password. An error refuses the approval.
    std::function<core::Result<ApprovalPrepared>(const ApprovalRequest&)> prepare;
    // Optional. Runs inside the transaction that rejects or expires a request of this kind: the
    // domain drops what it staged for it (a pending fingerprint template).
    std::function<core::Result<void>(core::Database&, const ApprovalRequest&)> discard;
};

// Optional, per request: runs inside the request's own transaction once the engine wrote the
// row (so `request.id` is known): the domain stages what must not travel in `action` (a
// sealed fingerprint template, keyed by the approval id, in its own table). An error refuses
// the request.
using ApprovalStage = std::function<core::Result<void>(core::Database&, const ApprovalRequest&)>;

using ApprovalDone = std::function<void(core::Result<ApprovalRequest>)>;

// HTTP status for an error the engine answered: the table above; 409 for other domain refusals
// (an apply that found the state changed), 503 when the recorder could not store.
int approvalErrorStatus(const core::Error& error);

class ApprovalEngine {
  public:
    // `recorder` and `clock` must outlive the engine.
    ApprovalEngine(core::EventRecorder& recorder, const core::Clock& clock);

    // Table approvals (component "approvals"); loads the pending requests' expiries and keeps
    // db.path() for the reads approve needs before its transaction (a kind's prepare).
    core::Result<void> migrate(core::Database& db);
    // Before start; a kind registered twice replaces the first.
    void registerKind(ApprovalKind kind);
    // The site's [approvals] ttl_s: when set, every kind's ttl is this.
    void setTtlOverride(std::optional<std::chrono::seconds> ttl);
    std::optional<ApprovalKind> kind(const std::string& name) const;

    // All three commit through the recorder (one Change each) and answer from onDone, on the
    // io executor, once the step is durable or refused inside its transaction. A refusal found
    // before (unknown kind, a requester's role) is answered at once on the caller's thread.
    // Safe from any thread. approve blocks (a read, the kind's prepare) when the request's kind
    // has a prepare: call it off the io thread, as the route does.
    void request(const core::ApiCall& by, std::string kind, nlohmann::json action,
                 std::string summary, std::string subjectPerson, ApprovalDone done,
                 ApprovalStage stage = {});
    void approve(const core::ApiCall& by, const std::string& id, ApprovalDone done);
    void reject(const core::ApiCall& by, const std::string& id, std::string reason,
                ApprovalDone done);

    // Non-blocking, from the io thread: when a pending request's expiry has passed, commits one
    // Change that re-checks each in its transaction and records approval.expired for it. Returns
    // how many were due (0: nothing committed). The service calls it from a timer; tests call it
    // after moving the clock. The engine knows the pending expiries from migrate and its own
    // steps, so an idle sweep touches no database.
    std::size_t sweepExpired();

    // One request, or those matching the filters (newest first), on a reader connection.
    static core::Result<std::optional<ApprovalRequest>> find(core::Database& db,
                                                             const std::string& id);
    static core::Result<std::vector<ApprovalRequest>> list(core::Database& db,
                                                           const std::string& state,
                                                           const std::string& kind,
                                                           std::size_t limit = 500);

    // GET /api/approvals, POST /api/approvals/{id}/approve, POST /api/approvals/{id}/reject
    // (docs/approvals.md). The list carries the site's UTC offset for the page's times.
    std::vector<core::ApiRoute> routes(std::string dbPath, int utcOffsetMinutes = 0);

    // What `by` may do with `request` now (the rules, without the transaction): empty when it
    // may approve, else the refusal. The list route tells the page which buttons to offer.
    std::optional<core::Error> approvalRefusal(const core::ApiCall& by,
                                               const ApprovalRequest& request) const;

  private:
    void commitApprove(const core::ApiCall& by, const std::string& id, ApprovalPrepared prepared,
                       ApprovalDone done);
    void notePending(const ApprovalRequest& request);
    void noteDecided(const std::string& id);

    core::EventRecorder& recorder_;
    const core::Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::string, ApprovalKind, std::less<>> kinds_;
    std::optional<std::chrono::seconds> ttlOverride_;
    std::string readerPath_;
    std::map<std::string, core::TimeUs> pendingExpiry_;  // id -> expires_us
    bool sweeping_ = false;
};

}  // namespace sekimori::policy
