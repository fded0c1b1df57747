#include "policy/approval_engine.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "core/api_actor.hpp"
#include "core/log.hpp"
#include "policy/approval_store.hpp"

namespace sekimori::policy {
namespace {

constexpr std::string_view kComponent = "approvals";
constexpr std::string_view kPending = "pending";
constexpr std::size_t kMaxReason = 500;

using Kinds = std::map<std::string, ApprovalKind, std::less<>>;

core::Error refusal(std::string_view code, std::string message) {
    return core::makeError(std::string(code), std::move(message));
}

bool isAbout(const core::ApiCall& by, const std::string& subject) {
    return !subject.empty() &&
           (subject == by.actor || (!by.actorPerson.empty() && subject == by.actorPerson));
}

bool isRequester(const core::ApiCall& by, const ApprovalRequest& request) {
    return by.actor == request.requester ||
           (!by.actorPerson.empty() && by.actorPerson == request.requesterPerson);
}

// Member names that hold a secret: an action names what will change, never the secret itself
// (the domain stages that in its own table, keyed by the approval id).
bool holdsSecret(const nlohmann::json& value) {
    static constexpr std::array<std::string_view, 9> kSecretNames{
        "pin",          "pin_hash", "password", "password_hash", "template",
        "template_b64", "secret",   "key",      "private_key"};
    if (value.is_array()) {
        return std::any_of(value.begin(), value.end(), holdsSecret);
    }
    if (!value.is_object()) {
        return false;
    }
    for (const auto& [name, member] : value.items()) {
        if (std::find(kSecretNames.begin(), kSecretNames.end(), name) != kSecretNames.end() ||
            holdsSecret(member)) {
            return true;
        }
    }
    return false;
}

nlohmann::json stepFields(const ApprovalRequest& request) {
    return {{"id", request.id},
            {"kind", request.kind},
            {"summary", request.summary},
            {"subject", request.subjectPerson}};
}

core::Event stepEvent(core::EventType type, const ApprovalRequest& request, std::string source,
                      nlohmann::json fields, core::TimeUs now) {
    nlohmann::json payload = stepFields(request);
    payload.update(fields);
    return core::Event{now, std::string(type), std::move(source), request.subjectPerson,
                       payload.dump()};
}

core::Event stepEvent(core::EventType type, const ApprovalRequest& request, const core::ApiCall& by,
                      nlohmann::json fields, core::TimeUs now) {
    nlohmann::json merged = core::actorFields(by);
    merged.update(fields);
    return stepEvent(type, request, core::actorSource(by), std::move(merged), now);
}

// Every event of an approval's effect names the approval, so the trail links what changed to
// who asked and who approved.
void tagEffect(core::Event& event, const ApprovalRequest& request, core::TimeUs now) {
    if (event.timeUs == 0) {
        event.timeUs = now;
    }
    auto payload = nlohmann::json::parse(event.payload, nullptr, false);
    if (!payload.is_object()) {
        return;
    }
    payload["approval"] = request.id;
    payload["approved_by"] = request.decidedBy;
    payload["requested_by"] = request.requester;
    event.payload = payload.dump();
}

std::string roleList(const core::RoleSet& roles) {
    std::string out;
    for (const auto& name : roles.names()) {
        out += (out.empty() ? "" : " or ") + name;
    }
    return out.empty() ? "no role" : out;
}

// Marks a pending request expired inside the current transaction, drops what its domain staged
// and returns the approval.expired event.
core::Result<core::Event> expireInside(core::Database& db, ApprovalRequest& request,
                                       const ApprovalKind* kind, core::TimeUs now) {
    if (kind != nullptr && kind->discard) {
        if (auto r = kind->discard(db, request); !r) {
            return r.error();
        }
    }
    request.state = "expired";
    request.decidedBy.clear();
    request.decidedUs = now;
    if (auto r = decideApproval(db, request); !r) {
        return r.error();
    }
    return stepEvent(kApprovalExpired, request, std::string(kComponent),
                     {{"expires_us", request.expiresUs}}, now);
}

const ApprovalKind* findKind(const Kinds& kinds, const std::string& name) {
    auto it = kinds.find(name);
    return it == kinds.end() ? nullptr : &it->second;
}

// What an approve or reject hears back from its transaction.
struct StepOutcome {
    ApprovalRequest request;
    std::optional<core::Error> refusal;  // set when the transaction recorded the expiry
};

}  // namespace

nlohmann::json approvalJson(const ApprovalRequest& request) {
    return {{"id", request.id},
            {"kind", request.kind},
            {"state", request.state},
            {"summary", request.summary},
            {"subject", request.subjectPerson},
            {"requester", request.requester},
            {"requester_role", std::string(core::roleName(request.requesterRole))},
            {"created_us", request.createdUs},
            {"expires_us", request.expiresUs},
            {"decided_by", request.decidedBy},
            {"decided_us", request.decidedUs},
            {"reason", request.reason},
            {"action", request.action}};
}

int approvalErrorStatus(const core::Error& error) {
    const std::string& c = error.code;
    if (c == kApprovalSelf || c == kApprovalRole) {
        return 403;
    }
    if (c == kApprovalExpiredCode || c == kApprovalNotPending) {
        return 409;
    }
    if (c == kApprovalUnknown) {
        return 404;
    }
    if (c == kApprovalUnknownKind || c == kApprovalBadRequest) {
        return 400;
    }
    if (c.rfind("audit.", 0) == 0) {
        return 503;  // the recorder could not store (queue full, stopped, disk)
    }
    if (c == "approval.secret_in_action" || c == "approval.store") {
        return 500;  // a domain's bug
    }
    return 409;  // the domain refused the effect: its state changed since the request
}

ApprovalEngine::ApprovalEngine(core::EventRecorder& recorder, const core::Clock& clock)
    : recorder_(recorder), clock_(clock) {}

core::Result<void> ApprovalEngine::migrate(core::Database& db) {
    if (auto r = migrateApprovalStore(db); !r) {
        return r;
    }
    auto pending = pendingExpiries(db);
    if (!pending) {
        return pending.error();
    }
    std::lock_guard lock(mutex_);
    readerPath_ = db.path();
    for (const auto& [id, expiresUs] : *pending) {
        pendingExpiry_[id] = expiresUs;
    }
    return {};
}

void ApprovalEngine::registerKind(ApprovalKind kind) {
    std::lock_guard lock(mutex_);
    std::string name = kind.name;
    kinds_.insert_or_assign(std::move(name), std::move(kind));
}

void ApprovalEngine::setTtlOverride(std::optional<std::chrono::seconds> ttl) {
    std::lock_guard lock(mutex_);
    ttlOverride_ = ttl;
}

std::optional<ApprovalKind> ApprovalEngine::kind(const std::string& name) const {
    std::lock_guard lock(mutex_);
    const ApprovalKind* k = findKind(kinds_, name);
    return k == nullptr ? std::nullopt : std::optional<ApprovalKind>(*k);
}

std::optional<core::Error> ApprovalEngine::approvalRefusal(const core::ApiCall& by,
                                                           const ApprovalRequest& request) const {
    if (request.state != kPending) {
        return refusal(kApprovalNotPending, request.id + " is already " + request.state);
    }
    if (clock_.nowUs() >= request.expiresUs) {
        return refusal(kApprovalExpiredCode, request.id + " has expired");
    }
    if (isRequester(by, request)) {
        return refusal(kApprovalSelf, request.id + " was requested by " + request.requester +
                                          "; another person must approve it");
    }
    if (isAbout(by, request.subjectPerson)) {
        return refusal(kApprovalSelf, request.id + " is about " + request.subjectPerson +
                                          "; nobody approves a change about themselves");
    }
    auto k = kind(request.kind);
    if (!k) {
        return refusal(kApprovalUnknownKind, "no approval kind " + request.kind);
    }
    if (!k->approvers.contains(by.role)) {
        return refusal(kApprovalRole,
                       "approving " + request.kind + " takes the role " + roleList(k->approvers));
    }
    return std::nullopt;
}

void ApprovalEngine::request(const core::ApiCall& by, std::string kindName, nlohmann::json action,
                             std::string summary, std::string subjectPerson, ApprovalDone done,
                             ApprovalStage stage) {
    auto k = kind(kindName);
    if (!k) {
        done(refusal(kApprovalUnknownKind, "no approval kind " + kindName));
        return;
    }
    if (!k->requesters.contains(by.role)) {
        done(refusal(kApprovalRole,
                     "asking for " + kindName + " takes the role " + roleList(k->requesters)));
        return;
    }
    if (isAbout(by, subjectPerson)) {
        done(refusal(kApprovalSelf,
                     "nobody may ask for a change about themselves (" + subjectPerson + ")"));
        return;
    }
    if (!action.is_object()) {
        done(refusal(kApprovalBadRequest, "action: must be a JSON object"));
        return;
    }
    if (holdsSecret(action)) {
        // A domain's bug: the request row and its event would carry the secret.
        done(core::makeError("approval.secret_in_action",
                             kindName + ": an action must not hold a secret"));
        return;
    }
    std::chrono::seconds ttl = k->ttl;
    {
        std::lock_guard lock(mutex_);
        if (ttlOverride_) {
            ttl = *ttlOverride_;
        }
    }
    ApprovalRequest row;
    row.kind = std::move(kindName);
    row.action = std::move(action);
    row.summary = summary.empty() ? row.kind : std::move(summary);
    row.subjectPerson = std::move(subjectPerson);
    row.requester = by.actor;
    row.requesterRole = by.role;
    row.requesterPerson = by.actorPerson;
    row.createdUs = clock_.nowUs();
    row.expiresUs = row.createdUs + std::chrono::microseconds(ttl).count();
    row.state = std::string(kPending);

    auto outcome = std::make_shared<ApprovalRequest>();
    core::Change change;
    change.apply = [row, by, stage = std::move(stage),
                    outcome](core::Database& db) -> core::Result<std::vector<core::Event>> {
        ApprovalRequest stored = row;
        auto id = insertApproval(db, stored);
        if (!id) {
            return id.error();
        }
        stored.id = std::move(*id);
        if (stage) {
            if (auto r = stage(db, stored); !r) {
                return r.error();
            }
        }
        *outcome = stored;
        return std::vector<core::Event>{stepEvent(
            kApprovalRequested, stored, by, {{"expires_us", stored.expiresUs}}, stored.createdUs)};
    };
    change.onDone = [this, outcome, done = std::move(done)](const core::Result<void>& result) {
        if (!result) {
            done(result.error());
            return;
        }
        notePending(*outcome);
        done(*outcome);
    };
    recorder_.commit(std::move(change));
}

void ApprovalEngine::approve(const core::ApiCall& by, const std::string& id, ApprovalDone done) {
    bool anyPrepare = false;
    std::string readerPath;
    {
        std::lock_guard lock(mutex_);
        anyPrepare = std::any_of(kinds_.begin(), kinds_.end(),
                                 [](const auto& k) { return static_cast<bool>(k.second.prepare); });
        readerPath = readerPath_;
    }
    ApprovalPrepared prepared;
    if (anyPrepare && !readerPath.empty()) {
        // The slow part of the effect (a password hash) is made before the transaction, once
        // the rules say this approver may approve; the transaction checks them again.
        auto reader = core::Database::open(readerPath, core::Database::Mode::readOnly);
        if (!reader) {
            done(reader.error());
            return;
        }
        auto found = readApproval(**reader, id);
        if (!found) {
            done(found.error());
            return;
        }
        if (!*found) {
            done(refusal(kApprovalUnknown, "no approval request " + id));
            return;
        }
        const ApprovalRequest& request = **found;
        auto refused = approvalRefusal(by, request);
        if (refused && refused->code != kApprovalExpiredCode) {
            done(*refused);
            return;
        }
        auto k = kind(request.kind);
        if (!refused && k && k->prepare) {
            auto made = k->prepare(request);
            if (!made) {
                done(made.error());
                return;
            }
            prepared = std::move(*made);
        }
    }
    commitApprove(by, id, std::move(prepared), std::move(done));
}

void ApprovalEngine::commitApprove(const core::ApiCall& by, const std::string& id,
                                   ApprovalPrepared prepared, ApprovalDone done) {
    Kinds kinds;
    {
        std::lock_guard lock(mutex_);
        kinds = kinds_;
    }
    auto outcome = std::make_shared<StepOutcome>();
    core::Change change;
    change.apply = [by, id, prepared = std::move(prepared), kinds = std::move(kinds),
                    clock = &clock_,
                    outcome](core::Database& db) -> core::Result<std::vector<core::Event>> {
        *outcome = StepOutcome{};
        const core::TimeUs now = clock->nowUs();
        auto found = readApproval(db, id);
        if (!found) {
            return found.error();
        }
        if (!*found) {
            return refusal(kApprovalUnknown, "no approval request " + id);
        }
        ApprovalRequest request = std::move(**found);
        const ApprovalKind* kind = findKind(kinds, request.kind);
        if (request.state != kPending) {
            return refusal(kApprovalNotPending, id + " is already " + request.state);
        }
        if (now >= request.expiresUs) {
            auto expired = expireInside(db, request, kind, now);
            if (!expired) {
                return expired.error();
            }
            outcome->request = request;
            outcome->refusal = refusal(kApprovalExpiredCode, id + " has expired");
            return std::vector<core::Event>{std::move(*expired)};
        }
        if (isRequester(by, request)) {
            return refusal(kApprovalSelf, id + " was requested by " + request.requester +
                                              "; another person must approve it");
        }
        if (isAbout(by, request.subjectPerson)) {
            return refusal(kApprovalSelf, id + " is about " + request.subjectPerson +
                                              "; nobody approves a change about themselves");
        }
        if (kind == nullptr || !kind->apply) {
            return refusal(kApprovalUnknownKind, "no approval kind " + request.kind);
        }
        if (!kind->approvers.contains(by.role)) {
            return refusal(kApprovalRole, "approving " + request.kind + " takes the role " +
                                              roleList(kind->approvers));
        }
        request.state = "approved";
        request.decidedBy = by.actor;
        request.decidedUs = now;
        if (auto r = decideApproval(db, request); !r) {
            return r.error();
        }
        request.prepared = prepared.forApply;
        request.reply = prepared.reply;
        auto effect = kind->apply(db, request);
        if (!effect) {
            return effect.error();  // the savepoint rolls the approval back with it
        }
        std::vector<core::Event> events;
        events.reserve(effect->size() + 1);
        events.push_back(stepEvent(kApprovalApproved, request, by,
                                   {{"requester", request.requester},
                                    {"requester_role", core::roleName(request.requesterRole)}},
                                   now));
        for (auto& event : *effect) {
            tagEffect(event, request, now);
            events.push_back(std::move(event));
        }
        request.prepared = nullptr;
        outcome->request = std::move(request);
        return events;
    };
    change.onDone = [this, id, outcome, done = std::move(done)](const core::Result<void>& result) {
        if (!result) {
            done(result.error());
            return;
        }
        noteDecided(id);
        if (outcome->refusal) {
            done(*outcome->refusal);
            return;
        }
        core::logInfo(kComponent, outcome->request.id + " (" + outcome->request.kind +
                                      ") approved by " + outcome->request.decidedBy);
        done(outcome->request);
    };
    recorder_.commit(std::move(change));
}

void ApprovalEngine::reject(const core::ApiCall& by, const std::string& id, std::string reason,
                            ApprovalDone done) {
    if (reason.empty() || reason.size() > kMaxReason) {
        done(refusal(kApprovalBadRequest,
                     "reason: must be 1 to " + std::to_string(kMaxReason) + " characters"));
        return;
    }
    Kinds kinds;
    {
        std::lock_guard lock(mutex_);
        kinds = kinds_;
    }
    auto outcome = std::make_shared<StepOutcome>();
    core::Change change;
    change.apply = [by, id, reason = std::move(reason), kinds = std::move(kinds), clock = &clock_,
                    outcome](core::Database& db) -> core::Result<std::vector<core::Event>> {
        *outcome = StepOutcome{};
        const core::TimeUs now = clock->nowUs();
        auto found = readApproval(db, id);
        if (!found) {
            return found.error();
        }
        if (!*found) {
            return refusal(kApprovalUnknown, "no approval request " + id);
        }
        ApprovalRequest request = std::move(**found);
        const ApprovalKind* kind = findKind(kinds, request.kind);
        if (request.state != kPending) {
            return refusal(kApprovalNotPending, id + " is already " + request.state);
        }
        if (now >= request.expiresUs) {
            auto expired = expireInside(db, request, kind, now);
            if (!expired) {
                return expired.error();
            }
            outcome->request = request;
            outcome->refusal = refusal(kApprovalExpiredCode, id + " has expired");
            return std::vector<core::Event>{std::move(*expired)};
        }
        // The requester may withdraw; anyone else decides as an approver would, and never
        // about themselves.
        const bool withdrawn = isRequester(by, request);
        if (!withdrawn) {
            if (isAbout(by, request.subjectPerson)) {
                return refusal(kApprovalSelf, id + " is about " + request.subjectPerson +
                                                  "; nobody decides a change about themselves");
            }
            if (kind == nullptr || !kind->approvers.contains(by.role)) {
                return refusal(kApprovalRole,
                               "rejecting " + request.kind + " takes the role " +
                                   (kind == nullptr ? "of its kind" : roleList(kind->approvers)));
            }
        }
        if (kind != nullptr && kind->discard) {
            if (auto r = kind->discard(db, request); !r) {
                return r.error();
            }
        }
        request.state = "rejected";
        request.decidedBy = by.actor;
        request.decidedUs = now;
        request.reason = reason;
        if (auto r = decideApproval(db, request); !r) {
            return r.error();
        }
        outcome->request = request;
        return std::vector<core::Event>{stepEvent(
            kApprovalRejected, request, by, {{"reason", reason}, {"withdrawn", withdrawn}}, now)};
    };
    change.onDone = [this, id, outcome, done = std::move(done)](const core::Result<void>& result) {
        if (!result) {
            done(result.error());
            return;
        }
        noteDecided(id);
        if (outcome->refusal) {
            done(*outcome->refusal);
            return;
        }
        done(outcome->request);
    };
    recorder_.commit(std::move(change));
}

std::size_t ApprovalEngine::sweepExpired() {
    const core::TimeUs now = clock_.nowUs();
    std::vector<std::string> due;
    Kinds kinds;
    {
        std::lock_guard lock(mutex_);
        if (sweeping_) {
            return 0;
        }
        for (const auto& [id, expiresUs] : pendingExpiry_) {
            if (now >= expiresUs) {
                due.push_back(id);
            }
        }
        if (due.empty()) {
            return 0;
        }
        sweeping_ = true;
        kinds = kinds_;
    }
    core::Change change;
    change.apply = [due, kinds = std::move(kinds),
                    clock = &clock_](core::Database& db) -> core::Result<std::vector<core::Event>> {
        const core::TimeUs at = clock->nowUs();
        std::vector<core::Event> events;
        for (const auto& id : due) {
            auto found = readApproval(db, id);
            if (!found) {
                return found.error();
            }
            if (!*found || (*found)->state != kPending || at < (*found)->expiresUs) {
                continue;  // decided meanwhile
            }
            ApprovalRequest request = std::move(**found);
            auto expired = expireInside(db, request, findKind(kinds, request.kind), at);
            if (!expired) {
                return core::makeError(expired.error().code, id + ": " + expired.error().message);
            }
            events.push_back(std::move(*expired));
        }
        return events;
    };
    change.onDone = [this, due](const core::Result<void>& result) {
        std::lock_guard lock(mutex_);
        sweeping_ = false;
        if (!result) {
            // Retried at the next sweep; someone must look if it keeps failing.
            core::logError(kComponent,
                           "cannot record expired approvals: " + result.error().message);
            return;
        }
        for (const auto& id : due) {
            pendingExpiry_.erase(id);
        }
    };
    recorder_.commit(std::move(change));
    return due.size();
}

core::Result<std::optional<ApprovalRequest>> ApprovalEngine::find(core::Database& db,
                                                                  const std::string& id) {
    return readApproval(db, id);
}

core::Result<std::vector<ApprovalRequest>> ApprovalEngine::list(core::Database& db,
                                                                const std::string& state,
                                                                const std::string& kind,
                                                                std::size_t limit) {
    return listApprovals(db, state, kind, limit);
}

void ApprovalEngine::notePending(const ApprovalRequest& request) {
    std::lock_guard lock(mutex_);
    pendingExpiry_[request.id] = request.expiresUs;
}

void ApprovalEngine::noteDecided(const std::string& id) {
    std::lock_guard lock(mutex_);
    pendingExpiry_.erase(id);
}

}  // namespace sekimori::policy
