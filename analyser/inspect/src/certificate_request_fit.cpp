#include "tlsflags/inspect/certificate_request_fit.hpp"

#include <algorithm>

#include "openssl_ptr.hpp"
#include "tlsflags/inspect/signature_schemes.hpp"

namespace tlsflags::inspect {

std::string_view to_string(Fit fit) {
  switch (fit) {
    case Fit::fits: return "fits";
    case Fit::does_not_fit: return "does-not-fit";
    case Fit::unconstrained: return "unconstrained";
    case Fit::undecidable: return "undecidable";
  }
  return "undecidable";
}

std::string_view to_string(NameField field) { return field == NameField::issuer ? "issuer" : "subject"; }

bool CertificateRequestFit::any_mismatch() const {
  return authorities.fit == Fit::does_not_fit || certificate_signature.fit == Fit::does_not_fit ||
         key.fit == Fit::does_not_fit;
}

std::vector<std::string> CertificateRequestFit::explanations() const {
  return {authorities.explanation, certificate_signature.explanation, key.explanation};
}

namespace {

// ---- certificate_authorities (RFC 8446 §4.2.4) ------------------------------------------------------

struct AdvertisedName {
  Der der;                        // empty when the hex was not hex
  std::optional<ossl::X509NamePtr> name;  // when the DER is a Name
  std::string text;
};

std::vector<AdvertisedName> decode_advertised(std::span<const std::string> hex_names) {
  std::vector<AdvertisedName> out;
  for (const std::string& hex : hex_names) {
    AdvertisedName entry;
    entry.der = from_hex(hex).value_or(Der{});
    auto name = ossl::parse_name(entry.der);
    if (name) {
      entry.text = ossl::name_to_string(name.value().get());
      entry.name = std::move(name).value();
    } else {
      entry.text = "<undecodable DN of " + std::to_string(entry.der.size()) + " bytes>";
    }
    out.push_back(std::move(entry));
  }
  return out;
}

struct ParsedChain {
  std::vector<ossl::X509Ptr> certs;  // those that parsed, in chain order
  std::string first_error;           // the leaf's parse error, if it had one
};

ParsedChain parse_chain(std::span<const Der> chain) {
  ParsedChain parsed;
  for (size_t i = 0; i < chain.size(); ++i) {
    auto cert = ossl::parse_certificate(chain[i]);
    if (!cert) {
      if (i == 0) parsed.first_error = cert.error();
      break;  // an unreadable element ends the part of the chain we can reason about
    }
    parsed.certs.push_back(std::move(cert).value());
  }
  return parsed;
}

std::optional<AuthorityMatch> match_name(const X509_NAME* candidate, const std::vector<AdvertisedName>& advertised) {
  auto candidate_der = ossl::name_der(candidate);
  for (size_t i = 0; i < advertised.size(); ++i) {
    if (candidate_der && advertised[i].der.size() == candidate_der->size() &&
        std::equal(advertised[i].der.begin(), advertised[i].der.end(), candidate_der->begin())) {
      return AuthorityMatch{0, NameField::issuer, i, true, advertised[i].text};
    }
  }
  // Same name, different encoding (PrintableString vs UTF8String, case, spaces): equal under RFC 5280
  // §7.1 name comparison, which is what X509_NAME_cmp's canonical form implements.
  for (size_t i = 0; i < advertised.size(); ++i) {
    if (advertised[i].name && X509_NAME_cmp(candidate, advertised[i].name->get()) == 0) {
      return AuthorityMatch{0, NameField::issuer, i, false, advertised[i].text};
    }
  }
  return std::nullopt;
}

std::optional<AuthorityMatch> find_authority(const ParsedChain& chain, const std::vector<AdvertisedName>& advertised) {
  // "at least one of the certificates in the certificate chain SHOULD be issued by one of the listed CAs"
  // (RFC 8446 §4.4.2.3): every element's issuer counts; an intermediate's subject too (it *is* the CA),
  // but not the leaf's subject (that would name the client, not its issuer).
  for (size_t i = 0; i < chain.certs.size(); ++i) {
    X509* cert = chain.certs[i].get();
    for (NameField field : {NameField::issuer, NameField::subject}) {
      if (field == NameField::subject && i == 0) continue;
      const X509_NAME* name = field == NameField::issuer ? X509_get_issuer_name(cert) : X509_get_subject_name(cert);
      if (auto match = match_name(name, advertised)) {
        match->chain_index = i;
        match->field = field;
        return match;
      }
    }
  }
  return std::nullopt;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string position(size_t chain_index) {
  return chain_index == 0 ? "the leaf" : "chain certificate " + std::to_string(chain_index);
}

AuthoritiesFit check_authorities(std::span<const std::string> hex_names, const ParsedChain& chain) {
  AuthoritiesFit result;
  auto advertised = decode_advertised(hex_names);
  for (const auto& entry : advertised) result.advertised.push_back(entry.text);
  if (advertised.empty()) {
    result.fit = Fit::unconstrained;
    result.explanation = "the server sent no certificate_authorities: any issuer may be presented (RFC 8446 §4.2.4)";
    return result;
  }
  std::string count = std::to_string(advertised.size());
  std::string issuer = ossl::name_to_string(X509_get_issuer_name(chain.certs.front().get()));
  result.match = find_authority(chain, advertised);
  if (!result.match) {
    result.fit = Fit::does_not_fit;
    result.explanation = "issuer " + issuer + " is not among the " + count +
                         " certificate_authorities the server advertised: " + joined(result.advertised);
    if (chain.certs.size() > 1) {
      result.explanation += " (nor is any other name in the " + std::to_string(chain.certs.size()) + "-certificate chain)";
    }
    return result;
  }
  const AuthorityMatch& match = *result.match;
  result.fit = Fit::fits;
  result.explanation = std::string(to_string(match.field)) + " " + match.name + " of " + position(match.chain_index) +
                       " is certificate_authorities entry " + std::to_string(match.authority_index + 1) + " of " +
                       count + (match.exact_der ? " (same DER)"
                                                : " (same name, different DER encoding: a server comparing bytes would miss it)");
  return result;
}

// ---- signatures on the certificates (RFC 8446 §4.2.3, §4.4.2.2) --------------------------------------

bool self_issued(X509* cert) {
  return X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) == 0;
}

bool offered(std::span<const uint16_t> accepted, const std::vector<uint16_t>& schemes) {
  return std::any_of(schemes.begin(), schemes.end(), [&](uint16_t s) {
    return std::find(accepted.begin(), accepted.end(), s) != accepted.end();
  });
}

std::string signature_text(X509* cert, const std::vector<uint16_t>& schemes) {
  const char* long_name = OBJ_nid2ln(X509_get_signature_nid(cert));
  std::string algorithm = long_name != nullptr ? long_name : "an unknown algorithm";
  if (schemes.empty()) return algorithm + ", which has no TLS SignatureScheme";
  return signature_scheme_list(schemes) + " (" + algorithm + ")";
}

CertificateSignatureFit check_certificate_signatures(const CertificateRequestView& request, std::span<const Der> chain_der,
                                                     const ParsedChain& chain) {
  CertificateSignatureFit result;
  result.from_signature_algorithms_cert = !request.signature_algorithms_cert.empty();
  auto accepted = result.from_signature_algorithms_cert ? request.signature_algorithms_cert : request.signature_algorithms;
  result.accepted.assign(accepted.begin(), accepted.end());
  std::string list_name = result.from_signature_algorithms_cert ? "signature_algorithms_cert" : "signature_algorithms";
  if (accepted.empty()) {
    result.explanation = "the CertificateRequest carried no signature_algorithms: the certificate signatures cannot be judged";
    return result;
  }
  size_t checked = 0;
  for (size_t i = 0; i < chain.certs.size(); ++i) {
    X509* cert = chain.certs[i].get();
    auto issuer = i + 1 < chain_der.size() ? std::span<const uint8_t>(chain_der[i + 1]) : std::span<const uint8_t>{};
    auto mapped = certificate_signature_schemes(chain_der[i], issuer);
    std::vector<uint16_t> schemes = mapped ? mapped.value() : std::vector<uint16_t>{};
    if (i == 0) result.leaf_schemes = schemes;
    // Self-signed certificates begin a certification path and their signatures are not validated, so
    // they "MAY be signed with any algorithm" (RFC 8446 §4.4.2.2).
    if (self_issued(cert)) continue;
    ++checked;
    if (!offered(accepted, schemes)) {
      result.fit = Fit::does_not_fit;
      result.explanation = position(i) + " is signed with " + signature_text(cert, schemes) + ", which the server's " +
                           list_name + " does not list: " + signature_scheme_list(accepted);
      return result;
    }
  }
  if (checked == 0) {
    result.fit = Fit::unconstrained;
    result.explanation = "the leaf is self-signed: its signature is not checked against " + list_name + " (RFC 8446 §4.4.2.2)";
    return result;
  }
  result.fit = Fit::fits;
  result.explanation = "the leaf's signature " + signature_text(chain.certs.front().get(), result.leaf_schemes) +
                       (checked > 1 ? " and the other chain signatures are" : " is") + " in the server's " + list_name;
  return result;
}

// ---- the key, for CertificateVerify (RFC 8446 §4.4.3) ------------------------------------------------

KeyFit check_key(std::span<const uint16_t> signature_algorithms, std::span<const uint8_t> leaf_der) {
  KeyFit result;
  auto details = describe_certificate(leaf_der);
  result.key_type = details ? details->key_type : "unknown";
  auto schemes = certificate_verify_schemes_for_key(leaf_der);
  if (!schemes) {
    result.explanation = schemes.error();
    return result;
  }
  result.key_schemes = schemes.value();
  if (signature_algorithms.empty()) {
    result.explanation = "the CertificateRequest carried no signature_algorithms: the key cannot be judged";
    return result;
  }
  for (uint16_t s : result.key_schemes) {
    if (std::find(signature_algorithms.begin(), signature_algorithms.end(), s) != signature_algorithms.end()) {
      result.usable_offered.push_back(s);
    }
  }
  if (result.key_schemes.empty()) {
    result.fit = Fit::does_not_fit;
    result.explanation = "the client's " + result.key_type + " key has no TLS 1.3 signature scheme for CertificateVerify";
  } else if (result.usable_offered.empty()) {
    result.fit = Fit::does_not_fit;
    result.explanation = "the client's " + result.key_type + " key can sign CertificateVerify only with " +
                         signature_scheme_list(result.key_schemes) + ", and the server's signature_algorithms offer " +
                         signature_scheme_list(signature_algorithms);
  } else {
    result.fit = Fit::fits;
    result.explanation = "the client's " + result.key_type + " key can sign CertificateVerify with " +
                         signature_scheme_list(result.usable_offered) + " from the server's signature_algorithms";
  }
  return result;
}

CertificateRequestFit undecidable_fit(const std::string& why) {
  CertificateRequestFit fit;
  fit.authorities.explanation = why;
  fit.certificate_signature.explanation = why;
  fit.key.explanation = why;
  return fit;
}

}  // namespace

CertificateRequestFit check_certificate_request_fit(const CertificateRequestView& request, std::span<const Der> chain) {
  if (chain.empty()) return undecidable_fit("the client presented no certificate: nothing to compare");
  ParsedChain parsed = parse_chain(chain);
  if (parsed.certs.empty()) return undecidable_fit("the client's certificate cannot be read: " + parsed.first_error);
  CertificateRequestFit fit;
  fit.authorities = check_authorities(request.certificate_authorities_hex, parsed);
  fit.certificate_signature = check_certificate_signatures(request, chain, parsed);
  fit.key = check_key(request.signature_algorithms, chain.front());
  ossl::take_error();
  return fit;
}

CertificateRequestFit check_certificate_request_fit(const Event& certificate_request, const Event& client_certificate) {
  if (client_certificate.certificate_entries == 0) {
    return undecidable_fit("the client sent an empty Certificate: nothing to compare");
  }
  if (client_certificate.certificate_chain_der.empty()) {
    return undecidable_fit("the capture source did not keep the certificate's DER: nothing to compare");
  }
  CertificateRequestView view{certificate_request.certificate_authorities, certificate_request.signature_algorithms,
                              certificate_request.signature_algorithms_cert};
  return check_certificate_request_fit(view, client_certificate.certificate_chain_der);
}

}  // namespace tlsflags::inspect
