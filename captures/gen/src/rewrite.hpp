// Rewriting the client's *protected* handshake flight between the peers (RFC 8446 §5.2-5.3), for
// behaviour no OpenSSL 3.0 client shows by itself. The generator reads the traffic secrets from the
// key log lines OpenSSL reports, follows the handshake on the wire (decrypting the server's flight
// for the transcript), and re-encrypts the client's rewritten flight with the client's own keys and
// fresh record sequence numbers, so the server — and a capture reader with the key log — sees a
// consistent record stream. The server then reacts for real to exactly the rewritten bytes.
#pragma once

#include "conversation.hpp"
#include "record_protection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tlsgen {

class ClientFlightRewriter {
 public:
  // `keylog`: the NSS key log lines of the connection, as they are being reported (read when needed).
  ClientFlightRewriter(std::string_view cipher_suite, const std::vector<std::string>& keylog);

  // Every chunk on its way to the peer, in order. Until the client's Certificate flight it only
  // follows the handshake; that flight loses its Certificate and CertificateVerify (8446 §4.4.2
  // broken: Finished without Certificate after a CertificateRequest), and its Finished is
  // recomputed over the transcript the server will have (8446 §4.4.4).
  void process(Chunk& chunk);

 private:
  void follow(const Chunk& chunk);
  void follow_server_record(const Bytes& record);
  void add_handshake_bytes(const std::uint8_t* data, std::size_t size);
  void drop_certificate(Chunk& chunk);
  Bytes rewritten_messages(const Bytes& messages);
  Bytes secret(std::string_view label) const;

  const CipherSuiteInfo& suite_;
  const std::vector<std::string>& keylog_;
  Bytes transcript_;           // whole handshake messages so far as the server receives them (8446 §4.4.1)
  Bytes pending_;              // a message not yet complete
  std::optional<RecordProtection> server_handshake_;
  bool server_finished_ = false;
  bool done_ = false;
};

}  // namespace tlsgen
