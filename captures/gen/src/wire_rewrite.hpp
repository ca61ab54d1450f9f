// Byte-level changes to plaintext TLS records between the peers. They touch only what is not
// encrypted, so no key is needed: the receiving peer processes exactly the rewritten bytes.
#pragma once

#include "conversation.hpp"

#include <cstdint>

namespace tlsgen {

// Wire constants of RFC 8446 (§5.1 record header and content types, §4 handshake header and types)
// and RFC 8879 (CompressedCertificate, compress_certificate), shared by the rewriters.
inline constexpr std::size_t kRecordHeader = 5;
inline constexpr std::size_t kHandshakeHeader = 4;
inline constexpr std::uint8_t kHandshakeRecord = 22;
inline constexpr std::uint8_t kApplicationDataRecord = 23;
inline constexpr std::uint8_t kCertificate = 11;
inline constexpr std::uint8_t kCertificateRequest = 13;
inline constexpr std::uint8_t kCertificateVerify = 15;
inline constexpr std::uint8_t kFinished = 20;
inline constexpr std::uint8_t kCompressedCertificate = 25;
inline constexpr std::uint16_t kCompressCertificateExtension = 27;

// Big-endian integers in a byte string (bounds-checked: std::out_of_range past the end).
inline std::size_t read_u16(const Bytes& bytes, std::size_t at) {
  return std::size_t{bytes.at(at)} << 8 | bytes.at(at + 1);
}
inline std::size_t read_u24(const Bytes& bytes, std::size_t at) { return read_u16(bytes, at) << 8 | bytes.at(at + 2); }

// Adds a second copy of extension `type` right after the first in the ClientHello of the chunk's
// first record and fixes the extensions, handshake and record lengths (8446 §4.2 forbids this).
// OpenSSL cannot send it itself: one custom extension type is added once.
void duplicate_extension_in_client_hello(Chunk& chunk, std::uint16_t type);

// Packs consecutive plaintext handshake records (those before any ChangeCipherSpec) into one record,
// as other TLS stacks do; the handshake messages, and so the transcript, are unchanged.
void coalesce_plaintext_handshake(Chunk& chunk);

// The TLS records of a byte string: offset and total length (header included) of each.
struct RecordSpan {
  std::size_t offset = 0;
  std::size_t length = 0;
};
std::vector<RecordSpan> split_records(const Bytes& bytes);

}  // namespace tlsgen
