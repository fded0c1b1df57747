#include "core/sqlite_db.hpp"

#include <gtest/gtest.h>

using namespace sekimori::core;

TEST(SqliteDb, MigrationsApplyOnceAndInOrder) {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db) << db.error().message;
    std::vector<Migration> migrations{{1, "CREATE TABLE t(a INTEGER)"},
                                      {2, "ALTER TABLE t ADD COLUMN b TEXT"}};
    ASSERT_TRUE((*db)->migrate("test", migrations));
    ASSERT_TRUE((*db)->migrate("test", migrations));  // a second run is a no-op
    auto insert = (*db)->prepare("INSERT INTO t(a, b) VALUES(?1, ?2)");
    ASSERT_TRUE(insert);
    insert->bind(1, std::int64_t{7}).bind(2, "seven");
    ASSERT_TRUE(insert->run());
    auto select = (*db)->prepare("SELECT a, b FROM t");
    ASSERT_TRUE(select);
    auto row = select->step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ(select->columnInt(0), 7);
    EXPECT_EQ(select->columnText(1), "seven");
}

TEST(SqliteDb, FailedMigrationRollsBackAndNamesComponent) {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db);
    auto r = (*db)->migrate("broken", {{1, "CREATE TABLE x(a); NOT SQL"}});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("broken v1"), std::string::npos);
    EXPECT_FALSE((*db)->exec("SELECT * FROM x"));
}

TEST(SqliteDb, BadSqlIsAnErrorNotACrash) {
    auto db = Database::open(":memory:");
    ASSERT_TRUE(db);
    EXPECT_FALSE((*db)->prepare("SELEKT 1"));
}
