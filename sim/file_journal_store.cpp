#include "sim/file_journal_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace sekimori::sim {

namespace {

constexpr std::string_view kMagic = "SKJRNL1\n";
constexpr std::uint32_t kMaxBody = 1u << 20;  // an event is at most a few KiB

std::array<std::uint32_t, 256> makeCrcTable() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) {
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        table[i] = c;
    }
    return table;
}

void putU32(std::string& out, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) {
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    }
}
void putU64(std::string& out, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) {
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    }
}
std::uint64_t getLe(std::string_view bytes, std::size_t at, int width) {
    std::uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) {
        value = (value << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    }
    return value;
}

std::string record(char type, std::string_view data) {
    std::string body;
    body.reserve(1 + data.size());
    body.push_back(type);
    body.append(data);
    std::string out;
    out.reserve(body.size() + 8);
    putU32(out, static_cast<std::uint32_t>(body.size()));
    out.append(body);
    putU32(out, crc32(body));
    return out;
}
std::string u64s(std::uint64_t a) {
    std::string out;
    putU64(out, a);
    return out;
}
std::string u64s(std::uint64_t a, std::uint64_t b) {
    std::string out;
    putU64(out, a);
    putU64(out, b);
    return out;
}

std::string errnoText() {
    return std::strerror(errno);
}

bool writeAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool readAll(int fd, std::string& out) {
    char chunk[1 << 16];
    while (true) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        if (n == 0) {
            return true;
        }
        out.append(chunk, static_cast<std::size_t>(n));
    }
}

bool syncDirectory(const std::filesystem::path& file) {
    auto dir = file.parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

std::uint32_t crc32(std::string_view data) {
    static const auto table = makeCrcTable();
    std::uint32_t c = 0xFFFFFFFFu;
    for (char byte : data) {
        c = table[(c ^ static_cast<unsigned char>(byte)) & 0xff] ^ (c >> 8);
    }
    return c ^ 0xFFFFFFFFu;
}

FileJournalStore::FileJournalStore(std::filesystem::path path)
    : FileJournalStore(std::move(path), Options{}) {}

FileJournalStore::FileJournalStore(std::filesystem::path path, Options options)
    : path_(std::move(path)), options_(options) {}

FileJournalStore::~FileJournalStore() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

firmware::StoreStatus FileJournalStore::fail(const std::string& what) const {
    return {false, path_.string() + ": " + what};
}

firmware::JournalStore::Loaded FileJournalStore::load() {
    Loaded loaded;
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    pending_.clear();
    pendingBytes_ = 0;
    std::error_code exists;
    if (!std::filesystem::exists(path_, exists)) {
        // A fresh journal: made whole (header and mark) before it is used.
        ackedThrough_ = lastSeq_ = lost_ = 0;
        if (auto made = rewrite({}); !made) {
            loaded.error = made.error;
        }
        return loaded;
    }
    const int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        loaded.error = path_.string() + ": cannot open: " + errnoText();
        return loaded;
    }
    std::string bytes;
    if (!readAll(fd, bytes)) {
        loaded.error = path_.string() + ": cannot read: " + errnoText();
        ::close(fd);
        return loaded;
    }
    const auto refuse = [&](std::uint64_t offset, const std::string& what) {
        loaded.error = path_.string() + ": at byte " + std::to_string(offset) + ": " + what +
                       " (refused: the journal is damaged; nothing was dropped)";
        loaded.snapshot = {};
        ::close(fd);
        return loaded;
    };
    if (bytes.size() < kMagic.size() ||
        std::string_view(bytes).substr(0, kMagic.size()) != kMagic) {
        return refuse(0, "not a sekimori panel journal (bad magic)");
    }
    std::size_t at = kMagic.size();
    bool sawHeader = false;
    std::uint64_t acked = 0;
    std::uint64_t last = 0;
    std::uint64_t lost = 0;
    std::uint64_t validEnd = at;
    const auto restIsZero = [&](std::size_t from) {
        for (std::size_t i = from; i < bytes.size(); ++i) {
            if (bytes[i] != '\0') {
                return false;
            }
        }
        return true;
    };
    bool torn = false;
    std::deque<firmware::JournalEntry> entries;
    while (at < bytes.size()) {
        if (bytes.size() - at < 4) {
            torn = true;
            break;
        }
        const auto length = static_cast<std::uint32_t>(getLe(bytes, at, 4));
        const std::uint64_t end = at + 4 + std::uint64_t{length} + 4;
        if (length == 0 || length > kMaxBody) {
            if (restIsZero(at)) {  // the file grew but the data never landed
                torn = true;
                break;
            }
            return refuse(at, "record length " + std::to_string(length) + " out of range");
        }
        if (end > bytes.size()) {  // the last append did not finish
            torn = true;
            break;
        }
        const std::string_view body(bytes.data() + at + 4, length);
        const auto stored = static_cast<std::uint32_t>(getLe(bytes, at + 4 + length, 4));
        if (crc32(body) != stored) {
            if (end == bytes.size() || restIsZero(end)) {
                torn = true;
                break;
            }
            return refuse(at, "CRC mismatch in a record with more records after it");
        }
        const char type = body[0];
        const std::string_view data = body.substr(1);
        if (!sawHeader && type != 'H') {
            return refuse(at, "the first record is not the header");
        }
        switch (type) {
            case 'H':
                if (sawHeader || data.size() != 16) {
                    return refuse(at, sawHeader ? "a second header" : "header of the wrong size");
                }
                sawHeader = true;
                acked = last = getLe(data, 0, 8);
                lost = getLe(data, 8, 8);
                break;
            case 'E': {
                if (data.size() < 8) {
                    return refuse(at, "entry record too short");
                }
                const std::uint64_t seq = getLe(data, 0, 8);
                if (seq != last + 1) {
                    return refuse(at, "entry seq " + std::to_string(seq) + " where " +
                                          std::to_string(last + 1) + " was due");
                }
                last = seq;
                pending_.push_back({seq, at, end - at});
                pendingBytes_ += end - at;
                entries.push_back({seq, std::string(data.substr(8))});
                break;
            }
            case 'A': {
                if (data.size() != 8) {
                    return refuse(at, "ack record of the wrong size");
                }
                const std::uint64_t seq = getLe(data, 0, 8);
                if (seq > last || seq < acked) {
                    return refuse(at, "ack of seq " + std::to_string(seq) + " outside " +
                                          std::to_string(acked) + ".." + std::to_string(last));
                }
                acked = seq;
                while (!pending_.empty() && pending_.front().seq <= seq) {
                    pendingBytes_ -= pending_.front().bytes;
                    pending_.pop_front();
                    entries.pop_front();
                }
                break;
            }
            case 'L':
                if (data.size() != 8) {
                    return refuse(at, "lost record of the wrong size");
                }
                lost = getLe(data, 0, 8);
                break;
            default:
                return refuse(at, std::string("unknown record type 0x") +
                                      "0123456789abcdef"[(static_cast<unsigned char>(type) >> 4)] +
                                      "0123456789abcdef"[static_cast<unsigned char>(type) & 15]);
        }
        at = static_cast<std::size_t>(end);
        validEnd = end;
    }
    if (!sawHeader) {
        return refuse(kMagic.size(), "no header record");
    }
    if (torn) {
        // Cut the torn record off for good, so the next append starts on a record boundary.
        if (::ftruncate(fd, static_cast<off_t>(validEnd)) != 0 || ::fsync(fd) != 0) {
            loaded.error = path_.string() + ": cannot cut the torn tail: " + errnoText();
            ::close(fd);
            return loaded;
        }
    }
    if (::lseek(fd, static_cast<off_t>(validEnd), SEEK_SET) < 0) {
        loaded.error = path_.string() + ": cannot seek: " + errnoText();
        ::close(fd);
        return loaded;
    }
    fd_ = fd;
    size_ = validEnd;
    ackedThrough_ = acked;
    lastSeq_ = last;
    lost_ = lost;
    loaded.snapshot.ackedThrough = acked;
    loaded.snapshot.lost = lost;
    loaded.snapshot.pending.assign(std::make_move_iterator(entries.begin()),
                                   std::make_move_iterator(entries.end()));
    return loaded;
}

firmware::StoreStatus FileJournalStore::writeRecord(const std::string& bytes) {
    if (fd_ < 0) {
        return fail("not open");
    }
    if (!writeAll(fd_, bytes)) {
        const std::string why = errnoText();
        // Leave no half record behind for the next append to follow.
        if (::ftruncate(fd_, static_cast<off_t>(size_)) == 0) {
            ::lseek(fd_, static_cast<off_t>(size_), SEEK_SET);
        }
        return fail("cannot write: " + why);
    }
    if (options_.sync && ::fdatasync(fd_) != 0) {
        const std::string why = errnoText();
        return fail("cannot fsync: " + why);
    }
    size_ += bytes.size();
    return {};
}

firmware::StoreStatus FileJournalStore::append(const firmware::JournalEntry& entry) {
    if (entry.seq != lastSeq_ + 1) {
        return fail("append of seq " + std::to_string(entry.seq) + " where " +
                    std::to_string(lastSeq_ + 1) + " is due");
    }
    std::string data = u64s(entry.seq);
    data.append(entry.payload);
    if (data.size() + 1 > kMaxBody) {
        return fail("entry of " + std::to_string(entry.payload.size()) + " bytes is too large");
    }
    const std::uint64_t offset = size_;
    const std::string bytes = record('E', data);
    if (auto written = writeRecord(bytes); !written) {
        return written;
    }
    lastSeq_ = entry.seq;
    pending_.push_back({entry.seq, offset, bytes.size()});
    pendingBytes_ += bytes.size();
    return {};
}

firmware::StoreStatus FileJournalStore::acknowledge(std::uint64_t seq) {
    if (seq > lastSeq_) {
        return fail("ack of seq " + std::to_string(seq) + " beyond the last entry " +
                    std::to_string(lastSeq_));
    }
    if (seq <= ackedThrough_) {
        return {};
    }
    if (auto written = writeRecord(record('A', u64s(seq))); !written) {
        return written;
    }
    ackedThrough_ = seq;
    while (!pending_.empty() && pending_.front().seq <= seq) {
        pendingBytes_ -= pending_.front().bytes;
        pending_.pop_front();
    }
    const std::uint64_t dead = size_ - pendingBytes_;
    if (dead > options_.compactAfterBytes && dead > pendingBytes_) {
        return compact();
    }
    return {};
}

firmware::StoreStatus FileJournalStore::saveLost(std::uint64_t lost) {
    if (auto written = writeRecord(record('L', u64s(lost))); !written) {
        return written;
    }
    lost_ = lost;
    return {};
}

firmware::StoreStatus FileJournalStore::compact() {
    if (fd_ < 0) {
        return fail("not open");
    }
    auto kept = rewrite(pending_);
    if (kept) {
        ++compactions_;
    }
    return kept;
}

// Writes header, mark and `keep` (records copied byte for byte from the current file) to a
// temporary file, fsyncs it, renames it over the journal and fsyncs the directory: a crash at any
// point leaves either the old file or the new one, both whole.
firmware::StoreStatus FileJournalStore::rewrite(const std::deque<Record>& keep) {
    std::filesystem::path temp = path_;
    temp += ".tmp";
    const int out = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        return fail("cannot create " + temp.string() + ": " + errnoText());
    }
    std::string bytes(kMagic);
    bytes.append(record('H', u64s(ackedThrough_, lost_)));
    std::deque<Record> moved;
    std::uint64_t at = bytes.size();
    std::string copy;
    bool ok = writeAll(out, bytes);
    for (const auto& entry : keep) {
        if (!ok) {
            break;
        }
        copy.resize(static_cast<std::size_t>(entry.bytes));
        ok = ::pread(fd_, copy.data(), copy.size(), static_cast<off_t>(entry.offset)) ==
                 static_cast<ssize_t>(copy.size()) &&
             writeAll(out, copy);
        moved.push_back({entry.seq, at, entry.bytes});
        at += entry.bytes;
    }
    const std::string why = errnoText();
    if (!ok || ::fsync(out) != 0) {
        ::close(out);
        ::unlink(temp.c_str());
        return fail("cannot write " + temp.string() + ": " + why);
    }
    ::close(out);
    if (::rename(temp.c_str(), path_.c_str()) != 0) {
        const std::string renameWhy = errnoText();
        ::unlink(temp.c_str());
        return fail("cannot rename " + temp.string() + ": " + renameWhy);
    }
    if (!syncDirectory(path_)) {
        return fail("cannot fsync its directory: " + errnoText());
    }
    const int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0 || ::lseek(fd, static_cast<off_t>(at), SEEK_SET) < 0) {
        return fail("cannot reopen: " + errnoText());
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = fd;
    size_ = at;
    pending_ = std::move(moved);
    pendingBytes_ = at - bytes.size();
    return {};
}

}  // namespace sekimori::sim
