// The TLS Flags extension codec (draft-ietf-tls-tlsflags §2; docs/architecture.md "The seams").
//
//   struct { opaque flags<1..255>; } FlagExtensions;
//
// Flag N lives in octet N/8 under mask 1 << (N % 8). Everything here is plain data with trivial
// destructors: the Wireshark plugin calls it between tvb accesses that may longjmp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tlsflags {

inline constexpr uint16_t kTlsFlagsExtensionType = 62;        // BoringSSL's TLSEXT_TYPE_tls_flags
inline constexpr uint16_t kCloudflareExperimentType = 0xFE01; // 65025, opt-in only
inline constexpr uint16_t kDefaultRequestClientAuthFlag = 80; // Cloudflare's deployment
inline constexpr uint16_t kResumptionAcrossNamesFlag = 8;
inline constexpr size_t kMaxFlagsOctets = 255;                // opaque flags<1..255>
inline constexpr uint16_t kMaxFlag = kMaxFlagsOctets * 8 - 1;  // 2039

// Why a flags body is not a valid FlagExtensions value. The order is the order of the checks:
// a body that cannot be parsed says nothing about minimality.
enum class FlagsProblem : uint8_t {
  none,
  malformed,    // extension length != 1 + L  (RFC 8446 §4: every byte accounted for)
  empty,        // L == 0: "MUST NOT send this extension with a length of zero"
  non_minimal,  // trailing zero octet or all zero: "MUST generate a fatal illegal_parameter alert"
};

std::string_view to_string(FlagsProblem problem);

// A decoded flags vector. `octets` holds the vector as sent (up to 255 octets); for a malformed body
// it holds whatever of the vector could be read, so the set flags are still worth showing.
class FlagSet {
 public:
  FlagSet() = default;
  static FlagSet from_numbers(std::span<const uint16_t> flags);  // flags > kMaxFlag are ignored

  bool contains(uint16_t flag) const;
  void insert(uint16_t flag);  // ignores flags > kMaxFlag
  bool empty() const;
  size_t count() const;
  // Calls fn(flag) for each set flag in ascending order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (size_t i = 0; i < size_; ++i)
      for (unsigned bit = 0; bit < 8; ++bit)
        if (octets_[i] & (1u << bit)) fn(static_cast<uint16_t>(i * 8 + bit));
  }
  // The minimal encoding of this set: the vector without its length octet.
  std::span<const uint8_t> minimal_octets() const;
  // Octets exactly as decoded (may carry trailing zeros when decoded from a non-minimal body).
  std::span<const uint8_t> octets() const { return {octets_.data(), size_}; }
  bool operator==(const FlagSet& other) const;  // same flags, whatever the encoding

 private:
  friend struct FlagsDecoder;
  std::array<uint8_t, kMaxFlagsOctets> octets_{};
  size_t size_ = 0;
};

struct DecodedFlags {
  FlagsProblem problem = FlagsProblem::none;
  uint8_t declared_length = 0;  // L, the first octet (0 when the body is empty)
  FlagSet flags;
};

// Decodes an extension body (the extension_data, without type and length). Never reads outside `body`.
DecodedFlags decode_flags(std::span<const uint8_t> body);

// Writes the minimal extension body (length octet + vector) for `flags` into `out`; returns the number
// of bytes written, or 0 when `flags` is empty (an empty vector is never valid) or `out` is too small.
size_t encode_flags(const FlagSet& flags, std::span<uint8_t> out);

// "request_client_auth", "resumption_across_names" or empty for an unnamed flag.
std::string_view flag_name(uint16_t flag, uint16_t request_client_auth_flag);

}  // namespace tlsflags
