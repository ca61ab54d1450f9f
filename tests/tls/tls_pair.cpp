#include "tls_pair.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace tlsflags::tls::test {
namespace {

constexpr unsigned kFlagsExtension = 62;
// The TLS Flags body for flag 80: length 11, octet 10 = 0x01 (flag N is octet N/8, bit N%8).
const unsigned char kFlag80[] = {11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};

struct State {
  PairResult* result;
  bool client_sends_flag;
};

int state_index() {
  static int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}
State* state_of(SSL* ssl) { return static_cast<State*>(SSL_get_ex_data(ssl, state_index())); }

void keylog_cb(const SSL* ssl, const char* line) {
  State* state = state_of(const_cast<SSL*>(ssl));
  state->result->keylog += line;
  state->result->keylog += "\n";
}

bool has_flag_80(const unsigned char* in, size_t inlen) {
  return inlen == sizeof kFlag80 && std::equal(in, in + inlen, kFlag80);
}

int add_flags_cb(SSL* ssl, unsigned int, unsigned int context, const unsigned char** out, size_t* outlen, X509*,
                 size_t, int*, void*) {
  State* state = state_of(ssl);
  bool send = (context & SSL_EXT_CLIENT_HELLO) ? state->client_sends_flag : state->result->server_saw_flag;
  if (!send) return 0;  // 0 = do not send the extension
  *out = kFlag80;
  *outlen = sizeof kFlag80;
  return 1;
}

int parse_flags_cb(SSL* ssl, unsigned int, unsigned int context, const unsigned char* in, size_t inlen, X509*,
                   size_t, int*, void*) {
  State* state = state_of(ssl);
  if (context & SSL_EXT_CLIENT_HELLO) state->result->server_saw_flag = has_flag_80(in, inlen);
  if (context & SSL_EXT_TLS1_3_CERTIFICATE_REQUEST) state->result->client_saw_flag_in_cr = has_flag_80(in, inlen);
  return 1;
}

int accept_any_certificate(int, X509_STORE_CTX*) { return 1; }

// request_client_auth: ask for a certificate only when the ClientHello carries flag 80.
int client_hello_cb(SSL* ssl, int*, void*) {
  const unsigned char* ext = nullptr;
  size_t length = 0;
  if (SSL_client_hello_get0_ext(ssl, kFlagsExtension, &ext, &length) == 1 && has_flag_80(ext, length))
    SSL_set_verify(ssl, SSL_VERIFY_PEER, accept_any_certificate);
  return SSL_CLIENT_HELLO_SUCCESS;
}

struct Identity {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~Identity() {
    EVP_PKEY_free(key);
    X509_free(cert);
  }
};

bool make_identity(const char* common_name, Identity& id) {
  id.key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  id.cert = X509_new();
  if (!id.key || !id.cert) return false;
  X509_set_version(id.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(id.cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(id.cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(id.cert), 3600);
  X509_NAME* name = X509_get_subject_name(id.cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name), -1,
                             -1, 0);
  X509_set_issuer_name(id.cert, name);
  X509_set_pubkey(id.cert, id.key);
  return X509_sign(id.cert, id.key, EVP_sha256()) > 0;
}

SSL_CTX* make_context(bool server, const PairOptions& options, const Identity& id) {
  SSL_CTX* ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  if (!ctx) return nullptr;
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_ciphersuites(ctx, options.cipher_suite.c_str());
  SSL_CTX_use_certificate(ctx, id.cert);
  SSL_CTX_use_PrivateKey(ctx, id.key);
  SSL_CTX_set_keylog_callback(ctx, keylog_cb);
  SSL_CTX_add_custom_ext(ctx, kFlagsExtension, SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_CERTIFICATE_REQUEST,
                         add_flags_cb, nullptr, nullptr, parse_flags_cb, nullptr);
  if (server) {
    SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, nullptr);
    if (options.force_hello_retry) SSL_CTX_set1_groups_list(ctx, "P-256");
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    if (options.force_hello_retry) SSL_CTX_set1_groups_list(ctx, "X25519:P-256");
  }
  return ctx;
}

// One endpoint with memory BIOs: `in` is what it reads, `out` what it wrote.
struct Endpoint {
  SSL* ssl = nullptr;
  BIO* in = nullptr;
  BIO* out = nullptr;
  ~Endpoint() { SSL_free(ssl); }  // frees the BIOs too
  bool init(SSL_CTX* ctx, State* state, bool server) {
    ssl = SSL_new(ctx);
    in = BIO_new(BIO_s_mem());
    out = BIO_new(BIO_s_mem());
    if (!ssl || !in || !out) return false;
    SSL_set_bio(ssl, in, out);
    SSL_set_ex_data(ssl, state_index(), state);
    server ? SSL_set_accept_state(ssl) : SSL_set_connect_state(ssl);
    return true;
  }
};

struct Wire {
  Endpoint& client;
  Endpoint& server;
  PairResult& result;

  // Moves what `from` wrote to its peer and records it as one chunk.
  bool move(Party from) {
    Endpoint& src = from == Party::client ? client : server;
    Endpoint& dst = from == Party::client ? server : client;
    char* data = nullptr;
    long n = BIO_get_mem_data(src.out, &data);
    if (n <= 0) return false;
    result.chunks.push_back(Chunk{from, std::vector<uint8_t>(data, data + n)});
    BIO_write(dst.in, data, static_cast<int>(n));
    (void)BIO_reset(src.out);
    return true;
  }
  // Until neither side has anything to send. Both moves run every round (the client's first, so the
  // chunks keep their order): two statements, as `||` would skip the server's.
  void pump() {
    for (;;) {
      const bool client_sent = move(Party::client);
      const bool server_sent = move(Party::server);
      if (!client_sent && !server_sent) return;
    }
  }
};

bool handshake(Wire& wire) {
  for (int round = 0; round < 20; ++round) {
    int c = SSL_do_handshake(wire.client.ssl);
    int s = SSL_do_handshake(wire.server.ssl);
    wire.pump();
    if (c == 1 && s == 1) return true;
  }
  return false;
}

void read_all(SSL* ssl) {
  char buffer[16384];
  while (SSL_read(ssl, buffer, sizeof buffer) > 0) {
  }
}

bool write_all(SSL* ssl, size_t bytes) {
  std::vector<char> data(bytes, 'x');
  size_t written = 0;
  while (written < bytes) {
    int n = SSL_write(ssl, data.data() + written, static_cast<int>(bytes - written));
    if (n <= 0) return false;
    written += static_cast<size_t>(n);
  }
  return true;
}

bool converse(Wire& wire, const PairOptions& options) {
  // The client's request, then the server's (bulk) response, each side reading what it got.
  if (!write_all(wire.client.ssl, 100)) return false;
  wire.pump();
  read_all(wire.server.ssl);
  wire.pump();  // the server's tickets go out with its first flight after the client's Finished
  if (!write_all(wire.server.ssl, options.server_bulk_bytes)) return false;
  wire.pump();
  read_all(wire.client.ssl);
  if (options.key_update) {
    // §4.6.3: the client updates and asks the server to update too.
    if (SSL_key_update(wire.client.ssl, SSL_KEY_UPDATE_REQUESTED) != 1 || !write_all(wire.client.ssl, 10)) return false;
    wire.pump();
    read_all(wire.server.ssl);
    if (!write_all(wire.server.ssl, 20000)) return false;
    wire.pump();
    read_all(wire.client.ssl);
  }
  SSL_shutdown(wire.client.ssl);
  wire.pump();
  read_all(wire.server.ssl);
  SSL_shutdown(wire.server.ssl);
  wire.pump();
  read_all(wire.client.ssl);
  return true;
}

}  // namespace

PairResult run_tls13_pair(const PairOptions& options) {
  PairResult result;
  Identity server_id, client_id;
  if (!make_identity("server.test", server_id) || !make_identity("client.test", client_id)) {
    result.error = "key generation failed";
    return result;
  }
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> server_ctx(make_context(true, options, server_id), SSL_CTX_free);
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> client_ctx(make_context(false, options, client_id), SSL_CTX_free);
  State server_state{&result, false}, client_state{&result, options.client_sends_flag};
  Endpoint client, server;
  if (!server_ctx || !client_ctx || !client.init(client_ctx.get(), &client_state, false) ||
      !server.init(server_ctx.get(), &server_state, true)) {
    result.error = "SSL setup failed";
    return result;
  }
  Wire wire{client, server, result};
  if (!handshake(wire)) {
    result.error = "handshake failed: " + std::to_string(ERR_get_error());
    return result;
  }
  if (!converse(wire, options)) {
    result.error = "conversation failed";
    return result;
  }
  result.ok = true;
  return result;
}

}  // namespace tlsflags::tls::test
