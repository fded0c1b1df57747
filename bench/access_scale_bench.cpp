// access_scale_bench: the doors at two million people (issue 14, "What must hold" 2).
//
// Builds a site of --people (2,000,000) enrolled people and --doors (2,000) doors in a temporary
// SQLite file through the real AuditedRecorder (every credential row named by a row digest in
// the trail, as the daemon's enrollment leaves it): each person a card, a PIN hash and a group;
// one in ten with details (organisation, validity dates), one in twenty a direct zone grant;
// 200 groups holding 2 of 500 access levels, each level 8 of 1,000 zones. Then the real
// CredentialCache loads and checks it (its own reader thread and connection), and:
//   1. decision: card -> snapshot.card -> snapshot.person -> mayEnter (doors/access_policy) ->
//      decide (doors/access_decision), per call, half at doors the person may open, half at
//      random doors. Baseline: a bare std::unordered_map<std::string, int> lookup of the card
//      uid over the same two million keys. Bar: p99 <= 5 us.
//   2. memory: RSS after the first snapshot minus RSS before the cache opened, per person (the
//      snapshot and the cache's digest index); beside it the bare map's RSS per entry.
//   3. one change: a PIN hash changed through the recorder (row and digest event in one
//      Change), from the commit being durable to the cache handing over a snapshot holding it
//      (inotify wake, journal read, the person's rows re-read and re-checked, copy-on-write).
//      Baseline: a bare SQLite point read of that row on another connection. Bar: max <= 50 ms.
//      Beside them: the first full verified load (what a rebuild would cost).
// Exit 0 when every bar holds, 1 when one is missed, 2 when the run failed. Release, outside CI:
//
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEKIMORI_BENCH=ON
//   ninja -C build-bench access_scale_bench && build-bench/bench/access_scale_bench
//   build-bench/bench/access_scale_bench --smoke   # ctest bench.access_scale_smoke (LABELS load)
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "core/audited_recorder.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/event_bus.hpp"
#include "core/row_digest.hpp"
#include "core/sqlite_db.hpp"
#include "doors/access_decision.hpp"
#include "doors/access_policy.hpp"
#include "doors/credential_cache.hpp"
#include "doors/credential_store.hpp"

namespace {

using namespace sekimori;
using namespace sekimori::doors;
using SteadyClock = std::chrono::steady_clock;

constexpr double kDecisionP99BarUs = 5.0;
constexpr double kUpdateMaxBarMs = 50.0;
constexpr int kZones = 1000;
constexpr int kLevels = 500;
constexpr int kZonesPerLevel = 8;
constexpr int kGroups = 200;
constexpr int kLevelsPerGroup = 2;
constexpr int kPeoplePerChange = 500;  // rows of this many people per recorded Change

struct Options {
    std::size_t people = 2'000'000;
    std::size_t doors = 2'000;
    std::size_t decisions = 2'000'000;
    int changes = 30;
    bool bars = true;
    bool keep = false;
};

[[noreturn]] void die(const std::string& what) {
    std::cerr << "access_scale_bench: " << what << std::endl;
    std::_Exit(2);
}

template <class T>
T require(core::Result<T> result, const std::string& what) {
    if (!result) {
        die(what + ": " + result.error().message);
    }
    return std::move(result.value());
}
void require(core::Result<void> result, const std::string& what) {
    if (!result) {
        die(what + ": " + result.error().message);
    }
}

std::size_t rssBytes() {
    std::ifstream statm("/proc/self/statm");
    std::size_t pages = 0;
    std::size_t resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// prefix + decimal, appended (GCC 12 -O3 warns falsely on "literal" + std::string).
std::string named(const char* prefix, std::size_t n) {
    return std::string(prefix).append(std::to_string(n));
}

std::string personId(std::size_t i) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "p%07llu", static_cast<unsigned long long>(i));
    return buffer;
}
void cardUid(std::size_t i, std::string& out) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "04A1%012llX",
                  static_cast<unsigned long long>(i) * 2654435761ULL % 0xFFFFFFFFFFFFULL);
    out.assign(buffer);
}
std::string zoneId(std::size_t z) {
    return named("z", z);
}
std::string groupOf(std::size_t person) {
    return named("g", person % kGroups);
}
std::size_t levelOfGroup(std::size_t group, int k) {
    return (group * kLevelsPerGroup + static_cast<std::size_t>(k)) % kLevels;
}
std::size_t zoneOfLevel(std::size_t level, int k) {
    return (level * 37 + static_cast<std::size_t>(k) * 101) % kZones;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const auto at = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
    return values[at];
}

// --- the site's rows, written as the daemon's enrollment leaves them ------------------------

core::RowColumnValue text(const char* column, const std::string& value) {
    return {column, core::RowValueType::text, 0, 0, value};
}
core::RowColumnValue blob(const char* column, const std::string& value) {
    return {column, core::RowValueType::blob, 0, 0, value};
}
core::RowColumnValue integer(const char* column, std::int64_t value) {
    return {column, core::RowValueType::integer, value, 0, {}};
}

// Collects one Change's row_digest members as JSON text (nlohmann for 8 M members would be
// most of the set-up).
class DigestList {
  public:
    void add(const core::AuditedTable& table, const std::vector<std::string>& key,
             const std::vector<core::RowColumnValue>& columns) {
        // Appended piece by piece (GCC 12 -O3 warns falsely on chained operator+).
        json_.append(json_.empty() ? "{\"row_digest\":[" : ",");
        json_.append("{\"table\":\"").append(table.table).append("\",\"key\":[");
        for (std::size_t i = 0; i < key.size(); ++i) {
            json_.append(i == 0 ? "\"" : ",\"").append(key[i]).append("\"");
        }
        json_.append("],\"digest\":\"")
            .append(core::toHex(core::rowDigest(table.table, columns)))
            .append("\"}");
    }
    std::string payload() const { return json_ + "]}"; }
    bool empty() const { return json_.empty(); }

  private:
    std::string json_;
};

struct Statements {
    core::Statement person, card, pin, member, details, grant, level;
};

Statements prepare(core::Database& db) {
    const auto one = [&](const char* sql) { return require(db.prepare(sql), sql); };
    return Statements{
        one("INSERT INTO door_people(id, name, active) VALUES(?1, ?2, 1)"),
        one("INSERT INTO door_cards(uid, person, state) VALUES(?1, ?2, 'active')"),
        one("INSERT INTO door_pins(person, hash) VALUES(?1, ?2)"),
        one("INSERT INTO door_group_members(group_id, person) VALUES(?1, ?2)"),
        one("INSERT INTO door_person_details(person, organisation, valid_from_us, valid_until_us,"
            " escort_required) VALUES(?1, ?2, ?3, ?4, 0)"),
        one("INSERT INTO door_zone_grants(person, zone, schedule) VALUES(?1, ?2, ?3)"),
        one("INSERT INTO door_level_assignments(holder_kind, holder, level, valid_from_us,"
            " valid_until_us) VALUES('group', ?1, ?2, 0, 0)")};
}

std::string pinHashOf(std::size_t i, int version) {
    const auto h = core::sha256(named("pin ", i).append(" ").append(std::to_string(version)));
    return std::string(h.begin(), h.end());
}

constexpr core::TimeUs kValidUntil = 4'102'444'800'000'000;  // 2100-01-01

core::Result<std::vector<core::Event>> writePeople(core::Database& db, std::size_t first,
                                                   std::size_t last) {
    auto s = prepare(db);
    DigestList digests;
    std::string uid;
    const auto run = [](core::Statement& st) { return st.run(); };
    if (first == 0) {
        for (std::size_t g = 0; g < kGroups; ++g) {
            for (int k = 0; k < kLevelsPerGroup; ++k) {
                const std::string group = named("g", g);
                const std::string level = named("L", levelOfGroup(g, k));
                s.level.bind(1, group).bind(2, level);
                if (auto r = run(s.level); !r) {
                    return r.error();
                }
                digests.add(
                    levelAssignmentsTable(), {"group", group, level},
                    {text("holder_kind", "group"), text("holder", group), text("level", level),
                     integer("valid_from_us", 0), integer("valid_until_us", 0)});
            }
        }
    }
    for (std::size_t i = first; i < last; ++i) {
        const std::string id = personId(i);
        const std::string name = named("Person ", i);
        s.person.bind(1, id).bind(2, name);
        cardUid(i, uid);
        s.card.bind(1, uid).bind(2, id);
        const std::string hash = pinHashOf(i, 0);
        s.pin.bind(1, id).bindBlob(2, hash.data(), hash.size());
        const std::string group = groupOf(i);
        s.member.bind(1, group).bind(2, id);
        for (auto* st : {&s.person, &s.card, &s.pin, &s.member}) {
            if (auto r = run(*st); !r) {
                return r.error();
            }
        }
        digests.add(peopleTable(), {id},
                    {text("id", id), text("name", name), integer("active", 1)});
        digests.add(cardsTable(), {uid},
                    {text("uid", uid), text("person", id), text("state", "active")});
        digests.add(pinsTable(), {id}, {text("person", id), blob("hash", hash)});
        digests.add(groupMembersTable(), {group, id},
                    {text("group_id", group), text("person", id)});
        if (i % 10 == 0) {
            const std::string organisation = named("Contractor ", i % 50);
            s.details.bind(1, id)
                .bind(2, organisation)
                .bind(3, std::int64_t{0})
                .bind(4, kValidUntil);
            if (auto r = run(s.details); !r) {
                return r.error();
            }
            digests.add(personDetailsTable(), {id},
                        {text("person", id), text("organisation", organisation),
                         integer("valid_from_us", 0), integer("valid_until_us", kValidUntil),
                         integer("escort_required", 0)});
        }
        if (i % 20 == 0) {
            const std::string zone = zoneId(i % kZones);
            s.grant.bind(1, id).bind(2, zone).bind(3, "office");
            if (auto r = run(s.grant); !r) {
                return r.error();
            }
            digests.add(grantsTable(), {id, zone},
                        {text("person", id), text("zone", zone), text("schedule", "office")});
        }
    }
    return std::vector<core::Event>{
        core::Event{0, "person.enrolled", "operator:bench", "", digests.payload()}};
}

// --- the site's configuration ----------------------------------------------------------------

struct Site {
    std::vector<DoorSpec> doors;
    AccessLevels levels;
    Schedules schedules;
    std::vector<std::vector<std::size_t>> doorsOfGroup;  // doors a group's levels open
};

Site makeSite(std::size_t doorCount) {
    Site site;
    policy::Schedule always;
    always.id = "always";
    always.windows = {policy::WeeklyWindow{policy::kEveryDay, 0, 1440}};
    policy::Schedule office;
    office.id = "office";
    office.windows = {policy::WeeklyWindow{policy::kWeekdays, 8 * 60, 20 * 60}};
    site.schedules.emplace("always", always);
    site.schedules.emplace("office", office);
    std::vector<std::vector<std::size_t>> doorsOfZone(kZones);
    for (std::size_t d = 0; d < doorCount; ++d) {
        DoorSpec door;
        door.id = named("d", d);
        door.name = door.id;
        door.panel = named("p", d);
        door.fromZone = "site";
        door.toZone = zoneId(d % kZones);
        door.entryFactors = {protocol::Factor::card, protocol::Factor::pin};
        doorsOfZone[d % kZones].push_back(d);
        site.doors.push_back(std::move(door));
    }
    for (std::size_t l = 0; l < kLevels; ++l) {
        AccessLevel level;
        level.id = named("L", l);
        level.name = level.id;
        for (int k = 0; k < kZonesPerLevel; ++k) {
            level.zones.push_back(
                LevelZone{zoneId(zoneOfLevel(l, k)), k % 2 == 0 ? "always" : "office"});
        }
        site.levels.emplace(level.id, std::move(level));
    }
    site.doorsOfGroup.resize(kGroups);
    for (std::size_t g = 0; g < kGroups; ++g) {
        for (int k = 0; k < kLevelsPerGroup; ++k) {
            for (int z = 0; z < kZonesPerLevel; ++z) {
                for (std::size_t d : doorsOfZone[zoneOfLevel(levelOfGroup(g, k), z)]) {
                    site.doorsOfGroup[g].push_back(d);
                }
            }
        }
    }
    return site;
}

// --- the run ---------------------------------------------------------------------------------

class Snapshots {
  public:
    void take(std::shared_ptr<const CredentialSnapshot> s) {
        std::lock_guard lock(mutex_);
        latest_ = std::move(s);
        ++count_;
        changed_.notify_all();
    }
    std::shared_ptr<const CredentialSnapshot> latest() {
        std::lock_guard lock(mutex_);
        return latest_;
    }
    // Waits until `done(latest)` holds; false after `limit`.
    template <class F>
    bool waitFor(F done, std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, limit, [&] { return latest_ && done(*latest_); });
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::shared_ptr<const CredentialSnapshot> latest_;
    int count_ = 0;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto next = [&]() -> std::size_t {
            if (i + 1 >= argc) {
                die(arg + " needs a value");
            }
            return static_cast<std::size_t>(std::stoull(argv[++i]));
        };
        if (arg == "--smoke") {
            o.people = 20'000;
            o.doors = 50;
            o.decisions = 100'000;
            o.changes = 5;
            o.bars = false;
        } else if (arg == "--people") {
            o.people = next();
        } else if (arg == "--doors") {
            o.doors = next();
        } else if (arg == "--decisions") {
            o.decisions = next();
        } else if (arg == "--changes") {
            o.changes = static_cast<int>(next());
        } else if (arg == "--no-bars") {
            o.bars = false;
        } else if (arg == "--keep") {
            o.keep = true;
        } else {
            die("unknown argument " + arg +
                " (--smoke, --people N, --doors N, --decisions N, --changes N, --no-bars, --keep)");
        }
    }
    if (o.people < kGroups || o.doors < 1) {
        die("need at least 200 people and one door");
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    if (!core::initCrypto()) {
        die("libsodium did not initialise");
    }
    const auto dir =
        std::filesystem::temp_directory_path() / ("access-scale-" + core::randomToken(6));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "site.db").string();
    std::cout << "access_scale_bench: " << options.people << " people, " << options.doors
              << " doors in " << path << "\n";

    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    std::thread ioThread([&] { io.run(); });
    core::SystemClock clock;
    core::EventBus bus;
    {
        auto db = require(core::Database::open(path), "open");
        (void)require(CredentialStore::open(*db), "migrate the doors tables");
    }
    core::AuditedRecorderOptions recorderOptions;
    recorderOptions.signingKeyPath = (dir / "audit-signing.key").string();
    auto recorder =
        require(core::AuditedRecorder::create(require(core::Database::open(path), "open"),
                                              io.get_executor(), bus, clock, recorderOptions),
                "recorder");

    // 1. The site, through the recorder.
    const auto buildStart = SteadyClock::now();
    for (std::size_t first = 0; first < options.people; first += kPeoplePerChange) {
        const std::size_t last = std::min(options.people, first + kPeoplePerChange);
        core::Change change;
        change.apply = [first, last](core::Database& db) { return writePeople(db, first, last); };
        recorder->commit(std::move(change));
        if ((first / kPeoplePerChange) % 50 == 49) {
            require(recorder->flush(), "enroll");
        }
    }
    require(recorder->flush(), "enroll");
    const double buildS = std::chrono::duration<double>(SteadyClock::now() - buildStart).count();
    std::cout << "  site written and chained in " << buildS << " s\n";
    const Site site = makeSite(options.doors);

    // 2. The real cache's first (full, verified) load, and what it holds in memory.
    Snapshots snapshots;
    const std::size_t rssBefore = rssBytes();
    CredentialCacheOptions cacheOptions;
    auto cache = require(CredentialCache::open(io.get_executor(), path, cacheOptions), "cache");
    const auto loadStart = SteadyClock::now();
    cache->start(
        [&](std::shared_ptr<const CredentialSnapshot> s) { snapshots.take(std::move(s)); });
    if (!snapshots.waitFor([](const CredentialSnapshot&) { return true; },
                           std::chrono::minutes(30))) {
        die("no first snapshot");
    }
    const double loadS = std::chrono::duration<double>(SteadyClock::now() - loadStart).count();
    const std::size_t rssSnapshot = rssBytes();
    auto snapshot = snapshots.latest();
    if (snapshot->peopleCount() != options.people || !snapshot->refusedRows.empty()) {
        die(named("the first snapshot holds ", snapshot->peopleCount()) +
            named(" people and refused ", snapshot->refusedRows.size()) + " rows (first: " +
            (snapshot->refusedRows.empty() ? std::string("-")
                                           : snapshot->refusedRows.front().describe()) +
            ")");
    }
    const double bytesPerPerson =
        static_cast<double>(rssSnapshot - std::min(rssSnapshot, rssBefore)) /
        static_cast<double>(options.people);

    // Baseline for both: a bare map of the card uids.
    const std::size_t rssBeforeMap = rssBytes();
    std::unordered_map<std::string, std::uint32_t> bareCards;
    bareCards.reserve(options.people);
    std::string uid;
    for (std::size_t i = 0; i < options.people; ++i) {
        cardUid(i, uid);
        bareCards.emplace(uid, static_cast<std::uint32_t>(i));
    }
    const double bytesPerBareEntry =
        static_cast<double>(rssBytes() - std::min(rssBytes(), rssBeforeMap)) /
        static_cast<double>(options.people);

    // 3. Decisions through the real path, each timed, beside the bare lookup.
    std::mt19937_64 random(14);
    std::vector<double> decisionUs, bareUs;
    decisionUs.reserve(options.decisions);
    bareUs.reserve(options.decisions);
    std::size_t granted = 0;
    std::size_t checksum = 0;
    const core::TimeUs now = clock.nowUs();
    for (std::size_t n = 0; n < options.decisions; ++n) {
        const std::size_t who = random() % options.people;
        const auto& mine = site.doorsOfGroup[who % kGroups];
        const std::size_t door =
            (n % 2 == 0 && !mine.empty()) ? mine[random() % mine.size()] : random() % options.doors;
        const DoorSpec& spec = site.doors[door];
        cardUid(who, uid);

        const auto t0 = SteadyClock::now();
        AccessSnapshot view;
        view.door = &spec;
        if (const CardRecord* card = snapshot->card(uid)) {
            if (const PersonRecord* person = snapshot->person(card->person)) {
                view.holder = CardHolder{person->active, card->state == CardState::revoked};
                view.zoneAccess =
                    mayEnter(*person, *snapshot, site.levels, site.schedules, spec.toZone, now);
            }
        }
        AccessRequest request;
        request.side = protocol::DoorSide::entry;
        request.step = CardStep{};
        request.nowUs = now;
        const AccessDecision decision = decide(request, view);
        const auto t1 = SteadyClock::now();
        granted += std::holds_alternative<NextFactor>(decision.outcome) ? 1 : 0;

        const auto b0 = SteadyClock::now();
        auto it = bareCards.find(uid);
        checksum += it == bareCards.end() ? 0 : it->second;
        const auto b1 = SteadyClock::now();
        decisionUs.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        bareUs.push_back(std::chrono::duration<double, std::micro>(b1 - b0).count());
    }
    const double decisionP50 = percentile(decisionUs, 0.50);
    const double decisionP99 = percentile(decisionUs, 0.99);
    const double bareP50 = percentile(bareUs, 0.50);
    const double bareP99 = percentile(bareUs, 0.99);

    // 4. One change at a time: durable commit -> the cache's snapshot holds it.
    auto reader = require(core::Database::open(path, core::Database::Mode::readOnly), "reader");
    auto pointRead =
        require(reader->prepare("SELECT hash FROM door_pins WHERE person = ?1"), "point read");
    std::vector<double> updateMs, pointReadMs;
    for (int c = 0; c < options.changes; ++c) {
        const std::size_t who = random() % options.people;
        const std::string id = personId(who);
        const std::string hash = pinHashOf(who, c + 1);
        core::Change change;
        change.apply = [id, hash](core::Database& db) -> core::Result<std::vector<core::Event>> {
            auto store = CredentialStore::attach(db);
            if (!store) {
                return store.error();
            }
            if (auto r = (*store)->storePinHash(id, hash); !r) {
                return r.error();
            }
            auto digest = core::digestRow(db, pinsTable(), {id});
            if (!digest) {
                return digest.error();
            }
            const auto payload = nlohmann::json{
                {"person", id}, {"row_digest", core::rowDigestJson(pinsTable(), {id}, *digest)}};
            return std::vector<core::Event>{
                core::Event{0, "person.pin_set", "operator:bench", id, payload.dump()}};
        };
        recorder->commit(std::move(change));
        require(recorder->flush(), "change");
        const auto durable = SteadyClock::now();
        const bool seen = snapshots.waitFor(
            [&](const CredentialSnapshot& s) {
                const PersonRecord* p = s.person(id);
                return p != nullptr && p->pinHash == hash;
            },
            std::chrono::seconds(30));
        const auto arrived = SteadyClock::now();
        if (!seen) {
            die("the change of " + id + " never reached a snapshot");
        }
        updateMs.push_back(std::chrono::duration<double, std::milli>(arrived - durable).count());
        const auto r0 = SteadyClock::now();
        pointRead.bind(1, id);
        auto row = pointRead.step();
        const bool found = row && *row && pointRead.columnBlob(0) == hash;
        pointRead.reset();
        const auto r1 = SteadyClock::now();
        if (!found) {
            die("the point read did not find " + id + "'s new hash");
        }
        pointReadMs.push_back(std::chrono::duration<double, std::milli>(r1 - r0).count());
    }
    snapshot = snapshots.latest();
    if (!snapshot->refusedRows.empty()) {
        die("a change through the recorder was refused: " +
            snapshot->refusedRows.front().describe());
    }
    const double updateP50 = percentile(updateMs, 0.50);
    const double updateMax = percentile(updateMs, 1.0);

    cache->stop();
    recorder->stop();
    work.reset();
    io.stop();
    ioThread.join();

    std::printf("\n  %-44s %12s %12s\n", "", "p50", "p99/max");
    std::printf(
        "  %-44s %9.3f us %9.3f us   (bar p99 <= %.1f us; %zu decisions, %.0f%% to a pin step)\n",
        "decision: card -> mayEnter -> decide", decisionP50, decisionP99, kDecisionP99BarUs,
        options.decisions,
        100.0 * static_cast<double>(granted) / static_cast<double>(options.decisions));
    std::printf("  %-44s %9.3f us %9.3f us\n", "baseline: bare unordered_map lookup", bareP50,
                bareP99);
    std::printf("  %-44s %9.2f ms %9.2f ms   (bar max <= %.0f ms; %d changes)\n",
                "one change: durable -> snapshot holds it", updateP50, updateMax, kUpdateMaxBarMs,
                options.changes);
    std::printf("  %-44s %9.3f ms %9.3f ms\n", "baseline: bare SQLite point read",
                percentile(pointReadMs, 0.5), percentile(pointReadMs, 1.0));
    std::printf("  %-44s %9.1f s\n", "first full verified load (a rebuild)", loadS);
    std::printf("  %-44s %9.0f B/person  (bare uid map: %.0f B/entry)\n",
                "memory: RSS delta of snapshot + digests", bytesPerPerson, bytesPerBareEntry);
    std::printf("  (checksum %zu)\n", checksum);

    if (!options.keep) {
        std::filesystem::remove_all(dir);
    } else {
        std::cout << "  kept " << dir << "\n";
    }
    if (!options.bars) {
        return 0;
    }
    bool ok = true;
    if (decisionP99 > kDecisionP99BarUs) {
        std::cout << "FAIL: decision p99 " << decisionP99 << " us > " << kDecisionP99BarUs << "\n";
        ok = false;
    }
    if (updateMax > kUpdateMaxBarMs) {
        std::cout << "FAIL: one change took up to " << updateMax << " ms > " << kUpdateMaxBarMs
                  << "\n";
        ok = false;
    }
    std::cout << (ok ? "PASS\n" : "");
    return ok ? 0 : 1;
}
