#include "frame_scan.hpp"

#include <cstring>

#include "tls_fields.hpp"
#include "tlsflags/core/protocol.hpp"
#include "wireshark_compat.hpp"

namespace tlsflags::plugin {
namespace {

// An integer field's value (the fvalue's place in field_info is version-dependent: wireshark_compat.hpp).
uint64_t field_uint(field_info* fi) {
  switch (fi->hfinfo->type) {
    case FT_UINT8:
    case FT_UINT16:
    case FT_UINT24:
    case FT_UINT32:
      return fvalue_get_uinteger(ws::field_value(fi));
    case FT_UINT64:
    case FT_BOOLEAN:
      return fvalue_get_uinteger64(ws::field_value(fi));
    default:
      return 0;
  }
}

// The depth-first, parent-before-children successor of `node` below `root` (wire order of fields).
proto_node* next_in_preorder(proto_node* node, proto_node* root) {
  if (node->first_child) return node->first_child;
  while (node && node != root) {
    if (node->next) return node->next;
    node = node->parent;
  }
  return nullptr;
}

class Scanner {
 public:
  Scanner(FrameScan* out, tvbuff_t* frame_tvb, packet_info* pinfo, uint16_t extension_type)
      : out_(out), frame_tvb_(frame_tvb), pinfo_(pinfo), extension_type_(extension_type) {}

  void visit(proto_node* node) {
    field_info* fi = PNODE_FINFO(node);
    if (!fi || !fi->hfinfo || !fi->ds_tvb || inside_compressed_certificate(node)) return;
    switch (classify_field(fi->hfinfo->id)) {
      case TlsField::none: return;
      case TlsField::handshake_type: start_message(node, fi); return;
      case TlsField::extensions_length: start_block(fi); return;
      case TlsField::extension_type: extension(node, fi); return;
      case TlsField::random: random(fi); return;
      case TlsField::legacy_version: version(fi, false); return;
      case TlsField::supported_version: version(fi, true); return;
      case TlsField::certificate: certificate(fi); return;
      case TlsField::distinguished_name: distinguished_name(fi); return;
      case TlsField::server_name: server_name(fi); return;
      case TlsField::signature_algorithm: signature_algorithm(fi); return;
      case TlsField::alert_level: alert_level(fi); return;
      case TlsField::alert_description: alert_description(fi); return;
      case TlsField::quic_tls_alert: quic_alert(fi); return;
      case TlsField::record_opaque_type: protected_record_ = true; inner_type_known_ = false; return;
      case TlsField::record_content_type: inner_type_known_ = true; return;
      case TlsField::app_data: app_data(fi); return;
      case TlsField::tcp_fin: if (field_uint(fi)) add_item(ItemKind::fin); return;
      case TlsField::tcp_rst: if (field_uint(fi)) add_item(ItemKind::rst); return;
    }
  }

 private:
  ScannedItem* add_item(ItemKind kind) {
    if (out_->item_count >= kMaxItems) return nullptr;
    ScannedItem* item = &out_->items[out_->item_count++];
    item->kind = kind;
    item->message = -1;
    return item;
  }

  // The message whose bytes hold `fi`: the innermost is the latest started (tree order).
  ScannedMessage* owner(field_info* fi) {
    for (int i = out_->message_count - 1; i >= 0; --i) {
      ScannedMessage& m = out_->messages[i];
      if (m.data_source == fi->ds_tvb && fi->start >= m.start && fi->start < m.end) return &m;
    }
    return nullptr;
  }
  int owner_index(field_info* fi) {
    ScannedMessage* m = owner(fi);
    return m ? static_cast<int>(m - out_->messages) : -1;
  }

  // A Wireshark that inflates a CompressedCertificate (4.4: brotli; 4.6: all three) dissects the
  // Certificate inside under the message's node, in a tvb of its own whose offsets are not the message's
  // data source's: nothing under that node is read (phase 2 inflates the copied bytes itself).
  bool inside_compressed_certificate(proto_node* node) const {
    for (int i = 0; i < compressed_count_; ++i)
      for (proto_node* up = node->parent; up; up = up->parent)
        if (up == compressed_nodes_[i]) return true;
    return false;
  }

  void start_message(proto_node* node, field_info* fi) {
    int before = out_->message_count;
    start_message(fi);
    bool compressed = out_->message_count > before &&
                      out_->messages[before].type == to_wire(HandshakeType::compressed_certificate);
    if (compressed && compressed_count_ < kMaxMessages) compressed_nodes_[compressed_count_++] = node->parent;
  }

  void start_message(field_info* fi) {
    if (out_->message_count >= kMaxMessages) return;
    // Handshake { msg_type(1); uint24 length; body } (RFC 8446 §4): the length follows the type.
    int captured = static_cast<int>(tvb_captured_length(fi->ds_tvb));
    if (fi->start < 0 || fi->start + 4 > captured) return;
    ScannedItem* item = add_item(ItemKind::message);
    if (!item) return;
    ScannedMessage& m = out_->messages[out_->message_count];
    item->message = out_->message_count++;
    m.data_source = fi->ds_tvb;
    m.start = fi->start;
    uint32_t length = tvb_get_ntoh24(fi->ds_tvb, fi->start + 1);
    int64_t end = static_cast<int64_t>(fi->start) + 4 + length;
    m.end = end > captured ? captured : static_cast<int>(end);
    m.block_offset = -1;
    m.type = static_cast<uint8_t>(field_uint(fi));
    read_request_context(m);
    read_compressed_certificate(m);
  }

  // RFC 8879 §4: CertificateCompressionAlgorithm algorithm; uint24 uncompressed_length;
  // opaque compressed_certificate_message<1..2^24-1>. Read from the message's bytes, the same in every
  // Wireshark version; copied only when the whole message is present (phase 2 inflates it).
  void read_compressed_certificate(ScannedMessage& m) {
    if (m.type != to_wire(HandshakeType::compressed_certificate)) return;
    int body = m.start + 4;
    uint32_t declared = tvb_get_ntoh24(m.data_source, m.start + 1);
    if (static_cast<int64_t>(body) + declared != m.end || declared < 8) return;
    m.compression_algorithm = tvb_get_ntohs(m.data_source, body);
    m.uncompressed_length = tvb_get_ntoh24(m.data_source, body + 2);
    m.compressed_length = tvb_get_ntoh24(m.data_source, body + 5);
    if (m.compressed_length != declared - 8) return;  // not well-formed: phase 2 says so
    m.compressed = static_cast<const uint8_t*>(
        tvb_memdup(pinfo_->pool, m.data_source, body + 8, static_cast<int>(m.compressed_length)));
    m.compressed_complete = true;
  }

  // compress_certificate (RFC 8879 §3): CertificateCompressionAlgorithm algorithms<2..2^8-2>, the
  // algorithms the sender of a ClientHello or CertificateRequest can inflate the peer's certificate with.
  void read_compression_algorithms(ScannedMessage& m, field_info* fi) {
    bool offering = m.type == to_wire(HandshakeType::client_hello) ||
                    m.type == to_wire(HandshakeType::certificate_request);
    if (!offering || !tvb_bytes_exist(fi->ds_tvb, fi->start, 5)) return;
    int body_length = tvb_get_ntohs(fi->ds_tvb, fi->start + 2);
    uint8_t list_length = 0;
    tvb_memcpy(fi->ds_tvb, &list_length, fi->start + 4, 1);
    if (body_length != 1 + list_length || list_length % 2 != 0 || !tvb_bytes_exist(fi->ds_tvb, fi->start + 5, list_length))
      return;
    m.offers_compression = true;
    m.compression_algorithm_count = 0;
    for (int at = 0; at < list_length && m.compression_algorithm_count < kMaxCompressionAlgorithms; at += 2)
      m.compression_algorithms[m.compression_algorithm_count++] = tvb_get_ntohs(fi->ds_tvb, fi->start + 5 + at);
  }

  // RFC 8446 §4.3.2, §4.4.2: both messages open with opaque certificate_request_context<0..2^8-1>.
  void read_request_context(ScannedMessage& m) {
    bool carries = m.type == to_wire(HandshakeType::certificate_request) || m.type == to_wire(HandshakeType::certificate);
    int body = m.start + 4;
    if (!carries || body >= m.end) return;
    uint8_t length = 0;  // tvb_memcpy: tvb_get_guint8 is deprecated from Wireshark 4.4, tvb_get_uint8 new there
    tvb_memcpy(m.data_source, &length, body, 1);
    if (body + 1 + length > m.end) return;
    m.request_context_hex = to_hex(tvb_get_ptr(m.data_source, body + 1, length), length);
  }

  void start_block(field_info* fi) {
    if (ScannedMessage* m = owner(fi)) m->block_offset = fi->start;
  }

  void extension(proto_node* node, field_info* fi) {
    uint64_t type = field_uint(fi);
    ScannedMessage* m = owner(fi);
    if (m) m->current_extension = static_cast<uint16_t>(type);
    if (type == extension::encrypted_client_hello && m) m->ech_outer = true;
    if (type == extension::compress_certificate && m) read_compression_algorithms(*m, fi);
    if (type != extension_type_ || out_->extension_count >= kMaxExtensions) return;
    // Extension { uint16 extension_type; opaque extension_data<0..2^16-1>; } (RFC 8446 §4.2)
    if (!tvb_bytes_exist(fi->ds_tvb, fi->start, 4)) return;
    ScannedExtension& e = out_->extensions[out_->extension_count++];
    e.extension_node = node->parent;
    e.data_source = fi->ds_tvb;
    e.type_offset = fi->start;
    e.message = owner_index(fi);
    e.block_offset = m ? m->block_offset : -1;
    e.body_length = tvb_get_ntohs(fi->ds_tvb, fi->start + 2);
    int available = static_cast<int>(tvb_captured_length_remaining(fi->ds_tvb, fi->start + 4));
    int wanted = e.body_length < kMaxBodyCopy ? e.body_length : static_cast<int>(kMaxBodyCopy);
    e.copied = static_cast<uint16_t>(available < wanted ? (available < 0 ? 0 : available) : wanted);
    if (e.copied > 0) tvb_memcpy(fi->ds_tvb, e.body, fi->start + 4, e.copied);
  }

  void random(field_info* fi) {
    ScannedMessage* m = owner(fi);
    constexpr int kLength = static_cast<int>(kHelloRetryRequestRandom.size());
    if (!m || m->type != to_wire(HandshakeType::server_hello) || !tvb_bytes_exist(fi->ds_tvb, fi->start, kLength)) return;
    m->hello_retry = tvb_memeql(fi->ds_tvb, fi->start, kHelloRetryRequestRandom.data(), kLength) == 0;
  }

  void version(field_info* fi, bool from_supported_versions) {
    ScannedMessage* m = owner(fi);
    if (!m) return;
    auto value = static_cast<uint16_t>(field_uint(fi));
    if (!from_supported_versions) {
      m->legacy_version = value;
    } else if (m->type == to_wire(HandshakeType::server_hello)) {
      m->selected_version = value;  // SH/HRR carry the one selected version (RFC 8446 §4.2.1)
    } else if (value == kTls13) {
      m->offers_tls13 = true;
    }
  }

  // tls.handshake.certificate covers one entry's cert_data (the DER). The entries are copied while
  // each is wholly present, for the certificate details and the deploy.* checks (analyser/inspect).
  void certificate(field_info* fi) {
    ScannedMessage* m = owner(fi);
    if (!m) return;
    bool in_order = m->chain_copied == m->certificate_entries++;
    if (!in_order || m->chain_copied >= kMaxChainCopy || fi->length <= 0 || fi->length > kMaxCertificateCopy) return;
    if (!tvb_bytes_exist(fi->ds_tvb, fi->start, fi->length)) return;
    m->chain_der[m->chain_copied] =
        static_cast<const uint8_t*>(tvb_memdup(pinfo_->pool, fi->ds_tvb, fi->start, fi->length));
    m->chain_der_length[m->chain_copied++] = static_cast<uint32_t>(fi->length);
  }

  void server_name(field_info* fi) {
    ScannedMessage* m = owner(fi);
    if (!m || m->type != to_wire(HandshakeType::client_hello) || m->server_name || fi->length <= 0) return;
    int length = fi->length < static_cast<int>(kMaxServerNameCopy) ? fi->length : static_cast<int>(kMaxServerNameCopy);
    if (!tvb_bytes_exist(fi->ds_tvb, fi->start, length)) return;
    m->server_name = reinterpret_cast<const char*>(tvb_get_string_enc(pinfo_->pool, fi->ds_tvb, fi->start, length, ENC_ASCII));
  }

  // A CertificateRequest's signature_algorithms or signature_algorithms_cert entry (RFC 8446 §4.2.3).
  void signature_algorithm(field_info* fi) {
    ScannedMessage* m = owner(fi);
    if (!m || m->type != to_wire(HandshakeType::certificate_request)) return;
    auto scheme = static_cast<uint16_t>(field_uint(fi));
    if (m->current_extension == extension::signature_algorithms_cert) {
      if (m->signature_algorithm_cert_count < kMaxSignatureSchemes)
        m->signature_algorithms_cert[m->signature_algorithm_cert_count++] = scheme;
    } else if (m->current_extension == extension::signature_algorithms) {
      if (m->signature_algorithm_count < kMaxSignatureSchemes)
        m->signature_algorithms[m->signature_algorithm_count++] = scheme;
    }
  }

  // DistinguishedName opaque<1..2^16-1> (RFC 8446 §4.2.4): the DER Name follows its length field (the
  // dissector's own tls.handshake.dname item covers only the RDNSequence inside the DER SEQUENCE).
  void distinguished_name(field_info* fi) {
    ScannedMessage* m = owner(fi);
    auto declared = static_cast<int>(field_uint(fi));
    if (!m || m->distinguished_names >= kMaxDistinguishedNames || declared <= 0) return;
    int length = declared < static_cast<int>(kMaxDistinguishedNameCopy) ? declared
                                                                       : static_cast<int>(kMaxDistinguishedNameCopy);
    int start = fi->start + fi->length;
    if (!tvb_bytes_exist(fi->ds_tvb, start, length)) return;
    const guint8* bytes = tvb_get_ptr(fi->ds_tvb, start, length);
    m->distinguished_name_hex[m->distinguished_names++] = to_hex(bytes, length);
  }

  const char* to_hex(const guint8* bytes, int length) {
    static constexpr char kDigits[] = "0123456789abcdef";
    auto* text = static_cast<char*>(wmem_alloc(pinfo_->pool, static_cast<size_t>(length) * 2 + 1));
    for (int i = 0; i < length; ++i) {
      text[2 * i] = kDigits[bytes[i] >> 4];
      text[2 * i + 1] = kDigits[bytes[i] & 0x0F];
    }
    text[2 * length] = '\0';
    return text;
  }

  void alert_level(field_info* fi) {
    if (ScannedItem* item = add_item(ItemKind::alert)) item->alert_level = static_cast<uint8_t>(field_uint(fi));
  }

  void alert_description(field_info* fi) {
    if (out_->item_count == 0) return;
    ScannedItem& last = out_->items[out_->item_count - 1];
    if (last.kind != ItemKind::alert || last.alert_complete) return;
    last.alert_description = static_cast<uint8_t>(field_uint(fi));
    last.alert_complete = true;
  }

  void quic_alert(field_info* fi) {
    ScannedItem* item = add_item(ItemKind::alert);
    if (!item) return;
    item->alert_level = kAlertLevelFatal;  // a QUIC CONNECTION_CLOSE ends the connection
    item->alert_description = static_cast<uint8_t>(field_uint(fi));
    item->alert_complete = true;
  }

  // Wireshark shows "Encrypted Application Data" over a TLS 1.3 protected record whether or not it
  // decrypted it; only a decrypted one also gets the generated inner content type (RFC 8446 §5.2).
  // Records without an opaque_type (TLS 1.2, plaintext) keep the data-source test.
  void app_data(field_info* fi) {
    bool in_frame = fi->ds_tvb == frame_tvb_ || fi->ds_tvb == tvb_get_ds_tvb(frame_tvb_);
    bool undecrypted = protected_record_ ? !inner_type_known_ : in_frame;
    add_item(undecrypted ? ItemKind::protected_data : ItemKind::decrypted_data);
  }

  proto_node* compressed_nodes_[kMaxMessages] = {};  // the CompressedCertificates' nodes in this frame
  int compressed_count_ = 0;
  bool protected_record_ = false;   // the record being visited has an opaque_type
  bool inner_type_known_ = false;   // ... and Wireshark recovered its inner content type
  FrameScan* out_;
  tvbuff_t* frame_tvb_;
  packet_info* pinfo_;
  uint16_t extension_type_;
};

}  // namespace

const FrameScan* scan_frame(proto_tree* tree, tvbuff_t* frame_tvb, packet_info* pinfo,
                            uint16_t extension_type) {
  auto* scan = static_cast<FrameScan*>(wmem_alloc0(pinfo->pool, sizeof(FrameScan)));
  if (!tree) return scan;
  Scanner scanner(scan, frame_tvb, pinfo, extension_type);
  for (proto_node* node = tree->first_child; node; node = next_in_preorder(node, tree)) scanner.visit(node);
  return scan;
}

}  // namespace tlsflags::plugin
