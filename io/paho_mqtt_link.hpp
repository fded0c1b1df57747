#pragma once
// The real MQTT link: Paho MQTT C++ async client, QoS 1, persistent session, run-time
// subscriptions re-sent on every connect, reconnect with exponential backoff on an Asio timer,
// TCP_NODELAY on the broker socket after every connect, TLS with a client certificate for an
// ssl:// URI (MqttOptions::caFile/certFile/keyFile; docs/broker.md), payloads over
// kMaxMqttPayloadBytes refused before they are queued. Handlers run on the given executor; see
// io/mqtt_link.hpp. With an empty MqttOptions::persistenceDir Paho keeps its QoS 1 queue in
// memory and publish() touches no file; with one, every publish writes (never fsyncs) a file on
// the calling thread, so the daemon leaves it empty and resends from its database instead.
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "io/mqtt_link.hpp"

namespace sekimori::io {

// Knobs that exist for measurement, not for configuration: production keeps the defaults.
struct PahoLinkTuning {
    bool tcpNoDelay = true;  // off only to measure what Nagle costs (bench, tests)
};

// Resolves the broker host once, here (a numeric address avoids a DNS lookup). The link must be
// destroyed before the executor's io_context; stop() (or the destructor) blocks up to ~1 s for a
// clean DISCONNECT, so a clean stop sends no last will.
std::unique_ptr<MqttLink> makePahoMqttLink(boost::asio::any_io_executor executor,
                                           MqttOptions options);
std::unique_ptr<MqttLink> makePahoMqttLink(boost::asio::any_io_executor executor,
                                           MqttOptions options, PahoLinkTuning tuning);

// A readable reason for a failed connect, from Paho's return code (CONNACK codes 1..5 for a
// broker's refusal, negative codes for local and network failures).
std::string describeConnectFailure(int returnCode);
// True for a refusal only someone changing credentials or the ACL can fix.
bool isConnectRefusal(int returnCode);

}  // namespace sekimori::io
