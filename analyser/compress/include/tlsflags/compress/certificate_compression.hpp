// RFC 8879 (TLS Certificate Compression): the CompressedCertificate's compressed_certificate_message
// inflated back into the Certificate message it stands for (RFC 8879 §4), with Debian's zlib, brotli and
// zstd libraries. Bounded (docs/reliability-limits.md "Compressed certificates"): the output never grows
// beyond the declared uncompressed_length, which is at most 2^24 - 1 and never 0, and a declared length
// that is absurdly large for the compressed bytes is refused before anything is allocated.
// The library only says what the bytes are; whether a peer reacted correctly is the core's rule.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "tlsflags/core/events.hpp"

namespace tlsflags::compress {

// RFC 8879 §3 / IANA "TLS Certificate Compression Algorithm IDs".
enum class Algorithm : uint16_t { zlib = 1, brotli = 2, zstd = 3 };

// "zlib", "brotli", "zstd"; "unknown" for any other code point.
std::string_view algorithm_name(uint16_t algorithm);
// Whether the code point is one of the three this library inflates.
bool is_known_algorithm(uint16_t algorithm);

enum class Outcome {
  ok,                       // inflated to exactly uncompressed_length bytes
  unknown_algorithm,        // not zlib, brotli or zstd (RFC 8879 §3's registry)
  declared_length_invalid,  // uncompressed_length is 0 or above the limit (at most 2^24 - 1)
  corrupt,                  // not a valid stream, truncated, or bytes after the end of the stream
  length_mismatch,          // the stream yields more or fewer bytes than uncompressed_length (RFC 8879 §4)
  ratio_exceeded,           // uncompressed_length / compressed size above Limits::max_ratio
};

// One sentence saying what went wrong (or that nothing did), for reports and findings.
std::string_view outcome_text(Outcome outcome);
// A short token for machine-readable output: "ok", "unknown-algorithm", "declared-length-invalid",
// "corrupt", "length-mismatch", "ratio-exceeded".
std::string_view outcome_name(Outcome outcome);
// The same outcome as an event carries it (core's InflationOutcome, which the rules judge).
InflationOutcome event_outcome(Outcome outcome);

// The largest uncompressed_length RFC 8879 §4 allows: a uint24 (the Handshake length's bound).
inline constexpr uint32_t max_uncompressed_length = (1u << 24) - 1;
// Why 1:256 (docs/reliability-limits.md; core's describe(InflationOutcome::ratio_exceeded) names it): every certificate carries a public key and a signature, which
// do not compress, so real chains inflate 1.1 to 4 times (zlib, brotli and zstd alike); 256 leaves
// ample room for certificates full of repeated extension bytes while keeping the work a small
// message can ask for bounded (a 66-byte message may ask for at most 16.5 KiB).
inline constexpr uint32_t default_max_ratio = 256;

struct Limits {
  uint32_t max_uncompressed = max_uncompressed_length;  // clamped to max_uncompressed_length
  uint32_t max_ratio = default_max_ratio;                // uncompressed_length / compressed size
};

struct Inflated {
  Outcome outcome = Outcome::corrupt;
  // The Certificate message body (RFC 8446 §4.4.2) when outcome == ok; empty otherwise.
  std::vector<uint8_t> message;
};

// Inflates compressed_certificate_message. Allocates at most uncompressed_length bytes for the output,
// and only after the declared length and the ratio were found acceptable.
Inflated inflate_certificate(uint16_t algorithm, uint32_t uncompressed_length,
                             std::span<const uint8_t> compressed, const Limits& limits = {});

}  // namespace tlsflags::compress
