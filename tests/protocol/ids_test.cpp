#include "protocol/ids.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace sekimori::protocol {
namespace {

TEST(Ids, OneSyntaxForEveryId) {
    for (const std::string& id : std::initializer_list<std::string>{"a", "server-room", "p_srv",
                                                                    "z9", std::string(64, 'x')}) {
        EXPECT_TRUE(isValidId(id)) << id;
    }
    for (const std::string& id : std::initializer_list<std::string>{
             "", "Server", "a b", "a/b", "a+", "a#", "é", "a.b", std::string(65, 'x')}) {
        EXPECT_FALSE(isValidId(id)) << id;
    }
}

}  // namespace
}  // namespace sekimori::protocol
