#include "compressed_certificate.hpp"

#include <span>

#include "tlsflags/compress/certificate_compression.hpp"
#include "tlsflags/core/byte_reader.hpp"
#include "tlsflags/core/flags_codec.hpp"
#include "tlsflags/inspect/certificate.hpp"

namespace tlsflags::plugin {
namespace {

// The entry's TLS Flags merged into the message's, as for an uncompressed Certificate (events.hpp:
// the union of the entries' flags, the first problem met; two in one entry's block are a duplicate).
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

// Extension extensions<0..2^16-1> of one CertificateEntry (RFC 8446 §4.2): only TLS Flags matter here.
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

// Certificate (RFC 8446 §4.4.2): opaque certificate_request_context<0..2^8-1>;
// CertificateEntry certificate_list<0..2^24-1>, each opaque cert_data<1..2^24-1> and Extension
// extensions<0..2^16-1>. Every read is checked and the body must be consumed exactly.
bool read_certificate(std::span<const uint8_t> body, uint16_t flags_extension, Event& e) {
  ByteReader r(body), context, list;
  if (!r.u8_prefixed(context) || !r.u24_prefixed(list) || !r.empty()) return false;
  e.certificate_request_context = inspect::to_hex(context.rest());
  while (!list.empty()) {
    ByteReader cert_data, extensions;
    MessageFlags entry_flags;
    if (!list.u24_prefixed(cert_data) || cert_data.empty() || !list.u16_prefixed(extensions) ||
        !read_entry_extensions(extensions, flags_extension, entry_flags))
      return false;
    merge_entry_flags(e.flags, entry_flags);
    auto der = cert_data.rest();
    e.certificate_chain_der.emplace_back(der.begin(), der.end());
    ++e.certificate_entries;
  }
  return true;
}

}  // namespace

void describe_compressed_certificate(const ScannedMessage& m, uint16_t flags_extension, Event& certificate) {
  CertificateCompression facts;
  facts.algorithm = m.compression_algorithm;
  facts.uncompressed_length = m.uncompressed_length;
  auto inflated = compress::inflate_certificate(m.compression_algorithm, m.uncompressed_length,
                                                {m.compressed, m.compressed_length});
  facts.outcome = compress::event_outcome(inflated.outcome);
  // Only the inflated message speaks for the entries (the message's own bytes hold none).
  certificate.certificate_entries = 0;
  certificate.certificate_chain_der.clear();
  certificate.flags.reset();
  if (inflated.outcome == compress::Outcome::ok) {
    Event parsed = certificate;
    if (read_certificate(inflated.message, flags_extension, parsed)) {
      certificate = std::move(parsed);
    } else {
      facts.outcome = InflationOutcome::not_a_certificate;
    }
  }
  certificate.compression = facts;
}

}  // namespace tlsflags::plugin
