// Writes the small TLS 1.3 captures the plugin's golden tests run on (tests/plugin/data/NAME.pcap with
// NAME.keys beside it). An OpenSSL client and server talk through memory BIOs; every flight becomes
// TCP segments of a raw-IPv4 pcap. The TLS Flags extension (type 62) is added with OpenSSL's custom
// extension API, in the messages each scenario names (notes "OpenSSL 3.0 as a real peer").
//
// Not part of the test run: the captures are committed, the goldens depend on their bytes. Rerun
//   make_test_captures OUT_DIR
// only to add a scenario, then regenerate the goldens (UPDATE_GOLDEN=1).
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;
constexpr unsigned kFlagsExtension = 62;

// ---- pcap (LINKTYPE_RAW: each packet is an IPv4 datagram) -------------------------------------------

class PcapWriter {
 public:
  explicit PcapWriter(const std::string& path) : out_(path, std::ios::binary) {
    put32(0xA1B2C3D4); put16(2); put16(4); put32(0); put32(0); put32(65535); put32(101);
  }
  void packet(const Bytes& data) {
    usec_ += 1000;  // one packet per millisecond: deterministic timestamps
    put32(static_cast<uint32_t>(1700000000 + usec_ / 1000000)); put32(static_cast<uint32_t>(usec_ % 1000000));
    put32(static_cast<uint32_t>(data.size())); put32(static_cast<uint32_t>(data.size()));
    out_.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  }

 private:
  void put16(uint16_t v) { out_.write(reinterpret_cast<const char*>(&v), 2); }
  void put32(uint32_t v) { out_.write(reinterpret_cast<const char*>(&v), 4); }
  std::ofstream out_;
  uint64_t usec_ = 0;
};

void be16(Bytes& b, size_t at, uint32_t v) { b[at] = uint8_t(v >> 8); b[at + 1] = uint8_t(v); }
void be32(Bytes& b, size_t at, uint32_t v) { be16(b, at, v >> 16); be16(b, at + 2, v & 0xFFFF); }

// One TCP connection 10.0.0.1:50000 -> 10.0.0.2:443, with its handshake, data and FIN segments.
class TcpConnection {
 public:
  explicit TcpConnection(PcapWriter& pcap) : pcap_(pcap) {
    segment(true, 0x02, {});   // SYN
    segment(false, 0x12, {});  // SYN-ACK
    segment(true, 0x10, {});   // ACK
  }
  void data(bool from_client, const Bytes& payload) {
    for (size_t at = 0; at < payload.size(); at += kMss)
      segment(from_client, 0x18, Bytes(payload.begin() + long(at), payload.begin() + long(std::min(payload.size(), at + kMss))));
  }
  void fin(bool from_client) { segment(from_client, 0x11, {}); }

 private:
  static constexpr size_t kMss = 1400;
  void segment(bool from_client, uint8_t flags, const Bytes& payload) {
    Bytes p(40 + payload.size(), 0);
    p[0] = 0x45; be16(p, 2, uint32_t(p.size())); p[8] = 64; p[9] = 6;
    uint8_t client[4] = {10, 0, 0, 1}, server[4] = {10, 0, 0, 2};
    std::memcpy(&p[12], from_client ? client : server, 4);
    std::memcpy(&p[16], from_client ? server : client, 4);
    be16(p, 20, from_client ? 50000 : 443); be16(p, 22, from_client ? 443 : 50000);
    uint32_t& seq = from_client ? client_seq_ : server_seq_;
    be32(p, 24, seq); be32(p, 28, from_client ? server_seq_ : client_seq_);
    p[32] = 0x50; p[33] = flags; be16(p, 34, 65535);
    std::copy(payload.begin(), payload.end(), p.begin() + 40);
    seq += uint32_t(payload.size()) + ((flags & 0x03) ? 1 : 0);  // SYN and FIN take a sequence number
    if (flags == 0x02 || flags == 0x12) ack_known_ = true;
    pcap_.packet(p);
  }
  PcapWriter& pcap_;
  uint32_t client_seq_ = 1000, server_seq_ = 5000;
  bool ack_known_ = false;
};

// ---- scenarios -------------------------------------------------------------------------------------

// Extension bodies by OpenSSL context (SSL_EXT_*): what each side puts in which message.
struct Scenario {
  std::string name;
  std::map<unsigned, Bytes> client_sends;  // SSL_EXT_CLIENT_HELLO, SSL_EXT_TLS1_3_CERTIFICATE
  std::optional<Bytes> second_client_hello; // a different body in the ClientHello after a HRR
  std::map<unsigned, Bytes> server_sends;  // CR, EE, NST, ...
  bool request_certificate = true;
  bool client_has_certificate = true;
  bool force_hello_retry = false;
  std::optional<int> server_rejects_with;  // alert the server sends on the client's extension
  bool client_closes_after_server_flight = false;
};

Scenario scenario(std::string name, std::map<unsigned, Bytes> client_sends, std::map<unsigned, Bytes> server_sends) {
  Scenario s;
  s.name = std::move(name);
  s.client_sends = std::move(client_sends);
  s.server_sends = std::move(server_sends);
  return s;
}

Bytes body(std::initializer_list<uint8_t> bytes) { return Bytes(bytes); }
// FlagExtensions with the given flags set (TF §2: flag N is octet N/8, mask 1 << N%8).
Bytes flags(std::initializer_list<unsigned> numbers) {
  Bytes vector;
  for (unsigned n : numbers) {
    if (vector.size() <= n / 8) vector.resize(n / 8 + 1);
    vector[n / 8] |= uint8_t(1u << (n % 8));
  }
  vector.insert(vector.begin(), uint8_t(vector.size()));
  return vector;
}

struct Side {
  const Scenario* scenario;
  bool client;
  int client_hellos = 0;
};

int add_extension(SSL*, unsigned, unsigned context, const unsigned char** out, size_t* outlen, X509*, size_t,
                  int*, void* arg) {
  auto* side = static_cast<Side*>(arg);
  const auto& sends = side->client ? side->scenario->client_sends : side->scenario->server_sends;
  const Bytes* chosen = nullptr;
  if (context & SSL_EXT_CLIENT_HELLO) {
    bool second = side->client_hellos++ > 0;
    if (second && side->scenario->second_client_hello) chosen = &*side->scenario->second_client_hello;
  }
  for (const auto& [ctx, bytes] : sends)
    if (!chosen && (context & ctx)) chosen = &bytes;
  if (!chosen) return 0;  // not in this message
  *out = chosen->data();
  *outlen = chosen->size();
  return 1;
}

int parse_extension(SSL*, unsigned, unsigned context, const unsigned char*, size_t, X509*, size_t, int* al,
                    void* arg) {
  auto* side = static_cast<Side*>(arg);
  if (!side->client && (context & SSL_EXT_CLIENT_HELLO) && side->scenario->server_rejects_with) {
    *al = *side->scenario->server_rejects_with;
    return 0;
  }
  return 1;  // accept whatever came: the captures show what a lax peer does
}

constexpr unsigned kAllContexts = SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_SERVER_HELLO |
                                  SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS | SSL_EXT_TLS1_3_CERTIFICATE_REQUEST |
                                  SSL_EXT_TLS1_3_CERTIFICATE | SSL_EXT_TLS1_3_NEW_SESSION_TICKET |
                                  SSL_EXT_TLS1_3_HELLO_RETRY_REQUEST | SSL_EXT_TLS1_3_ONLY;

void check(bool ok, const char* what) {
  if (!ok) {
    ERR_print_errors_fp(stderr);
    throw std::runtime_error(what);
  }
}

struct Identity {
  EVP_PKEY* key;
  X509* cert;
};

Identity make_identity() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  check(key, "key");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3650L * 86400);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("tlsflags test"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, key);
  check(X509_sign(cert, key, EVP_sha256()) > 0, "sign");
  return {key, cert};
}

FILE* g_keylog = nullptr;
void keylog_line(const SSL*, const char* line) { std::fprintf(g_keylog, "%s\n", line); }

Bytes drain(BIO* bio) {
  Bytes out;
  char buffer[4096];
  int n;
  while ((n = BIO_read(bio, buffer, sizeof buffer)) > 0) out.insert(out.end(), buffer, buffer + n);
  return out;
}

SSL_CTX* make_context(bool client, Side& side, const Identity& id) {
  SSL_CTX* ctx = SSL_CTX_new(client ? TLS_client_method() : TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  check(SSL_CTX_add_custom_ext(ctx, kFlagsExtension, kAllContexts, add_extension, nullptr, &side, parse_extension,
                               &side) == 1, "custom ext");
  const Scenario& s = *side.scenario;
  // The server logs every secret as soon as it has it, even when the client never gets that far.
  if (!client) SSL_CTX_set_keylog_callback(ctx, keylog_line);
  if (client) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    if (s.client_has_certificate) {
      SSL_CTX_use_certificate(ctx, id.cert);
      SSL_CTX_use_PrivateKey(ctx, id.key);
    }
    if (s.force_hello_retry) SSL_CTX_set1_groups_list(ctx, "X25519:P-256");
  } else {
    SSL_CTX_use_certificate(ctx, id.cert);
    SSL_CTX_use_PrivateKey(ctx, id.key);
    SSL_CTX_set_num_tickets(ctx, 1);
    if (s.request_certificate) SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    if (s.force_hello_retry) SSL_CTX_set1_groups_list(ctx, "P-256");  // the client's first key share is X25519
  }
  return ctx;
}

void run(const Scenario& s, const std::string& dir, const Identity& id) {
  PcapWriter pcap(dir + "/" + s.name + ".pcap");
  g_keylog = std::fopen((dir + "/" + s.name + ".keys").c_str(), "w");
  Side client_side{&s, true}, server_side{&s, false};
  SSL_CTX* cctx = make_context(true, client_side, id);
  SSL_CTX* sctx = make_context(false, server_side, id);
  SSL* client = SSL_new(cctx);
  SSL* server = SSL_new(sctx);
  BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
  BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
  SSL_set_bio(client, c_in, c_out);
  SSL_set_bio(server, s_in, s_out);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  SSL_set_tlsext_host_name(client, "server.test");
  TcpConnection tcp(pcap);

  bool client_done = false, server_done = false, failed = false;
  int server_flights = 0;
  for (int round = 0; round < 20 && !(client_done && server_done) && !failed; ++round) {
    int rc = SSL_do_handshake(client);
    client_done = rc == 1;
    failed = rc <= 0 && SSL_get_error(client, rc) != SSL_ERROR_WANT_READ;
    Bytes flight = drain(c_out);
    if (!flight.empty()) { tcp.data(true, flight); BIO_write(s_in, flight.data(), int(flight.size())); }
    if (failed) break;
    rc = SSL_do_handshake(server);
    server_done = rc == 1;
    failed = rc <= 0 && SSL_get_error(server, rc) != SSL_ERROR_WANT_READ;
    flight = drain(s_out);
    if (!flight.empty()) {
      tcp.data(false, flight);
      BIO_write(c_in, flight.data(), int(flight.size()));
      ++server_flights;
    }
    // The flight after a HelloRetryRequest is the second one; without HRR the first.
    if (s.client_closes_after_server_flight && server_flights == (s.force_hello_retry ? 2 : 1)) {
      tcp.fin(true);
      failed = true;
    }
  }
  auto deliver = [&](bool from_client) {
    Bytes bytes = drain(from_client ? c_out : s_out);
    if (bytes.empty()) return;
    tcp.data(from_client, bytes);
    BIO_write(from_client ? s_in : c_in, bytes.data(), int(bytes.size()));
  };
  if (!failed) {
    // A request and an answer: the client reads the NewSessionTicket on the way.
    const char request[] = "ping", answer[] = "pong";
    char buffer[64];
    SSL_write(client, request, sizeof request);
    deliver(true);
    SSL_read(server, buffer, sizeof buffer);
    SSL_write(server, answer, sizeof answer);
    deliver(false);
    SSL_read(client, buffer, sizeof buffer);
    SSL_shutdown(client);
    deliver(true);
  }
  tcp.fin(true);
  tcp.fin(false);
  std::fclose(g_keylog);
  SSL_free(client); SSL_free(server); SSL_CTX_free(cctx); SSL_CTX_free(sctx);
}

// A ClientHello with the TLS Flags extension twice (RFC 8446 §4.2 forbids it; OpenSSL cannot send it):
// the first flight of a flagged client, with its extension copied once more, and no answer.
void run_duplicate(const std::string& dir, const Identity& id) {
  Scenario s = scenario("flags-duplicate", {{SSL_EXT_CLIENT_HELLO, flags({80})}}, {});
  Side side{&s, true};
  g_keylog = std::fopen("/dev/null", "w");
  SSL_CTX* ctx = make_context(true, side, id);
  SSL* client = SSL_new(ctx);
  BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
  SSL_set_bio(client, in, out);
  SSL_set_connect_state(client);
  SSL_set_tlsext_host_name(client, "server.test");
  SSL_do_handshake(client);
  Bytes record = drain(out);
  // record(5) handshake(4) version(2) random(32) session_id<1> suites<2> compression<1> extensions<2>
  size_t at = 5 + 4 + 2 + 32;
  at += 1 + record.at(at);
  at += 2 + (size_t(record.at(at)) << 8 | record.at(at + 1));
  at += 1 + record.at(at);
  size_t extensions_length_at = at;
  size_t end = at + 2 + (size_t(record.at(at)) << 8 | record.at(at + 1));
  Bytes copy;
  for (at += 2; at < end;) {
    size_t length = size_t(record.at(at + 2)) << 8 | record.at(at + 3);
    if ((size_t(record[at]) << 8 | record[at + 1]) == kFlagsExtension) copy.assign(record.begin() + long(at), record.begin() + long(at + 4 + length));
    at += 4 + length;
  }
  check(!copy.empty(), "flags extension in the ClientHello");
  record.insert(record.begin() + long(end), copy.begin(), copy.end());
  auto grow = [&](size_t pos, size_t width) {
    size_t value = 0;
    for (size_t i = 0; i < width; ++i) value = value << 8 | record[pos + i];
    value += copy.size();
    for (size_t i = width; i-- > 0; value >>= 8) record[pos + i] = uint8_t(value);
  };
  grow(3, 2);                     // record length
  grow(6, 3);                     // handshake length
  grow(extensions_length_at, 2);  // extensions length
  PcapWriter pcap(dir + "/" + s.name + ".pcap");
  TcpConnection tcp(pcap);
  tcp.data(true, record);
  tcp.fin(true);
  tcp.fin(false);
  std::fclose(g_keylog);
  SSL_free(client);
  SSL_CTX_free(ctx);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  std::string dir = argv[1];
  Identity id = make_identity();
  const unsigned CH = SSL_EXT_CLIENT_HELLO, CR = SSL_EXT_TLS1_3_CERTIFICATE_REQUEST,
                 EE = SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS, NST = SSL_EXT_TLS1_3_NEW_SESSION_TICKET,
                 CT = SSL_EXT_TLS1_3_CERTIFICATE;
  std::vector<Scenario> scenarios;
  // Compliant: flag 80 offered, echoed in CR, a client certificate; the server also sends
  // resumption_across_names (8) in its NewSessionTicket, where unsolicited flags are allowed.
  scenarios.push_back(scenario("rca-accepted", {{CH, flags({80})}}, {{CR, flags({80})}, {NST, flags({8})}}));
  // The server echoes a flag the client never sent; the client carries on.
  scenarios.push_back(scenario("rca-ack-without-request", {}, {{CR, flags({80})}}));
  // The server puts the flag into EncryptedExtensions too; the client carries on.
  scenarios.push_back(scenario("rca-flag-in-ee", {{CH, flags({80})}}, {{EE, flags({80})}, {CR, flags({80})}}));
  // The client sends the flag back in its Certificate entry; the server carries on.
  scenarios.push_back(
      scenario("rca-flag-in-client-certificate", {{CH, flags({80})}, {CT, flags({80})}}, {{CR, flags({80})}}));
  // Flagged CR, but the client has no certificate: an empty Certificate (RFC 8446 §4.4.2).
  Scenario& empty = scenarios.emplace_back(scenario("rca-empty-certificate", {{CH, flags({80})}}, {{CR, flags({80})}}));
  empty.client_has_certificate = false;
  // Flagged CR, and the client closes the connection instead of answering.
  Scenario& closes = scenarios.emplace_back(scenario("rca-client-closes", {{CH, flags({80})}}, {{CR, flags({80})}}));
  closes.client_closes_after_server_flight = true;
  // Trailing zero octet (flags 0x01 0x00): the server accepts it instead of illegal_parameter.
  scenarios.emplace_back(scenario("flags-non-minimal", {{CH, body({2, 0x01, 0x00})}}, {})).request_certificate = false;
  // Empty vector: the server rejects it with decode_error, as it should.
  Scenario& empty_vector = scenarios.emplace_back(scenario("flags-empty", {{CH, body({0})}}, {}));
  empty_vector.server_rejects_with = SSL_AD_DECODE_ERROR;
  // Length octet says 3, one octet follows: the server rejects it with illegal_parameter.
  Scenario& malformed = scenarios.emplace_back(scenario("flags-malformed", {{CH, body({3, 0x01})}}, {}));
  malformed.server_rejects_with = SSL_AD_ILLEGAL_PARAMETER;
  // HelloRetryRequest, and the second ClientHello adds flag 8 (RFC 8446 §4.1.2).
  Scenario& hrr = scenarios.emplace_back(scenario("hrr-flags-changed", {{CH, flags({80})}}, {{CR, flags({80})}}));
  hrr.second_client_hello = flags({8, 80});
  hrr.force_hello_retry = true;
  for (const Scenario& s : scenarios) run(s, dir, id);
  run_duplicate(dir, id);
  return 0;
}
