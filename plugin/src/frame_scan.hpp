// Phase 1 of a frame: walk the protocol tree Wireshark built and copy what the rules need into plain
// structs (pinfo->pool). Nothing here allocates C++ objects: tvb and proto calls may longjmp.
#pragma once

#include <cstdint>

#include "wireshark.hpp"

#include "tlsflags/core/flags_codec.hpp"

namespace tlsflags::plugin {

// A malformed body longer than 1 + 255 octets is still malformed when cut to this size, so the
// codec sees the same problem without the scan copying unbounded data.
inline constexpr size_t kMaxBodyCopy = 1 + kMaxFlagsOctets + 1;
inline constexpr size_t kMaxDistinguishedNameCopy = 512;
inline constexpr uint8_t kMaxDistinguishedNames = 8;
// A certificate larger than this is not copied (its details are then not shown), nor entries past the
// first kMaxChainCopy of a Certificate message.
inline constexpr int kMaxCertificateCopy = 64 * 1024;
inline constexpr uint8_t kMaxChainCopy = 8;
// Entries kept of a CertificateRequest's signature_algorithms and signature_algorithms_cert.
inline constexpr uint8_t kMaxSignatureSchemes = 64;
// compress_certificate algorithms kept per ClientHello or CertificateRequest (RFC 8879 §3: at most 127).
inline constexpr uint8_t kMaxCompressionAlgorithms = 16;
// SNI host names longer than this are cut (RFC 6066 §3: a HostName is at most 2^16-1 octets; DNS names 253).
inline constexpr size_t kMaxServerNameCopy = 256;

// One TLS Flags extension, located in its data source (the frame, a reassembled or a decrypted
// record: notes "decrypted data sources").
struct ScannedExtension {
  proto_node* extension_node;  // the node holding extension.type; our items nest under it
  tvbuff_t* data_source;
  int type_offset;             // offset of extension_type in data_source
  int message;                 // index into FrameScan::messages, -1 when outside any message
  int block_offset;            // offset of the extensions_length opening its block, -1 unknown
  uint16_t body_length;        // extension_data length as sent
  uint16_t copied;             // octets of body[] filled (may be less when the capture is cut)
  uint8_t body[kMaxBodyCopy];
};

// A handshake message. Zero-initialised by the scan; every member is plain data.
struct ScannedMessage {
  tvbuff_t* data_source;
  int start;         // offset of msg_type
  int end;           // one past the message (start + 4 + length), clipped to what was present
  int block_offset;  // the extension block being read (offset of its extensions_length)
  uint8_t type;
  bool hello_retry;
  bool offers_tls13;
  bool ech_outer;
  uint16_t legacy_version;
  uint16_t selected_version;
  uint32_t certificate_entries;
  uint8_t distinguished_names;
  const char* distinguished_name_hex[kMaxDistinguishedNames];
  // Certificate: the entries' cert_data (RFC 8446 §4.4.2), leaf first, pinfo->pool; only entries
  // wholly present and at most kMaxCertificateCopy octets, so a chain may stop early.
  const uint8_t* chain_der[kMaxChainCopy];
  uint32_t chain_der_length[kMaxChainCopy];
  uint8_t chain_copied;
  // ClientHello: the SNI host_name (RFC 6066 §3), pinfo->pool; NULL when absent.
  const char* server_name;
  // CertificateRequest (RFC 8446 §4.2.3): the extension being read and the schemes of both lists.
  uint16_t current_extension;
  uint8_t signature_algorithm_count;
  uint8_t signature_algorithm_cert_count;
  uint16_t signature_algorithms[kMaxSignatureSchemes];
  uint16_t signature_algorithms_cert[kMaxSignatureSchemes];
  // ClientHello and CertificateRequest: compress_certificate's algorithms (RFC 8879 §3), when present.
  bool offers_compression;
  uint8_t compression_algorithm_count;
  uint16_t compression_algorithms[kMaxCompressionAlgorithms];
  // CompressedCertificate (RFC 8879 §4), when wholly present: its fields and its compressed bytes
  // (pinfo->pool), read from the message itself, whether or not this Wireshark inflates them.
  bool compressed_complete;
  uint16_t compression_algorithm;
  uint32_t uncompressed_length;
  uint32_t compressed_length;
  const uint8_t* compressed;
  // CertificateRequest and Certificate: the certificate_request_context, hex (RFC 8446 §4.3.2, §4.4.2),
  // which links a post-handshake request to its answer (§4.6.2); nullptr when not present.
  const char* request_context_hex;
};

enum class ItemKind : uint8_t { message, alert, fin, rst, protected_data, decrypted_data };

// The frame's observations in tree (= wire) order.
struct ScannedItem {
  ItemKind kind;
  int message;  // for ItemKind::message
  uint8_t alert_level;
  uint8_t alert_description;
  bool alert_complete;
};

// Bounds per frame; a frame holding more is not a handshake worth judging, the rest is ignored.
inline constexpr int kMaxMessages = 48;
inline constexpr int kMaxExtensions = 16;
inline constexpr int kMaxItems = 64;

struct FrameScan {
  ScannedMessage messages[kMaxMessages];
  int message_count;
  ScannedExtension extensions[kMaxExtensions];  // only TLS Flags extensions (configured type)
  int extension_count;
  ScannedItem items[kMaxItems];
  int item_count;
};

// Walks `tree` (may be NULL) and returns what it found; `frame_tvb` is the tvb the postdissector got,
// which tells protected (undecrypted) data from decrypted data.
// The result lives in pinfo->pool.
const FrameScan* scan_frame(proto_tree* tree, tvbuff_t* frame_tvb, packet_info* pinfo,
                            uint16_t extension_type);

}  // namespace tlsflags::plugin
