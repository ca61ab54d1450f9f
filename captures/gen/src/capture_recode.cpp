#include "capture_recode.hpp"

#include "wire_rewrite.hpp"

#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <stdexcept>

namespace tlsgen {
namespace {

constexpr int kZlib = 1, kBrotli = 2, kZstd = 3;             // RFC 8879 §7.3

void put_u24(Bytes& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 16));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

// The whole body, compressed with the Debian library of the RFC 8879 algorithm.
Bytes compress_with(int algorithm, const Bytes& body) {
  Bytes out;
  if (algorithm == kZlib) {
    uLongf size = compressBound(body.size());
    out.resize(size);
    if (compress2(out.data(), &size, body.data(), body.size(), Z_BEST_COMPRESSION) != Z_OK)
      throw std::runtime_error("zlib compress2 failed");
    out.resize(size);
  } else if (algorithm == kBrotli) {
    std::size_t size = BrotliEncoderMaxCompressedSize(body.size());
    out.resize(size);
    if (!BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, body.size(),
                               body.data(), &size, out.data()))
      throw std::runtime_error("BrotliEncoderCompress failed");
    out.resize(size);
  } else if (algorithm == kZstd) {
    out.resize(ZSTD_compressBound(body.size()));
    const std::size_t size = ZSTD_compress(out.data(), out.size(), body.data(), body.size(), ZSTD_CLEVEL_DEFAULT);
    if (ZSTD_isError(size)) throw std::runtime_error("ZSTD_compress failed");
    out.resize(size);
  } else {
    throw std::runtime_error("no such certificate compression algorithm");
  }
  return out;
}

// The CertificateRequest (RFC 8446 §4.3.2) with its compress_certificate list (RFC 8879 §3: a
// one-octet length, then 16-bit algorithms) naming `algorithm` instead of the one OpenSSL named.
Bytes with_algorithm_offered(Bytes request, int algorithm) {
  const std::size_t extensions_at = kHandshakeHeader + 1 + request.at(kHandshakeHeader);
  const std::size_t end = extensions_at + 2 + read_u16(request, extensions_at);
  for (std::size_t at = extensions_at + 2; at + 4 <= end;) {
    const std::size_t size = read_u16(request, at + 2);
    if (read_u16(request, at) == kCompressCertificateExtension) {
      if (size != 3 || request.at(at + 4) != 2) throw std::runtime_error("recode: compress_certificate of one algorithm expected");
      request.at(at + 5) = static_cast<std::uint8_t>(algorithm >> 8);
      request.at(at + 6) = static_cast<std::uint8_t>(algorithm);
      return request;
    }
    at += 4 + size;
  }
  throw std::runtime_error("recode: the CertificateRequest offers no certificate compression");
}

bool carries(const Chunk& chunk, std::uint8_t message_type) {
  return std::ranges::any_of(chunk.records, [&](const RecordNote& note) {
    return std::ranges::find(note.handshake_types, message_type) != note.handshake_types.end();
  });
}

}  // namespace

CaptureRecoder::CaptureRecoder(std::string_view cipher_suite, const std::vector<std::string>& keylog, int algorithm,
                               bool offered)
    : suite_(cipher_suite_info(cipher_suite)), keylog_(keylog), algorithm_(algorithm), request_done_(!offered) {}

void CaptureRecoder::process(Chunk& chunk) {
  if (chunk.from == Side::server && !request_done_ && carries(chunk, kCertificateRequest)) {
    recode_flight(chunk, "SERVER_HANDSHAKE_TRAFFIC_SECRET", kCertificateRequest);
    request_done_ = true;
  } else if (chunk.from == Side::client && !certificate_done_ && carries(chunk, kCertificate)) {
    recode_flight(chunk, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", kCertificate);
    certificate_done_ = true;
  }
}

// RFC 8879 §4: algorithm, uncompressed_length, then the compressed Certificate body.
Bytes CaptureRecoder::recoded_message(const Bytes& message) const {
  if (message.at(0) == kCertificateRequest) return with_algorithm_offered(message, algorithm_);
  const Bytes body(message.begin() + kHandshakeHeader, message.end());
  const Bytes compressed = compress_with(algorithm_, body);
  Bytes body25{static_cast<std::uint8_t>(algorithm_ >> 8), static_cast<std::uint8_t>(algorithm_)};
  put_u24(body25, body.size());
  put_u24(body25, compressed.size());
  body25.insert(body25.end(), compressed.begin(), compressed.end());
  Bytes out{kCompressedCertificate};
  put_u24(out, body25.size());
  out.insert(out.end(), body25.begin(), body25.end());
  return out;
}

// The protected records of the flight up to the one holding `message_type` (one message per record, as
// OpenSSL writes them) are opened and sealed again under the same keys and sequence numbers (RFC 8446
// §5.3), that one re-encoded; plaintext records and the records after it pass unchanged.
void CaptureRecoder::recode_flight(Chunk& chunk, std::string_view secret_label, std::uint8_t message_type) {
  const Bytes secret = key_log_secret(keylog_, secret_label);
  RecordProtection opener(suite_, secret);
  RecordProtection sealer(suite_, secret);
  const auto spans = split_records(chunk.bytes);
  if (spans.size() != chunk.records.size()) throw std::runtime_error("recode: record notes do not match the records");
  Chunk recoded{chunk.from, {}, {}, chunk.delay_ms};
  bool done = false;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const auto begin = chunk.bytes.begin() + static_cast<std::ptrdiff_t>(spans[i].offset);
    Bytes record(begin, begin + static_cast<std::ptrdiff_t>(spans[i].length));
    RecordNote note = chunk.records[i];
    if (!done && record[0] == kApplicationDataRecord) {
      Bytes inner = opener.open(record);
      const std::uint8_t inner_type = inner.back();
      inner.pop_back();
      if (inner_type == kHandshakeRecord && !inner.empty() && inner[0] == message_type) {
        if (read_u24(inner, 1) + kHandshakeHeader != inner.size())
          throw std::runtime_error("recode: the message does not fill its record");
        inner = recoded_message(inner);
        note.handshake_types = {inner[0]};
        done = true;  // the records after it keep their bytes and sequence numbers
      }
      record = sealer.seal(inner, inner_type);
      note.length = record.size();
    }
    recoded.bytes.insert(recoded.bytes.end(), record.begin(), record.end());
    recoded.records.push_back(std::move(note));
  }
  chunk = std::move(recoded);
}

}  // namespace tlsgen
