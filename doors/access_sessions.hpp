#pragma once
// The access sessions of every panel: one per (panel, door, side, panel session id), from the
// card to the decision. Each step is decided by doors/access_decision over the current
// credential snapshot; the events that record it are committed through the recorder, and the
// reply (challenge or decision) goes to the panel only from the commit's onDone: a panel is
// never told "granted" before the grant is durable. When the commit fails (store down, queue
// full) the panel is denied with store_unavailable and operators hear it on the error topic:
// the doors fail secure. Every reply answers one authenticated request (PanelGateway checked its
// MAC, epoch and counter): it echoes that request's step and counter, a challenge carries a fresh
// nonce the next step (and the sealed PIN inside it) must name, or the step is refused
// (unknown_nonce). Wrong PINs and fingers are counted per card ([door_lockout]); at the limit the
// card is locked out (access.card_locked_out, raised like every operator-facing error) and
// denied locked_out until the lock passes.
//
// Issue 14 (docs/access-rules.md): the card step decodes the reader's format
// (protocol/card_format) and asks mayEnter (doors/access_policy) for the side's target zone; a
// PIN-only keypad door starts with the code, which names the person; a duress PIN grants as
// usual with access.duress in the same Change. Once the last factor is given, admit()
// (doors/admission) applies the zone rules with what presence and zone control know: Admit
// records access.granted (with its companions, access.duress, access.passback_violation) in one
// Change; AwaitCompanion records access.companion_pending and keeps the door's wait (one per
// door and side) until its untilUs, then records access.companion_expired; Refuse denies. io
// thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/event_recorder.hpp"
#include "core/event_type.hpp"
#include "doors/access_decision.hpp"
#include "doors/access_policy.hpp"
#include "doors/access_rules_config.hpp"
#include "doors/admission.hpp"
#include "doors/credential_store.hpp"
#include "doors/door_config.hpp"
#include "doors/door_events.hpp"
#include "doors/door_keys.hpp"
#include "doors/door_spec.hpp"
#include "doors/panel_gateway.hpp"
#include "doors/presence.hpp"
#include "policy/schedule.hpp"
#include "protocol/door_messages.hpp"

namespace sekimori::doors {

// What zone control (doors/zone_control) knows that admission asks about; a hook left empty
// answers "no lockdown, no forgiveness".
struct ZoneControlHooks {
    std::function<bool(std::string_view zone)> lockedDown;
    std::function<bool(const std::string& person)> forgiven;
    // After an entry grant is durable, for each person passing: their forgiveness (if any) is
    // spent.
    std::function<void(const std::string& person)> consumeForgiveness;
    // Whether the person holds an approved work window for the zone at the time (the vault's
    // book, policy/work_windows.hpp); unset: nobody does.
    std::function<bool(const std::string& person, const std::string& zone, core::TimeUs nowUs)>
        inWorkWindow;
    // Why another domain holds the portal now (policy/portal_holds.hpp); null or unset: free.
    std::function<const std::string*(std::string_view door)> portalHold;
};

struct AccessSessionsParts {
    boost::asio::any_io_executor executor;
    core::EventRecorder& recorder;
    const core::Clock& clock;
    PanelGateway& gateway;
    const DoorKeys& keys;
    const Schedules& schedules;
    const AccessRulesConfig& rules;
    // Where each person is recorded now (admission's anti-passback and occupancy).
    const Presence& presence;
    ZoneControlHooks zones;
    // [card_formats] wiegand_facility_codes: a Wiegand card of another facility is refused.
    std::vector<std::uint32_t> wiegandFacilityCodes;
    // Runs `then` once every credential change committed so far is in the snapshot
    // (CredentialCache::refresh); a card step waits on it.
    std::function<void(std::function<void()> then)> refreshCredentials;
    // After a grant is durable and sent: the door's state takes the passages, the grant's
    // person last (before them, the companions who pass with them). `session` is the panel's
    // session id of the grant (a circle gate's cycle reports name it).
    std::function<void(const DoorSpec& door, const std::string& session,
                       std::vector<Passage> passages)>
        onGranted;
    // After any other access event of a door is durable and its reply sent.
    std::function<void(const DoorSpec& door, core::EventType type)> onNoted;
    // How long a step's commit may take before the panel is denied store_unavailable (below
    // the panel's 5 s reply time-out, so it hears why).
    std::chrono::milliseconds commitPatience{2000};
    LockoutConfig lockout{};
};

class AccessSessions {
  public:
    explicit AccessSessions(AccessSessionsParts parts);
    ~AccessSessions();
    AccessSessions(const AccessSessions&) = delete;
    AccessSessions& operator=(const AccessSessions&) = delete;

    void setCredentials(std::shared_ptr<const CredentialSnapshot> credentials);
    bool hasCredentials() const { return credentials_ != nullptr; }

    // A parsed request from `panel` for `door`, which the caller checked the panel serves.
    void handle(const std::string& panel, const std::string& topic, const DoorSpec& door,
                const protocol::PanelRequest& request);
    // Cancels every timer and pending reply; nothing of a session runs afterwards.
    void stop();
    std::size_t openSessions() const { return sessions_.size(); }
    // Cards with failures or a lock still counted (bounded: stale ones are dropped).
    std::size_t lockoutEntries() const { return lockouts_.size(); }
    // Doors (and sides) where someone waits for a second person or a host.
    std::size_t companionWaits() const { return waits_.size(); }

  private:
    struct Session;
    // The request a reply answers: its step, counter and nonce are echoed.
    struct Answering {
        protocol::Factor step = protocol::Factor::card;
        std::uint64_t counter = 0;
        std::string nonce;
    };
    // The door's companion wait with what each waiting person's events name.
    struct DoorWait {
        CompanionWait wait;
        const DoorSpec* door = nullptr;
        std::map<std::string, AccessContext> contexts;  // by person
        std::map<std::string, core::TimeUs> arrivals;   // by person
        std::unique_ptr<boost::asio::steady_timer> timer;
    };
    struct CardFailures {
        std::vector<core::TimeUs> failures;  // within the window, oldest first
        core::TimeUs lockedUntilUs = 0;
    };

    // The first card of a session, read as the door reads it (doors/card_reading): its
    // canonical id into session.card; false when it was denied bad_card_format.
    bool takeCard(Session& session, const protocol::CardPresented& card);
    // A keypad-only door's first step: the sealed code names the person (or nobody).
    void takeKeypadCode(Session& session, const std::string& panel, const std::string& topic,
                        const protocol::KeypadCode& code);
    void decideStep(const std::string& key, std::uint64_t generation, Step step);
    AccessSnapshot snapshotFor(Session& session) const;
    void apply(Session& session, const AccessDecision& decision);
    void challenge(Session& session, protocol::Factor next);
    // Every factor was given: the zone rules decide (admit), then grant, wait or refuse.
    void admitOrWait(Session& session);
    void grant(Session& session, const Admit& admit);
    void await(Session& session, AwaitCompanion awaiting);
    // `also` rides in the denial's Change (a refused duress entry's access.duress).
    void deny(Session& session, std::string_view reasonCode, std::string_view detail,
              std::vector<core::Event> also = {});
    // The door's wait, when one is open at `now`; an expired one is recorded and dropped first.
    const CompanionWait* openWait(const std::string& waitKey, core::TimeUs now);
    void expireWait(const std::string& waitKey);
    void armWaitTimer(const std::string& waitKey);
    std::vector<RecentGrant>& recentGrants(const std::string& waitKey, core::TimeUs now,
                                           core::TimeUs keepUs);
    // Commits `events` in one Change; then, if they are durable, `deliver` runs; if not, the panel
    // is denied with store_unavailable and the session under `key` (a challenged one; empty when
    // the session already ended) ends.
    void commitThen(std::vector<core::Event> events, AccessContext context, Answering answering,
                    std::string panel, std::string key, std::string_view wanted,
                    std::function<void()> deliver);
    protocol::PanelReply replyTo(const Session& session, protocol::Challenge challenge) const;
    protocol::PanelReply replyTo(const std::string& sessionId, const std::string& door,
                                 const Answering& answering, protocol::Decision decision) const;
    bool lockedOut(const std::string& card, core::TimeUs now);
    // A wrong PIN or finger for `session`'s card; true when it locked the card.
    bool noteFailure(const Session& session);
    void armStepTimer(Session& session, protocol::Factor next);
    std::unique_ptr<Session> take(const std::string& key);
    AccessContext contextOf(const Session& session) const;

    AccessSessionsParts parts_;
    std::shared_ptr<const CredentialSnapshot> credentials_;
    std::map<std::string, std::unique_ptr<Session>> sessions_;
    std::map<std::string, CardFailures> lockouts_;            // by card UID
    std::map<std::string, DoorWait> waits_;                   // by "<door>/<side>"
    std::map<std::string, std::vector<RecentGrant>> recent_;  // by "<door>/<side>"
    std::uint64_t nextGeneration_ = 1;
    // Callbacks hold a weak copy: after stop() they do nothing.
    std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sekimori::doors
