// /ws/events over real TLS: authorised sessions receive the RecordedEvents published on the bus
// that their role may see, as JSON, after a hello naming the head seq; the handshake is refused
// without a session, for a wrong role or a foreign Origin; a client that does not read is told
// to resync (never silently skipped) and keeps its stream.
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include "alarm_test_service.hpp"
#include "console_fixture.hpp"

namespace sekimori::console::testing {
namespace {

namespace websocket = beast::websocket;
using WsStream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

class ConsoleWebSocket : public ConsoleFixture {
  protected:
    // Its rules admit access.* and alarm.* for the desk and the security admin.
    void addServices(ConsoleServer& server) override { server.addService(alarms_); }

    // Opens /ws/events; returns the stream when the upgrade succeeded, else the HTTP status.
    std::variant<std::unique_ptr<WsStream>, unsigned> open(const std::string& cookie,
                                                           const std::string& origin) {
        auto ws = std::make_unique<WsStream>(clientIo_, tls_);
        beast::get_lowest_layer(*ws).expires_after(std::chrono::seconds(10));
        beast::get_lowest_layer(*ws).connect(
            asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
        ws->next_layer().handshake(asio::ssl::stream_base::client);
        beast::get_lowest_layer(*ws).expires_never();
        ws->set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        ws->set_option(
            websocket::stream_base::decorator([cookie, origin](websocket::request_type& r) {
                if (!cookie.empty()) {
                    r.set(http::field::cookie, cookie);
                }
                if (!origin.empty()) {
                    r.set(http::field::origin, origin);
                }
            }));
        websocket::response_type response;
        beast::error_code ec;
        ws->handshake(response, "localhost", "/ws/events", ec);
        if (ec) {
            return response.result_int();
        }
        // The first message is always the hello.
        beast::flat_buffer buffer;
        ws->read(buffer, ec);
        if (ec) {
            ADD_FAILURE() << "no hello: " << ec.message();
            return 0u;
        }
        hello_ = nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
        EXPECT_EQ(hello_["control"], "hello") << hello_.dump();
        return ws;
    }

    // Status of a raw upgrade request (Beast 1.74's sync handshake drops refused responses).
    unsigned upgradeStatus(const std::string& cookie, const std::string& origin) {
        beast::ssl_stream<beast::tcp_stream> stream(clientIo_, tls_);
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
        beast::get_lowest_layer(stream).connect(
            asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
        stream.handshake(asio::ssl::stream_base::client);
        http::request<http::empty_body> req{http::verb::get, "/ws/events", 11};
        req.set(http::field::host, "localhost");
        req.set(http::field::upgrade, "websocket");
        req.set(http::field::connection, "upgrade");
        req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
        req.set(http::field::sec_websocket_version, "13");
        if (!cookie.empty()) {
            req.set(http::field::cookie, cookie);
        }
        if (!origin.empty()) {
            req.set(http::field::origin, origin);
        }
        http::write(stream, req);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        http::read(stream, buffer, res);
        return res.result_int();
    }

    core::RecordedEvent ofType(std::uint64_t seq, std::string type) {
        core::RecordedEvent e;
        e.seq = seq;
        e.event.timeUs = clock_.nowUs();
        e.event.type = std::move(type);
        e.event.source = "test";
        e.event.payload = "{}";
        return e;
    }

    // The seqs a stream receives up to and including `last`.
    std::vector<std::uint64_t> readUntil(WsStream& ws, std::uint64_t last) {
        std::vector<std::uint64_t> out;
        while (out.empty() || out.back() != last) {
            beast::flat_buffer buffer;
            beast::error_code ec;
            ws.read(buffer, ec);
            if (ec) {
                ADD_FAILURE() << "stream ended: " << ec.message();
                return out;
            }
            out.push_back(nlohmann::json::parse(beast::buffers_to_string(buffer.data()))["seq"]);
        }
        return out;
    }

    core::RecordedEvent grant(std::uint64_t seq) {
        core::RecordedEvent e;
        e.seq = seq;
        e.event.timeUs = clock_.nowUs();
        e.event.type = "access.granted";
        e.event.source = "door:server-room";
        e.event.subject = "p-tanaka";
        e.event.payload =
            R"({"door":"server-room","side":"outside","person":"p-tanaka","person_name":"Tanaka","decision":"granted","reason":"ok"})";
        e.hash.fill(0xab);
        return e;
    }

    // Waits until the hub lists `n` joined streams (the join happens after the accept).
    void waitForStreams(std::size_t n) {
        for (int i = 0; i < 200; ++i) {
            std::size_t have = 0;
            onIo([&] { have = server_->liveStreams(); });
            if (have == n) {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        FAIL() << "streams never reached " << n;  // callers ASSERT_NO_FATAL_FAILURE
    }

    AlarmTestService alarms_;
    nlohmann::json hello_;  // of the stream open() opened last
    asio::io_context clientIo_;
    asio::ssl::context tls_{[] {
        asio::ssl::context c(asio::ssl::context::tls_client);
        c.set_verify_mode(asio::ssl::verify_none);
        return c;
    }()};
};

TEST_F(ConsoleWebSocket, PushesEachPublishedEventAsJsonWithinMilliseconds) {
    const std::string cookie = loginAs(Role::deskOperator);
    auto opened = open(cookie, origin_);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<WsStream>>(opened))
        << "status " << std::get<unsigned>(opened);
    auto& ws = *std::get<std::unique_ptr<WsStream>>(opened);
    ASSERT_NO_FATAL_FAILURE(waitForStreams(1));

    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
        const auto sent = std::chrono::steady_clock::now();
        onIo([&] { bus_.publish(grant(seq)); });
        beast::flat_buffer buffer;
        ws.read(buffer);
        const auto elapsed = std::chrono::steady_clock::now() - sent;
        EXPECT_LT(elapsed, std::chrono::milliseconds(100));
        const auto j = nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
        EXPECT_EQ(j["seq"], seq);
        EXPECT_EQ(j["type"], "access.granted");
        EXPECT_EQ(j["source"], "door:server-room");
        EXPECT_EQ(j["subject"], "p-tanaka");
        EXPECT_EQ(j["time_us"], clock_.nowUs());
        ASSERT_TRUE(j["payload"].is_object());
        EXPECT_EQ(j["payload"]["decision"], "granted");
        EXPECT_EQ(j["hash"].get<std::string>().size(), 64u);
        EXPECT_EQ(j["hash"].get<std::string>().substr(0, 4), "abab");
    }
}

TEST_F(ConsoleWebSocket, EveryStreamGetsTheEventAndLogoutClosesItsStream) {
    const std::string auditor = loginAs(Role::auditor);
    const std::string admin = loginAs(Role::securityAdmin);
    auto a = open(auditor, origin_);
    auto b = open(admin, origin_);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<WsStream>>(a));
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<WsStream>>(b));
    ASSERT_NO_FATAL_FAILURE(waitForStreams(2));
    onIo([&] { bus_.publish(ofType(7, "daemon.started")); });
    for (auto* ws : {std::get<0>(a).get(), std::get<0>(b).get()}) {
        beast::flat_buffer buffer;
        ws->read(buffer);
        EXPECT_EQ(nlohmann::json::parse(beast::buffers_to_string(buffer.data()))["seq"], 7);
    }
    EXPECT_EQ(request(http::verb::post, "/api/logout", "", auditor, origin_).status, 200u);
    beast::flat_buffer buffer;
    beast::error_code ec;
    std::get<0>(a)->read(buffer, ec);
    EXPECT_TRUE(ec) << "the logged-out stream must end";
    ASSERT_NO_FATAL_FAILURE(waitForStreams(1));
}

TEST_F(ConsoleWebSocket, HandshakeIsRefusedWithoutSessionRoleOrOrigin) {
    const std::string fac = loginAs(Role::facilityAdmin);
    const std::string op = loginAs(Role::deskOperator);
    EXPECT_EQ(upgradeStatus("", origin_), 401u);
    EXPECT_EQ(upgradeStatus("sekimori_session=forged", origin_), 401u);
    // Every role may open the stream; what it receives is filtered by type.
    EXPECT_EQ(upgradeStatus(fac, origin_), 101u);
    EXPECT_EQ(upgradeStatus(op, "https://evil.example"), 403u);
    EXPECT_EQ(upgradeStatus(op, ""), 403u);
    EXPECT_EQ(upgradeStatus(op, origin_), 101u);
    EXPECT_TRUE(recorder_.ofType("operator.forbidden").empty());
    EXPECT_TRUE(std::holds_alternative<std::unique_ptr<WsStream>>(open(op, origin_)));
}

TEST_F(ConsoleWebSocket, EachRoleReceivesOnlyTheTypesItsRulesAdmit) {
    std::map<Role, std::unique_ptr<WsStream>> streams;
    for (Role role : kAllRoles) {
        auto opened = open(loginAs(role), origin_);
        ASSERT_TRUE(std::holds_alternative<std::unique_ptr<WsStream>>(opened));
        streams[role] = std::move(std::get<std::unique_ptr<WsStream>>(opened));
    }
    ASSERT_NO_FATAL_FAILURE(waitForStreams(std::size(kAllRoles)));
    const std::vector<std::string> types = {
        "operator.login",  "alarm.raised",     "access.granted", "audit.checkpoint",
        "weird.unclaimed", "mqtt.bad_payload", "daemon.stopped", "presence.entered"};
    onIo([&] {
        for (std::size_t i = 0; i < types.size(); ++i) {
            bus_.publish(ofType(i + 1, types[i]));
        }
    });
    using Seqs = std::vector<std::uint64_t>;
    // presence.entered (8) reaches every role, so reading up to it shows what each missed;
    // weird.unclaimed (5) reaches nobody.
    EXPECT_EQ(readUntil(*streams[Role::deskOperator], 8), (Seqs{2, 3, 6, 7, 8}));
    EXPECT_EQ(readUntil(*streams[Role::securityAdmin], 8), (Seqs{1, 2, 3, 4, 6, 7, 8}));
    EXPECT_EQ(readUntil(*streams[Role::auditor], 8), (Seqs{1, 4, 6, 7, 8}));
    EXPECT_EQ(readUntil(*streams[Role::facilityAdmin], 8), (Seqs{8}));
    EXPECT_EQ(readUntil(*streams[Role::bcpCoordinator], 8), (Seqs{8}));
}

TEST_F(ConsoleWebSocket, HelloNamesTheNewestSeqAndEveryLaterEventFollows) {
    onIo([&] { bus_.publish(ofType(100, "daemon.started")); });  // no stream yet: nobody gets it
    auto opened = open(loginAs(Role::deskOperator), origin_);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<WsStream>>(opened));
    EXPECT_EQ(hello_, (nlohmann::json{{"control", "hello"}, {"head_seq", 100}}));
    ASSERT_NO_FATAL_FAILURE(waitForStreams(1));
    onIo([&] { bus_.publish(ofType(101, "daemon.stopped")); });
    EXPECT_EQ(readUntil(*std::get<0>(opened), 101), (std::vector<std::uint64_t>{101}));
}

// A client that stops reading: the server's queue overflows, it drops what is queued and says
// resync after the last seq it handed over; the stream stays open and, once the client reads
// again, every seq it did not get lies inside a resync's gap.
TEST_F(ConsoleWebSocket, AClientThatDoesNotReadIsToldToResyncAndKeepsItsStream) {
    auto opened = open(loginAs(Role::deskOperator), origin_);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<WsStream>>(opened));
    auto& ws = *std::get<0>(opened);
    ws.read_message_max(1 << 20);
    const std::uint64_t head = hello_["head_seq"];
    ASSERT_NO_FATAL_FAILURE(waitForStreams(1));

    // Big events fill the socket buffers quickly; then the server's queue (kMaxQueue) fills.
    const std::string filler(32 * 1024, 'x');
    auto big = [&](std::uint64_t seq) {
        auto e = ofType(seq, "daemon.started");
        e.event.payload = nlohmann::json{{"filler", filler}}.dump();
        return e;
    };
    const std::uint64_t first = head + 1;
    const std::uint64_t flood = 3000;
    for (std::uint64_t seq = first; seq < first + flood; seq += 100) {
        onIo([&] {
            for (std::uint64_t s = seq; s < seq + 100; ++s) {
                bus_.publish(big(s));
            }
        });
    }
    onIo([] {});  // every send of the flood has run on the io thread

    struct Message {
        bool resync = false;
        std::uint64_t seq = 0;  // the event's seq, or the resync's after_seq
    };
    std::vector<Message> got;
    auto readOne = [&]() -> bool {
        beast::flat_buffer buffer;
        beast::error_code ec;
        ws.read(buffer, ec);
        if (ec) {
            ADD_FAILURE() << "stream ended: " << ec.message();
            return false;
        }
        const auto j = nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
        if (j.contains("control")) {
            EXPECT_EQ(j["control"], "resync");
            got.push_back({true, j["after_seq"].get<std::uint64_t>()});
        } else {
            got.push_back({false, j["seq"].get<std::uint64_t>()});
        }
        return true;
    };
    // Drain until the first resync; then send markers until one arrives as an event (a marker
    // may itself fall into a later resync's gap, which is then told too).
    while (got.empty() || !got.back().resync) {
        ASSERT_TRUE(readOne());
    }
    std::uint64_t marker = first + flood;
    onIo([&] { bus_.publish(ofType(marker, "daemon.stopped")); });
    while (!(got.back().seq == marker && !got.back().resync)) {
        ASSERT_TRUE(readOne());
        if (got.back().resync) {
            onIo([&] { bus_.publish(ofType(++marker, "daemon.stopped")); });
        }
    }

    std::size_t resyncs = 0;
    std::uint64_t lastEvent = head;
    bool resyncSince = false;
    for (const auto& m : got) {
        if (m.resync) {
            ++resyncs;
            // After the newest seq it handed over: a refetch after it misses nothing.
            EXPECT_EQ(m.seq, lastEvent);
            resyncSince = true;
            continue;
        }
        EXPECT_GT(m.seq, lastEvent) << "seqs in order, each once";
        if (m.seq != lastEvent + 1) {
            EXPECT_TRUE(resyncSince) << "seqs " << lastEvent + 1 << ".." << m.seq - 1
                                     << " were skipped without a resync";
        }
        lastEvent = m.seq;
        resyncSince = false;
    }
    EXPECT_GE(resyncs, 1u);
    EXPECT_LT(got.size(), flood) << "the queue was dropped, not kept growing";
    onIo([&] { EXPECT_EQ(server_->liveStreams(), 1u); });
}

}  // namespace
}  // namespace sekimori::console::testing
