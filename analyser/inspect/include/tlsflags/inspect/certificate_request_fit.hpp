// Does the certificate chain a client presented fit the CertificateRequest it answered?
// RFC 8446 §4.4.2.3 (client certificate selection): a certificate issued by one of the
// certificate_authorities (§4.2.4) SHOULD be chosen; the certificates MUST be signed with an algorithm
// the server accepts (signature_algorithms_cert, or signature_algorithms when that is absent, §4.2.3);
// and the client's key must be able to sign CertificateVerify with one of signature_algorithms (§4.4.3).
// A mismatch is the usual reason a server that asked for a certificate then rejects it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tlsflags/core/events.hpp"
#include "tlsflags/inspect/certificate.hpp"

namespace tlsflags::inspect {

enum class Fit : uint8_t {
  fits,
  does_not_fit,
  unconstrained,  // the server did not constrain this (no certificate_authorities; a self-signed leaf)
  undecidable,    // nothing to compare: empty Certificate, DER not kept by the event source, unparseable
};
std::string_view to_string(Fit fit);  // "fits", "does-not-fit", "unconstrained", "undecidable"

enum class NameField : uint8_t { issuer, subject };
std::string_view to_string(NameField field);

struct AuthorityMatch {
  size_t chain_index = 0;       // 0 = the leaf
  NameField field = NameField::issuer;
  size_t authority_index = 0;   // index into the CR's certificate_authorities
  bool exact_der = true;        // false: equal only in canonical form (X509_NAME_cmp), not byte for byte
  std::string name;             // the matching DN, RFC 2253
};

struct AuthoritiesFit {
  Fit fit = Fit::undecidable;
  std::vector<std::string> advertised;  // each certificate_authorities entry as RFC 2253 (or why not)
  std::optional<AuthorityMatch> match;  // the first match, leaf issuer first
  std::string explanation;
};

struct CertificateSignatureFit {
  Fit fit = Fit::undecidable;
  bool from_signature_algorithms_cert = false;  // false: signature_algorithms applied (§4.2.3 fallback)
  std::vector<uint16_t> accepted;               // the list that applied
  std::vector<uint16_t> leaf_schemes;           // the leaf's own signature as SignatureScheme(s)
  std::string explanation;
};

struct KeyFit {
  Fit fit = Fit::undecidable;
  std::string key_type;                  // "EC P-256", ...
  std::vector<uint16_t> key_schemes;     // what the key can sign CertificateVerify with in TLS 1.3
  std::vector<uint16_t> usable_offered;  // those of key_schemes the server offered
  std::string explanation;
};

struct CertificateRequestFit {
  AuthoritiesFit authorities;
  CertificateSignatureFit certificate_signature;
  KeyFit key;

  bool any_mismatch() const;                   // some part is does_not_fit
  std::vector<std::string> explanations() const;  // one line per part, in the order above
};

// The parts of a CertificateRequest that matter here (Event::certificate_request fields).
struct CertificateRequestView {
  std::span<const std::string> certificate_authorities_hex;
  std::span<const uint16_t> signature_algorithms;
  std::span<const uint16_t> signature_algorithms_cert;
};

// chain: the client's Certificate entries, leaf first (Event::certificate_chain_der).
CertificateRequestFit check_certificate_request_fit(const CertificateRequestView& request,
                                                    std::span<const Der> chain);

// The same over two timeline events. An empty client Certificate, or one whose DER the event source did
// not keep, gives undecidable parts with that reason.
CertificateRequestFit check_certificate_request_fit(const Event& certificate_request,
                                                    const Event& client_certificate);

}  // namespace tlsflags::inspect
