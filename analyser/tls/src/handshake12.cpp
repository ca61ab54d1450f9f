// The cleartext handshake messages of TLS 1.2, 1.1 and 1.0 (RFC 5246 §7.4, RFC 4346 §7.4, RFC 2246 §7.4),
// parsed like the TLS 1.3 ones: every read checked, every vector consumed exactly. Some bodies depend on
// the key exchange of the suite (RSA, DHE, ECDHE, PSK, anonymous); rather than carry a table of suites,
// a body is accepted when one of the shapes those RFCs define reads it whole.
#include <algorithm>

#include "tlsflags/core/byte_reader.hpp"
#include "tlsflags/tls/handshake.hpp"

namespace tlsflags::tls::tls12 {
namespace {

constexpr uint8_t kNamedCurve = 3;       // RFC 8422 §5.4 ECCurveType named_curve (the others are deprecated)
constexpr uint8_t kStatusOcsp = 1;       // RFC 6066 §8 CertificateStatusType ocsp
constexpr uint8_t kStatusOcspMulti = 2;  // RFC 6961 §2.2 ocsp_multi

bool signs_with_algorithm(uint16_t version) { return version >= kTls12; }

// digitally-signed (RFC 5246 §4.7): TLS 1.2 names the SignatureAndHashAlgorithm first; 1.1 and 1.0 do not.
// Then opaque signature<0..2^16-1>, which must end the message.
bool read_signature(ByteReader r, uint16_t version) {
  uint16_t algorithm = 0;
  ByteReader signature;
  if (signs_with_algorithm(version) && !r.u16(algorithm)) return false;
  return r.u16_prefixed(signature) && r.empty();
}

// What follows the key exchange parameters: a signature, or nothing for anonymous and PSK suites.
bool read_signed_end(const ByteReader& r, uint16_t version) { return r.empty() || read_signature(r, version); }

// n non-empty opaque<1..2^16-1> vectors (DH: p, g, Ys; RSA export: modulus, exponent); false if one is absent.
bool read_u16_vectors(ByteReader& r, int n) {
  for (int i = 0; i < n; ++i) {
    ByteReader vector;
    if (!r.u16_prefixed(vector) || vector.empty()) return false;
  }
  return true;
}

// ServerECDHParams (RFC 8422 §5.4): ECParameters curve_params (named_curve only); ECPoint public<1..2^8-1>.
bool read_ecdh_params(ByteReader& r) {
  uint8_t curve_type = 0;
  uint16_t named_curve = 0;
  ByteReader point;
  return r.u8(curve_type) && curve_type == kNamedCurve && r.u16(named_curve) && r.u8_prefixed(point) &&
         !point.empty();
}

bool ecdhe_shape(ByteReader r, uint16_t version) { return read_ecdh_params(r) && read_signed_end(r, version); }
bool dhe_shape(ByteReader r, uint16_t version) { return read_u16_vectors(r, 3) && read_signed_end(r, version); }
bool rsa_export_shape(ByteReader r, uint16_t version) { return read_u16_vectors(r, 2) && read_signed_end(r, version); }

// PSK suites (RFC 4279 §2, §3; RFC 5489 §2): psk_identity_hint<0..2^16-1>, then nothing, or unsigned
// DH or ECDH parameters.
bool psk_shape(ByteReader r) {
  ByteReader hint;
  if (!r.u16_prefixed(hint)) return false;
  if (r.empty()) return true;
  ByteReader dh = r, ec = r;
  return (read_u16_vectors(dh, 3) && dh.empty()) || (read_ecdh_params(ec) && ec.empty());
}

// ClientKeyExchange exchange_keys (§7.4.7): one vector that is the whole body (RSA's
// EncryptedPreMasterSecret and DH's Yc with a 2-byte length, ECDH's point with a 1-byte one), or a PSK
// identity<0..2^16-1> followed by nothing or by one of those (RFC 4279 §2, §3, §4; RFC 5489 §2).
bool single_vector_shape(ByteReader r) {
  ByteReader u16_form = r, u8_form = r, vector;
  return (u16_form.u16_prefixed(vector) && u16_form.empty()) ||
         (u8_form.u8_prefixed(vector) && !vector.empty() && u8_form.empty());
}

bool psk_client_shape(ByteReader r) {
  ByteReader identity;
  return r.u16_prefixed(identity) && (r.empty() || single_vector_shape(r));
}

}  // namespace

bool parse_certificate(std::span<const uint8_t> body, Event& event) {
  // §7.4.2: ASN.1Cert certificate_list<0..2^24-1>, each opaque ASN.1Cert<1..2^24-1>.
  ByteReader r(body), list;
  event.type = EventType::certificate;
  if (!r.u24_prefixed(list) || !r.empty()) return false;
  while (!list.empty()) {
    ByteReader der;
    if (!list.u24_prefixed(der) || der.empty()) return false;
    auto bytes = der.rest();
    event.certificate_chain_der.emplace_back(bytes.begin(), bytes.end());
    ++event.certificate_entries;
  }
  return true;
}

bool parse_server_key_exchange(std::span<const uint8_t> body, uint16_t version) {
  // §7.4.3 ServerKeyExchange: the parameters of the suite's key exchange, signed unless anonymous.
  ByteReader r(body);
  return ecdhe_shape(r, version) || dhe_shape(r, version) || rsa_export_shape(r, version) || psk_shape(r);
}

bool parse_certificate_request(std::span<const uint8_t> body, uint16_t version, Event& event) {
  // §7.4.4: ClientCertificateType certificate_types<1..2^8-1>;
  // SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2> (TLS 1.2 only);
  // DistinguishedName certificate_authorities<0..2^16-1>, each opaque DistinguishedName<1..2^16-1>.
  ByteReader r(body), types, algorithms, authorities;
  event.type = EventType::certificate_request;
  if (!r.u8_prefixed(types) || types.empty()) return false;
  if (signs_with_algorithm(version)) {
    if (!r.u16_prefixed(algorithms) || algorithms.remaining() < 2 || algorithms.remaining() % 2 != 0) return false;
    while (!algorithms.empty()) {
      uint16_t algorithm = 0;
      algorithms.u16(algorithm);
      event.signature_algorithms.push_back(algorithm);
    }
  }
  if (!r.u16_prefixed(authorities) || !r.empty()) return false;
  while (!authorities.empty()) {
    ByteReader name;
    if (!authorities.u16_prefixed(name) || name.empty()) return false;
    event.certificate_authorities.push_back(to_hex(name.rest()));
  }
  return true;
}

bool parse_client_key_exchange(std::span<const uint8_t> body) {
  // §7.4.7.2: an implicit DH (or fixed ECDH, RFC 8422 §5.7) public value is an empty body.
  ByteReader r(body);
  return body.empty() || single_vector_shape(r) || psk_client_shape(r);
}

bool parse_certificate_verify(std::span<const uint8_t> body, uint16_t version) {
  // §7.4.8: digitally-signed struct { opaque handshake_messages[...]; }.
  return read_signature(ByteReader(body), version);
}

bool parse_new_session_ticket(std::span<const uint8_t> body) {
  // RFC 5077 §3.3: uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>.
  ByteReader r(body), ticket;
  uint32_t lifetime_hint = 0;
  return r.u32(lifetime_hint) && r.u16_prefixed(ticket) && r.empty();
}

bool parse_certificate_status(std::span<const uint8_t> body) {
  // RFC 6066 §8: CertificateStatusType status_type; ocsp: opaque OCSPResponse<1..2^24-1>.
  // RFC 6961 §2.2: ocsp_multi: OCSPResponse ocsp_response_list<1..2^24-1>, each <0..2^24-1>.
  ByteReader r(body), response;
  uint8_t status_type = 0;
  if (!r.u8(status_type) || !r.u24_prefixed(response) || response.empty() || !r.empty()) return false;
  if (status_type == kStatusOcsp) return true;
  if (status_type != kStatusOcspMulti) return false;
  while (!response.empty()) {
    ByteReader item;
    if (!response.u24_prefixed(item)) return false;
  }
  return true;
}

bool defines(uint8_t type) {
  switch (type) {
    case kHelloRequest:
    case to_wire(HandshakeType::certificate):
    case kServerKeyExchange:
    case to_wire(HandshakeType::certificate_request):
    case kServerHelloDone:
    case kClientKeyExchange:
    case to_wire(HandshakeType::certificate_verify):
    case to_wire(HandshakeType::new_session_ticket):
    case kCertificateStatus:
    case to_wire(HandshakeType::finished): return true;
  }
  return false;
}

bool parse_message(uint8_t type, std::span<const uint8_t> body, uint16_t version, Event& event) {
  auto mark = [&](EventType event_type) { event.type = event_type; };
  switch (type) {
    case kHelloRequest: mark(EventType::hello_request); return body.empty();  // §7.4.1.1
    case to_wire(HandshakeType::certificate): return parse_certificate(body, event);
    case kServerKeyExchange: mark(EventType::server_key_exchange); return parse_server_key_exchange(body, version);
    case to_wire(HandshakeType::certificate_request): return parse_certificate_request(body, version, event);
    case kServerHelloDone: mark(EventType::server_hello_done); return body.empty();  // §7.4.5
    case kClientKeyExchange: mark(EventType::client_key_exchange); return parse_client_key_exchange(body);
    case to_wire(HandshakeType::certificate_verify):
      mark(EventType::certificate_verify);
      return parse_certificate_verify(body, version);
    case to_wire(HandshakeType::new_session_ticket):
      mark(EventType::new_session_ticket);
      return parse_new_session_ticket(body);
    case kCertificateStatus: mark(EventType::certificate_status); return parse_certificate_status(body);
    case to_wire(HandshakeType::finished):
      // §7.4.9: only ever sent after ChangeCipherSpec, so protected; one in cleartext is still named.
      mark(EventType::finished);
      return body.size() == kVerifyDataLength;
  }
  return false;  // not a type defines() accepts
}

}  // namespace tlsflags::tls::tls12
