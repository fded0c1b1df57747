// A domain's routes through the console, over real HTTPS: the role is checked before the
// handler runs, path parameters, query and JSON body reach it decoded, io handlers run on the
// io thread and worker ones off it, and a streamed body arrives intact or visibly truncated.
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <fstream>

#include "alarm_test_service.hpp"
#include "console/console_app.hpp"
#include "console_fixture.hpp"

namespace sekimori::console::testing {
namespace {

using http::verb;

class ServiceRoutes : public ConsoleFixture {
  protected:
    void addServices(ConsoleServer& server) override {
        pluginDir_ = makeTempDir("plugin");
        std::ofstream(pluginDir_ + "/index.js") << "export function start(api) {}\n";
        std::filesystem::create_directory(pluginDir_ + "/lib");
        std::ofstream(pluginDir_ + "/lib/cards.js") << "export const cards = 1;\n";
        // Outside the plugin's directory; reachable only through a symbolic link.
        std::ofstream(dir_ + "/secret.txt") << "site secret\n";
        std::filesystem::create_symlink(dir_ + "/secret.txt", pluginDir_ + "/leak.js");
        service_ = std::make_unique<AlarmTestService>(pluginDir_);
        server.addService(*service_);
    }
    void TearDown() override {
        ConsoleFixture::TearDown();
        std::filesystem::remove_all(pluginDir_);
    }

    std::thread::id ioThreadId() const { return ioThread_.get_id(); }

    // A GET read with no body limit: {status, body, headers, error after the headers}.
    struct Streamed {
        unsigned status = 0;
        std::map<std::string, std::string> headers;
        std::string body;
        beast::error_code error;
    };
    Streamed getStreamed(const std::string& target, const std::string& cookie) {
        asio::io_context ioc;
        asio::ssl::context tls(asio::ssl::context::tls_client);
        tls.set_verify_mode(asio::ssl::verify_none);
        beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
        beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
        beast::get_lowest_layer(stream).connect(
            asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
        stream.handshake(asio::ssl::stream_base::client);
        http::request<http::empty_body> req{verb::get, target, 11};
        req.set(http::field::host, "localhost");
        req.set(http::field::cookie, cookie);
        http::write(stream, req);
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(boost::none);
        Streamed out;
        http::read(stream, buffer, parser, out.error);
        out.status = parser.get().result_int();
        for (auto& f : parser.get()) {
            out.headers[std::string(f.name_string())] = std::string(f.value());
        }
        out.body = parser.get().body();
        return out;
    }

    std::string pluginDir_;
    std::unique_ptr<AlarmTestService> service_;
};

TEST_F(ServiceRoutes, PathParametersQueryAndCallerReachTheHandler) {
    const std::string cookie = loginAs(Role::deskOperator);
    Reply r = request(verb::get, "/api/alarms/a-1", "", cookie);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["id"], "a-1");
    // A parameter is decoded; an unknown id is the handler's 404.
    r = request(verb::get, "/api/alarms/a%2D2", "", cookie);
    EXPECT_EQ(r.json()["id"], "a-2") << r.body;
    r = request(verb::get, "/api/alarms/a-9", "", cookie);
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(r.json()["error"], "no alarm 'a-9'");
    // The query is decoded ('+' and %20 are spaces).
    r = request(verb::get, "/api/alarms?text=held+open", "", cookie);
    ASSERT_EQ(r.status, 200u) << r.body;
    ASSERT_EQ(r.json()["alarms"].size(), 1u);
    EXPECT_EQ(r.json()["alarms"][0]["id"], "a-2");
    EXPECT_EQ(r.json()["asked_by"], "u-operator");
    r = request(verb::get, "/api/alarms?text=server%20room", "", cookie);
    EXPECT_EQ(r.json()["alarms"].size(), 0u);
    // A literal segment wins over a parameter.
    r = request(verb::get, "/api/alarms/summary", "", cookie);
    EXPECT_EQ(r.json()["open"], 2) << r.body;

    r = request(verb::post, "/api/alarms/a-1/ack", R"({"comment": "on my way"})", cookie, origin_);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.json()["alarm"]["acked_by"], "u-operator");
    EXPECT_EQ(r.json()["role"], "operator");
    EXPECT_EQ(r.json()["remote"], "127.0.0.1");
    EXPECT_EQ(service_->alarm("a-1")->comment, "on my way");
    r = request(verb::post, "/api/alarms/a-1/ack", "", cookie, origin_);
    EXPECT_EQ(r.status, 409u) << r.body;
}

TEST_F(ServiceRoutes, TheConsoleRefusesBeforeTheHandlerRuns) {
    const std::string facility = loginAs(Role::facilityAdmin);
    const std::string desk = loginAs(Role::deskOperator);
    EXPECT_EQ(request(verb::get, "/api/alarms/a-1").status, 401u);
    Reply r = request(verb::get, "/api/alarms/a-1", "", facility);
    EXPECT_EQ(r.status, 403u);
    EXPECT_EQ(r.json()["error"], "not permitted for role facility_admin");
    EXPECT_EQ(r.json()["allowed_roles"], nlohmann::json::parse(R"(["operator","security_admin"])"));
    const auto refusals = recorder_.ofType("operator.forbidden");
    ASSERT_EQ(refusals.size(), 1u);
    EXPECT_EQ(nlohmann::json::parse(refusals[0].payload)["path"], "/api/alarms/a-1");
    // Not JSON: 400 from the console, naming the body.
    r = request(verb::post, "/api/alarms/a-1/ack", "{comment: nope", desk, origin_);
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.json()["error"], "body: not valid JSON");
    // Unknown paths and methods, and a broken escape in a parameter.
    EXPECT_EQ(request(verb::get, "/api/alarms/a-1/nothing", "", desk).status, 404u);
    EXPECT_EQ(request(verb::get, "/api/alarms/a-1/ack", "", desk).status, 405u);
    EXPECT_EQ(request(verb::delete_, "/api/alarms/a-1", "", desk, origin_).status, 405u);
    r = request(verb::get, "/api/alarms/a%zz", "", desk);
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(r.json()["error"].get<std::string>().starts_with("id:")) << r.body;
    // A POST from a foreign origin never reaches the handler.
    EXPECT_EQ(request(verb::post, "/api/alarms/a-2/ack", "", desk, "https://evil.example").status,
              403u);
    EXPECT_EQ(service_->calls(), 0);
    EXPECT_TRUE(service_->alarm("a-2")->ackedBy.empty());
}

TEST_F(ServiceRoutes, IoHandlersRunOnTheIoThreadAndWorkerHandlersOffIt) {
    const std::string cookie = loginAs(Role::securityAdmin);
    ASSERT_EQ(request(verb::get, "/api/alarms/a-1", "", cookie).status, 200u);
    auto threads = service_->handlerThreads();
    ASSERT_EQ(threads.size(), 1u);
    EXPECT_EQ(*threads.begin(), ioThreadId());
    ASSERT_EQ(request(verb::get, "/api/alarms/summary", "", cookie).status, 200u);
    threads = service_->handlerThreads();
    ASSERT_EQ(threads.size(), 2u);
    EXPECT_TRUE(threads.contains(ioThreadId()));
}

TEST_F(ServiceRoutes, AMultiMegabyteStreamArrivesIntactInChunks) {
    const std::string cookie = loginAs(Role::deskOperator);
    const std::size_t size = 8 * 1024 * 1024 + 12345;  // over Beast's default 8 MiB limit
    const auto got = getStreamed("/api/alarms/a-1/clip?bytes=" + std::to_string(size), cookie);
    ASSERT_FALSE(got.error) << got.error.message();
    EXPECT_EQ(got.status, 200u);
    EXPECT_EQ(got.headers.at("Transfer-Encoding"), "chunked");
    EXPECT_EQ(got.headers.at("Content-Type"), "video/mp4");
    EXPECT_EQ(got.headers.at("Content-Disposition"), "attachment; filename=\"clip-a-1.mp4\"");
    ASSERT_EQ(got.body.size(), size);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < size; ++i) {
        wrong += got.body[i] != AlarmTestService::clipByte(i) ? 1 : 0;
    }
    EXPECT_EQ(wrong, 0u);
    // Chunks were pulled on the pool, never on the io thread.
    const auto chunkThreads = service_->chunkThreads();
    EXPECT_FALSE(chunkThreads.empty());
    EXPECT_FALSE(chunkThreads.contains(ioThreadId()));
    // The connection is still usable for the next request.
    EXPECT_EQ(request(verb::get, "/api/alarms/a-1", "", cookie).status, 200u);
}

TEST_F(ServiceRoutes, ASelfContainedReportMayBeFramedByTheConsoleOnlyAndKeepsItsStyle) {
    const std::string cookie = loginAs(Role::deskOperator);
    const auto report = getStreamed("/api/alarms/a-1/report.html", cookie);
    ASSERT_FALSE(report.error) << report.error.message();
    EXPECT_EQ(report.status, 200u);
    EXPECT_EQ(report.headers.at("Content-Security-Policy"),
              "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "frame-ancestors 'self'; base-uri 'none'; form-action 'none'");
    EXPECT_EQ(report.headers.at("X-Frame-Options"), "SAMEORIGIN");
    EXPECT_EQ(report.headers.at("X-Content-Type-Options"), "nosniff");
    // Every other body keeps the console's own policy: never framed.
    const auto clip = getStreamed("/api/alarms/a-1/clip?bytes=10", cookie);
    EXPECT_EQ(clip.headers.at("X-Frame-Options"), "DENY");
    EXPECT_NE(clip.headers.at("Content-Security-Policy").find("frame-ancestors 'none'"),
              std::string::npos);
}

TEST_F(ServiceRoutes, AnErrorMidStreamAbortsTheConnection) {
    const std::string cookie = loginAs(Role::deskOperator);
    auto got = getStreamed("/api/alarms/a-1/clip?bytes=4000000&fail_after=3", cookie);
    EXPECT_EQ(got.status, 200u);
    EXPECT_TRUE(got.error) << "a truncated body must not read as complete";
    EXPECT_LE(got.body.size(), 3 * AlarmTestService::kClipChunk);
    // An error before the first chunk is still a clean 500.
    got = getStreamed("/api/alarms/a-1/clip?bytes=4000000&fail_after=0", cookie);
    EXPECT_FALSE(got.error) << got.error.message();
    EXPECT_EQ(got.status, 500u);
    EXPECT_EQ(nlohmann::json::parse(got.body)["error"], "internal error");
    // The console keeps serving.
    EXPECT_EQ(request(verb::get, "/api/alarms/a-1", "", cookie).status, 200u);
}

TEST_F(ServiceRoutes, UiPluginsAreListedAndServedPerRole) {
    const std::string desk = loginAs(Role::deskOperator);
    const std::string auditor = loginAs(Role::auditor);
    EXPECT_EQ(request(verb::get, "/api/ui/plugins", "", desk).json(),
              nlohmann::json::parse(
                  R"({"plugins": [{"name": "alarms", "entry": "/plugins/alarms/index.js"}]})"));
    EXPECT_EQ(request(verb::get, "/api/ui/plugins", "", auditor).json(),
              nlohmann::json::parse(R"({"plugins": []})"));

    Reply r = request(verb::get, "/plugins/alarms/index.js", "", desk);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_TRUE(r.headers.at("content-type").starts_with("text/javascript"));
    EXPECT_NE(r.body.find("export function start"), std::string::npos);
    EXPECT_EQ(request(verb::get, "/plugins/alarms/lib/cards.js", "", desk).status, 200u);
    EXPECT_EQ(request(verb::get, "/plugins/alarms/index.js").status, 401u);
    EXPECT_EQ(request(verb::get, "/plugins/alarms/index.js", "", auditor).status, 403u);
    // Traversal in every spelling, hidden files and links out of the directory are refused.
    for (const char* target :
         {"/plugins/alarms/../secret.txt", "/plugins/alarms/lib/../../secret.txt",
          "/plugins/alarms/%2e%2e/secret.txt", "/plugins/alarms/.index.js",
          "/plugins/alarms//index.js", "/plugins/alarms/leak.js", "/plugins/alarms/",
          "/plugins/alarms", "/plugins/alarms/lib"}) {
        r = request(verb::get, target, "", desk);
        EXPECT_EQ(r.status, 404u) << target;
        EXPECT_EQ(r.body.find("site secret"), std::string::npos) << target;
    }
}

// A second console on the same database, for start() checks.
class ServiceRegistration : public ConsoleFixture {
  protected:
    core::Result<void> startWith(core::Service& service) {
        asio::io_context io;
        ConsoleServer server(io, optionsFor(0), bus_, recorder_, clock_);
        server.addService(service);
        return server.start();
    }
};

class RouteOnly final : public core::Service {
  public:
    RouteOnly(std::string pattern, core::RoleSet roles)
        : pattern_(std::move(pattern)), roles_(roles) {}
    std::string_view name() const override { return "route-only"; }
    core::Result<void> start() override { return {}; }
    void stop() override {}
    std::vector<core::ApiRoute> routes() override {
        return {{core::HttpMethod::get, pattern_, roles_, core::RunOn::io,
                 [](const core::ApiCall&, core::ApiReply reply) { reply(core::ApiResult{}); }}};
    }

  private:
    std::string pattern_;
    core::RoleSet roles_;
};

TEST_F(ServiceRegistration, ConflictingOrMalformedRoutesStopTheStart) {
    const core::RoleSet someone{core::Role::auditor};
    struct Case {
        std::string pattern;
        core::RoleSet roles;
        std::string error;
    };
    const std::vector<Case> cases = {
        {"/api/events", someone, "is already taken by /api/events (console)"},
        {"/api/x/{id", someone, "must be a whole segment"},
        {"/api/x/a{id}", someone, "character outside"},
        {"/api/{id}/{id}", someone, "appears twice"},
        {"api/x", someone, "must start with '/'"},
        {"/api//x", someone, "no empty segment"},
        {"/api/x", core::RoleSet{}, "admits no role"},
    };
    for (const auto& c : cases) {
        RouteOnly service(c.pattern, c.roles);
        auto started = startWith(service);
        ASSERT_FALSE(started.ok()) << c.pattern;
        EXPECT_NE(started.error().message.find(c.error), std::string::npos)
            << c.pattern << ": " << started.error().message;
        EXPECT_NE(started.error().message.find("route-only"), std::string::npos)
            << started.error().message;
    }
    RouteOnly fine("/api/x/{id}", someone);
    EXPECT_TRUE(startWith(fine).ok());
}

}  // namespace
}  // namespace sekimori::console::testing
