// What `sekimori person list|show` print from the daemon's answers (the shapes GET /api/people
// and GET /api/people/{id} answer, docs/openapi.yaml): tab-separated lines whose first fields
// are stable, "-" for what is absent, and a factor as yes/no only.
#include "app/person_view.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace sekimori;

namespace {

std::string listed(const nlohmann::json& body) {
    std::ostringstream out;
    app::printPeopleList(body, out);
    return out.str();
}

std::string shown(const nlohmann::json& body) {
    std::ostringstream out;
    app::printPersonPage(body, out);
    return out.str();
}

TEST(PersonView, ListPrintsOneLinePerPersonWithTheirCards) {
    const nlohmann::json body{{"people",
                               {{{"id", "alice"},
                                 {"name", "Alice Sato"},
                                 {"active", true},
                                 {"cards",
                                  {{{"uid", "0123456789ABCDEF"}, {"state", "active"}},
                                   {{"uid", "W26-12-345"}, {"state", "revoked"}}}}},
                                {{"id", "bob"},
                                 {"name", "Bob"},
                                 {"active", false},
                                 {"cards", nlohmann::json::array()}}}}};
    EXPECT_EQ(listed(body),
              "id\tname\tstate\tcards\n"
              "alice\tAlice Sato\tactive\t0123456789ABCDEF:active,W26-12-345:revoked\n"
              "bob\tBob\tdisabled\t-\n");
    EXPECT_EQ(listed(nlohmann::json{{"people", nlohmann::json::array()}}),
              "id\tname\tstate\tcards\n");
    EXPECT_EQ(listed(nullptr), "id\tname\tstate\tcards\n");
}

TEST(PersonView, ShowPrintsThePageAndFactorsAsYesOrNo) {
    const nlohmann::json body{
        {"person",
         {{"id", "alice"},
          {"name", "Alice Sato"},
          {"active", false},
          {"organisation", ""},
          {"valid_from_us", 0},
          {"valid_until_us", 1'798'761'600'000'000},
          {"escort_required", true},
          {"factors", {{"card", true}, {"pin", false}}},
          {"cards",
           {{{"uid", "0123456789ABCDEF"},
             {"state", "revoked"},
             {"history",
              {{{"time_us", 1'795'568'400'000'000},
                {"type", "person.card_revoked"},
                {"why", "revoked"},
                {"actor", "fa-1"}}}}}}},
          {"grants", {{{"zone", "corridor"}, {"schedule", "office"}}}},
          {"levels", {{{"level", "day"}, {"valid_from_us", 0}, {"valid_until_us", 0}}}},
          {"groups", {{{"id", "staff"}, {"levels", {{{"level", "hall"}}}}}}},
          {"recent_events",
           {{{"seq", 42},
             {"time_us", 1'795'568'400'000'000},
             {"type", "person.disabled"},
             {"source", "operator:fa-1"}}}}}}};
    EXPECT_EQ(shown(body),
              "person\talice\n"
              "name\tAlice Sato\n"
              "state\tdisabled\n"
              "organisation\t-\n"
              "valid\t-..2027-01-01T00:00:00Z\n"
              "escort_required\tyes\n"
              "factors\tcard=yes pin=no\n"
              "card\t0123456789ABCDEF\trevoked\n"
              "  history\t2026-11-25T01:00:00Z\tperson.card_revoked\trevoked\tfa-1\n"
              "grant\tcorridor\toffice\n"
              "level\tday\t-..-\n"
              "group\tstaff\n"
              "  level\thall\t-..-\n"
              "event\t42\t2026-11-25T01:00:00Z\tperson.disabled\toperator:fa-1\n");
}

TEST(PersonView, AnAnswerWithoutAPersonPrintsDashes) {
    EXPECT_EQ(shown(nlohmann::json::object()),
              "person\t-\nname\t-\nstate\tdisabled\norganisation\t-\nvalid\t-..-\n"
              "escort_required\tno\nfactors\t-\n");
}

}  // namespace
