#include "bench/console_live_client.hpp"

#include <netinet/tcp.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <charconv>
#include <future>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"

namespace sekimori::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::int64_t nowUs() {
    return core::SystemClock().nowUs();
}

}  // namespace

struct StreamClient::Session : std::enable_shared_from_this<Session> {
    Session(StreamClient& client, asio::io_context& io, asio::ssl::context& tls)
        : owner(client), ws(io, tls), pause(io) {}

    void settle(core::Result<void> result) {
        if (!settled) {
            settled = true;
            started.set_value(std::move(result));
        }
    }

    void read() {
        ws.async_read(buffer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                self->owner.fail(ec == websocket::error::closed || ec == asio::error::eof ||
                                         ec == asio::error::operation_aborted
                                     ? std::string()
                                     : "stream: " + ec.message());
                return;
            }
            self->owner.onMessage(beast::buffers_to_string(self->buffer.data()));
            self->buffer.consume(self->buffer.size());
            if (self->slow.load()) {
                self->pause.expires_after(self->owner.options_.slowPause);
                self->pause.async_wait([self](beast::error_code) { self->read(); });
            } else {
                self->read();
            }
        });
    }

    StreamClient& owner;
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
    beast::flat_buffer buffer;
    asio::steady_timer pause;
    std::promise<core::Result<void>> started;
    bool settled = false;
    std::atomic<bool> slow{false};
};

StreamClient::StreamClient(StreamClientOptions options)
    : options_(std::move(options)), tls_(asio::ssl::context::tls_client) {
    tls_.set_verify_mode(asio::ssl::verify_none);  // the bench's own self-signed certificate
}

StreamClient::~StreamClient() {
    close();
}

core::Result<void> StreamClient::start() {
    session_ = std::make_shared<Session>(*this, io_, tls_);
    session_->slow = options_.slow;
    auto& lowest = beast::get_lowest_layer(session_->ws);
    beast::error_code ec;
    lowest.socket().open(tcp::v4(), ec);
    if (!ec && options_.receiveBufferBytes > 0) {
        lowest.socket().set_option(
            asio::socket_base::receive_buffer_size(options_.receiveBufferBytes), ec);
    }
    if (!ec && options_.maxSegmentBytes > 0) {
        using MaxSegment = asio::detail::socket_option::integer<IPPROTO_TCP, TCP_MAXSEG>;
        lowest.socket().set_option(MaxSegment(options_.maxSegmentBytes), ec);
    }
    if (ec) {
        return core::makeError("bench.client", options_.name + ": socket: " + ec.message());
    }
    auto started = session_->started.get_future();
    lowest.expires_after(std::chrono::seconds(30));
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), options_.target.port);
    lowest.async_connect(endpoint, [s = session_](beast::error_code connectEc) {
        if (connectEc) {
            s->settle(core::makeError("bench.client", "connect: " + connectEc.message()));
            return;
        }
        s->ws.next_layer().async_handshake(
            asio::ssl::stream_base::client, [s](beast::error_code tlsEc) {
                if (tlsEc) {
                    s->settle(core::makeError("bench.client", "TLS: " + tlsEc.message()));
                    return;
                }
                beast::get_lowest_layer(s->ws).expires_never();
                s->ws.set_option(
                    websocket::stream_base::timeout::suggested(beast::role_type::client));
                s->ws.set_option(websocket::stream_base::decorator(
                    [target = s->owner.options_.target](websocket::request_type& req) {
                        req.set(beast::http::field::cookie, target.cookie);
                        req.set(beast::http::field::origin, target.origin);
                    }));
                s->ws.async_handshake("localhost", "/ws/events", [s](beast::error_code wsEc) {
                    if (wsEc) {
                        s->settle(core::makeError("bench.client", "upgrade: " + wsEc.message()));
                        return;
                    }
                    s->settle({});
                    s->read();
                });
            });
    });
    thread_ = std::thread([this] { io_.run(); });
    catchUpThread_ = std::thread([this] { catchUpLoop(); });
    if (started.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        return core::makeError("bench.client", options_.name + ": no upgrade within 30 s");
    }
    auto result = started.get();
    if (!result) {
        return core::makeError("bench.client", options_.name + ": " + result.error().message);
    }
    return {};
}

void StreamClient::stopBeingSlow() {
    if (session_) {
        session_->slow = false;
    }
}

void StreamClient::markHeld(std::uint64_t seq) {
    if (held_.size() <= seq) {
        held_.resize(std::max<std::size_t>(seq + 1, held_.size() * 2));
    }
    held_[seq] = true;
}

namespace {

// The console writes an event as nlohmann's dump: keys sorted, so "seq", "time_us" and "type"
// come after "payload" and their last occurrences are the top-level ones (a string inside would
// have its quotes escaped). Reading three fields this way keeps twenty clients' parsing off the
// two cores the console under test needs; anything else gets a full parse.
struct EventHead {
    std::uint64_t seq = 0;
    std::int64_t timeUs = 0;
    std::string_view type;
};

template <class T>
bool numberAfter(std::string_view text, std::string_view key, T& out) {
    const auto at = text.rfind(key);
    if (at == std::string_view::npos) {
        return false;
    }
    const char* first = text.data() + at + key.size();
    return std::from_chars(first, text.data() + text.size(), out).ec == std::errc();
}

bool readEventHead(std::string_view text, EventHead& out) {
    constexpr std::string_view typeKey = "\"type\":\"";
    const auto at = text.rfind(typeKey);
    if (at == std::string_view::npos || !numberAfter(text, "\"seq\":", out.seq) ||
        !numberAfter(text, "\"time_us\":", out.timeUs)) {
        return false;
    }
    const auto begin = at + typeKey.size();
    const auto end = text.find('"', begin);
    if (end == std::string_view::npos) {
        return false;
    }
    out.type = text.substr(begin, end - begin);
    return true;
}

}  // namespace

void StreamClient::onMessage(const std::string& text) {
    const std::int64_t arrivedUs = nowUs();
    EventHead head;
    if (!text.starts_with("{\"control\"") && readEventHead(text, head)) {
        std::lock_guard lock(mutex_);
        ++report_.messages;
        noteEvent(head.seq, head.timeUs, head.type, arrivedUs);
        return;
    }
    auto message = nlohmann::json::parse(text, nullptr, false);
    std::lock_guard lock(mutex_);
    const bool first = report_.messages == 0;
    ++report_.messages;
    if (message.is_discarded() || !message.is_object()) {
        report_.errors.push_back("not a JSON object: " + text.substr(0, 200));
        return;
    }
    if (auto control = message.find("control"); control != message.end()) {
        const auto kind = control->get<std::string>();
        if (kind == "hello") {
            report_.helloFirst = first;
            report_.helloHeadSeq = message.value("head_seq", std::uint64_t{0});
            lastStreamSeq_ = report_.helloHeadSeq;
        } else if (kind == "resync") {
            const auto after = message.value("after_seq", std::uint64_t{0});
            ++report_.resyncs;
            resyncFloor_ = std::max(resyncFloor_, after);
            catchUpQueue_.push_back(after);
            catchUpWake_.notify_one();
        } else {
            report_.errors.push_back("unknown control message: " + text.substr(0, 200));
        }
        return;
    }
    noteEvent(message.value("seq", std::uint64_t{0}), message.value("time_us", std::int64_t{0}),
              message.value("type", std::string()), arrivedUs);
}

void StreamClient::noteEvent(std::uint64_t seq, std::int64_t timeUs, std::string_view type,
                             std::int64_t arrivedUs) {
    // Each seq once and in order; after a resync only seqs above the dropped ones.
    if (seq <= lastStreamSeq_ || seq <= resyncFloor_) {
        ++report_.orderViolations;
    }
    lastStreamSeq_ = std::max(lastStreamSeq_, seq);
    markHeld(seq);
    if (type.starts_with(options_.sampledPrefix)) {
        report_.streamLatencyUs.push_back(arrivedUs - timeUs);
        report_.streamArrivals.push_back(Arrival{seq, arrivedUs});
    }
}

void StreamClient::catchUpLoop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        catchUpWake_.wait(lock, [&] { return closing_ || !catchUpQueue_.empty(); });
        if (closing_) {
            return;
        }
        const auto after = catchUpQueue_.front();
        catchUpQueue_.pop_front();
        catchUpBusy_ = true;
        lock.unlock();
        catchUp(after);
        lock.lock();
        catchUpBusy_ = false;
    }
}

// Pages oldest first from after_seq until the console says there is no more.
void StreamClient::catchUp(std::uint64_t afterSeq) {
    std::uint64_t after = afterSeq;
    for (;;) {
        {
            // A later resync's range may be partly fetched already by an earlier catch-up.
            std::lock_guard lock(mutex_);
            while (after + 1 < held_.size() && held_[after + 1]) {
                ++after;
            }
        }
        auto reply = httpsRequest(options_.target, "GET",
                                  "/api/events?after_seq=" + std::to_string(after) + "&limit=500");
        const std::int64_t fetchedUs = nowUs();
        auto body = nlohmann::json::parse(reply.body, nullptr, false);
        std::lock_guard lock(mutex_);
        if (reply.status != 200 || !body.is_object() || !body.contains("events")) {
            report_.errors.push_back("catch-up after_seq=" + std::to_string(after) + ": HTTP " +
                                     std::to_string(reply.status) + " " +
                                     reply.body.substr(0, 200) + reply.error);
            return;
        }
        ++report_.catchUpPages;
        for (const auto& e : body["events"]) {
            const auto seq = e.value("seq", std::uint64_t{0});
            if (seq < held_.size() && held_[seq]) {
                continue;  // also came on the stream
            }
            markHeld(seq);
            if (e.value("type", std::string()).starts_with(options_.sampledPrefix)) {
                report_.catchUpLatencyUs.push_back(fetchedUs - e.value("time_us", std::int64_t{0}));
            }
        }
        const auto next = body.find("next_after_seq");
        if (next == body.end() || next->is_null()) {
            return;
        }
        const auto nextAfter = next->get<std::uint64_t>();
        if (nextAfter <= after) {
            report_.errors.push_back("catch-up: next_after_seq " + std::to_string(nextAfter) +
                                     " does not move past " + std::to_string(after));
            return;
        }
        after = nextAfter;
    }
}

std::vector<std::uint64_t> StreamClient::missing(const std::vector<std::uint64_t>& expected) const {
    std::lock_guard lock(mutex_);
    std::vector<std::uint64_t> out;
    for (auto seq : expected) {
        if (seq >= held_.size() || !held_[seq]) {
            out.push_back(seq);
        }
    }
    return out;
}

bool StreamClient::catchingUp() const {
    std::lock_guard lock(mutex_);
    return catchUpBusy_ || !catchUpQueue_.empty();
}

void StreamClient::fail(const std::string& what) {
    std::lock_guard lock(mutex_);
    report_.streamEnded = true;
    if (!what.empty() && !closing_) {
        report_.errors.push_back(what);
    }
}

void StreamClient::close() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    catchUpWake_.notify_all();
    if (session_) {
        asio::post(io_, [s = session_] {
            beast::error_code ignored;
            s->pause.cancel();
            beast::get_lowest_layer(s->ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
            beast::get_lowest_layer(s->ws).socket().close(ignored);
        });
    }
    if (thread_.joinable()) {
        thread_.join();
    }
    if (catchUpThread_.joinable()) {
        catchUpThread_.join();
    }
    // Runs what was posted after the stream had already ended, so nothing outlives the session.
    io_.restart();
    io_.poll();
    session_.reset();
}

StreamClientReport StreamClient::report() const {
    std::lock_guard lock(mutex_);
    return report_;
}

}  // namespace sekimori::bench
