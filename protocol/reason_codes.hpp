#pragma once
// The one table of decision reason codes: what a panel is told (PanelReply decision.reason),
// what an access event records, and the words an operator and a panel screen show for each.
// docs/mqtt.md lists the same rows (a test compares them); adding a code means changing this
// table, that page and the panels together, since an unknown code is a parse error.
#include <span>
#include <string_view>

namespace sekimori::protocol {

namespace reason {
inline constexpr std::string_view granted = "granted";
inline constexpr std::string_view unknownCard = "unknown_card";
inline constexpr std::string_view revoked = "revoked";
inline constexpr std::string_view wrongPin = "wrong_pin";
inline constexpr std::string_view fingerMismatch = "finger_mismatch";
inline constexpr std::string_view outsideSchedule = "outside_schedule";
inline constexpr std::string_view noAccess = "no_access";  // no grant for the door's zone
inline constexpr std::string_view timeout = "timeout";
inline constexpr std::string_view factorOutOfOrder = "factor_out_of_order";
// Too many wrong PINs or fingers for this card lately ([door_lockout]); passes by itself.
inline constexpr std::string_view lockedOut = "locked_out";
// The decision could not be made durable (store down, recorder queue full): doors fail secure.
// Issue 14's access rules (doors/admission.hpp).
inline constexpr std::string_view outsideValidity = "outside_validity";  // before or after dates
inline constexpr std::string_view antiPassback = "anti_passback";
inline constexpr std::string_view lockdown = "lockdown";
inline constexpr std::string_view occupancyFull = "occupancy_full";
// Issue 19: a zone ruled work_window admits a handler only inside an approved window of the vault.
inline constexpr std::string_view noWorkWindow = "no_work_window";
// Issue 21: a rack (a zone ruled presence_in) opens only for someone recorded in its room now,
// and, ruled others_present, only while another person is recorded there too.
inline constexpr std::string_view notInRoom = "not_in_room";
inline constexpr std::string_view noSecondPerson = "no_second_person";
// Another domain holds the portal (a metal-detector hit at the gate) until a guard clears it.
inline constexpr std::string_view portalHeld = "portal_held";
inline constexpr std::string_view awaitingSecondPerson = "awaiting_second_person";
inline constexpr std::string_view awaitingEscort = "awaiting_escort";
inline constexpr std::string_view unknownCode = "unknown_code";  // keypad code matches nobody
inline constexpr std::string_view badCardFormat = "bad_card_format";
inline constexpr std::string_view storeUnavailable = "store_unavailable";
inline constexpr std::string_view controllerError = "controller_error";
// Issue 15: decided by a panel alone (docs/mqtt.md "Offline operation").
inline constexpr std::string_view offlineDegraded = "offline_degraded";  // stale cache, deny mode
inline constexpr std::string_view journalFull = "journal_full";  // journal full, deny_offline
}  // namespace reason

struct ReasonCode {
    std::string_view code;
    std::string_view operatorText;  // a sentence an operator can act on (events, console)
    std::string_view panelText;     // what the panel's screen says after "Access denied: "
};

// Every code, "granted" first.
std::span<const ReasonCode> reasonCodes();
// nullptr for a code not in the table.
const ReasonCode* findReasonCode(std::string_view code);
bool isReasonCode(std::string_view code);
// The operator's sentence for `code`; a fixed text for an unknown code.
std::string_view describeReason(std::string_view code);

}  // namespace sekimori::protocol
