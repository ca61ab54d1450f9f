// Re-encoding the client's Certificate as a CompressedCertificate (RFC 8879 §4) in the capture only,
// for what Debian's OpenSSL cannot send itself: brotli (OpenSSL 3.5 in Debian 13 is built without it)
// and an empty certificate_list (OpenSSL sends an empty Certificate uncompressed). The peers exchange
// OpenSSL's own messages; the capture gets, decrypted with the key log's handshake secrets and
// re-encrypted under the same keys and record sequence numbers (RFC 8446 §5.2-5.3):
//  - the server's CertificateRequest with its compress_certificate list naming the algorithm
//    (RFC 8879 §3; the list OpenSSL wrote names one algorithm, so the lengths stay);
//  - the client's Certificate as a CompressedCertificate of that algorithm, compressed with Debian's
//    zlib, brotli or zstd library.
// The client's CertificateVerify and Finished stay as OpenSSL computed them over the messages it
// sent: a reader that checks them against the capture's transcript finds them wrong (captures/README.md).
#pragma once

#include "conversation.hpp"
#include "record_protection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tlsgen {

class CaptureRecoder {
 public:
  // `offered`: the CertificateRequest's list names the algorithm; false leaves OpenSSL's list as it was.
  CaptureRecoder(std::string_view cipher_suite, const std::vector<std::string>& keylog, int algorithm, bool offered);

  // Every chunk, after the peer received it, on its way into the capture.
  void process(Chunk& chunk);

 private:
  void recode_flight(Chunk& chunk, std::string_view secret_label, std::uint8_t message_type);
  Bytes recoded_message(const Bytes& message) const;

  const CipherSuiteInfo& suite_;
  const std::vector<std::string>& keylog_;
  int algorithm_;
  bool request_done_;
  bool certificate_done_ = false;
};

}  // namespace tlsgen
