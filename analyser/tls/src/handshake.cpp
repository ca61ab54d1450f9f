#include "tlsflags/tls/handshake.hpp"

#include <algorithm>

#include "tlsflags/compress/certificate_message.hpp"
#include "tlsflags/core/byte_reader.hpp"

namespace tlsflags::tls {
namespace {

// Walks an extension block (RFC 8446 §4.2: type, then opaque extension_data<0..2^16-1>), calling
// visit(type, data) for each. False when the block is malformed or a visitor says so.
template <typename Visit>
bool for_each_extension(ByteReader block, Visit&& visit) {
  while (!block.empty()) {
    uint16_t type = 0;
    ByteReader data;
    if (!block.u16(type) || !block.u16_prefixed(data)) return false;
    if (!visit(type, data)) return false;
  }
  return true;
}

// Records the TLS Flags extension of one extension block; a second one in the same block is the
// duplicate RFC 8446 §4.2 forbids ("There MUST NOT be more than one extension of the same type").
void note_flags(MessageFlags& flags, const ByteReader& data) {
  if (flags) {
    flags->duplicate = true;
    return;
  }
  flags = FlagsInMessage{decode_flags(data.rest()), false};
}

// An extension block that carries nothing the parsers need but the TLS Flags extension.
bool parse_flags_only_block(ByteReader block, const ParseOptions& options, Event& event) {
  return for_each_extension(block, [&](uint16_t type, ByteReader data) {
    if (type == options.flags_extension_type) note_flags(event.flags, data);
    return true;
  });
}

bool read_u16_list(ByteReader& data, size_t min_bytes, std::vector<uint16_t>& out) {
  ByteReader list;
  if (!data.u16_prefixed(list) || list.remaining() < min_bytes || list.remaining() % 2 != 0) return false;
  while (!list.empty()) {
    uint16_t value = 0;
    list.u16(value);
    out.push_back(value);
  }
  return data.empty();
}

// compress_certificate (RFC 8879 §3): CertificateCompressionAlgorithm algorithms<2..2^8-2>.
bool read_compression_algorithms(ByteReader data, std::vector<uint16_t>& out) {
  ByteReader list;
  if (!data.u8_prefixed(list) || list.remaining() < 2 || list.remaining() % 2 != 0 || !data.empty()) return false;
  out.clear();  // a duplicate extension is judged elsewhere (RFC 8446 §4.2); the last one is kept
  while (!list.empty()) {
    uint16_t algorithm = 0;
    list.u16(algorithm);
    out.push_back(algorithm);
  }
  return true;
}

// supported_versions in a ClientHello (§4.2.1): ProtocolVersion versions<2..254>.
bool offers_tls13(ByteReader data, bool& offers) {
  ByteReader versions;
  if (!data.u8_prefixed(versions) || versions.remaining() < 2 || versions.remaining() % 2 != 0 || !data.empty())
    return false;
  while (!versions.empty()) {
    uint16_t version = 0;
    versions.u16(version);
    if (version == kTls13) offers = true;
  }
  return true;
}

// server_name (RFC 6066 §3): ServerName server_name_list<1..2^16-1>; the host_name (type 0) entry.
bool read_server_name(ByteReader data, std::string& host) {
  ByteReader list;
  if (!data.u16_prefixed(list) || list.empty() || !data.empty()) return false;
  while (!list.empty()) {
    uint8_t name_type = 0;
    ByteReader name;
    if (!list.u8(name_type) || !list.u16_prefixed(name)) return false;
    if (name_type == 0 && host.empty()) {
      auto bytes = name.rest();
      host.assign(bytes.begin(), bytes.end());
    }
  }
  return true;
}

bool parse_client_hello_extension(uint16_t type, ByteReader data, const ParseOptions& options, Event& event,
                                  ClientHelloFacts& facts) {
  if (type == options.flags_extension_type) {
    note_flags(event.flags, data);
    return true;
  }
  switch (type) {
    case extension::supported_versions: return offers_tls13(data, event.offers_tls13);
    case extension::server_name: return read_server_name(data, event.server_name);
    case extension::early_data: facts.offers_early_data = true; return true;
    case extension::compress_certificate:
      return read_compression_algorithms(data, event.compress_certificate_algorithms);
    case extension::encrypted_client_hello: {
      // ECHClientHello (draft-ietf-tls-esni §5): type 0 = outer. The inner one never crosses the wire.
      uint8_t ech_type = 0;
      if (!data.u8(ech_type)) return false;
      event.ech_outer = ech_type == 0;
      return true;
    }
  }
  return true;
}

bool parse_server_hello_extension(uint16_t type, ByteReader data, const ParseOptions& options, Event& event) {
  if (type == options.flags_extension_type) {
    note_flags(event.flags, data);
    return true;
  }
  if (type == extension::supported_versions) {
    // §4.2.1: in a ServerHello or HRR, the single selected_version.
    uint16_t version = 0;
    if (!data.u16(version) || !data.empty()) return false;
    event.selected_version = version;
  }
  return true;
}

// certificate_authorities (§4.2.4): DistinguishedName authorities<3..2^16-1>, each <1..2^16-1>.
bool read_certificate_authorities(ByteReader data, std::vector<std::string>& out) {
  ByteReader list;
  if (!data.u16_prefixed(list) || list.remaining() < 3 || !data.empty()) return false;
  while (!list.empty()) {
    ByteReader name;
    if (!list.u16_prefixed(name) || name.empty()) return false;
    out.push_back(to_hex(name.rest()));
  }
  return true;
}

}  // namespace

bool parse_client_hello(std::span<const uint8_t> body, const ParseOptions& options, Event& event,
                        ClientHelloFacts& facts) {
  // §4.1.2: legacy_version, random, legacy_session_id<0..32>, cipher_suites<2..2^16-2>,
  // legacy_compression_methods<1..2^8-1>, extensions<8..2^16-1> (absent in pre-TLS 1.2 hellos).
  ByteReader r(body);
  uint16_t legacy_version = 0;
  std::span<const uint8_t> random;
  ByteReader session_id, suites, compression, extensions;
  if (!r.u16(legacy_version) || !r.bytes(kClientRandomSize, random) || !r.u8_prefixed(session_id) ||
      session_id.remaining() > 32 || !r.u16_prefixed(suites) || suites.remaining() < 2 ||
      suites.remaining() % 2 != 0 || !r.u8_prefixed(compression) || compression.empty())
    return false;
  event.type = EventType::client_hello;
  std::copy(random.begin(), random.end(), facts.random.begin());
  if (r.empty()) return true;
  if (!r.u16_prefixed(extensions) || !r.empty()) return false;
  return for_each_extension(extensions, [&](uint16_t type, ByteReader data) {
    return parse_client_hello_extension(type, data, options, event, facts);
  });
}

bool parse_server_hello(std::span<const uint8_t> body, const ParseOptions& options, Event& event,
                        ServerHelloFacts& facts) {
  // §4.1.3: legacy_version, random, legacy_session_id_echo<0..32>, cipher_suite,
  // legacy_compression_method, extensions<6..2^16-1> (may be absent before TLS 1.3).
  ByteReader r(body);
  uint16_t legacy_version = 0;
  std::span<const uint8_t> random;
  ByteReader session_id, extensions;
  uint8_t compression = 0;
  if (!r.u16(legacy_version) || !r.bytes(32, random) || !r.u8_prefixed(session_id) ||
      session_id.remaining() > 32 || !r.u16(facts.cipher_suite) || !r.u8(compression))
    return false;
  facts.hello_retry_request = std::equal(random.begin(), random.end(), kHelloRetryRequestRandom.begin());
  event.type = facts.hello_retry_request ? EventType::hello_retry_request : EventType::server_hello;
  event.selected_version = legacy_version;
  if (!r.empty()) {
    if (!r.u16_prefixed(extensions) || !r.empty()) return false;
    bool ok = for_each_extension(extensions, [&](uint16_t type, ByteReader data) {
      return parse_server_hello_extension(type, data, options, event);
    });
    if (!ok) return false;
  }
  facts.selected_version = event.selected_version;
  return true;
}

bool parse_encrypted_extensions(std::span<const uint8_t> body, const ParseOptions& options, Event& event) {
  // §4.3.1: Extension extensions<0..2^16-1>.
  ByteReader r(body), extensions;
  event.type = EventType::encrypted_extensions;
  if (!r.u16_prefixed(extensions) || !r.empty()) return false;
  return parse_flags_only_block(extensions, options, event);
}

bool parse_certificate_request(std::span<const uint8_t> body, const ParseOptions& options, Event& event) {
  // §4.3.2: opaque certificate_request_context<0..2^8-1>; Extension extensions<2..2^16-1>.
  ByteReader r(body), context, extensions;
  event.type = EventType::certificate_request;
  if (!r.u8_prefixed(context) || !r.u16_prefixed(extensions) || !r.empty()) return false;
  event.certificate_request_context = to_hex(context.rest());  // §4.6.2: names a post-handshake request
  return for_each_extension(extensions, [&](uint16_t type, ByteReader data) {
    if (type == options.flags_extension_type) {
      note_flags(event.flags, data);
      return true;
    }
    switch (type) {
      case extension::certificate_authorities:
        return read_certificate_authorities(data, event.certificate_authorities);
      case extension::signature_algorithms: return read_u16_list(data, 2, event.signature_algorithms);
      case extension::signature_algorithms_cert: return read_u16_list(data, 2, event.signature_algorithms_cert);
      case extension::compress_certificate:  // RFC 8879 §3: what the server can inflate
        return read_compression_algorithms(data, event.compress_certificate_algorithms);
    }
    return true;
  });
}

bool parse_certificate(std::span<const uint8_t> body, const ParseOptions& options, Event& event) {
  // §4.4.2, read as the plugin reads an inflated CompressedCertificate (tlsflags/compress/certificate_message.hpp).
  event.type = EventType::certificate;
  return compress::read_certificate_message(body, options.flags_extension_type, event);
}

bool parse_compressed_certificate(std::span<const uint8_t> body, const ParseOptions& options, Event& event) {
  // RFC 8879 §4: algorithm, uint24 uncompressed_length, opaque compressed_certificate_message<1..2^24-1>.
  ByteReader r(body), compressed;
  uint16_t algorithm = 0;
  uint32_t uncompressed_length = 0;
  event.type = EventType::certificate;
  if (!r.u16(algorithm) || !r.u24(uncompressed_length) || !r.u24_prefixed(compressed) || compressed.empty() ||
      !r.empty())
    return false;
  compress::describe_compressed_certificate(algorithm, uncompressed_length, compressed.rest(),
                                            options.flags_extension_type, event);
  return true;
}

bool parse_certificate_verify(std::span<const uint8_t> body) {
  // §4.4.3: SignatureScheme algorithm; opaque signature<0..2^16-1>.
  ByteReader r(body), signature;
  uint16_t algorithm = 0;
  return r.u16(algorithm) && r.u16_prefixed(signature) && r.empty();
}

bool parse_finished(std::span<const uint8_t> body, size_t hash_length) {
  // §4.4.4: opaque verify_data[Hash.length].
  return hash_length == 0 ? !body.empty() : body.size() == hash_length;
}

bool parse_new_session_ticket(std::span<const uint8_t> body, const ParseOptions& options, Event& event) {
  // §4.6.1: ticket_lifetime, ticket_age_add, ticket_nonce<0..255>, ticket<1..2^16-1>,
  // extensions<0..2^16-2>.
  ByteReader r(body), nonce, ticket, extensions;
  uint32_t lifetime = 0, age_add = 0;
  event.type = EventType::new_session_ticket;
  if (!r.u32(lifetime) || !r.u32(age_add) || !r.u8_prefixed(nonce) || !r.u16_prefixed(ticket) || ticket.empty() ||
      !r.u16_prefixed(extensions) || !r.empty())
    return false;
  return parse_flags_only_block(extensions, options, event);
}

bool parse_key_update(std::span<const uint8_t> body, bool& update_requested) {
  // §4.6.3: KeyUpdateRequest request_update, update_not_requested(0) or update_requested(1).
  ByteReader r(body);
  uint8_t request = 0;
  if (!r.u8(request) || !r.empty() || request > 1) return false;
  update_requested = request == 1;
  return true;
}

bool parse_end_of_early_data(std::span<const uint8_t> body) { return body.empty(); }  // §4.5

}  // namespace tlsflags::tls
