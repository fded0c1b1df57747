#include "io/modbus/modbus_poller.hpp"

#include <modbus.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>

namespace sekimori::io::modbus {

struct ModbusPoller::Shared {
    std::mutex mutex;
    OnPass onPass;  // empty once stopped
    bool stopped = false;
};

namespace {

struct ContextDeleter {
    void operator()(modbus_t* ctx) const {
        modbus_close(ctx);
        modbus_free(ctx);
    }
};
using Context = std::unique_ptr<modbus_t, ContextDeleter>;

void setTimeout(modbus_t* ctx, std::chrono::milliseconds timeout) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
    modbus_set_response_timeout(ctx, static_cast<std::uint32_t>(us / 1'000'000),
                                static_cast<std::uint32_t>(us % 1'000'000));
}

std::uint8_t functionOf(Table table) {
    switch (table) {
        case Table::coil:
            return 1;
        case Table::discreteInput:
            return 2;
        case Table::holding:
            return 3;
        case Table::input:
            return 4;
    }
    return 3;
}

int failWith(int error) {
    errno = error;
    return -1;
}

// One batch into `words` (bits as 0/1 words); -1 with errno set on failure. Sent raw and checked
// here: libmodbus 3.1.6 accepts a TCP reply from another unit id as if it were the asked one's.
int readBatch(modbus_t* ctx, int unitId, const ReadBatch& batch,
              std::vector<std::uint16_t>& words) {
    const std::uint8_t function = functionOf(batch.table);
    const auto unit = static_cast<std::uint8_t>(unitId);
    const std::uint8_t request[] = {unit,
                                    function,
                                    static_cast<std::uint8_t>(batch.start >> 8),
                                    static_cast<std::uint8_t>(batch.start & 0xFF),
                                    static_cast<std::uint8_t>(batch.count >> 8),
                                    static_cast<std::uint8_t>(batch.count & 0xFF)};
    if (modbus_send_raw_request(ctx, request, sizeof request) < 0) {
        return -1;
    }
    std::uint8_t reply[MODBUS_TCP_MAX_ADU_LENGTH];
    const int n = modbus_receive_confirmation(ctx, reply);
    if (n < 0) {
        return -1;
    }
    // MBAP: transaction (2), protocol 0 (2), length (2), unit; then function, byte count.
    if (n < 9 || reply[2] != 0 || reply[3] != 0 || ((reply[4] << 8) | reply[5]) != n - 6) {
        return failWith(EMBBADDATA);
    }
    if (reply[6] != unit) {
        return failWith(EMBBADSLAVE);
    }
    if (reply[7] == (function | 0x80)) {
        const int code = reply[8];
        return failWith(code >= 1 && code <= EMBXGTAR - MODBUS_ENOBASE ? MODBUS_ENOBASE + code
                                                                       : EMBBADEXC);
    }
    const bool bits = isBitTable(batch.table);
    const int bytes = bits ? (batch.count + 7) / 8 : batch.count * 2;
    if (reply[7] != function || reply[8] != bytes || n != 9 + bytes) {
        return failWith(EMBBADDATA);
    }
    words.assign(static_cast<std::size_t>(batch.count), 0);
    for (int i = 0; i < batch.count; ++i) {
        const auto at = static_cast<std::size_t>(i);
        words[at] = bits ? static_cast<std::uint16_t>((reply[9 + i / 8] >> (i % 8)) & 1)
                         : static_cast<std::uint16_t>((reply[9 + 2 * i] << 8) | reply[10 + 2 * i]);
    }
    return batch.count;
}

// One write; -1 with errno set on failure. Raw like readBatch: the echo must name this unit,
// the function and the address, or it answers something else.
int writePoint(modbus_t* ctx, int unitId, const PointSpec& point,
               const std::vector<std::uint16_t>& words) {
    const auto unit = static_cast<std::uint8_t>(unitId);
    const auto hi = [](int v) { return static_cast<std::uint8_t>((v >> 8) & 0xFF); };
    const auto lo = [](int v) { return static_cast<std::uint8_t>(v & 0xFF); };
    std::vector<std::uint8_t> request{unit};
    std::uint8_t function = 0;
    if (point.table == Table::coil) {
        function = 5;
        const int on = words.front() != 0 ? 0xFF00 : 0x0000;
        request.insert(request.end(),
                       {function, hi(point.address), lo(point.address), hi(on), lo(on)});
    } else if (words.size() == 1) {
        function = 6;
        request.insert(request.end(), {function, hi(point.address), lo(point.address),
                                       hi(words.front()), lo(words.front())});
    } else {
        function = 16;
        const int count = static_cast<int>(words.size());
        request.insert(request.end(), {function, hi(point.address), lo(point.address), hi(count),
                                       lo(count), static_cast<std::uint8_t>(2 * count)});
        for (const auto word : words) {
            request.insert(request.end(), {hi(word), lo(word)});
        }
    }
    if (modbus_send_raw_request(ctx, request.data(), static_cast<int>(request.size())) < 0) {
        return -1;
    }
    std::uint8_t reply[MODBUS_TCP_MAX_ADU_LENGTH];
    const int n = modbus_receive_confirmation(ctx, reply);
    if (n < 0) {
        return -1;
    }
    if (n < 9 || reply[2] != 0 || reply[3] != 0 || ((reply[4] << 8) | reply[5]) != n - 6) {
        return failWith(EMBBADDATA);
    }
    if (reply[6] != unit) {
        return failWith(EMBBADSLAVE);
    }
    if (reply[7] == (function | 0x80)) {
        const int code = reply[8];
        return failWith(code >= 1 && code <= EMBXGTAR - MODBUS_ENOBASE ? MODBUS_ENOBASE + code
                                                                       : EMBBADEXC);
    }
    // The echo: function, address and (05/06) the value or (16) the count, as sent.
    if (n != 12 || reply[7] != function ||
        !std::equal(request.begin() + 2, request.begin() + 6, reply + 8)) {
        return failWith(EMBBADDATA);
    }
    return 1;
}

}  // namespace

std::string_view toString(PassError error) {
    switch (error) {
        case PassError::none:
            return "none";
        case PassError::connect:
            return "connect";
        case PassError::timeout:
            return "timeout";
        case PassError::exception:
            return "exception";
        case PassError::badData:
            return "bad_data";
        case PassError::io:
            return "io";
    }
    return "io";
}

PassError classifyModbusErrno(int error) {
    if (error == ETIMEDOUT || error == EAGAIN) {
        return PassError::timeout;
    }
    if (error >= EMBXILFUN && error <= EMBXGTAR) {
        return PassError::exception;  // the device answered with a Modbus exception
    }
    if (error == EMBBADCRC || error == EMBBADDATA || error == EMBBADEXC || error == EMBMDATA ||
        error == EMBBADSLAVE || error == EMBUNKEXC) {
        return PassError::badData;
    }
    return PassError::io;
}

ModbusPoller::ModbusPoller(boost::asio::any_io_executor executor, DeviceSpec spec,
                           const core::Clock& clock, OnPass onPass)
    : executor_(std::move(executor)),
      spec_(std::move(spec)),
      clock_(clock),
      shared_(std::make_shared<Shared>()) {
    shared_->onPass = std::move(onPass);
}

ModbusPoller::~ModbusPoller() {
    stop();
}

core::Result<void> ModbusPoller::start() {
    auto batches = planReads(spec_.points);
    if (!batches) {
        return batches.error();
    }
    if (spec_.timeout >= spec_.poll) {
        return core::makeError("modbus.bad_device", "device '" + spec_.id +
                                                        "': the time-out must be shorter than "
                                                        "the poll period");
    }
    batches_ = std::move(*batches);
    thread_ = std::thread([this] { run(); });
    return {};
}

void ModbusPoller::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
    std::lock_guard lock(shared_->mutex);
    shared_->onPass = nullptr;
    shared_->stopped = true;
}

core::Result<void> ModbusPoller::write(WriteRequest request, OnWrite onDone) {
    const auto at = std::find_if(spec_.points.begin(), spec_.points.end(),
                                 [&](const PointSpec& p) { return p.id == request.point; });
    if (at == spec_.points.end()) {
        return core::makeError("modbus.bad_write", std::string("device '")
                                                       .append(spec_.id)
                                                       .append("' has no point '")
                                                       .append(request.point)
                                                       .append("'"));
    }
    if (at->table == Table::discreteInput || at->table == Table::input) {
        return core::makeError("modbus.bad_write", std::string("point '")
                                                       .append(request.point)
                                                       .append("' is read-only (")
                                                       .append(toString(at->table))
                                                       .append(")"));
    }
    auto words = encodePoint(*at, request.value);
    if (!words) {
        return words.error();
    }
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            return core::makeError("modbus.stopped", "the poller of '" + spec_.id + "' stopped");
        }
        QueuedWrite queued;
        queued.point = static_cast<std::size_t>(at - spec_.points.begin());
        queued.words = std::move(*words);
        queued.value = request.value;
        queued.onDone = std::move(onDone);
        writes_.push_back(std::move(queued));
    }
    wake_.notify_all();
    return {};
}

bool ModbusPoller::runWrites(void* context, std::vector<QueuedWrite> writes) {
    auto* ctx = static_cast<modbus_t*>(context);
    bool keep = true;
    for (auto& queued : writes) {
        WriteResult result;
        result.device = spec_.id;
        result.point = spec_.points[queued.point].id;
        result.value = queued.value;
        if (ctx == nullptr) {
            result.error = PassError::connect;
            result.message = "not connected to the device";
        } else if (writePoint(ctx, spec_.unitId, spec_.points[queued.point], queued.words) < 0) {
            const int code = errno;
            result.error = classifyModbusErrno(code);
            result.message = modbus_strerror(code);
            if (result.error != PassError::exception) {
                keep = false;  // a late echo would poison what follows
                ctx = nullptr;
            }
        }
        result.timeUs = clock_.nowUs();
        boost::asio::post(executor_, [shared = shared_, onDone = std::move(queued.onDone),
                                      result = std::move(result)]() mutable {
            {
                std::lock_guard lock(shared->mutex);
                if (shared->stopped) {
                    return;
                }
            }
            if (onDone) {
                onDone(std::move(result));
            }
        });
    }
    return keep;
}

void ModbusPoller::run() {
    Context ctx;
    std::vector<std::uint16_t> words;
    std::chrono::milliseconds backoff{0};
    auto next = std::chrono::steady_clock::now();
    for (;;) {
        const auto began = std::chrono::steady_clock::now();
        PassResult pass;
        pass.device = spec_.id;
        pass.lateUs = std::chrono::duration_cast<std::chrono::microseconds>(began - next).count();
        const auto fail = [&](PassError error, int code) {
            pass.error = error;
            pass.message = modbus_strerror(code);
            pass.values.clear();
        };
        if (!ctx) {
            ctx.reset(modbus_new_tcp_pi(spec_.host.c_str(), std::to_string(spec_.port).c_str()));
            if (ctx) {
                setTimeout(ctx.get(), spec_.timeout);
                if (modbus_connect(ctx.get()) != 0) {
                    // A connect that saw no answer in the time-out ends "in progress".
                    const int code = errno;
                    if (code == EINPROGRESS || code == ETIMEDOUT) {
                        pass.error = PassError::timeout;
                        pass.message = "no answer to the connect within the time-out";
                    } else {
                        fail(PassError::connect, code);
                    }
                    ctx.reset();
                }
            } else {
                fail(PassError::connect, errno);
            }
        }
        std::vector<QueuedWrite> writes;
        {
            std::lock_guard lock(mutex_);
            writes.swap(writes_);
        }
        if (!writes.empty() && !runWrites(ctx.get(), std::move(writes))) {
            ctx.reset();  // the pass fails with it: its points are not read this time
            pass.error = PassError::io;
            pass.message = "connection closed after a failed write";
        }
        if (ctx) {
            pass.values.assign(spec_.points.size(), 0.0);
            for (const auto& batch : batches_) {
                if (readBatch(ctx.get(), spec_.unitId, batch, words) < 0) {
                    const int code = errno;
                    fail(classifyModbusErrno(code), code);
                    if (pass.error != PassError::exception) {
                        ctx.reset();  // a late reply would poison the next read
                    }
                    break;
                }
                for (const std::size_t i : batch.points) {
                    pass.values[i] = decodePoint(spec_.points[i], batch, words);
                    if (!std::isfinite(pass.values[i])) {
                        pass.error = PassError::badData;
                        pass.message = "point '" + spec_.points[i].id + "' is not a number";
                    }
                }
                if (!pass.ok()) {
                    pass.values.clear();
                    break;
                }
            }
        }
        pass.timeUs = clock_.nowUs();
        pass.durationUs = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - began)
                              .count();
        const bool failed = !pass.ok();
        boost::asio::post(executor_, [shared = shared_, pass = std::move(pass)]() mutable {
            OnPass onPass;
            {
                std::lock_guard lock(shared->mutex);
                onPass = shared->onPass;
            }
            if (onPass) {
                onPass(std::move(pass));
            }
        });
        if (failed && !ctx) {
            backoff = backoff.count() == 0 ? spec_.poll : std::min(backoff * 2, spec_.maxBackoff);
        } else {
            backoff = std::chrono::milliseconds(0);
        }
        // A pass longer than the period starts the next one now: no burst to catch up. A
        // backoff is a planned delay, not lateness.
        const auto now = std::chrono::steady_clock::now();
        next = std::max({next + spec_.poll, now, now + backoff});
        std::unique_lock lock(mutex_);
        // A queued write starts the next pass at once: it runs first and the pass reads it back.
        if (wake_.wait_until(lock, next, [this] { return stopping_ || !writes_.empty(); }) &&
            stopping_) {
            return;
        }
    }
}

}  // namespace sekimori::io::modbus
