#include "conversation.hpp"

#include "rewrite.hpp"
#ifdef TLSGEN_CAPTURE_RECODE
#include "capture_recode.hpp"
#endif
#include "wire_rewrite.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <stdexcept>

namespace tlsgen {
namespace {

constexpr std::string_view kHttpRequest =
    "GET / HTTP/1.1\r\nHost: server.example\r\nUser-Agent: tlsflags-gen\r\nConnection: close\r\n\r\n";
constexpr std::string_view kHttpResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";

enum class Stage { handshake, send, receive, shut_down, await_close, done, failed, quit };

bool is_terminal(Stage stage) { return stage == Stage::done || stage == Stage::failed || stage == Stage::quit; }

// One endpoint with its memory BIOs: `inbox` holds what the network delivered, `outbox` what it wrote.
class Peer {
 public:
  Peer(SslPtr ssl, EndpointState& state) : ssl_(std::move(ssl)), state_(state) {
    BIO* inbox = BIO_new(BIO_s_mem());
    BIO* outbox = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(inbox, -1);  // an empty inbox means "wait", not end of stream
    SSL_set_bio(ssl_.get(), inbox, outbox);
  }

  Stage stage() const { return stage_; }
  SSL* ssl() const { return ssl_.get(); }
  const std::string& outcome() const { return outcome_; }

  void deliver(const Bytes& bytes) {
    BIO_write(SSL_get_rbio(ssl_.get()), bytes.data(), static_cast<int>(bytes.size()));
  }

  Chunk drain() {
    Chunk chunk{state_.side, {}, std::move(state_.written), 0};
    state_.written.clear();
    BIO* outbox = SSL_get_wbio(ssl_.get());
    std::uint8_t buffer[4096];
    for (int n; (n = BIO_read(outbox, buffer, sizeof buffer)) > 0;) chunk.bytes.insert(chunk.bytes.end(), buffer, buffer + n);
    return chunk;
  }

  // One action of the endpoint's script; true when it moved on (a new stage).
  bool step() {
    const Stage before = stage_;
    switch (stage_) {
      case Stage::handshake: do_handshake(); break;
      case Stage::send: send(state_.side == Side::client ? kHttpRequest : kHttpResponse); break;
      case Stage::receive: receive(); break;
      case Stage::shut_down: shut_down(); break;
      case Stage::await_close: await_close(); break;
      default: break;
    }
    return stage_ != before;
  }

 private:
  bool is_client() const { return state_.side == Side::client; }

  void fail(int ret) {
    const int error = SSL_get_error(ssl_.get(), ret);
    if (error == SSL_ERROR_WANT_READ) return;
    if (error == SSL_ERROR_WANT_X509_LOOKUP) {
      stage_ = Stage::quit;
      outcome_ = "closed the connection instead of answering the CertificateRequest";
      return;
    }
    stage_ = Stage::failed;
    const char* reason = ERR_reason_error_string(ERR_peek_last_error());
    outcome_ = std::string("failed: ") + (reason != nullptr ? reason : "connection closed");
    ERR_clear_error();
  }

  void do_handshake() {
    if (is_client() && state_.knobs->client.sends_early_data && !early_data_done_) return write_early_data();
    if (!is_client() && state_.knobs->server.accepts_early_data && !early_data_done_) return read_early_data();
    const int ret = SSL_do_handshake(ssl_.get());
    if (ret == 1) {
      stage_ = is_client() ? Stage::send : Stage::receive;
      // The request went as 0-RTT data: the client waits for the response, the server answers it.
      if (early_data_done_ && SSL_get_early_data_status(ssl_.get()) == SSL_EARLY_DATA_ACCEPTED)
        stage_ = is_client() ? Stage::receive : Stage::send;
      outcome_ = std::string("handshake done, ") + SSL_get_version(ssl_.get()) +
                 (SSL_session_reused(ssl_.get()) ? ", resumed" : "") +
                 (early_data_done_ ? SSL_get_early_data_status(ssl_.get()) == SSL_EARLY_DATA_ACCEPTED
                                         ? ", early data accepted"
                                         : ", early data rejected"
                                   : "");
    } else {
      fail(ret);
    }
  }

  // RFC 8446 §4.2.10: the client's request as early data, written with the ClientHello.
  void write_early_data() {
    size_t written = 0;
    if (SSL_write_early_data(ssl_.get(), kHttpRequest.data(), kHttpRequest.size(), &written) != 1)
      return fail(-1);
    early_data_done_ = true;
    do_handshake();
  }

  // The server reads the early data before it completes the handshake (SSL_read_early_data).
  void read_early_data() {
    char buffer[2048];
    size_t n = 0;
    for (;;) {
      const int ret = SSL_read_early_data(ssl_.get(), buffer, sizeof buffer, &n);
      if (ret == SSL_READ_EARLY_DATA_SUCCESS) {
        received_.append(buffer, n);
        continue;
      }
      if (ret != SSL_READ_EARLY_DATA_FINISH) return fail(-1);
      early_data_done_ = true;
      return do_handshake();
    }
  }

  void send(std::string_view message) {
    const int ret = SSL_write(ssl_.get(), message.data(), static_cast<int>(message.size()));
    if (ret <= 0) return fail(ret);
    stage_ = is_client() ? Stage::receive : Stage::await_close;
  }

  // Client: the response; server: the request. Both end with a blank line or the body "ok\n".
  void receive() {
    char buffer[2048];
    for (int n; (n = SSL_read(ssl_.get(), buffer, sizeof buffer)) > 0;) received_.append(buffer, n);
    const bool complete = is_client() ? received_.ends_with("ok\n") : received_.ends_with("\r\n\r\n");
    if (complete) {
      stage_ = is_client() ? Stage::shut_down : Stage::send;
      if (!is_client()) request_post_handshake_authentication();
      return;
    }
    fail(-1);
  }

  void shut_down() {
    if (is_client() && state_.knobs->client.skips_close_notify) {
      stage_ = Stage::done;
      outcome_ += ", closed TCP without close_notify";
      return;
    }
    SSL_shutdown(ssl_.get());  // sends close_notify (RFC 8446 §6.1)
    stage_ = is_client() ? Stage::await_close : Stage::done;
    if (stage_ == Stage::done) outcome_ += ", closed";
  }

  // RFC 8446 §4.6.2: the server asks for the client's certificate after the request arrived; OpenSSL
  // writes the CertificateRequest before the response, and reads the client's answer with what follows.
  void request_post_handshake_authentication() {
    if (state_.knobs->server.cert_request != CertRequestPolicy::post_handshake) return;
    if (SSL_verify_client_post_handshake(ssl_.get()) != 1) {
      ERR_print_errors_fp(stderr);
      throw std::runtime_error("SSL_verify_client_post_handshake");
    }
  }

  // Reads until the peer's close_notify.
  void await_close() {
    char buffer[256];
    const int ret = SSL_read(ssl_.get(), buffer, sizeof buffer);
    if (SSL_get_error(ssl_.get(), ret) == SSL_ERROR_ZERO_RETURN) {
      stage_ = is_client() ? Stage::done : Stage::shut_down;
      if (stage_ == Stage::done) outcome_ += ", closed";
      return;
    }
    if (ret <= 0) fail(ret);
  }

  SslPtr ssl_;
  EndpointState& state_;
  Stage stage_ = Stage::handshake;
  std::string received_;
  std::string outcome_ = "did not finish";
  bool early_data_done_ = false;  // 0-RTT: written (client) or read to its end (server)
};

void rewrite_on_the_wire(Chunk& chunk, const ConnectionKnobs& knobs, const GenOptions& options, bool first_of_side) {
  if (chunk.from == Side::client && first_of_side && knobs.wire.duplicate_flags_extension)
    duplicate_extension_in_client_hello(chunk, static_cast<std::uint16_t>(options.extension_type));
  if (chunk.from == Side::server && knobs.wire.coalesce_plaintext_records) coalesce_plaintext_handshake(chunk);
}

bool carries_client_certificate(const Chunk& chunk) {
  return std::any_of(chunk.records.begin(), chunk.records.end(), [](const RecordNote& note) {
    return std::find(note.handshake_types.begin(), note.handshake_types.end(), 11) != note.handshake_types.end();
  });
}

std::vector<std::string> without_duplicates(const std::vector<std::string>& lines) {
  std::vector<std::string> unique;
  for (const auto& line : lines)
    if (std::find(unique.begin(), unique.end(), line) == unique.end()) unique.push_back(line);
  return unique;
}

}  // namespace

Conversation run_conversation(const TestPki& pki, const ConnectionKnobs& knobs, const GenOptions& options,
                              ResumptionCache& cache) {
  Conversation conversation;
  std::vector<std::string> keylog;
  EndpointState client_state{.side = Side::client, .knobs = &knobs, .options = &options, .keylog = &keylog};
  EndpointState server_state{.side = Side::server, .knobs = &knobs, .options = &options, .keylog = &keylog};
  SslCtxPtr client_ctx = make_client_context(pki, client_state);
  SslCtxPtr server_ctx = make_server_context(pki, server_state);
  Peer client(make_endpoint(client_ctx.get(), client_state), client_state);
  Peer server(make_endpoint(server_ctx.get(), server_state), server_state);
  if (knobs.client.resumes) {
    if (!cache.session || SSL_set_session(client.ssl(), cache.session.get()) != 1)
      throw std::runtime_error("no session to resume: the scenario's previous connection must give one");
  }
  std::optional<Side> first_to_close;
  bool sent[2] = {false, false};
  std::optional<ClientFlightRewriter> flight_rewriter;  // rewrites protected records (rewrite.hpp)
  if (knobs.wire.drop_client_certificate) flight_rewriter.emplace(options.cipher, keylog);
#ifdef TLSGEN_CAPTURE_RECODE
  std::optional<CaptureRecoder> capture_recoder;  // the capture's copy differs (capture_recode.hpp)
  if (knobs.compression.client_certificate_recoded_as != 0)
    capture_recoder.emplace(options.cipher, keylog, knobs.compression.client_certificate_recoded_as,
                            knobs.compression.recoded_algorithm_offered);
#else
  if (knobs.compression.client_certificate_recoded_as != 0)
    throw std::runtime_error("re-encoding certificates in the capture needs a build with zlib, brotli and zstd "
                             "(captures/regenerate-trixie.sh)");
#endif

  for (bool progress = true; progress;) {
    progress = false;
    for (Peer* peer : {&client, &server}) {
      Peer& other = peer == &client ? server : client;
      if (is_terminal(peer->stage())) continue;
      progress |= peer->step();
      Chunk chunk = peer->drain();
      if (is_terminal(peer->stage()) && !first_to_close) first_to_close = chunk.from;
      if (chunk.bytes.empty()) continue;
      progress = true;
      bool& first_of_side = sent[chunk.from == Side::client ? 0 : 1];
      rewrite_on_the_wire(chunk, knobs, options, !first_of_side);
      if (flight_rewriter) flight_rewriter->process(chunk);
      first_of_side = true;
      if (chunk.from == Side::client && carries_client_certificate(chunk))
        chunk.delay_ms = knobs.client.certificate_delay_ms;
      if (!is_terminal(other.stage())) other.deliver(chunk.bytes);
#ifdef TLSGEN_CAPTURE_RECODE
      if (capture_recoder) capture_recoder->process(chunk);
#endif
      conversation.chunks.push_back(std::move(chunk));
    }
  }
  cache.session.reset(SSL_get1_session(client.ssl()));  // the ticket the server sent, for the next one
  conversation.first_to_close = first_to_close.value_or(Side::client);
  conversation.keylog = without_duplicates(keylog);
  conversation.client_outcome = client.outcome();
  conversation.server_outcome = server.outcome();
  return conversation;
}

std::string message_sequence(const std::vector<Chunk>& chunks) {
  std::string sequence;
  for (const Chunk& chunk : chunks) {
    const char side = chunk.from == Side::client ? 'c' : 's';
    for (const RecordNote& note : chunk.records) {
      for (auto type : note.handshake_types) sequence += std::string(1, side) + std::to_string(type) + " ";
      for (auto alert : note.alerts) sequence += std::string(1, side) + "!" + std::to_string(alert) + " ";
    }
  }
  if (!sequence.empty()) sequence.pop_back();
  return sequence;
}

}  // namespace tlsgen
