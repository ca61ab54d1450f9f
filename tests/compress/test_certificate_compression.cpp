// analyser/compress: RFC 8879 §4's inflation, its bounds (docs/reliability-limits.md "Compressed
// certificates") and each algorithm's way of failing. Inputs are compressed here with the libraries'
// own compressors.
#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "tlsflags/compress/certificate_compression.hpp"

namespace {

using tlsflags::compress::Algorithm;
using tlsflags::compress::inflate_certificate;
using tlsflags::compress::Outcome;
using Bytes = std::vector<uint8_t>;

uint16_t code(Algorithm algorithm) { return static_cast<uint16_t>(algorithm); }

Bytes zlib_compress(const Bytes& input) {
  uLongf size = compressBound(input.size());
  Bytes out(size);
  if (compress2(out.data(), &size, input.data(), input.size(), Z_BEST_COMPRESSION) != Z_OK)
    throw std::runtime_error("compress2 failed");
  out.resize(size);
  return out;
}

Bytes brotli_compress(const Bytes& input) {
  size_t size = BrotliEncoderMaxCompressedSize(input.size());
  Bytes out(size ? size : 16);
  size = out.size();
  if (!BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC,
                             input.size(), input.data(), &size, out.data()))
    throw std::runtime_error("BrotliEncoderCompress failed");
  out.resize(size);
  return out;
}

Bytes zstd_compress(const Bytes& input) {
  Bytes out(ZSTD_compressBound(input.size()));
  const size_t size = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), 3);
  if (ZSTD_isError(size)) throw std::runtime_error("ZSTD_compress failed");
  out.resize(size);
  return out;
}

Bytes compress_with(Algorithm algorithm, const Bytes& input) {
  switch (algorithm) {
    case Algorithm::zlib: return zlib_compress(input);
    case Algorithm::brotli: return brotli_compress(input);
    case Algorithm::zstd: return zstd_compress(input);
  }
  throw std::logic_error("no such algorithm");
}

// Something shaped like a Certificate message (RFC 8446 §4.4.2): an empty context, one entry whose
// "DER" mixes a repeated name with pseudo-random key and signature bytes.
Bytes certificate_like(size_t der_size) {
  Bytes der(der_size);
  uint32_t state = 2463534242u;
  for (size_t i = 0; i < der.size(); ++i) {
    state ^= state << 13, state ^= state >> 17, state ^= state << 5;
    der[i] = (i % 3 == 0) ? static_cast<uint8_t>("example.com"[i % 11]) : static_cast<uint8_t>(state);
  }
  Bytes message{0x00};
  const size_t entry = 3 + der.size() + 2, list = entry;
  message.insert(message.end(), {uint8_t(list >> 16), uint8_t(list >> 8), uint8_t(list)});
  message.insert(message.end(), {uint8_t(der.size() >> 16), uint8_t(der.size() >> 8), uint8_t(der.size())});
  message.insert(message.end(), der.begin(), der.end());
  message.insert(message.end(), {0x00, 0x00});
  return message;
}

const Algorithm all_algorithms[] = {Algorithm::zlib, Algorithm::brotli, Algorithm::zstd};

}  // namespace

TEST_CASE("each algorithm inflates what its library compressed, to exactly the declared length") {
  for (Algorithm algorithm : all_algorithms) {
    for (size_t size : {1u, 900u, 5000u, 70000u}) {
      const Bytes message = certificate_like(size);
      const auto inflated =
          inflate_certificate(code(algorithm), message.size(), compress_with(algorithm, message));
      INFO(tlsflags::compress::algorithm_name(code(algorithm)) << " " << size);
      CHECK(inflated.outcome == Outcome::ok);
      CHECK(inflated.message == message);
    }
  }
}

TEST_CASE("an empty certificate_list inflates (the client's empty Certificate, RFC 8446 §4.4.2)") {
  const Bytes empty_certificate{0x00, 0x00, 0x00, 0x00};
  for (Algorithm algorithm : all_algorithms) {
    const auto inflated =
        inflate_certificate(code(algorithm), 4, compress_with(algorithm, empty_certificate));
    CHECK(inflated.outcome == Outcome::ok);
    CHECK(inflated.message == empty_certificate);
  }
}

TEST_CASE("no compressed bytes at all is corrupt, and a declared length of 0 is invalid") {
  for (Algorithm algorithm : all_algorithms) {
    CHECK(inflate_certificate(code(algorithm), 10, {}).outcome == Outcome::corrupt);
    CHECK(inflate_certificate(code(algorithm), 0, compress_with(algorithm, Bytes{1, 2, 3})).outcome ==
          Outcome::declared_length_invalid);
  }
}

TEST_CASE("a declared length above 2^24 - 1 or the caller's limit is invalid") {
  const Bytes message = certificate_like(3000);
  const Bytes compressed = zlib_compress(message);
  CHECK(inflate_certificate(1, 1u << 24, compressed).outcome == Outcome::declared_length_invalid);
  tlsflags::compress::Limits small;
  small.max_uncompressed = 1000;
  CHECK(inflate_certificate(1, message.size(), compressed, small).outcome ==
        Outcome::declared_length_invalid);
  // A caller's limit above the RFC's is clamped to it.
  small.max_uncompressed = UINT32_MAX;
  CHECK(inflate_certificate(1, 1u << 24, compressed, small).outcome == Outcome::declared_length_invalid);
}

TEST_CASE("a truncated stream is corrupt, for every algorithm and every cut") {
  const Bytes message = certificate_like(2000);
  for (Algorithm algorithm : all_algorithms) {
    const Bytes compressed = compress_with(algorithm, message);
    for (size_t cut = 1; cut < compressed.size(); cut += 7) {
      const Bytes truncated(compressed.begin(), compressed.begin() + cut);
      tlsflags::compress::Limits unbounded_ratio;
      unbounded_ratio.max_ratio = 0;
      const auto inflated = inflate_certificate(code(algorithm), message.size(), truncated, unbounded_ratio);
      INFO(tlsflags::compress::algorithm_name(code(algorithm)) << " cut at " << cut);
      CHECK(inflated.outcome == Outcome::corrupt);
      CHECK(inflated.message.empty());
    }
  }
}

TEST_CASE("a stream that yields more or fewer bytes than declared is a length mismatch") {
  const Bytes message = certificate_like(2000);
  for (Algorithm algorithm : all_algorithms) {
    const Bytes compressed = compress_with(algorithm, message);
    INFO(tlsflags::compress::algorithm_name(code(algorithm)));
    CHECK(inflate_certificate(code(algorithm), message.size() - 1, compressed).outcome ==
          Outcome::length_mismatch);
    CHECK(inflate_certificate(code(algorithm), message.size() + 1, compressed).outcome ==
          Outcome::length_mismatch);
    CHECK(inflate_certificate(code(algorithm), 1, compressed).outcome == Outcome::length_mismatch);
  }
}

TEST_CASE("a bomb (16 MiB of zeros declared as 1000 bytes) stops after 1001 bytes of output") {
  const Bytes zeros(16u << 20, 0);
  for (Algorithm algorithm : all_algorithms) {
    const Bytes bomb = compress_with(algorithm, zeros);
    const auto started = std::chrono::steady_clock::now();
    const auto inflated = inflate_certificate(code(algorithm), 1000, bomb);
    const auto took = std::chrono::steady_clock::now() - started;
    INFO(tlsflags::compress::algorithm_name(code(algorithm)) << " bomb of " << bomb.size() << " bytes");
    CHECK(inflated.outcome == Outcome::length_mismatch);
    CHECK(inflated.message.empty());
    CHECK(took < std::chrono::milliseconds(1000));  // it decodes 1001 bytes, not 16 MiB
  }
}

TEST_CASE("a bomb declared at its full size is refused for its ratio before anything is allocated") {
  const Bytes zeros((1u << 24) - 1, 0);
  for (Algorithm algorithm : all_algorithms) {
    const Bytes bomb = compress_with(algorithm, zeros);
    INFO(tlsflags::compress::algorithm_name(code(algorithm)) << " bomb of " << bomb.size() << " bytes");
    CHECK(inflate_certificate(code(algorithm), zeros.size(), bomb).outcome == Outcome::ratio_exceeded);
    tlsflags::compress::Limits unbounded_ratio;
    unbounded_ratio.max_ratio = 0;  // the ratio alone refused it: the stream itself is sound
    CHECK(inflate_certificate(code(algorithm), zeros.size(), bomb, unbounded_ratio).outcome == Outcome::ok);
  }
}

TEST_CASE("the ratio bound sits above what certificate-like messages reach") {
  for (Algorithm algorithm : all_algorithms) {
    const Bytes message = certificate_like(4000);
    const Bytes compressed = compress_with(algorithm, message);
    CHECK(message.size() < compressed.size() * 4);
    CHECK(inflate_certificate(code(algorithm), message.size(), compressed).outcome == Outcome::ok);
  }
}

TEST_CASE("an algorithm other than zlib, brotli and zstd is unknown") {
  const Bytes compressed = zlib_compress(certificate_like(100));
  for (uint16_t algorithm : {0, 4, 0x4000, 0xffff}) {
    CHECK(inflate_certificate(algorithm, 100, compressed).outcome == Outcome::unknown_algorithm);
    CHECK(tlsflags::compress::algorithm_name(algorithm) == "unknown");
  }
  CHECK(tlsflags::compress::algorithm_name(1) == "zlib");
  CHECK(tlsflags::compress::algorithm_name(2) == "brotli");
  CHECK(tlsflags::compress::algorithm_name(3) == "zstd");
}

TEST_CASE("bytes after the end of the stream are corrupt") {
  const Bytes message = certificate_like(1500);
  for (Algorithm algorithm : all_algorithms) {
    Bytes compressed = compress_with(algorithm, message);
    compressed.push_back(0x00);
    INFO(tlsflags::compress::algorithm_name(code(algorithm)));
    CHECK(inflate_certificate(code(algorithm), message.size(), compressed).outcome == Outcome::corrupt);
    // A second, complete stream after the first is extra bytes too.
    Bytes twice = compress_with(algorithm, message);
    const Bytes again = twice;
    twice.insert(twice.end(), again.begin(), again.end());
    CHECK(inflate_certificate(code(algorithm), message.size(), twice).outcome == Outcome::corrupt);
  }
}

TEST_CASE("a stream of another algorithm, or damaged bytes, is corrupt and never crashes") {
  const Bytes message = certificate_like(1500);
  const Bytes zlib = zlib_compress(message);
  CHECK(inflate_certificate(code(Algorithm::zstd), message.size(), zlib).outcome == Outcome::corrupt);
  CHECK(inflate_certificate(code(Algorithm::brotli), message.size(), zlib).outcome != Outcome::ok);
  for (Algorithm algorithm : all_algorithms) {
    Bytes damaged = compress_with(algorithm, message);
    for (size_t i = 0; i < damaged.size(); i += 5) damaged[i] ^= 0x5a;
    CHECK(inflate_certificate(code(algorithm), message.size(), damaged).outcome != Outcome::ok);
  }
}

TEST_CASE("every outcome has a sentence and a token") {
  for (Outcome outcome : {Outcome::ok, Outcome::unknown_algorithm, Outcome::declared_length_invalid,
                          Outcome::corrupt, Outcome::length_mismatch, Outcome::ratio_exceeded}) {
    CHECK(tlsflags::compress::outcome_text(outcome).size() > 20);
    CHECK(!tlsflags::compress::outcome_name(outcome).empty());
  }
}
