#pragma once
// The panel journal's storage on a host (firmware::JournalStore over one file): append-only,
// fsync'd on every append, every record with its own CRC-32, so a power cut (or kill -9) at any
// moment loses nothing an append reported durable. On load a torn last record is cut off; any
// other damage (a CRC mismatch with good records after it, a seq out of order) is refused with
// the file, offset and what was wrong, never skipped. The acknowledged prefix is compacted away
// by writing the pending records to a temporary file, fsync, rename over, fsync the directory.
//
// File format (docs/offline.md, "The journal"): "SKJRNL1\n", then records
//   u32 length (little endian) | body (length bytes) | u32 CRC-32 (IEEE) of body
// whose body is a type byte and its data (u64 little endian):
//   'H' ackedThrough lost   first record: the acknowledged-through mark and the lost count the
//                           file starts from (so seq is never reused, even with nothing pending)
//   'E' seq payload         one journaled event, seq = the last seq + 1
//   'A' seq                 every entry up to seq is acknowledged
//   'L' lost                reports lost while full and not reported yet (the last one counts)
#include <cstdint>
#include <deque>
#include <filesystem>
#include <string>

#include "firmware/panel_journal.hpp"

namespace sekimori::sim {

class FileJournalStore final : public firmware::JournalStore {
  public:
    struct Options {
        // fsync after every record. Off only where durability is not the point (a load test).
        bool sync = true;
        // Compact when the acknowledged records take more than this many bytes and more than
        // the pending ones.
        std::uint64_t compactAfterBytes = 4u << 20;
    };

    explicit FileJournalStore(std::filesystem::path path);
    FileJournalStore(std::filesystem::path path, Options options);
    ~FileJournalStore() override;
    FileJournalStore(const FileJournalStore&) = delete;
    FileJournalStore& operator=(const FileJournalStore&) = delete;

    Loaded load() override;
    firmware::StoreStatus append(const firmware::JournalEntry& entry) override;
    firmware::StoreStatus acknowledge(std::uint64_t seq) override;
    firmware::StoreStatus saveLost(std::uint64_t lost) override;

    // Rewrites the file with only what is pending (done by acknowledge when worth it).
    firmware::StoreStatus compact();
    std::uint64_t fileBytes() const { return size_; }
    std::uint64_t compactions() const { return compactions_; }
    const std::filesystem::path& path() const { return path_; }

  private:
    struct Record {
        std::uint64_t seq = 0;
        std::uint64_t offset = 0;  // of its length field
        std::uint64_t bytes = 0;   // length field, body and CRC
    };
    firmware::StoreStatus writeRecord(const std::string& record);
    firmware::StoreStatus rewrite(const std::deque<Record>& keep);
    firmware::StoreStatus fail(const std::string& what) const;

    std::filesystem::path path_;
    Options options_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::uint64_t ackedThrough_ = 0;
    std::uint64_t lastSeq_ = 0;
    std::uint64_t lost_ = 0;
    std::deque<Record> pending_;
    std::uint64_t pendingBytes_ = 0;
    std::uint64_t compactions_ = 0;
};

// CRC-32 (IEEE 802.3, the zlib one) of `data`.
std::uint32_t crc32(std::string_view data);

}  // namespace sekimori::sim
