#include "rewrite.hpp"

#include "wire_rewrite.hpp"

#include <algorithm>
#include <stdexcept>

namespace tlsgen {
namespace {

std::size_t message_length(const std::uint8_t* header) {
  return kHandshakeHeader + (std::size_t{header[1]} << 16 | std::size_t{header[2]} << 8 | header[3]);
}

bool carries_certificate(const Chunk& chunk) {
  return chunk.from == Side::client && std::ranges::any_of(chunk.records, [](const RecordNote& note) {
           return std::ranges::find(note.handshake_types, kCertificate) != note.handshake_types.end();
         });
}

Bytes record_at(const Bytes& bytes, const RecordSpan& span) {
  const auto begin = bytes.begin() + static_cast<std::ptrdiff_t>(span.offset);
  return Bytes(begin, begin + static_cast<std::ptrdiff_t>(span.length));
}

std::vector<std::uint8_t> message_types(const Bytes& messages) {
  std::vector<std::uint8_t> types;
  for (std::size_t at = 0; at + kHandshakeHeader <= messages.size(); at += message_length(&messages[at]))
    types.push_back(messages[at]);
  return types;
}

}  // namespace

ClientFlightRewriter::ClientFlightRewriter(std::string_view cipher_suite, const std::vector<std::string>& keylog)
    : suite_(cipher_suite_info(cipher_suite)), keylog_(keylog) {}

void ClientFlightRewriter::process(Chunk& chunk) {
  if (done_) return;
  if (carries_certificate(chunk)) {
    drop_certificate(chunk);
    done_ = true;
    return;
  }
  follow(chunk);
}

Bytes ClientFlightRewriter::secret(std::string_view label) const { return key_log_secret(keylog_, label); }

// The transcript (8446 §4.4.1) up to the server's Finished: the plaintext ClientHello and
// ServerHello, then the server's flight under its handshake traffic secret (8446 §7.3).
// A HelloRetryRequest would need the message_hash construction (§4.4.1); no rewritten scenario has one.
void ClientFlightRewriter::follow(const Chunk& chunk) {
  for (const RecordSpan& span : split_records(chunk.bytes)) {
    const std::uint8_t type = chunk.bytes[span.offset];
    if (type == kHandshakeRecord) {
      add_handshake_bytes(chunk.bytes.data() + span.offset + 5, span.length - 5);
    } else if (type == kApplicationDataRecord && chunk.from == Side::server && !server_finished_) {
      follow_server_record(record_at(chunk.bytes, span));
    }
  }
}

void ClientFlightRewriter::follow_server_record(const Bytes& record) {
  if (!server_handshake_) server_handshake_.emplace(suite_, secret("SERVER_HANDSHAKE_TRAFFIC_SECRET"));
  const Bytes inner = server_handshake_->open(record);
  if (inner.back() == kHandshakeRecord) add_handshake_bytes(inner.data(), inner.size() - 1);
}

void ClientFlightRewriter::add_handshake_bytes(const std::uint8_t* data, std::size_t size) {
  pending_.insert(pending_.end(), data, data + size);
  while (pending_.size() >= kHandshakeHeader && pending_.size() >= message_length(pending_.data())) {
    const std::size_t length = message_length(pending_.data());
    if (pending_[0] == kFinished) server_finished_ = true;  // the client's Finished never passes here
    transcript_.insert(transcript_.end(), pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(length));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(length));
  }
}

// The client's protected handshake messages without Certificate and CertificateVerify, and a
// Finished whose verify_data covers what the server will have received (8446 §4.4.4). The messages
// kept join the transcript, so a Finished in a later record covers them.
Bytes ClientFlightRewriter::rewritten_messages(const Bytes& messages) {
  Bytes kept;
  for (std::size_t at = 0; at < messages.size();) {
    if (at + kHandshakeHeader > messages.size() || at + message_length(&messages[at]) > messages.size())
      throw std::runtime_error("rewrite: a client handshake message spans records");
    const std::size_t length = message_length(&messages[at]);
    const std::uint8_t type = messages[at];
    const std::size_t kept_before = kept.size();
    if (type == kFinished) {
      const Bytes verify_data = finished_verify_data(
          suite_, secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET"), transcript_hash(suite_, transcript_));
      const Bytes header(messages.begin() + static_cast<std::ptrdiff_t>(at),
                         messages.begin() + static_cast<std::ptrdiff_t>(at + kHandshakeHeader));
      if (message_length(header.data()) != kHandshakeHeader + verify_data.size())
        throw std::runtime_error("rewrite: Finished of an unexpected length");
      kept.insert(kept.end(), header.begin(), header.end());
      kept.insert(kept.end(), verify_data.begin(), verify_data.end());
    } else if (type != kCertificate && type != kCertificateVerify) {
      kept.insert(kept.end(), messages.begin() + static_cast<std::ptrdiff_t>(at),
                  messages.begin() + static_cast<std::ptrdiff_t>(at + length));
    }
    transcript_.insert(transcript_.end(), kept.begin() + static_cast<std::ptrdiff_t>(kept_before), kept.end());
    at += length;
  }
  return kept;
}

// Each protected record of the flight is decrypted with the client's handshake keys, its messages
// rewritten, and the rest re-encrypted with the same keys and sequence numbers counted afresh
// from 0 (8446 §5.3): a record that becomes empty is left out, so the records after it move up.
// Plaintext records (the middlebox-compatibility ChangeCipherSpec, 8446 §D.4) pass unchanged.
void ClientFlightRewriter::drop_certificate(Chunk& chunk) {
  if (!server_finished_) throw std::runtime_error("rewrite: the server's Finished was not seen");
  const Bytes client_secret = secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
  RecordProtection opener(suite_, client_secret);
  RecordProtection sealer(suite_, client_secret);
  const auto spans = split_records(chunk.bytes);
  if (spans.size() != chunk.records.size()) throw std::runtime_error("rewrite: record notes do not match the records");
  Chunk rewritten{chunk.from, {}, {}, chunk.delay_ms};
  for (std::size_t i = 0; i < spans.size(); ++i) {
    Bytes record = record_at(chunk.bytes, spans[i]);
    RecordNote note = chunk.records[i];
    if (record[0] == kApplicationDataRecord) {
      Bytes inner = opener.open(record);
      if (inner.back() != kHandshakeRecord) throw std::runtime_error("rewrite: non-handshake record in the flight");
      inner.pop_back();
      const Bytes kept = rewritten_messages(inner);
      if (kept.empty()) continue;
      record = sealer.seal(kept, kHandshakeRecord);
      note.length = record.size();
      note.handshake_types = message_types(kept);
    }
    rewritten.bytes.insert(rewritten.bytes.end(), record.begin(), record.end());
    rewritten.records.push_back(std::move(note));
  }
  chunk = std::move(rewritten);
}

}  // namespace tlsgen
