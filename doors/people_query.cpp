#include "doors/people_query.hpp"

#include <map>
#include <string>

#include "doors/credential_store.hpp"

namespace sekimori::doors {
namespace {

core::Result<bool> tableExists(core::Database& db, std::string_view table) {
    auto st = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    if (!st) {
        return st.error();
    }
    st->bind(1, table);
    auto row = st->step();
    if (!row) {
        return row.error();
    }
    return *row;
}

// One read transaction, so every table is seen at one point in time.
class ReadTransaction {
  public:
    explicit ReadTransaction(core::Database& db) : db_(db) {}
    core::Result<void> begin() {
        if (auto r = db_.exec("BEGIN"); !r) {
            return r.error();
        }
        open_ = true;
        return {};
    }
    ~ReadTransaction() {
        if (open_) {
            (void)db_.exec("COMMIT");
        }
    }
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

  private:
    core::Database& db_;
    bool open_ = false;
};

std::string likeEscaped(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    return out;
}

std::string_view cardStateName(CardState state) {
    return state == CardState::active ? "active" : "revoked";
}

nlohmann::json levelJson(const LevelAssignment& l) {
    return {
        {"level", l.level}, {"valid_from_us", l.validFromUs}, {"valid_until_us", l.validUntilUs}};
}

// The person's events among the newest kPersonEventWindow of the trail, newest first.
struct PersonEvents {
    std::int64_t fromSeq = 0;
    nlohmann::json recent = nlohmann::json::array();
    std::map<std::string, nlohmann::json> cardHistory;  // by card uid, oldest first
};

core::Result<PersonEvents> personEvents(core::Database& db, const std::string& person,
                                        const EventTypeVisible& visible) {
    PersonEvents out;
    auto exists = tableExists(db, "audit_events");
    if (!exists) {
        return exists.error();
    }
    if (!*exists) {
        return out;
    }
    auto head = db.prepare("SELECT coalesce(max(seq), 0) FROM audit_events");
    if (!head) {
        return head.error();
    }
    if (auto r = head->step(); !r) {
        return r.error();
    }
    out.fromSeq = std::max<std::int64_t>(1, head->columnInt(0) - kPersonEventWindow + 1);
    auto st = db.prepare(
        "SELECT seq, time_us, type, source, payload FROM audit_events"
        " WHERE seq >= ?1 AND subject = ?2 ORDER BY seq DESC");
    if (!st) {
        return st.error();
    }
    st->bind(1, out.fromSeq).bind(2, person);
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        const std::string type = st->columnText(2);
        auto payload = nlohmann::json::parse(st->columnText(4), nullptr, false);
        if (payload.is_discarded()) {
            payload = nlohmann::json::object();
        }
        nlohmann::json event{{"seq", st->columnInt(0)},
                             {"time_us", st->columnInt(1)},
                             {"type", type},
                             {"source", st->columnText(3)}};
        if ((type == "person.card_set" || type == "person.card_revoked") &&
            payload.contains("card") && payload["card"].is_string()) {
            nlohmann::json step = event;
            step["why"] = payload.value("why", type == "person.card_set" ? "issued" : "revoked");
            step["actor"] = payload.value("actor", "");
            auto& history = out.cardHistory[payload["card"].get<std::string>()];
            if (history.is_null()) {
                history = nlohmann::json::array();
            }
            history.insert(history.begin(), std::move(step));  // oldest first
        }
        if (out.recent.size() < static_cast<std::size_t>(kPersonRecentEvents) && visible(type)) {
            event["payload"] = std::move(payload);
            out.recent.push_back(std::move(event));
        }
    }
    return out;
}

}  // namespace

core::Result<nlohmann::json> peopleList(core::Database& db, int limit, std::string_view query) {
    nlohmann::json people = nlohmann::json::array();
    auto exists = tableExists(db, "door_people");
    if (!exists) {
        return exists.error();
    }
    if (!*exists) {
        return nlohmann::json{{"people", std::move(people)}};
    }
    ReadTransaction read(db);
    if (auto r = read.begin(); !r) {
        return r.error();
    }
    // Only the columns an enroller needs; PINs and templates live in other tables, never read.
    auto st = db.prepare(
        "SELECT id, name, active FROM door_people"
        " WHERE ?1 = '' OR id LIKE ?2 ESCAPE '\\' OR name LIKE ?3 ESCAPE '\\'"
        " ORDER BY id LIMIT ?4");
    if (!st) {
        return st.error();
    }
    const std::string escaped = likeEscaped(query);
    st->bind(1, query).bind(2, escaped + "%").bind(3, "%" + escaped + "%");
    st->bind(4, std::int64_t{limit});
    // Each listed person's cards by the index on door_cards(person): a page of 100 people reads
    // their cards, not every card of the site.
    auto cards = db.prepare("SELECT uid, state FROM door_cards WHERE person = ?1 ORDER BY uid");
    if (!cards) {
        return cards.error();
    }
    for (;;) {
        auto row = st->step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            break;
        }
        const std::string id = st->columnText(0);
        nlohmann::json entry{{"id", id},
                             {"name", st->columnText(1)},
                             {"active", st->columnInt(2) != 0},
                             {"cards", nlohmann::json::array()}};
        cards->reset();
        cards->bind(1, id);
        for (;;) {
            auto card = cards->step();
            if (!card) {
                return card.error();
            }
            if (!*card) {
                break;
            }
            entry["cards"].push_back(
                {{"uid", cards->columnText(0)}, {"state", cards->columnText(1)}});
        }
        people.push_back(std::move(entry));
    }
    return nlohmann::json{{"people", std::move(people)}};
}

core::Result<std::optional<nlohmann::json>> personPage(core::Database& db, const std::string& id,
                                                       const EventTypeVisible& visible) {
    auto exists = tableExists(db, "door_people");
    if (!exists) {
        return exists.error();
    }
    if (!*exists) {
        return std::optional<nlohmann::json>{};
    }
    ReadTransaction read(db);
    if (auto r = read.begin(); !r) {
        return r.error();
    }
    auto store = CredentialStore::attach(db);
    if (!store) {
        return store.error();
    }
    CredentialStore& s = **store;
    auto person = s.findPerson(id);
    if (!person) {
        return person.error();
    }
    if (!person->has_value()) {
        return std::optional<nlohmann::json>{};
    }
    const PersonRecord& p = **person;
    auto details = s.findPersonDetails(id);
    auto cards = s.cardsOf(id);
    auto grants = s.grantsOf(id);
    auto levels = s.levelsOf(LevelHolder::person, id);
    auto groups = s.groupsOf(id);
    auto secondFinger = s.hasBackupFinger(id);
    auto keypad = s.hasKeypadCode(id);
    auto photo = s.findPhoto(id);
    for (const core::Result<void>& r :
         {details ? core::Result<void>{} : core::Result<void>{details.error()},
          cards ? core::Result<void>{} : core::Result<void>{cards.error()},
          grants ? core::Result<void>{} : core::Result<void>{grants.error()},
          levels ? core::Result<void>{} : core::Result<void>{levels.error()},
          groups ? core::Result<void>{} : core::Result<void>{groups.error()},
          secondFinger ? core::Result<void>{} : core::Result<void>{secondFinger.error()},
          keypad ? core::Result<void>{} : core::Result<void>{keypad.error()},
          photo ? core::Result<void>{} : core::Result<void>{photo.error()}}) {
        if (!r) {
            return r.error();
        }
    }
    auto events = personEvents(db, id, visible);
    if (!events) {
        return events.error();
    }
    const PersonDetails d = details->value_or(PersonDetails{});

    bool hasActiveCard = false;
    nlohmann::json cardRows = nlohmann::json::array();
    for (const auto& c : *cards) {
        hasActiveCard = hasActiveCard || c.state == CardState::active;
        auto history = events->cardHistory.find(c.uid);
        cardRows.push_back(
            {{"uid", c.uid},
             {"state", cardStateName(c.state)},
             {"history",
              history == events->cardHistory.end() ? nlohmann::json::array() : history->second}});
    }
    nlohmann::json grantRows = nlohmann::json::array();
    for (const auto& g : *grants) {
        grantRows.push_back({{"zone", g.zone}, {"schedule", g.schedule}});
    }
    nlohmann::json levelRows = nlohmann::json::array();
    for (const auto& l : *levels) {
        levelRows.push_back(levelJson(l));
    }
    // The levels the person holds through their groups, so the page shows all their access.
    nlohmann::json groupRows = nlohmann::json::array();
    for (const auto& g : *groups) {
        auto held = s.levelsOf(LevelHolder::group, g);
        if (!held) {
            return held.error();
        }
        nlohmann::json groupLevels = nlohmann::json::array();
        for (const auto& l : *held) {
            groupLevels.push_back(levelJson(l));
        }
        groupRows.push_back({{"id", g}, {"levels", std::move(groupLevels)}});
    }
    const bool hasPhoto = photo->has_value();
    nlohmann::json page{
        {"id", p.id},
        {"name", p.name},
        {"active", p.active},
        {"organisation", d.organisation},
        {"valid_from_us", d.validFromUs},
        {"valid_until_us", d.validUntilUs},
        {"escort_required", d.escortRequired},
        // Whether each factor is enrolled; never the hash, code or template.
        {"factors",
         {{"card", hasActiveCard},
          {"pin", !p.pinHash.empty()},
          {"finger", !p.fingerBox.empty()},
          {"finger_2", *secondFinger},
          {"keypad_code", *keypad},
          {"photo", hasPhoto}}},
        {"photo_url", hasPhoto ? nlohmann::json("/api/people/" + id + "/photo") : nullptr},
        {"photo_sha256", hasPhoto ? nlohmann::json((*photo)->sha256) : nullptr},
        {"cards", std::move(cardRows)},
        {"grants", std::move(grantRows)},
        {"levels", std::move(levelRows)},
        {"groups", std::move(groupRows)},
        {"recent_events", std::move(events->recent)},
        {"events_from_seq", events->fromSeq},
    };
    return std::optional<nlohmann::json>{nlohmann::json{{"person", std::move(page)}}};
}

}  // namespace sekimori::doors
