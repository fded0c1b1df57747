#pragma once
// Whether an operator row is the one the trail says it is (C2). The console keeps the newest
// row digest per operator as the audit trail records it and catches up with the trail before
// each check (reading only the events recorded since the last one), so a row inserted, edited
// or put back behind the daemon's back is found at the next login or request. Not thread-safe:
// used on the console's database strand only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "console/operator_store.hpp"
#include "core/result.hpp"
#include "core/row_digest_index.hpp"
#include "core/sqlite_db.hpp"

namespace sekimori::console {

struct RowTrust {
    enum class Verdict { matches, differs, unnamed, deleted };
    Verdict verdict = Verdict::matches;
    std::string actual;     // hex digest of the row as it is
    std::string expected;   // hex digest the trail recorded; empty when it never named the row
    std::uint64_t seq = 0;  // the event that recorded the expected digest
    bool ok() const { return verdict == Verdict::matches; }
};
std::string_view verdictName(RowTrust::Verdict verdict);

class OperatorTrail {
  public:
    // Reads the trail's events recorded since the last call (none when there is no trail).
    core::Result<void> catchUp(core::Database& db);
    // Compares the operator's row (which must exist) with the trail; catches up first.
    core::Result<RowTrust> check(core::Database& db, std::string_view name);
    std::uint64_t scannedSeq() const { return scannedSeq_; }

  private:
    core::RowDigestIndex index_;
    std::uint64_t scannedSeq_ = 0;
};

}  // namespace sekimori::console
