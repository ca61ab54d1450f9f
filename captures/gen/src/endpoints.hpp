// The two OpenSSL endpoints of a scenario connection: SSL_CTX/SSL set-up, the TLS Flags custom
// extension callbacks, the server's ClientHello callback and the record notes the wire layer needs.
#pragma once

#include "flags.hpp"
#include "pki.hpp"
#include "scenarios.hpp"

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tlsgen {

enum class Side { client, server };

struct GenOptions {
  unsigned rca_flag = 80;                   // request_client_auth flag number (deployments use 80)
  unsigned extension_type = 62;             // TLS Flags ExtensionType (Cloudflare's experiment: 65025)
  std::string cipher = "TLS_AES_128_GCM_SHA256";
};

// What one TLS record on the wire carried, learnt from OpenSSL's message callback while writing.
struct RecordNote {
  std::uint8_t content_type = 0;            // the record header's type (23 for any TLS 1.3 ciphertext)
  std::uint8_t inner_type = 0;              // TLS 1.3 inner content type; equals content_type otherwise
  std::size_t length = 0;                   // header included
  std::vector<std::uint8_t> handshake_types;  // handshake messages whose last octet is in this record
  std::vector<std::uint8_t> alerts;         // alert descriptions sent in this record
};

// Per-SSL state shared with the OpenSSL callbacks (passed as their arg / SSL app data).
struct EndpointState {
  Side side = Side::client;
  const ConnectionKnobs* knobs = nullptr;
  const GenOptions* options = nullptr;
  std::vector<std::string>* keylog = nullptr;
  int client_hellos = 0;            // client: ClientHellos built so far (2 after a HelloRetryRequest)
  bool offered_rca = false;         // the latest ClientHello carried the flag (as sent / as read)
  FlagNumbers proposed{};           // client: the flags of its latest ClientHello
  bool flagged_cr_received = false; // client: a CertificateRequest with the flag arrived
  Bytes extension_body{};           // storage for the body handed to OpenSSL by the add callback
  std::vector<RecordNote> written{};  // records written since the last drain
};

struct SslSessionFree { void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); } };
using SslSessionPtr = std::unique_ptr<SSL_SESSION, SslSessionFree>;

// What the connections of one scenario share: the client's last session, for the next one to resume.
struct ResumptionCache {
  SslSessionPtr session;
};

struct SslCtxFree { void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); } };
struct SslFree { void operator()(SSL* ssl) const { SSL_free(ssl); } };
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

SslCtxPtr make_client_context(const TestPki& pki, EndpointState& state);
SslCtxPtr make_server_context(const TestPki& pki, EndpointState& state);

// An SSL for the context with the state attached and the message callback installed.
SslPtr make_endpoint(SSL_CTX* ctx, EndpointState& state);

}  // namespace tlsgen
