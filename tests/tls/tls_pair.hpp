// Test helper: a real TLS 1.3 connection between two OpenSSL endpoints in memory, recording the
// bytes each side wrote (one chunk per transfer, as a capture would deliver segments) and the key log.
// The TLS Flags extension (type 62) carries request_client_auth (flag 80) in the ClientHello and, when
// the server honours it, in the CertificateRequest (draft-ietf-tls-tlsflags, request_client_auth).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tlsflags/core/events.hpp"

namespace tlsflags::tls::test {

struct Chunk {
  Party from;
  std::vector<uint8_t> bytes;
};

struct PairOptions {
  std::string cipher_suite = "TLS_AES_128_GCM_SHA256";
  bool client_sends_flag = true;
  bool force_hello_retry = false;   // the server accepts only P-256, the client's first share is X25519
  size_t server_bulk_bytes = 100000;  // application data the server sends after the handshake
  bool key_update = true;           // the client requests a KeyUpdate, so both sides update
};

struct PairResult {
  bool ok = false;
  std::string error;
  std::vector<Chunk> chunks;
  std::string keylog;  // NSS key log lines from both sides
  bool server_saw_flag = false;
  bool client_saw_flag_in_cr = false;
};

PairResult run_tls13_pair(const PairOptions& options);

}  // namespace tlsflags::tls::test
