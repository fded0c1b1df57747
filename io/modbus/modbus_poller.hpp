#pragma once
// Polls one Modbus TCP device on its own thread (a libmodbus context is never shared between
// threads): every `poll` it runs the device's planned reads (register_map.hpp) and posts the
// whole pass to the executor — every point's value, or one error for all of them, so a pass is
// never half applied. Each call waits at most the device's time-out (connect included); after a
// transport error (time-out, refused, garbage) the connection is closed, because a late reply
// would poison the next read, and the next pass reconnects after a backoff that doubles from
// the poll period up to `maxBackoff`. libmodbus' own link recovery is never used: on a refused
// port it never returns (PLATFORM.md). An exception reply keeps the connection.
//
// Writes (write()) run on the same thread, before the next pass, which starts at once so the
// caller sees the written point read back; the write itself is only the device's echo, never
// proof that the plant moved.
//
// A dead or slow device delays only its own thread. The callback runs on the executor; call
// stop() (or destroy) on the executor's thread too, and no callback runs after it returned.
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "io/modbus/register_map.hpp"

namespace sekimori::io::modbus {

struct DeviceSpec {
    std::string id;
    std::string host = "127.0.0.1";
    std::uint16_t port = 502;
    int unitId = 1;
    std::chrono::milliseconds poll{1000};
    std::chrono::milliseconds timeout{500};  // per call, and for the connect
    std::chrono::milliseconds maxBackoff{10'000};
    std::vector<PointSpec> points;
};

// Why a pass failed: the point's quality reason says which (docs/modbus/README.md).
enum class PassError { none, connect, timeout, exception, badData, io };
std::string_view toString(PassError error);

struct PassResult {
    std::string device;
    core::TimeUs timeUs = 0;      // when the pass's last read returned
    std::int64_t lateUs = 0;      // how long after its planned start the pass began
    std::int64_t durationUs = 0;  // connect (when needed) and every read
    std::vector<double> values;   // by point, in DeviceSpec::points order; empty on an error
    PassError error = PassError::none;
    std::string message;  // "connection refused", "illegal data address", ...
    bool ok() const { return error == PassError::none; }
};

// One write to a point of the device (a coil, a holding register): `value` in the point's unit,
// encoded with its scale and type.
struct WriteRequest {
    std::string point;
    double value = 0;
};

struct WriteResult {
    std::string device;
    std::string point;
    double value = 0;
    core::TimeUs timeUs = 0;  // when the device's echo came back (or the write failed)
    PassError error = PassError::none;
    std::string message;
    bool ok() const { return error == PassError::none; }
};

// The error class of a failed libmodbus call from its errno.
PassError classifyModbusErrno(int error);

class ModbusPoller {
  public:
    using OnPass = std::function<void(PassResult)>;
    using OnWrite = std::function<void(WriteResult)>;
    // `clock` is read on the poller's thread.
    ModbusPoller(boost::asio::any_io_executor executor, DeviceSpec spec, const core::Clock& clock,
                 OnPass onPass);
    ~ModbusPoller();
    ModbusPoller(const ModbusPoller&) = delete;
    ModbusPoller& operator=(const ModbusPoller&) = delete;

    // Plans the reads (an invalid point map is an error) and starts the thread.
    core::Result<void> start();
    // Joins the thread: returns within about one time-out.
    void stop();
    // Queues a write; `onDone` runs on the executor with the device's answer. Refused at once
    // (and never sent) for an unknown point, a read-only table or a value the type cannot hold.
    core::Result<void> write(WriteRequest request, OnWrite onDone);

  private:
    struct Shared;
    struct QueuedWrite {
        std::size_t point = 0;  // into spec_.points
        std::vector<std::uint16_t> words;
        double value = 0;
        OnWrite onDone;
    };
    void run();
    // False when a transport error closed the way: the connection must be dropped.
    bool runWrites(void* ctx, std::vector<QueuedWrite> writes);

    boost::asio::any_io_executor executor_;
    DeviceSpec spec_;
    const core::Clock& clock_;
    std::shared_ptr<Shared> shared_;  // the callback, dropped by stop()
    std::vector<ReadBatch> batches_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::vector<QueuedWrite> writes_;
    std::thread thread_;
};

}  // namespace sekimori::io::modbus
