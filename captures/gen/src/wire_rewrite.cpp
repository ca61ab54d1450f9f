#include "wire_rewrite.hpp"

#include <stdexcept>

namespace tlsgen {
namespace {

void write_u16(Bytes& bytes, std::size_t at, std::size_t value) {
  bytes.at(at) = static_cast<std::uint8_t>(value >> 8);
  bytes.at(at + 1) = static_cast<std::uint8_t>(value);
}

void write_u24(Bytes& bytes, std::size_t at, std::size_t value) {
  bytes.at(at) = static_cast<std::uint8_t>(value >> 16);
  write_u16(bytes, at + 1, value);
}

// Offset of the ClientHello's extensions length field (8446 §4.1.2: legacy_version, random,
// legacy_session_id, cipher_suites, legacy_compression_methods, extensions).
std::size_t extensions_length_offset(const Bytes& record) {
  std::size_t at = kRecordHeader + kHandshakeHeader + 2 + 32;
  at += 1 + record.at(at);          // legacy_session_id<0..32>
  at += 2 + read_u16(record, at);   // cipher_suites<2..2^16-2>
  at += 1 + record.at(at);          // legacy_compression_methods<1..2^8-1>
  return at;
}

void grow_lengths(Bytes& record, std::size_t extensions_length_at, std::size_t added) {
  write_u16(record, 3, read_u16(record, 3) + added);
  write_u24(record, kRecordHeader + 1, read_u24(record, kRecordHeader + 1) + added);
  write_u16(record, extensions_length_at, read_u16(record, extensions_length_at) + added);
}

}  // namespace

std::vector<RecordSpan> split_records(const Bytes& bytes) {
  std::vector<RecordSpan> records;
  for (std::size_t at = 0; at + kRecordHeader <= bytes.size();) {
    const std::size_t length = kRecordHeader + read_u16(bytes, at + 3);
    records.push_back({at, length});
    at += length;
  }
  return records;
}

void duplicate_extension_in_client_hello(Chunk& chunk, std::uint16_t type) {
  Bytes& record = chunk.bytes;
  if (record.size() < kRecordHeader + kHandshakeHeader || record[0] != kHandshakeRecord || record[5] != 1)
    throw std::runtime_error("duplicate extension: the chunk does not start with a ClientHello");
  const std::size_t length_at = extensions_length_offset(record);
  const std::size_t end = length_at + 2 + read_u16(record, length_at);
  for (std::size_t at = length_at + 2; at + 4 <= end;) {
    const std::size_t size = 4 + read_u16(record, at + 2);
    if (read_u16(record, at) == type) {
      const Bytes copy(record.begin() + at, record.begin() + at + size);
      record.insert(record.begin() + at + size, copy.begin(), copy.end());
      grow_lengths(record, length_at, size);
      chunk.records.front().length += size;
      return;
    }
    at += size;
  }
  throw std::runtime_error("duplicate extension: the ClientHello has no such extension");
}

void coalesce_plaintext_handshake(Chunk& chunk) {
  const auto spans = split_records(chunk.bytes);
  if (spans.size() != chunk.records.size()) return;
  // Handshake records before the first ChangeCipherSpec are plaintext (TLS 1.2: SH..ServerHelloDone).
  std::size_t count = 0;
  while (count < spans.size() && chunk.bytes[spans[count].offset] == kHandshakeRecord) ++count;
  if (count < 2) return;
  Bytes merged(chunk.bytes.begin(), chunk.bytes.begin() + kRecordHeader);
  RecordNote note = chunk.records.front();
  for (std::size_t i = 0; i < count; ++i) {
    merged.insert(merged.end(), chunk.bytes.begin() + spans[i].offset + kRecordHeader,
                  chunk.bytes.begin() + spans[i].offset + spans[i].length);
    if (i > 0) note.handshake_types.insert(note.handshake_types.end(), chunk.records[i].handshake_types.begin(),
                                           chunk.records[i].handshake_types.end());
  }
  write_u16(merged, 3, merged.size() - kRecordHeader);
  note.length = merged.size();
  merged.insert(merged.end(), chunk.bytes.begin() + spans[count - 1].offset + spans[count - 1].length,
                chunk.bytes.end());
  chunk.bytes = std::move(merged);
  chunk.records.erase(chunk.records.begin(), chunk.records.begin() + static_cast<std::ptrdiff_t>(count));
  chunk.records.insert(chunk.records.begin(), note);
}

}  // namespace tlsgen
