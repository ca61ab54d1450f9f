#include "endpoints.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <stdexcept>

namespace tlsgen {
namespace {

// Every message the TLS Flags extension may appear in (TF §2 lists CH, SH, HRR, EE, CR, CT, NST).
// Both endpoints register all of them so that the scenario code, not OpenSSL's context check
// (8446 §4.2, illegal_parameter), decides how a misplaced extension is answered.
constexpr unsigned kFlagsContexts = SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_SERVER_HELLO |
                                    SSL_EXT_TLS1_3_HELLO_RETRY_REQUEST | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS |
                                    SSL_EXT_TLS1_3_CERTIFICATE_REQUEST | SSL_EXT_TLS1_3_CERTIFICATE |
                                    SSL_EXT_TLS1_3_NEW_SESSION_TICKET;

// The flag a misbehaving server acknowledges without the client having proposed it:
// resumption_across_names, a flag the server may only propose in NewSessionTicket.
constexpr unsigned kUnsolicitedFlag = 8;

void require(bool ok, const char* what) {
  if (!ok) {
    ERR_print_errors_fp(stderr);
    throw std::runtime_error(std::string("OpenSSL set-up: ") + what);
  }
}

EndpointState& state_of(void* arg) { return *static_cast<EndpointState*>(arg); }

int hand_over(EndpointState& state, Bytes body, const unsigned char** out, size_t* outlen) {
  state.extension_body = std::move(body);
  *out = state.extension_body.data();
  *outlen = state.extension_body.size();
  return 1;
}

int reject(int* alert, int description) {
  *alert = description;
  return 0;
}

// TF rules 5-7: empty → decode_error (the <1..255> syntax, as BoringSSL answers); anything else
// invalid → illegal_parameter.
int alert_for(FlagsDefect defect) {
  return defect == FlagsDefect::empty ? SSL_AD_DECODE_ERROR : SSL_AD_ILLEGAL_PARAMETER;
}

// ---- client ----

// The client's Certificate entry (RFC 8446 §4.4.2): OpenSSL asks only when the CertificateRequest
// carried the extension; the scenario may misplace request_client_auth (RCA ¶6) or acknowledge a
// flag the CR did not propose (TF §3).
int client_add_certificate_flags(EndpointState& state, size_t chain_index, const unsigned char** out,
                                 size_t* outlen) {
  const ClientKnobs& client = state.knobs->client;
  FlagNumbers flags = client.certificate_flags;
  if (client.rca_in_certificate) flags.insert(state.options->rca_flag);
  if (flags.empty() || chain_index != 0) return 0;
  return hand_over(state, encode_flags(flags), out, outlen);
}

int client_add_flags(SSL*, unsigned, unsigned context, const unsigned char** out, size_t* outlen, X509*,
                     size_t chain_index, int*, void* arg) {
  EndpointState& state = state_of(arg);
  if (context & SSL_EXT_TLS1_3_CERTIFICATE) return client_add_certificate_flags(state, chain_index, out, outlen);
  if ((context & SSL_EXT_CLIENT_HELLO) == 0) return 0;
  const ClientKnobs& client = state.knobs->client;
  bool rca = client.sends_rca;
  if (++state.client_hellos > 1 && client.ch2_sends_rca) rca = *client.ch2_sends_rca;
  FlagNumbers flags = client.other_flags;
  if (rca) flags.insert(state.options->rca_flag);
  state.offered_rca = rca;
  state.proposed = flags;
  if (flags.empty() && client.encoding == FlagsEncoding::minimal) return 0;
  return hand_over(state, encode_flags(flags, client.encoding), out, outlen);
}

// RCA ¶5 (unrequested flag), TF rules 5-7 (invalid body), and the scenario's abort instead of a
// Certificate (RCA ¶3) — the fatal alert is then sent by OpenSSL itself.
int client_parse_certificate_request(EndpointState& state, const unsigned char* in, size_t inlen, int* alert) {
  const ClientKnobs& client = state.knobs->client;
  const FlagsDefect defect = classify_flags(in, inlen);
  if (defect != FlagsDefect::none && client.rejects_invalid_cr_flags) return reject(alert, alert_for(defect));
  if (!decode_flags_lenient(in, inlen).contains(state.options->rca_flag)) return 1;
  if (!state.offered_rca && client.rejects_unrequested_cr_flag) return reject(alert, SSL_AD_ILLEGAL_PARAMETER);
  state.flagged_cr_received = true;
  if (client.on_flagged_cr == FlaggedCrReaction::alert) return reject(alert, client.abort_alert);
  return 1;
}

int client_parse_flags(SSL*, unsigned, unsigned context, const unsigned char* in, size_t inlen, X509*, size_t,
                       int* alert, void* arg) {
  EndpointState& state = state_of(arg);
  if (context & SSL_EXT_TLS1_3_CERTIFICATE_REQUEST) return client_parse_certificate_request(state, in, inlen, alert);
  const FlagNumbers flags = decode_flags_lenient(in, inlen);
  // TF rule 4: a flag in SH, HRR, EE or CT that the ClientHello did not propose (NST may propose).
  const bool unsolicited = (context & SSL_EXT_TLS1_3_NEW_SESSION_TICKET) == 0 &&
                           std::ranges::any_of(flags, [&](unsigned flag) { return !state.proposed.contains(flag); });
  if (unsolicited && state.knobs->client.rejects_unsolicited_flag) return reject(alert, SSL_AD_ILLEGAL_PARAMETER);
  // RCA ¶6: the request_client_auth flag in any server message but CR → fatal illegal_parameter.
  if (flags.contains(state.options->rca_flag) && state.knobs->client.rejects_misplaced_flag)
    return reject(alert, SSL_AD_ILLEGAL_PARAMETER);
  return 1;
}

// Called by OpenSSL after a CertificateRequest, before the client writes anything: returning -1
// suspends the handshake (SSL_ERROR_WANT_X509_LOOKUP), which the pump turns into a TCP close.
int client_certificate_callback(SSL*, void* arg) {
  EndpointState& state = state_of(arg);
  const bool closes = state.knobs->client.on_flagged_cr == FlaggedCrReaction::close;
  return closes && state.flagged_cr_received ? -1 : 1;
}

// ---- server ----

unsigned server_message_of(unsigned context) {
  if (context & SSL_EXT_TLS1_3_SERVER_HELLO) return kServerHello;
  if (context & SSL_EXT_TLS1_3_HELLO_RETRY_REQUEST) return kHelloRetryRequest;
  if (context & SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS) return kEncryptedExtensions;
  if (context & SSL_EXT_TLS1_3_CERTIFICATE) return kServerCertificate;
  if (context & SSL_EXT_TLS1_3_NEW_SESSION_TICKET) return kNewSessionTicket;
  return 0;
}

bool cr_carries_flag(const EndpointState& state) {
  switch (state.knobs->server.cr_flags) {
    case CrFlagsPolicy::echo: return state.offered_rca;
    case CrFlagsPolicy::omit: return false;
    case CrFlagsPolicy::always: return true;
  }
  return false;
}

int server_add_flags(SSL*, unsigned, unsigned context, const unsigned char** out, size_t* outlen, X509*,
                     size_t chain_index, int*, void* arg) {
  EndpointState& state = state_of(arg);
  const ServerKnobs& server = state.knobs->server;
  const unsigned rca = state.options->rca_flag;
  if (context & SSL_EXT_TLS1_3_CERTIFICATE_REQUEST) {
    if (!cr_carries_flag(state)) return 0;
    return hand_over(state, encode_flags({rca}, server.cr_encoding), out, outlen);
  }
  const unsigned message = server_message_of(context);
  FlagNumbers flags = message == kNewSessionTicket ? server.ticket_flags : FlagNumbers{};
  const bool leaf_only = message != kServerCertificate || chain_index == 0;
  if ((server.misplaced_flag_in & message) && leaf_only) flags.insert(rca);
  if ((server.unsolicited_flag_in & message) && leaf_only) flags.insert(kUnsolicitedFlag);
  if (flags.empty()) return 0;
  return hand_over(state, encode_flags(flags), out, outlen);
}

int server_parse_flags(SSL*, unsigned, unsigned context, const unsigned char* in, size_t inlen, X509*, size_t,
                       int* alert, void* arg) {
  EndpointState& state = state_of(arg);
  if (context & SSL_EXT_CLIENT_HELLO) {
    const FlagsDefect defect = classify_flags(in, inlen);
    if (defect != FlagsDefect::none && state.knobs->server.rejects_invalid_flags)
      return reject(alert, alert_for(defect));
    return 1;
  }
  // The client's Certificate entry, the only other place a client sends extensions in.
  const ServerKnobs& server = state.knobs->server;
  const FlagNumbers flags = decode_flags_lenient(in, inlen);
  // RCA ¶6: a server that receives the flag outside ClientHello aborts with illegal_parameter.
  if (flags.contains(state.options->rca_flag) && server.rejects_rca_in_client_certificate)
    return reject(alert, SSL_AD_ILLEGAL_PARAMETER);
  // TF §3: the client's Certificate may only acknowledge flags the CertificateRequest proposed.
  const FlagNumbers proposed = cr_carries_flag(state) ? FlagNumbers{state.options->rca_flag} : FlagNumbers{};
  const bool unsolicited = std::ranges::any_of(flags, [&](unsigned flag) { return !proposed.contains(flag); });
  if (unsolicited && server.rejects_unsolicited_client_flags) return reject(alert, SSL_AD_ILLEGAL_PARAMETER);
  return 1;
}

int accept_any_client_certificate(int, X509_STORE_CTX*) { return 1; }

STACK_OF(X509_NAME)* names_stack(const std::vector<std::string>& common_names) {
  STACK_OF(X509_NAME)* stack = sk_X509_NAME_new_null();
  for (const std::string& cn : common_names) {
    X509_NAME* name = X509_NAME_new();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                               -1, 0);
    sk_X509_NAME_push(stack, name);
  }
  return stack;
}

// Runs before OpenSSL parses the extensions of each ClientHello (the second one too after HRR): the
// request_client_auth flag decides whether a CertificateRequest goes out (RCA ¶1) and with which
// certificate_authorities (RCA §4).
int server_client_hello_callback(SSL* ssl, int*, void* arg) {
  EndpointState& state = state_of(arg);
  const ServerKnobs& server = state.knobs->server;
  const unsigned char* body = nullptr;
  size_t size = 0;
  state.offered_rca = SSL_client_hello_get0_ext(ssl, state.options->extension_type, &body, &size) == 1 &&
                      decode_flags_lenient(body, size).contains(state.options->rca_flag);
  if (server.cert_request == CertRequestPolicy::post_handshake) {
    // No CertificateRequest in the handshake; the conversation asks later (SSL_verify_client_post_handshake).
    SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_POST_HANDSHAKE, accept_any_client_certificate);
    return SSL_CLIENT_HELLO_SUCCESS;
  }
  const bool request = server.cert_request == CertRequestPolicy::always ||
                       (server.cert_request == CertRequestPolicy::when_flagged && state.offered_rca);
  if (!request) {
    SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    return SSL_CLIENT_HELLO_SUCCESS;
  }
  const int mode = SSL_VERIFY_PEER | (server.requires_certificate ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
  SSL_set_verify(ssl, mode, accept_any_client_certificate);
  const auto& cas = state.offered_rca ? server.ca_names_when_flagged : server.ca_names_when_unflagged;
  if (!cas.empty()) SSL_set_client_CA_list(ssl, names_stack(cas));
  return SSL_CLIENT_HELLO_SUCCESS;
}

// ---- both ----

void record_key_log_line(const SSL* ssl, const char* line) {
  auto* state = static_cast<EndpointState*>(SSL_get_app_data(ssl));
  if (state != nullptr && state->keylog != nullptr) state->keylog->emplace_back(line);
}

// OpenSSL reports each record header it writes, then (TLS 1.3) the inner content type, and once a
// whole handshake message or alert is written, the message itself: enough to annotate the records.
void note_written_records(int write_p, int, int content_type, const void* buf, size_t len, SSL*, void* arg) {
  if (!write_p) return;
  auto& notes = state_of(arg).written;
  const auto* bytes = static_cast<const std::uint8_t*>(buf);
  if (content_type == SSL3_RT_HEADER && len >= 5) {
    const std::size_t length = 5 + (std::size_t{bytes[3]} << 8 | bytes[4]);
    notes.push_back({bytes[0], bytes[0], length, {}, {}});
  } else if (notes.empty()) {
    return;
  } else if (content_type == SSL3_RT_INNER_CONTENT_TYPE && len == 1) {
    notes.back().inner_type = bytes[0];
  } else if (content_type == SSL3_RT_HANDSHAKE && len >= 1) {
    notes.back().handshake_types.push_back(bytes[0]);
  } else if (content_type == SSL3_RT_ALERT && len == 2) {
    notes.back().alerts.push_back(bytes[1]);
  }
}

// TLS 1.1 and 1.0 sign with SHA-1 (and MD5+SHA-1), which OpenSSL 3 allows only at security level 0.
// Both peers of such a scenario allow them; the client still offers up to TLS 1.3.
void allow_old_versions(SSL_CTX* ctx) {
  require(SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) == 1, "min version");
  require(SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0") == 1, "TLS 1.2 and older cipher suites");
  SSL_CTX_set_security_level(ctx, 0);
}

// ---- certificate compression (RFC 8879; OpenSSL 3.2 and later) ----

#ifdef SSL_OP_NO_TX_CERTIFICATE_COMPRESSION
// The ready-made CompressedCertificate body OpenSSL will send, spoilt as the scenario says (RFC 8879 §4:
// the receiver must abort with bad_certificate when it cannot inflate it to uncompressed_length).
void spoil_compressed_certificate(SSL_CTX* ctx, int algorithm, CompressedCertificateDefect defect) {
  unsigned char* data = nullptr;
  size_t original_length = 0;
  const size_t length = SSL_CTX_get1_compressed_cert(ctx, algorithm, &data, &original_length);
  require(length > 0, "the compressed server certificate");
  Bytes spoilt(data, data + length);
  OPENSSL_free(data);
  if (defect == CompressedCertificateDefect::truncated) spoilt.resize(spoilt.size() / 2);
  if (defect == CompressedCertificateDefect::length_lie) original_length += 64;
  if (defect == CompressedCertificateDefect::trailing_bytes) spoilt.resize(spoilt.size() + 16, 0);
  require(SSL_CTX_set1_compressed_cert(ctx, algorithm, spoilt.data(), spoilt.size(), original_length) == 1,
          "the spoilt compressed certificate");
}

// Both peers offer (ClientHello, CertificateRequest: compress_certificate) and use the scenario's
// algorithms; without any, compression is off both ways, as OpenSSL 3.0 behaves.
void set_up_compression(SSL_CTX* ctx, const EndpointState& state, bool has_certificate) {
  const CompressionKnobs& compression = state.knobs->compression;
  if (compression.algorithms.empty()) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TX_CERTIFICATE_COMPRESSION | SSL_OP_NO_RX_CERTIFICATE_COMPRESSION);
    return;
  }
  std::vector<int> algorithms = compression.algorithms;
  require(SSL_CTX_set1_cert_comp_preference(ctx, algorithms.data(), algorithms.size()) == 1,
          "certificate compression preference");
  // A client whose Certificate the capture re-encodes sends it uncompressed (capture_recode.hpp).
  if (state.side == Side::client && compression.client_certificate_recoded_as != 0)
    SSL_CTX_set_options(ctx, SSL_OP_NO_TX_CERTIFICATE_COMPRESSION);
  // Only a server can hold ready-made compressed certificates; a client compresses when it sends.
  if (state.side == Side::client || !has_certificate) return;
  for (int algorithm : algorithms) require(SSL_CTX_compress_certs(ctx, algorithm) == 1, "SSL_CTX_compress_certs");
  if (compression.server_defect != CompressedCertificateDefect::none)
    spoil_compressed_certificate(ctx, algorithms.front(), compression.server_defect);
}
#else
void set_up_compression(SSL_CTX*, const EndpointState& state, bool) {
  if (!state.knobs->compression.algorithms.empty())
    throw std::runtime_error("certificate compression needs OpenSSL 3.2 or later (captures/regenerate-trixie.sh)");
}
#endif

SslCtxPtr new_context(const SSL_METHOD* method, EndpointState& state) {
  SslCtxPtr ctx(SSL_CTX_new(method));
  require(ctx != nullptr, "SSL_CTX_new");
  require(SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) == 1, "min version");
  const int server_max = state.knobs->server.max_version;
  if (server_max != 0 && server_max < TLS1_2_VERSION) allow_old_versions(ctx.get());
  require(SSL_CTX_set_ciphersuites(ctx.get(), state.options->cipher.c_str()) == 1, "TLS 1.3 cipher suite");
  SSL_CTX_set_keylog_callback(ctx.get(), record_key_log_line);
  return ctx;
}

void use_identity(SSL_CTX* ctx, const Identity& identity) {
  require(SSL_CTX_use_certificate(ctx, identity.cert.get()) == 1, "certificate");
  require(SSL_CTX_use_PrivateKey(ctx, identity.key.get()) == 1, "private key");
}

}  // namespace

SslCtxPtr make_client_context(const TestPki& pki, EndpointState& state) {
  const ClientKnobs& client = state.knobs->client;
  SslCtxPtr ctx = new_context(TLS_client_method(), state);
  require(SSL_CTX_set1_groups_list(ctx.get(), client.groups.c_str()) == 1, "client groups");
  require(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), pki.ca.cert.get()) == 1, "trust store");
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (client.has_certificate) use_identity(ctx.get(), pki.client);
  set_up_compression(ctx.get(), state, client.has_certificate);
  if (client.post_handshake_auth) SSL_CTX_set_post_handshake_auth(ctx.get(), 1);
  SSL_CTX_set_cert_cb(ctx.get(), client_certificate_callback, &state);
  require(SSL_CTX_add_custom_ext(ctx.get(), state.options->extension_type, kFlagsContexts, client_add_flags, nullptr,
                                 &state, client_parse_flags, &state) == 1,
          "client TLS Flags extension");
  return ctx;
}

SslCtxPtr make_server_context(const TestPki& pki, EndpointState& state) {
  const ServerKnobs& server = state.knobs->server;
  SslCtxPtr ctx = new_context(TLS_server_method(), state);
  if (server.max_version) require(SSL_CTX_set_max_proto_version(ctx.get(), server.max_version) == 1, "max version");
  require(SSL_CTX_set1_groups_list(ctx.get(), server.groups.c_str()) == 1, "server groups");
  use_identity(ctx.get(), pki.server);
  if (server.sends_ca_certificate) require(SSL_CTX_add1_chain_cert(ctx.get(), pki.ca.cert.get()) == 1, "chain");
  set_up_compression(ctx.get(), state, true);
  SSL_CTX_set_num_tickets(ctx.get(), 1);  // one ticket keeps the captures small
  // Resumption across the scenario's connections (each has its own SSL_CTX): the same ticket keys and
  // session id context every time, so a ticket of one connection opens in the next.
  static const unsigned char kTicketKeys[80] = {'t', 'l', 's', 'f', 'l', 'a', 'g', 's', '-', 'g', 'e', 'n'};
  require(SSL_CTX_set_tlsext_ticket_keys(ctx.get(), const_cast<unsigned char*>(kTicketKeys), sizeof kTicketKeys) == 1,
          "ticket keys");
  static const unsigned char kSessionContext[] = "tlsflags-gen";
  require(SSL_CTX_set_session_id_context(ctx.get(), kSessionContext, sizeof kSessionContext - 1) == 1,
          "session id context");
  if (server.accepts_early_data) {
    require(SSL_CTX_set_max_early_data(ctx.get(), 16384) == 1, "max early data");
    // With anti-replay on, OpenSSL keeps 0-RTT tickets in the server's own session cache, which the next
    // connection's SSL_CTX does not share: stateless tickets instead (RFC 8446 §8 leaves replay to it).
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_ANTI_REPLAY);
  }
  if (server.max_send_fragment > 0)
    require(SSL_CTX_set_max_send_fragment(ctx.get(), static_cast<long>(server.max_send_fragment)) == 1, "fragment");
  SSL_CTX_set_client_hello_cb(ctx.get(), server_client_hello_callback, &state);
  require(SSL_CTX_add_custom_ext(ctx.get(), state.options->extension_type, kFlagsContexts, server_add_flags, nullptr,
                                 &state, server_parse_flags, &state) == 1,
          "server TLS Flags extension");
  return ctx;
}

SslPtr make_endpoint(SSL_CTX* ctx, EndpointState& state) {
  SslPtr ssl(SSL_new(ctx));
  require(ssl != nullptr, "SSL_new");
  SSL_set_app_data(ssl.get(), &state);
  SSL_set_msg_callback(ssl.get(), note_written_records);
  SSL_set_msg_callback_arg(ssl.get(), &state);
  if (state.side == Side::client) {
    const std::string& name = state.knobs->client.server_name;
    require(SSL_set_tlsext_host_name(ssl.get(), name.c_str()) == 1, "SNI");
    // Another name than the certificate's: the client goes on (the identity mismatch the capture shows).
    if (name == kServerName) require(SSL_set1_host(ssl.get(), kServerName) == 1, "host check");
    SSL_set_connect_state(ssl.get());
  } else {
    SSL_set_accept_state(ssl.get());
  }
  return ssl;
}

}  // namespace tlsgen
