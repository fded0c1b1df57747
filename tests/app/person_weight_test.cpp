// What `sekimori person weight --kg KG` sends (PATCH /api/people/{id} {"weight_kg": KG}) and
// prints, and the command lines it refuses before anything is sent.
#include "app/person_weight.hpp"

#include <gtest/gtest.h>

using namespace sekimori;

namespace {

TEST(PersonWeight, APlainNumberOfKilogramsIsTheBodyTheDaemonTakes) {
    const struct {
        const char* kg;
        double sent;
        const char* done;
    } rows[] = {
        {"72", 72.0, "person tanaka weight 72 kg"},
        {"72.5", 72.5, "person tanaka weight 72.5 kg"},
        {"58.25", 58.25, "person tanaka weight 58.25 kg"},
        {"300", 300.0, "person tanaka weight 300 kg"},
        {"0", 0.0, "person tanaka weight removed"},
        {"0.0", 0.0, "person tanaka weight removed"},
    };
    for (const auto& row : rows) {
        auto change = app::weightChange("tanaka", row.kg);
        ASSERT_TRUE(change) << row.kg << ": " << change.error().message;
        EXPECT_EQ(change->body, (nlohmann::json{{"weight_kg", row.sent}})) << row.kg;
        EXPECT_TRUE(change->body["weight_kg"].is_number_float()) << row.kg;
        EXPECT_EQ(change->done, row.done) << row.kg;
    }
}

TEST(PersonWeight, AnythingButAPlainNumberUpTo300IsRefusedNamingTheOption) {
    for (const char* kg : {"", ".", "-1", "+72", "300.001", "1000", "72kg", "72 ", " 72", "7,5",
                           "1e2", "inf", "nan", "0x48", "72.5.1"}) {
        auto change = app::weightChange("tanaka", kg);
        ASSERT_FALSE(change) << "'" << kg << "'";
        EXPECT_EQ(change.error().code, "cli.bad_argument") << kg;
        EXPECT_EQ(change.error().message,
                  "--kg '" + std::string(kg) +
                      "': give the weight in kilograms as a plain number 0..300 (72 or 72.5; 0 "
                      "removes it)");
    }
}

}  // namespace
