// Verifying the client's certificate as the server would, for the two methods servers use
// (background-oauth-mtls-client-auth.txt): the PKI method (the chain leads to a trust anchor the server
// holds: --trust-anchors FILE) and the pinned self-signed method (the leaf is one registered certificate:
// --pinned FILE). Verification uses OpenSSL's X509_verify_cert at the time of the capture, so an old
// capture is judged by the validity that applied when it was taken.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tlsflags/inspect/certificate.hpp"
#include "tlsflags/inspect/outcome.hpp"

namespace tlsflags::inspect {

struct AnchorStore;  // the OpenSSL store, built once and shared (read-only) by all verifications

// A PEM bundle of trust anchors (--trust-anchors FILE). Copies share one store; safe across threads.
class TrustAnchors {
 public:
  // Every "CERTIFICATE" PEM block; other blocks are skipped. An input without a certificate is an Error.
  static Outcome<TrustAnchors> from_pem(std::string_view pem);
  static Outcome<TrustAnchors> from_pem_file(const std::string& path);

  size_t size() const { return subjects_.size(); }
  const std::vector<std::string>& subjects() const { return subjects_; }  // RFC 2253, file order
  const AnchorStore& store() const { return *store_; }

 private:
  TrustAnchors() = default;  // only from_pem builds one, so store_ is never null
  std::shared_ptr<const AnchorStore> store_;
  std::vector<std::string> subjects_;
};

// Pinned certificates (--pinned FILE): each PEM certificate's SHA-256 and subject.
struct PinnedCertificate {
  std::string sha256;
  std::string subject;
};
struct PinnedCertificates {
  std::vector<PinnedCertificate> pins;

  static Outcome<PinnedCertificates> from_pem(std::string_view pem);
  static Outcome<PinnedCertificates> from_pem_file(const std::string& path);
};

struct ChainVerification {
  bool ok = false;
  int error_code = 0;          // X509_V_ERR_*, 0 when ok
  int error_depth = -1;        // chain position of the error (0 = leaf), -1 when none
  std::string error;           // X509_verify_cert_error_string: "certificate has expired", ...
  std::string anchor_subject;  // the trust anchor the chain reached (RFC 2253), when ok
  std::string explanation;
};

// Verifies leaf + intermediates (chain[0] is the leaf) against the anchors at `at_epoch_seconds`
// (X509_VERIFY_PARAM_set_time), purpose sslclient, no partial chains: a chain that ends at an
// intermediate not in the bundle fails, as it does on a server.
ChainVerification verify_client_chain(std::span<const Der> chain, const TrustAnchors& anchors,
                                      int64_t at_epoch_seconds);

struct PinMatch {
  bool matched = false;
  size_t pin_index = 0;  // when matched
  std::string leaf_sha256;
  std::string explanation;
};

// Exact match of the leaf against the pins (SHA-256 of the DER: the whole certificate, not its key).
PinMatch match_pinned(std::span<const uint8_t> leaf_der, const PinnedCertificates& pins);

// How the chain fails the anchors or the pins, as the end of "the server accepted a certificate that
// ..." (core's deploy.client-certificate-not-trusted decides whether the server accepted it); nullopt
// when it passes.
std::optional<std::string> trust_failure(const ChainVerification& verification);
std::optional<std::string> pin_failure(const PinMatch& pin);

}  // namespace tlsflags::inspect
