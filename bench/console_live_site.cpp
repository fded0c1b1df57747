#include "bench/console_live_site.hpp"

#include <boost/asio/post.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>

#include "console/operator_store.hpp"
#include "core/service.hpp"

namespace sekimori::bench {

// The feed's events reach the roles the doors domain lets see them (doors::DoorsService), and
// the overview words them from the doors domain's own catalogue (doors/web/messages.json, served
// by a UI plugin that adds nothing else), as on a real site.
class LiveSite::FeedVisibility final : public core::Service {
  public:
    explicit FeedVisibility(std::filesystem::path labelsDir) : labelsDir_(std::move(labelsDir)) {}
    std::string_view name() const override { return "load"; }
    std::optional<core::UiPlugin> uiPlugin() override {
        return core::UiPlugin{"load-labels", labelsDir_, "index.js",
                              core::RoleSet{core::Role::deskOperator}};
    }
    core::Result<void> start() override { return {}; }
    void stop() override {}
    std::vector<core::EventVisibility> eventVisibility() override {
        return {{"access.", core::RoleSet{core::Role::deskOperator, core::Role::securityAdmin,
                                          core::Role::auditor}}};
    }

  private:
    std::filesystem::path labelsDir_;
};

namespace {

// A plugin directory holding a copy of the doors domain's catalogue and an entry that adds
// nothing.
core::Result<void> writeLabelsPlugin(const std::string& sourceDir, const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!ec) {
        std::filesystem::copy_file(sourceDir + "/doors/web/messages.json", dir + "/messages.json",
                                   ec);
    }
    if (ec) {
        return core::makeError("bench.site", "the doors catalogue: " + ec.message());
    }
    std::ofstream entry(dir + "/index.js");
    entry << "// The load bench's labels: the doors catalogue only.\n"
             "export async function start() {}\n";
    if (!entry) {
        return core::makeError("bench.site", "cannot write " + dir + "/index.js");
    }
    return {};
}

}  // namespace

core::Result<std::unique_ptr<LiveSite>> LiveSite::create(const LiveSiteOptions& options) {
    std::unique_ptr<LiveSite> site(new LiveSite());
    if (auto r = site->build(options); !r) {
        return r.error();
    }
    return site;
}

core::Result<void> LiveSite::build(const LiveSiteOptions& options) {
    keep_ = options.keepDirectory;
    std::string tmpl = (std::filesystem::temp_directory_path() / "sekimori-live-load-XXXXXX");
    if (::mkdtemp(tmpl.data()) == nullptr) {
        return core::makeError("bench.site", "mkdtemp failed");
    }
    dir_ = tmpl;
    const std::string cert = options.sourceDir + "/scripts/make-cert " + dir_ + " > /dev/null";
    if (std::system(cert.c_str()) != 0) {
        return core::makeError("bench.site", "scripts/make-cert failed");
    }
    const std::string dbPath = dir_ + "/site.db";
    {
        auto db = core::Database::open(dbPath);
        if (!db) {
            return db.error();
        }
        if (auto m = console::migrateOperatorStore(**db); !m) {
            return m.error();
        }
    }
    auto writerDb = core::Database::open(dbPath);
    if (!writerDb) {
        return writerDb.error();
    }
    core::AuditedRecorderOptions recorderOptions;
    recorderOptions.signingKeyPath = dir_ + "/audit-signing.key";
    auto recorder = core::AuditedRecorder::create(std::move(*writerDb), io_.get_executor(), bus_,
                                                  clock_, recorderOptions);
    if (!recorder) {
        return recorder.error();
    }
    recorder_ = std::move(*recorder);
    // Accounts as the daemon makes them (operator.added with the row's digest), passwords set.
    for (const std::string name : {"load-desk", "load-browser"}) {
        auto credential = console::makeOperatorCredential();
        if (!credential) {
            return credential.error();
        }
        recorder_->commit(
            console::addOperatorChange(console::NewOperator{name,
                                                            console::Role::deskOperator,
                                                            credential->passwordHash,
                                                            clock_.nowUs(),
                                                            {},
                                                            false},
                                       "console_live_load", {}));
        passwords_[name] = credential->password;
    }
    // The accounts' events are published on the io thread, which runs from here on.
    ioThread_ = std::thread([this] { io_.run(); });
    if (auto flushed = recorder_->flush(); !flushed) {
        return flushed.error();
    }

    const std::string labelsDir = dir_ + "/labels";
    if (auto r = writeLabelsPlugin(options.sourceDir, labelsDir); !r) {
        return r.error();
    }
    visibility_ = std::make_unique<FeedVisibility>(labelsDir);
    console::ConsoleOptions consoleOptions;
    consoleOptions.port = 0;
    consoleOptions.certFile = dir_ + "/console-cert.pem";
    consoleOptions.keyFile = dir_ + "/console-key.pem";
    consoleOptions.webRoot = options.sourceDir + "/console/web";
    consoleOptions.dbPath = dbPath;
    server_ =
        std::make_unique<console::ConsoleServer>(io_, consoleOptions, bus_, *recorder_, clock_);
    server_->addService(*visibility_);
    std::promise<core::Result<void>> started;
    boost::asio::post(io_, [&] { started.set_value(server_->start()); });
    if (auto r = started.get_future().get(); !r) {
        return r.error();
    }
    port_ = server_->port();
    return {};
}

LiveSite::~LiveSite() {
    if (ioThread_.joinable()) {
        if (server_) {
            std::promise<void> stopped;
            boost::asio::post(io_, [&] {
                server_->stop();
                stopped.set_value();
            });
            stopped.get_future().wait();
        }
        if (recorder_) {
            recorder_->stop();  // hands its last events to the bus on the io thread
        }
        work_.reset();
        io_.stop();
        ioThread_.join();
    }
    server_.reset();
    recorder_.reset();
    if (!keep_ && !dir_.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
}

}  // namespace sekimori::bench
