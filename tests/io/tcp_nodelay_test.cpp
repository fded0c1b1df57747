#include "io/tcp_nodelay.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sekimori::io {
namespace {

TEST(ParseBrokerUri, AcceptsTcpAndMqttSchemes) {
    auto plain = parseBrokerUri("tcp://127.0.0.1:1883");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->host, "127.0.0.1");
    EXPECT_EQ(plain->port, 1883);
    auto named = parseBrokerUri("mqtt://broker.local:8883");
    ASSERT_TRUE(named);
    EXPECT_EQ(named->host, "broker.local");
    auto v6 = parseBrokerUri("tcp://[::1]:1883");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, 1883);
}

TEST(ParseBrokerUri, RejectsWhatItCannotMatch) {
    for (const char* uri : {"ssl://127.0.0.1:8883", "tcp://127.0.0.1", "tcp://:1883", "tcp://h:0",
                            "tcp://h:70000", "tcp://h:18x", "127.0.0.1:1883", "tcp://[::1]1883"}) {
        EXPECT_FALSE(parseBrokerUri(uri)) << uri;
    }
}

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) {
            close(fd_);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

int noDelay(int fd) {
    int value = -1;
    socklen_t length = sizeof value;
    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &length);
    return value;
}

TEST(TcpNoDelay, SetsItOnlyOnSocketsToTheBroker) {
    Fd broker(socket(AF_INET, SOCK_STREAM, 0));
    Fd other(socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ASSERT_EQ(bind(broker.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(listen(broker.get(), 4), 0);
    ASSERT_EQ(getsockname(broker.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
    sockaddr_in otherAddress = address;
    otherAddress.sin_port = 0;
    ASSERT_EQ(bind(other.get(), reinterpret_cast<sockaddr*>(&otherAddress), sizeof otherAddress),
              0);
    ASSERT_EQ(listen(other.get(), 4), 0);
    ASSERT_EQ(getsockname(other.get(), reinterpret_cast<sockaddr*>(&otherAddress), &length), 0);

    Fd toBroker(socket(AF_INET, SOCK_STREAM, 0));
    Fd toOther(socket(AF_INET, SOCK_STREAM, 0));
    ASSERT_EQ(connect(toBroker.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(
        connect(toOther.get(), reinterpret_cast<sockaddr*>(&otherAddress), sizeof otherAddress), 0);
    ASSERT_EQ(noDelay(toBroker.get()), 0);

    auto setter = TcpNoDelay::forBroker({"127.0.0.1", ntohs(address.sin_port)});
    ASSERT_TRUE(setter) << setter.error().message;
    EXPECT_EQ(setter->applyToProcessSockets(), 1);
    EXPECT_NE(noDelay(toBroker.get()), 0);
    EXPECT_EQ(noDelay(toOther.get()), 0);
}

TEST(TcpNoDelay, NamesAHostItCannotResolve) {
    auto setter = TcpNoDelay::forBroker({"no-such-host.invalid", 1883});
    ASSERT_FALSE(setter);
    EXPECT_NE(setter.error().message.find("no-such-host.invalid"), std::string::npos);
}

}  // namespace
}  // namespace sekimori::io
