// tlsflags-quic-gen: QUIC (RFC 9000/9001) and DTLS 1.2 (RFC 6347) scenario captures from real OpenSSL
// peers. Needs OpenSSL 3.5 (its QUIC server API); built where that is found (a Debian 13 root, see
// captures/README.md "QUIC and DTLS captures").
//
// The client and the server run in one process on 127.0.0.1 with real UDP sockets; between them a relay
// (two more sockets) receives every datagram, writes it to the capture with documentation addresses
// (192.0.2.10:50000 → 198.51.100.20:443, Ethernet, IPv4, UDP with its checksum) and passes it on
// unchanged. OpenSSL builds, protects and answers every packet; the relay never rewrites one. Only the
// QUIC v2 scenarios (OpenSSL speaks v1 only) write each recorded packet re-protected as v2
// (quic_reprotect.hpp): the same frames, packet numbers and TLS handshake, v2's keys, types and version.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/quic.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>

#include <array>
#include <cstdio>
#include <functional>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "capture_file.hpp"
#include "flags.hpp"
#include "pki.hpp"
#include "quic_packetizer.hpp"
#include "quic_reprotect.hpp"

namespace tlsgen {
namespace {

constexpr unsigned kFlagsExtension = 62;
constexpr unsigned kRcaFlag = 80;
// EncryptedExtensions and Certificate too: a misbehaving peer may put the flag there (RCA §3 ¶6); OpenSSL
// sends the extension there only when the ClientHello (for the client's Certificate: the CR) carried it.
constexpr unsigned kFlagsContexts = SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS |
                                    SSL_EXT_TLS1_3_CERTIFICATE_REQUEST | SSL_EXT_TLS1_3_CERTIFICATE;

// quic: OpenSSL's QUIC stack; quic_tls_api: OpenSSL's TLS through its third-party QUIC TLS API, in
// packets made by QuicPacketizer (for what OpenSSL's QUIC refuses: the CCM suite).
enum class Transport { quic, dtls12, quic_tls_api };

struct QuicScenario {
  std::string_view name;
  std::string_view description;
  Transport transport = Transport::quic;
  bool client_sends_rca = true;
  bool cr_always_flagged = false;  // the CR carries the flag even when the ClientHello did not
  bool keys_in_capture = true;     // false: no key log at all (the Initial packets still decrypt)
  bool as_quic_v2 = false;         // the capture holds the packets re-protected as QUIC v2 (RFC 9369)
  const char* tls13_suites = nullptr;  // SSL_CTX_set_ciphersuites on both peers (nullptr: OpenSSL's default)
  bool flag_in_ee = false;                     // the server also sets request_client_auth in EncryptedExtensions
  bool client_rejects_misplaced_flag = false;  // ... and the client aborts on it (RCA §3 ¶6: illegal_parameter)
  bool client_has_certificate = true;          // false: the client answers the CR with an empty Certificate
  bool malformed_ch_flags = false;             // the CH's flags length octet claims one octet too many (TF §2)
  bool flag_in_client_certificate = false;     // the client sets request_client_auth in its leaf's entry
  bool server_rejects_client_certificate_flag = false;  // ... and the server aborts on it (RCA §3 ¶6)
};

constexpr QuicScenario kScenarios[] = {
    {"quic-echo-pass", "QUIC v1: client sends the flag, CR echoes it, client sends its certificate"},
    {"quic-ack-without-request-rejected",
     "QUIC v1: CH without TLS Flags; CR carries the flag; client aborts (CONNECTION_CLOSE 0x12f)",
     Transport::quic, false, true},
    {"quic-echo-no-keys", "as quic-echo-pass, the capture without any key log", Transport::quic, true, false,
     false},
    {"dtls12-flag", "DTLS 1.2: client sends the flag, the server requests a certificate", Transport::dtls12},
    {"quic-v2-echo-pass", "as quic-echo-pass, every packet re-protected as QUIC v2 (RFC 9369)", Transport::quic,
     true, false, true, true},
    {"quic-v2-ack-without-request-rejected", "as quic-ack-without-request-rejected, re-protected as QUIC v2",
     Transport::quic, false, true, true, true},
    {"quic-ccm-echo-pass",
     "QUIC v1 with TLS_AES_128_CCM_SHA256 (RFC 9001 §5.3): OpenSSL's TLS through its QUIC TLS API, packetized "
     "by the generator; client sends the flag, CR echoes it, client sends its certificate",
     Transport::quic_tls_api, true, false, true, false, "TLS_AES_128_CCM_SHA256"},
    {"quic-ccm-ack-without-request-rejected",
     "as quic-ccm-echo-pass without the flag in the CH; CR carries it; client aborts (CONNECTION_CLOSE 0x12f)",
     Transport::quic_tls_api, false, true, true, false, "TLS_AES_128_CCM_SHA256"},
    {.name = "quic-flag-in-ee-rejected",
     .description = "QUIC v1: server also puts the flag in EncryptedExtensions; client aborts (CONNECTION_CLOSE 0x12f)",
     .flag_in_ee = true,
     .client_rejects_misplaced_flag = true},
    {.name = "quic-flag-in-ee-ignored",
     .description = "QUIC v1: server also puts the flag in EncryptedExtensions; client carries on with its certificate",
     .flag_in_ee = true},
    {.name = "quic-empty-certificate",
     .description = "QUIC v1: client sends the flag, CR echoes it, client has no certificate: empty Certificate",
     .client_has_certificate = false},
    {.name = "quic-flags-malformed-ignored",
     .description = "QUIC v1: the CH's flags length octet exceeds the body; server echoes the flag and carries on",
     .malformed_ch_flags = true},
    {.name = "quic-flag-in-client-cert-rejected",
     .description = "QUIC v1: flag echoed; the client also sets it in its Certificate entry; server aborts (0x12f)",
     .flag_in_client_certificate = true,
     .server_rejects_client_certificate_flag = true},
    {.name = "quic-flag-in-client-cert-accepted",
     .description = "QUIC v1: flag echoed; the client also sets it in its Certificate entry; server carries on",
     .flag_in_client_certificate = true},
};

struct PeerState {
  const QuicScenario* scenario = nullptr;
  bool ch_had_rca = false;          // server: the ClientHello proposed request_client_auth
  bool client_offered_rca = false;  // client: it proposed the flag
  Bytes body;
};
PeerState g_client, g_server;
std::vector<std::string> g_keylog;
std::string g_suite;  // the TLS 1.3 cipher suite the QUIC client negotiated

void require(bool ok, const char* what) {
  if (!ok) {
    ERR_print_errors_fp(stderr);
    throw std::runtime_error(std::string("OpenSSL: ") + what);
  }
}

int hand_over(PeerState& state, Bytes body, const unsigned char** out, size_t* outlen) {
  state.body = std::move(body);
  *out = state.body.data();
  *outlen = state.body.size();
  return 1;
}

int client_add(SSL*, unsigned, unsigned context, const unsigned char** out, size_t* outlen, X509*,
               size_t chain_index, int*, void*) {
  if (context & SSL_EXT_TLS1_3_CERTIFICATE) {
    if (!g_client.scenario->flag_in_client_certificate || chain_index != 0) return 0;
    return hand_over(g_client, encode_flags({kRcaFlag}), out, outlen);
  }
  if (!(context & SSL_EXT_CLIENT_HELLO) || !g_client.scenario->client_sends_rca) return 0;
  g_client.client_offered_rca = true;
  const FlagsEncoding encoding = g_client.scenario->malformed_ch_flags ? FlagsEncoding::malformed : FlagsEncoding::minimal;
  return hand_over(g_client, encode_flags({kRcaFlag}, encoding), out, outlen);
}

// RCA ¶5: a flagged CertificateRequest the client did not ask for → fatal illegal_parameter; RCA §3 ¶6:
// the flag in EncryptedExtensions → the same, when the scenario's client obeys it.
int client_parse(SSL*, unsigned, unsigned context, const unsigned char* in, size_t inlen, X509*, size_t,
                 int* alert, void*) {
  if (context & SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS) {
    if (decode_flags_lenient(in, inlen).contains(kRcaFlag) && g_client.scenario->client_rejects_misplaced_flag) {
      *alert = SSL_AD_ILLEGAL_PARAMETER;
      return 0;
    }
    return 1;
  }
  if (!(context & SSL_EXT_TLS1_3_CERTIFICATE_REQUEST)) return 1;
  if (decode_flags_lenient(in, inlen).contains(kRcaFlag) && !g_client.client_offered_rca) {
    *alert = SSL_AD_ILLEGAL_PARAMETER;
    return 0;
  }
  return 1;
}

int server_add(SSL*, unsigned, unsigned context, const unsigned char** out, size_t* outlen, X509*, size_t, int*,
               void*) {
  if (context & SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS) {
    if (!g_server.scenario->flag_in_ee) return 0;
    return hand_over(g_server, encode_flags({kRcaFlag}), out, outlen);
  }
  if (!(context & SSL_EXT_TLS1_3_CERTIFICATE_REQUEST)) return 0;
  if (!g_server.ch_had_rca && !g_server.scenario->cr_always_flagged) return 0;
  return hand_over(g_server, encode_flags({kRcaFlag}), out, outlen);
}

// The CH's body is read leniently, as a server that ignores a malformed one (TF §2) would; RCA §3 ¶6: the
// flag in the client's Certificate → fatal illegal_parameter, when the scenario's server obeys it.
int server_parse(SSL*, unsigned, unsigned context, const unsigned char* in, size_t inlen, X509*, size_t,
                 int* alert, void*) {
  if (context & SSL_EXT_CLIENT_HELLO) g_server.ch_had_rca = decode_flags_lenient(in, inlen).contains(kRcaFlag);
  if ((context & SSL_EXT_TLS1_3_CERTIFICATE) && decode_flags_lenient(in, inlen).contains(kRcaFlag) &&
      g_server.scenario->server_rejects_client_certificate_flag) {
    *alert = SSL_AD_ILLEGAL_PARAMETER;
    return 0;
  }
  return 1;
}

int accept_any(int, X509_STORE_CTX*) { return 1; }

// Both peers report each secret: the key log keeps one line of each.
void record_key_log_line(const SSL*, const char* line) {
  for (const std::string& known : g_keylog)
    if (known == line) return;
  g_keylog.emplace_back(line);
}

const unsigned char kAlpn[] = {2, 'h', '3'};

int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
                void*) {
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kAlpn, sizeof kAlpn, in, inlen) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

const SSL_METHOD* method_of(Transport transport, bool client) {
  switch (transport) {
    case Transport::quic: return client ? OSSL_QUIC_client_method() : OSSL_QUIC_server_method();
    case Transport::dtls12: return client ? DTLS_client_method() : DTLS_server_method();
    case Transport::quic_tls_api: return client ? TLS_client_method() : TLS_server_method();
  }
  return nullptr;
}

void set_suites(SSL_CTX* ctx, const QuicScenario& scenario) {
  if (scenario.transport == Transport::quic_tls_api)
    require(SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1, "TLS 1.3 only");  // RFC 9001 §4.2
  if (scenario.tls13_suites) require(SSL_CTX_set_ciphersuites(ctx, scenario.tls13_suites) == 1, "cipher suites");
}

SSL_CTX* client_context(const TestPki& pki, const QuicScenario& scenario) {
  SSL_CTX* ctx = SSL_CTX_new(method_of(scenario.transport, true));
  require(ctx != nullptr, "client SSL_CTX_new");
  set_suites(ctx, scenario);
  // RFC 8879 compression would hide the Certificate entries (and their extensions) from the analysers.
  SSL_CTX_set_options(ctx, SSL_OP_NO_TX_CERTIFICATE_COMPRESSION | SSL_OP_NO_RX_CERTIFICATE_COMPRESSION);
  require(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), pki.ca.cert.get()) == 1, "trust store");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (scenario.client_has_certificate) {
    require(SSL_CTX_use_certificate(ctx, pki.client.cert.get()) == 1, "client certificate");
    require(SSL_CTX_use_PrivateKey(ctx, pki.client.key.get()) == 1, "client key");
  }
  SSL_CTX_set_keylog_callback(ctx, record_key_log_line);
  require(SSL_CTX_add_custom_ext(ctx, kFlagsExtension, kFlagsContexts, client_add, nullptr, nullptr, client_parse,
                                 nullptr) == 1,
          "client TLS Flags extension");
  return ctx;
}

SSL_CTX* server_context(const TestPki& pki, const QuicScenario& scenario) {
  SSL_CTX* ctx = SSL_CTX_new(method_of(scenario.transport, false));
  require(ctx != nullptr, "server SSL_CTX_new");
  set_suites(ctx, scenario);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TX_CERTIFICATE_COMPRESSION | SSL_OP_NO_RX_CERTIFICATE_COMPRESSION);
  require(SSL_CTX_use_certificate(ctx, pki.server.cert.get()) == 1, "server certificate");
  require(SSL_CTX_use_PrivateKey(ctx, pki.server.key.get()) == 1, "server key");
  // A CertificateRequest in every handshake; its TLS Flags extension says whether it answers the flag.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
  SSL_CTX_set_keylog_callback(ctx, record_key_log_line);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  require(SSL_CTX_add_custom_ext(ctx, kFlagsExtension, kFlagsContexts, server_add, nullptr, nullptr, server_parse,
                                 nullptr) == 1,
          "server TLS Flags extension");
  return ctx;
}

// ---- sockets and the relay ----------------------------------------------------------------------

int udp_socket_on_loopback() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  require(fd >= 0, "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  require(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0, "bind");
  require(fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "non-blocking");
  return fd;
}

sockaddr_in local_address(int fd) {
  sockaddr_in address{};
  socklen_t size = sizeof address;
  require(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0, "getsockname");
  return address;
}

void connect_to(int fd, const sockaddr_in& address) {
  require(connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0, "connect");
}

void put16(Bytes& out, unsigned value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

// RFC 1071 one's complement sum.
std::uint32_t sum16(const std::uint8_t* data, size_t size, std::uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < size; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (size % 2) sum += data[size - 1] << 8;
  return sum;
}
std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

// Ethernet II, IPv4 (RFC 791), UDP (RFC 768) with the pseudo-header checksum.
Bytes udp_frame(const Bytes& payload, bool from_client, std::uint16_t& ip_id) {
  static const std::array<std::uint8_t, 4> kClient{192, 0, 2, 10}, kServer{198, 51, 100, 20};
  const auto& source = from_client ? kClient : kServer;
  const auto& destination = from_client ? kServer : kClient;
  const unsigned source_port = from_client ? 50000 : 443, destination_port = from_client ? 443 : 50000;
  Bytes udp;
  put16(udp, source_port);
  put16(udp, destination_port);
  put16(udp, 8 + payload.size());
  put16(udp, 0);
  udp.insert(udp.end(), payload.begin(), payload.end());
  std::uint32_t pseudo = sum16(source.data(), 4);
  pseudo = sum16(destination.data(), 4, pseudo);
  pseudo += 17 + udp.size();
  std::uint16_t checksum = fold(sum16(udp.data(), udp.size(), pseudo));
  if (checksum == 0) checksum = 0xffff;
  udp[6] = static_cast<std::uint8_t>(checksum >> 8);
  udp[7] = static_cast<std::uint8_t>(checksum);
  Bytes ip = {0x45, 0};
  put16(ip, 20 + udp.size());
  put16(ip, ip_id++);
  put16(ip, 0x4000);  // don't fragment
  ip.push_back(64);
  ip.push_back(17);
  put16(ip, 0);
  ip.insert(ip.end(), source.begin(), source.end());
  ip.insert(ip.end(), destination.begin(), destination.end());
  const std::uint16_t ip_checksum = fold(sum16(ip.data(), ip.size()));
  ip[10] = static_cast<std::uint8_t>(ip_checksum >> 8);
  ip[11] = static_cast<std::uint8_t>(ip_checksum);
  Bytes frame = {0x02, 0, 0, 0, 0, from_client ? std::uint8_t{2} : std::uint8_t{1},
                 0x02, 0, 0, 0, 0, from_client ? std::uint8_t{1} : std::uint8_t{2}};
  put16(frame, 0x0800);
  frame.insert(frame.end(), ip.begin(), ip.end());
  frame.insert(frame.end(), udp.begin(), udp.end());
  return frame;
}

// Receives on the client-facing socket A and the server-facing socket B, records, forwards.
class Relay {
 public:
  Relay(int client_facing, int server_facing) : a_(client_facing), b_(server_facing) {}

  bool pump() {
    bool moved = false;
    std::array<std::uint8_t, 65536> buffer;
    for (;;) {
      sockaddr_in from{};
      socklen_t size = sizeof from;
      ssize_t n = recvfrom(a_, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &size);
      if (n <= 0) break;
      client_ = from;
      record(Bytes(buffer.data(), buffer.data() + n), true);
      require(send(b_, buffer.data(), static_cast<size_t>(n), 0) == n, "relay to server");
      moved = true;
    }
    for (;;) {
      ssize_t n = recv(b_, buffer.data(), buffer.size(), 0);
      if (n <= 0) break;
      record(Bytes(buffer.data(), buffer.data() + n), false);
      require(sendto(a_, buffer.data(), static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&client_),
                     sizeof client_) == n,
              "relay to client");
      moved = true;
    }
    return moved;
  }
  // The capture's frames; `rewrite` (when given) turns each payload into what the capture holds.
  std::vector<CapturedFrame> frames(const std::function<Bytes(const Bytes&, bool)>& rewrite = {}) const {
    std::vector<CapturedFrame> frames;
    std::uint16_t ip_id = 0x2000;
    for (const Datagram& d : datagrams_) {
      // 2024-01-01T00:00:00Z plus 1 ms per datagram: reruns give the same timestamps.
      const std::uint64_t time_us = 1704067200ull * 1000000 + 1000 * (frames.size() + 1);
      frames.push_back({time_us, udp_frame(rewrite ? rewrite(d.payload, d.from_client) : d.payload, d.from_client, ip_id)});
    }
    return frames;
  }
  size_t datagrams(bool from_client) const { return from_client ? from_client_ : from_server_; }
  // A datagram that did not pass through the sockets (QuicPacketizer's), recorded as if it had.
  void add(Bytes payload, bool from_client) { record(std::move(payload), from_client); }

 private:
  struct Datagram {
    Bytes payload;
    bool from_client;
  };
  void record(Bytes payload, bool from_client) {
    datagrams_.push_back({std::move(payload), from_client});
    ++(from_client ? from_client_ : from_server_);
  }

  int a_, b_;
  sockaddr_in client_{};
  std::vector<Datagram> datagrams_;
  size_t from_client_ = 0, from_server_ = 0;
};

struct Sockets {
  int client = -1, server = -1, relay_a = -1, relay_b = -1;
  sockaddr_in relay_a_address{};
  Sockets() {
    server = udp_socket_on_loopback();
    relay_a = udp_socket_on_loopback();
    relay_b = udp_socket_on_loopback();
    client = udp_socket_on_loopback();
    relay_a_address = local_address(relay_a);
    connect_to(client, relay_a_address);
    connect_to(relay_b, local_address(server));
  }
  ~Sockets() {
    for (int fd : {client, server, relay_a, relay_b}) close(fd);
  }
};

std::string describe_close(SSL* ssl) {
  SSL_CONN_CLOSE_INFO info{};
  if (!SSL_get_conn_close_info(ssl, &info, sizeof info)) return "open";
  char text[96];
  std::snprintf(text, sizeof text, "%s close, error 0x%llx", (info.flags & SSL_CONN_CLOSE_FLAG_TRANSPORT) ? "transport" : "application",
                static_cast<unsigned long long>(info.error_code));
  return text;
}

// ---- QUIC ---------------------------------------------------------------------------------------

void run_quic(const TestPki& pki, const QuicScenario& scenario, Relay& relay, Sockets& sockets) {
  SSL_CTX* cctx = client_context(pki, scenario);
  SSL_CTX* sctx = server_context(pki, scenario);
  SSL* listener = SSL_new_listener(sctx, SSL_LISTENER_FLAG_NO_VALIDATE);
  require(listener != nullptr, "SSL_new_listener");
  require(SSL_set_fd(listener, sockets.server) == 1, "listener fd");
  SSL_set_blocking_mode(listener, 0);
  require(SSL_listen(listener) == 1, "SSL_listen");

  SSL* client = SSL_new(cctx);
  require(client != nullptr, "SSL_new");
  require(SSL_set_fd(client, sockets.client) == 1, "client fd");
  SSL_set_blocking_mode(client, 0);
  BIO_ADDR* peer = BIO_ADDR_new();
  BIO_ADDR_rawmake(peer, AF_INET, &sockets.relay_a_address.sin_addr, sizeof(in_addr), sockets.relay_a_address.sin_port);
  require(SSL_set1_initial_peer_addr(client, peer) == 1, "peer address");
  BIO_ADDR_free(peer);
  require(SSL_set_tlsext_host_name(client, kServerName) == 1, "SNI");
  require(SSL_set1_host(client, kServerName) == 1, "host check");
  require(SSL_set_alpn_protos(client, kAlpn, sizeof kAlpn) == 0, "ALPN");

  SSL* connection = nullptr;
  SSL* stream = nullptr;
  bool client_done = false, request_sent = false, answered = false, shut = false;
  std::string reply;
  for (int round = 0; round < 4000 && !shut; ++round) {
    if (!client_done) {
      int r = SSL_connect(client);
      if (r == 1) client_done = true;
      else if (int e = SSL_get_error(client, r); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) break;
    }
    SSL_handle_events(listener);
    if (!connection) connection = SSL_accept_connection(listener, SSL_ACCEPT_CONNECTION_NO_BLOCK);
    if (connection) {
      SSL_set_blocking_mode(connection, 0);
      SSL_handle_events(connection);
      if (!stream) stream = SSL_accept_stream(connection, SSL_ACCEPT_STREAM_NO_BLOCK);
    }
    if (client_done && !request_sent) {
      size_t written = 0;
      static constexpr char kRequest[] = "GET / HTTP/1.1\r\nHost: server.example\r\n\r\n";
      request_sent = SSL_write_ex(client, kRequest, sizeof kRequest - 1, &written) == 1;
      if (request_sent) SSL_stream_conclude(client, 0);
    }
    if (stream && !answered) {
      char buffer[256];
      size_t n = 0;
      while (SSL_read_ex(stream, buffer, sizeof buffer, &n) == 1) (void)n;
      if (SSL_get_error(stream, 0) == SSL_ERROR_ZERO_RETURN || SSL_get_stream_read_state(stream) == SSL_STREAM_STATE_FINISHED) {
        static constexpr char kResponse[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        size_t written = 0;
        answered = SSL_write_ex(stream, kResponse, sizeof kResponse - 1, &written) == 1;
        if (answered) SSL_stream_conclude(stream, 0);
      }
    }
    if (answered) {
      char buffer[256];
      size_t n = 0;
      while (SSL_read_ex(client, buffer, sizeof buffer, &n) == 1) reply.append(buffer, n);
      if (!reply.empty() && SSL_get_stream_read_state(client) == SSL_STREAM_STATE_FINISHED) {
        shut = SSL_shutdown(client) == 1;
      }
    }
    SSL_handle_events(client);
    while (relay.pump()) {
      SSL_handle_events(listener);
      SSL_handle_events(client);
      if (connection) SSL_handle_events(connection);
    }
    if (SSL_get_error(client, -1) == SSL_ERROR_SSL && !client_done) {
      // The client aborted the handshake: let its CONNECTION_CLOSE reach the server.
      for (int i = 0; i < 20; ++i) {
        SSL_handle_events(client);
        relay.pump();
        SSL_handle_events(listener);
        usleep(1000);
      }
      break;
    }
    usleep(1000);
  }
  for (int i = 0; i < 50 && shut; ++i) {  // the server's answer to the client's CONNECTION_CLOSE
    SSL_handle_events(listener);
    if (connection) SSL_handle_events(connection);
    relay.pump();
    usleep(1000);
  }
  std::cout << "client: handshake " << (client_done ? "done" : "failed") << ", " << describe_close(client)
            << ", response " << reply.size() << " octets\n";
  if (connection) std::cout << "server: " << describe_close(connection) << "\n";
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(client)) g_suite = SSL_CIPHER_get_name(cipher);
  ERR_print_errors_fp(stderr);
  SSL_free(stream);
  SSL_free(connection);
  SSL_free(client);
  SSL_free(listener);
  SSL_CTX_free(cctx);
  SSL_CTX_free(sctx);
}

// ---- QUIC around OpenSSL's QUIC TLS API ----------------------------------------------------------

void run_quic_tls_api(const TestPki& pki, const QuicScenario& scenario, Relay& relay) {
  SSL_CTX* cctx = client_context(pki, scenario);
  SSL_CTX* sctx = server_context(pki, scenario);
  SSL* client = SSL_new(cctx);
  SSL* server = SSL_new(sctx);
  require(client && server, "SSL_new");
  require(SSL_set_tlsext_host_name(client, kServerName) == 1, "SNI");
  require(SSL_set1_host(client, kServerName) == 1, "host check");
  require(SSL_set_alpn_protos(client, kAlpn, sizeof kAlpn) == 0, "ALPN");
  QuicPacketizer connection(client, server);
  connection.run();
  for (const QuicDatagram& datagram : connection.datagrams()) relay.add(datagram.payload, datagram.from_client);
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(client)) g_suite = SSL_CIPHER_get_name(cipher);
  std::cout << "handshake " << (connection.handshake_done() ? "done" : "failed") << ", " << g_suite;
  if (connection.client_alert()) std::cout << ", client alert " << int{*connection.client_alert()};
  std::cout << "\n";
  ERR_print_errors_fp(stderr);
  SSL_free(client);
  SSL_free(server);
  SSL_CTX_free(cctx);
  SSL_CTX_free(sctx);
}

// ---- DTLS 1.2 -----------------------------------------------------------------------------------

void run_dtls(const TestPki& pki, const QuicScenario& scenario, Relay& relay, Sockets& sockets) {
  SSL_CTX* cctx = client_context(pki, scenario);
  SSL_CTX* sctx = server_context(pki, scenario);
  SSL_CTX_set_max_proto_version(sctx, DTLS1_2_VERSION);
  SSL* client = SSL_new(cctx);
  SSL* server = SSL_new(sctx);
  require(client && server, "SSL_new");
  SSL_set_fd(client, sockets.client);
  SSL_set_fd(server, sockets.server);
  // The server's socket answers whoever spoke to it: the relay's server-facing socket.
  connect_to(sockets.server, local_address(sockets.relay_b));
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  bool client_done = false, server_done = false;
  for (int round = 0; round < 2000 && !(client_done && server_done); ++round) {
    if (!client_done) client_done = SSL_do_handshake(client) == 1;
    if (!server_done) server_done = SSL_do_handshake(server) == 1;
    relay.pump();
    usleep(1000);
  }
  std::cout << "client: " << (client_done ? SSL_get_version(client) : "failed") << ", server: "
            << (server_done ? SSL_get_version(server) : "failed") << "\n";
  SSL_free(client);
  SSL_free(server);
  SSL_CTX_free(cctx);
  SSL_CTX_free(sctx);
}

// The secret of a key log line's label (NSS key log format: LABEL client_random secret, in hex).
Bytes secret_of(std::string_view label) {
  for (const std::string& line : g_keylog) {
    if (line.rfind(std::string(label) + " ", 0) != 0) continue;
    const std::string hex = line.substr(line.rfind(' ') + 1);
    Bytes secret;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) secret.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return secret;
  }
  return {};
}

std::vector<CapturedFrame> captured_frames(const QuicScenario& scenario, const Relay& relay) {
  if (!scenario.as_quic_v2) return relay.frames();
  QuicV2Reprotector v2({g_suite, secret_of("CLIENT_HANDSHAKE_TRAFFIC_SECRET"), secret_of("SERVER_HANDSHAKE_TRAFFIC_SECRET"),
                        secret_of("CLIENT_TRAFFIC_SECRET_0"), secret_of("SERVER_TRAFFIC_SECRET_0")});
  return relay.frames([&](const Bytes& payload, bool from_client) { return v2.reprotect(payload, from_client); });
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

int run(const QuicScenario& scenario, const std::string& out) {
  g_client.scenario = g_server.scenario = &scenario;
  const TestPki pki = make_test_pki();
  Sockets sockets;
  Relay relay(sockets.relay_a, sockets.relay_b);
  if (scenario.transport == Transport::quic) run_quic(pki, scenario, relay, sockets);
  else if (scenario.transport == Transport::quic_tls_api) run_quic_tls_api(pki, scenario, relay);
  else run_dtls(pki, scenario, relay, sockets);
  std::cout << "datagrams: " << relay.datagrams(true) << " from the client, " << relay.datagrams(false)
            << " from the server\n";
  const std::vector<CapturedFrame> frames = captured_frames(scenario, relay);
  if (scenario.keys_in_capture) {
    write_pcap(out + ".pcap", frames);
    write_text(out + ".keys", joined(g_keylog));
  } else {
    write_pcapng(out + ".pcapng", frames, "");
  }
  return 0;
}

}  // namespace
}  // namespace tlsgen

int main(int argc, char** argv) {
  using namespace tlsgen;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.size() == 1 && args[0] == "--list") {
    for (const QuicScenario& s : kScenarios) std::cout << s.name << "\t" << s.description << "\n";
    return 0;
  }
  if (args.size() != 4 || args[0] != "--scenario" || args[2] != "--out") {
    std::cerr << "usage: tlsflags-quic-gen --list | --scenario NAME --out PATH_WITHOUT_EXTENSION\n";
    return 2;
  }
  for (const QuicScenario& s : kScenarios) {
    if (s.name == args[1]) {
      try {
        return run(s, std::string(args[3]));
      } catch (const std::exception& e) {
        std::cerr << "tlsflags-quic-gen: " << e.what() << "\n";
        return 1;
      }
    }
  }
  std::cerr << "tlsflags-quic-gen: no scenario " << args[1] << "\n";
  return 2;
}
