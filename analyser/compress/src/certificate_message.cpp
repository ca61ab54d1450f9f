#include "tlsflags/compress/certificate_message.hpp"

#include <utility>

#include "tlsflags/compress/certificate_compression.hpp"
#include "tlsflags/core/byte_reader.hpp"
#include "tlsflags/core/flags_codec.hpp"
#include "tlsflags/core/hex.hpp"

namespace tlsflags::compress {
namespace {

// The entry's TLS Flags merged into the message's (docs/output.md: the union, the first problem met).
void merge_entry_flags(MessageFlags& merged, const MessageFlags& entry) {
  if (!entry) return;
  if (!merged) {
    merged = entry;
    return;
  }
  merged->duplicate = merged->duplicate || entry->duplicate;
  if (merged->decoded.problem == FlagsProblem::none) merged->decoded.problem = entry->decoded.problem;
  entry->decoded.flags.for_each([&](uint16_t flag) { merged->decoded.flags.insert(flag); });
}

// Extension extensions<0..2^16-1> of one CertificateEntry (RFC 8446 §4.2): only TLS Flags matter here;
// a second one in the block is the duplicate §4.2 forbids.
bool read_entry_extensions(ByteReader extensions, uint16_t flags_extension, MessageFlags& flags) {
  while (!extensions.empty()) {
    uint16_t type = 0;
    ByteReader data;
    if (!extensions.u16(type) || !extensions.u16_prefixed(data)) return false;
    if (type != flags_extension) continue;
    if (flags) {
      flags->duplicate = true;
    } else {
      flags = FlagsInMessage{decode_flags(data.rest()), false};
    }
  }
  return true;
}

// CertificateEntry (RFC 8446 §4.4.2): opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>.
bool read_certificate_entry(ByteReader& list, uint16_t flags_extension, Event& event) {
  ByteReader cert_data, extensions;
  MessageFlags entry_flags;
  if (!list.u24_prefixed(cert_data) || cert_data.empty() || !list.u16_prefixed(extensions) ||
      !read_entry_extensions(extensions, flags_extension, entry_flags))
    return false;
  merge_entry_flags(event.flags, entry_flags);
  auto der = cert_data.rest();
  event.certificate_chain_der.emplace_back(der.begin(), der.end());
  ++event.certificate_entries;
  return true;
}

}  // namespace

bool read_certificate_message(std::span<const uint8_t> body, uint16_t flags_extension, Event& event) {
  // RFC 8446 §4.4.2: opaque certificate_request_context<0..2^8-1>; CertificateEntry certificate_list<0..2^24-1>.
  ByteReader r(body), context, list;
  if (!r.u8_prefixed(context) || !r.u24_prefixed(list) || !r.empty()) return false;
  event.certificate_request_context = to_hex(context.rest());  // §4.4.2: the request it answers
  while (!list.empty())
    if (!read_certificate_entry(list, flags_extension, event)) return false;
  return true;
}

void describe_compressed_certificate(uint16_t algorithm, uint32_t uncompressed_length,
                                     std::span<const uint8_t> compressed, uint16_t flags_extension, Event& event) {
  CertificateCompression facts;
  facts.algorithm = algorithm;
  facts.uncompressed_length = uncompressed_length;
  auto inflated = inflate_certificate(algorithm, uncompressed_length, compressed);
  facts.outcome = event_outcome(inflated.outcome);
  // Only the inflated message speaks for the entries (the CompressedCertificate's own bytes hold none).
  event.certificate_entries = 0;
  event.certificate_chain_der.clear();
  event.flags.reset();
  if (inflated.outcome == Outcome::ok) {
    // RFC 8879 §4: once inflated it is the Certificate, parsed and judged as if it had not been compressed.
    Event certificate = event;
    if (read_certificate_message(inflated.message, flags_extension, certificate)) {
      event = std::move(certificate);
    } else {
      facts.outcome = InflationOutcome::not_a_certificate;
    }
  }
  event.compression = facts;
}

}  // namespace tlsflags::compress
