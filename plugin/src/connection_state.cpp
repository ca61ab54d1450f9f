#include "connection_state.hpp"

#include <algorithm>
#include <new>

#include "tlsflags/compress/certificate_message.hpp"
#include "tlsflags/inspect/certificate.hpp"
#include "tlsflags/core/server_reaction.hpp"
#include "capture_outcome.hpp"
#include "tlsflags_protocol.hpp"
#include "wireshark_compat.hpp"

namespace tlsflags::plugin {
namespace {

bool is_compressed_certificate(const ScannedMessage& m) {
  return m.type == to_wire(HandshakeType::compressed_certificate);
}

// The core's event for a scanned message (RFC 8446 §4 HandshakeType, tlsflags/core/protocol.hpp). A
// CompressedCertificate is the Certificate it stands for (RFC 8879 §4); one not wholly captured is left
// out, as tlsflags-check sees only whole messages.
std::optional<EventType> event_type_of(const ScannedMessage& m) {
  if (is_compressed_certificate(m))
    return m.compressed_complete ? std::optional(EventType::certificate) : std::nullopt;
  return tlsflags::event_type_of(static_cast<HandshakeType>(m.type), m.hello_retry);
}

// The state is a C++ object (it owns the core Timeline); the file scope's end deletes it.
ws::wmem_callback_result free_connection(wmem_allocator_t*, wmem_cb_event_t, void* data) {
  delete static_cast<ConnectionState*>(data);
  return false;  // once is enough
}

// Everything below runs between Wireshark calls that may longjmp: C++ objects live only here.
class FrameRecorder {
 public:
  FrameRecorder(ConnectionState& c, const FrameScan& scan, packet_info* pinfo, const RuleConfig& config)
      : c_(c), scan_(scan), pinfo_(pinfo), config_(config) {}

  FrameRecord* run() {
    auto* record = wmem_new0(wmem_file_scope(), FrameRecord);
    record->connection = &c_;
    learn_client_endpoint();
    record->extensions = decode_extensions(record->extension_count);
    size_t events_before = c_.timeline.events.size();
    for (int i = 0; i < scan_.item_count; ++i) append_item(scan_.items[i], *record);
    if (c_.timeline.events.size() != events_before) {
      judge_connection();
      record_server_reaction(*record);
    }
    return record;
  }

 private:
  uint32_t frame() const { return pinfo_->num; }

  Party direction() const {
    if (c_.client_address.type == AT_NONE) return Party::client;
    bool from_client = addresses_equal(&pinfo_->src, &c_.client_address) && pinfo_->srcport == c_.client_port;
    return from_client ? Party::client : Party::server;
  }

  // The client is whoever sends the ClientHello; a server-only message tells it too.
  void learn_client_endpoint() {
    if (c_.client_address.type != AT_NONE) return;
    for (int i = 0; i < scan_.message_count; ++i) {
      auto type = event_type_of(scan_.messages[i]);
      auto sender = type ? fixed_sender(*type) : std::nullopt;
      if (!sender) continue;
      bool client_sends = *sender == Party::client;
      copy_address_wmem(wmem_file_scope(), &c_.client_address, client_sends ? &pinfo_->src : &pinfo_->dst);
      c_.client_port = client_sends ? pinfo_->srcport : pinfo_->destport;
      Timeline& t = c_.timeline;
      t.client.address = address_to_str(pinfo_->pool, &c_.client_address);
      t.client.port = static_cast<uint16_t>(c_.client_port);
      t.server.address = address_to_str(pinfo_->pool, client_sends ? &pinfo_->dst : &pinfo_->src);
      t.server.port = static_cast<uint16_t>(client_sends ? pinfo_->destport : pinfo_->srcport);
      t.saw_connection_start = *type == EventType::client_hello;
      return;
    }
  }

  const ExtensionRecord* decode_extensions(int& count) {
    count = scan_.extension_count;
    if (count == 0) return nullptr;
    auto* records = wmem_alloc0_array(wmem_file_scope(), ExtensionRecord, static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) records[i] = decode_extension(i);
    return records;
  }

  ExtensionRecord decode_extension(int index) {
    const ScannedExtension& e = scan_.extensions[index];
    DecodedFlags decoded = decode_flags({e.body, e.copied});
    // A body cut short by the capture cannot be judged minimal or not; only its length mismatch is real.
    ExtensionRecord r{};
    r.ordinal = index;
    r.type_offset = e.type_offset;
    r.message = message_value(e.message);
    r.from_server = e.message >= 0 ? sender_of_message(e.message) == Party::server : direction() == Party::server;
    r.body_length = e.body_length;
    r.declared_length = decoded.declared_length;
    r.problem = e.copied == e.body_length || e.copied == kMaxBodyCopy ? decoded.problem : FlagsProblem::malformed;
    r.duplicate = is_duplicate(index);
    r.request_client_auth = decoded.flags.contains(config_.request_client_auth_flag);
    auto octets = decoded.flags.octets();
    r.octet_count = static_cast<uint16_t>(octets.size());
    auto* octet_copy = static_cast<uint8_t*>(wmem_memdup(wmem_file_scope(), octets.data(), octets.size()));
    r.octets = octet_copy;
    auto* numbers = wmem_alloc_array(wmem_file_scope(), uint16_t, decoded.flags.count() + 1);
    uint16_t n = 0;
    decoded.flags.for_each([&](uint16_t flag) { numbers[n++] = flag; });
    r.flag_count = n;
    r.flag_numbers = numbers;
    return r;
  }

  uint8_t message_value(int message) const {
    if (message < 0) return 0;
    const ScannedMessage& m = scan_.messages[message];
    return m.hello_retry ? to_wire(HandshakeType::hello_retry_request_reserved) : m.type;
  }

  Party sender_of_message(int message) const {
    auto type = event_type_of(scan_.messages[message]);
    auto sender = type ? fixed_sender(*type) : std::nullopt;
    return sender ? *sender : direction();
  }

  // RFC 8446 §4.2: one extension of a type per extension block. A Certificate has one block per
  // entry; the other messages have one.
  bool is_duplicate(int index) const {
    const ScannedExtension& e = scan_.extensions[index];
    for (int j = 0; j < scan_.extension_count; ++j) {
      const ScannedExtension& other = scan_.extensions[j];
      if (j != index && other.message == e.message && other.block_offset == e.block_offset) return true;
    }
    return false;
  }

  void append_item(const ScannedItem& item, FrameRecord& record) {
    switch (item.kind) {
      case ItemKind::message: append_message(item.message, record); return;
      case ItemKind::alert: {
        Event& a = append(EventType::alert, direction());
        a.alert_level = item.alert_level;
        a.alert_description = item.alert_description;
        return;
      }
      case ItemKind::fin: append(EventType::fin, direction()); return;
      case ItemKind::rst: append(EventType::rst, direction()); return;
      case ItemKind::protected_data: append_marker_once(EventType::unreadable, c_.sent_protected); return;
      case ItemKind::decrypted_data: append_marker_once(EventType::application_data, c_.sent_app_data); return;
    }
  }

  // Only the first marker per direction matters to the rules, and it keeps judging cheap.
  void append_marker_once(EventType type, bool (&sent)[2]) {
    // Records protected before the ServerHello are none of the handshake's business.
    if (!c_.timeline.first(EventType::server_hello, Party::server)) return;
    Party from = direction();
    bool& already = sent[static_cast<int>(from)];
    if (already) return;
    already = true;
    append(type, from);
  }

  Event& append(EventType type, Party from) {
    Timeline& t = c_.timeline;
    Event& e = t.events.emplace_back();
    e.type = type;
    e.from = from;
    e.frame = frame();
    e.time = nstime_to_sec(&pinfo_->rel_ts);
    if (t.first_frame == 0) t.first_frame = frame();
    t.last_frame = frame();
    return e;
  }

  void append_message(int index, FrameRecord& record) {
    const ScannedMessage& m = scan_.messages[index];
    auto type = event_type_of(m);
    if (!type) return;
    Event& e = append(*type, sender_of_message(index));
    e.flags = flags_of_message(index);
    describe_message(m, e);
    // RFC 8879 §4: inflated here, whatever the Wireshark version does with it, by the analyser's reader.
    if (is_compressed_certificate(m))
      compress::describe_compressed_certificate(m.compression_algorithm, m.uncompressed_length,
                                                {m.compressed, m.compressed_length}, current_extension_type(), e);
    if (*type == EventType::certificate) {
      keep_chain(m, e);
      describe_client_certificate(e, record);
    }
    // Reading the protected flight at all means the connection's secrets were found.
    if (*type == EventType::encrypted_extensions) c_.timeline.keys_found = true;
    update_links(e, record);
  }

  void describe_message(const ScannedMessage& m, Event& e) const {
    switch (e.type) {
      case EventType::client_hello:
        e.offers_tls13 = m.offers_tls13;
        e.compress_certificate_algorithms.assign(m.compression_algorithms,
                                                 m.compression_algorithms + m.compression_algorithm_count);
        e.ech_outer = m.ech_outer;
        if (m.server_name) e.server_name = m.server_name;
        break;
      case EventType::server_hello:
      case EventType::hello_retry_request:
        e.selected_version = m.selected_version ? m.selected_version : m.legacy_version;
        break;
      case EventType::certificate_request:
        for (uint8_t i = 0; i < m.distinguished_names; ++i)
          e.certificate_authorities.emplace_back(m.distinguished_name_hex[i]);
        if (m.request_context_hex) e.certificate_request_context = m.request_context_hex;
        e.signature_algorithms.assign(m.signature_algorithms, m.signature_algorithms + m.signature_algorithm_count);
        e.signature_algorithms_cert.assign(m.signature_algorithms_cert,
                                           m.signature_algorithms_cert + m.signature_algorithm_cert_count);
        e.compress_certificate_algorithms.assign(m.compression_algorithms,
                                                 m.compression_algorithms + m.compression_algorithm_count);
        break;
      case EventType::certificate:
        e.certificate_entries = m.certificate_entries;
        if (m.request_context_hex) e.certificate_request_context = m.request_context_hex;
        break;
      default:
        break;
    }
  }

  // The message's TLS Flags extension(s). A Certificate merges its entries' extensions (events.hpp).
  std::optional<FlagsInMessage> flags_of_message(int index) const {
    std::optional<FlagsInMessage> out;
    for (int i = 0; i < scan_.extension_count; ++i) {
      const ScannedExtension& ext = scan_.extensions[i];
      if (ext.message != index) continue;
      DecodedFlags decoded = decode_flags({ext.body, ext.copied});
      if (ext.copied != ext.body_length && ext.copied != kMaxBodyCopy) decoded.problem = FlagsProblem::malformed;
      if (!out) {
        out = FlagsInMessage{decoded, false};
      } else {
        decoded.flags.for_each([&](uint16_t flag) { out->decoded.flags.insert(flag); });
        if (out->decoded.problem == FlagsProblem::none) out->decoded.problem = decoded.problem;
      }
      out->duplicate = out->duplicate || is_duplicate(i);
    }
    return out;
  }

  void update_links(const Event& e, FrameRecord& record) {
    bool rca = e.carries_flag(config_.request_client_auth_flag);
    ConnectionLinks& links = c_.links;
    if (e.type == EventType::client_hello && rca) links.flagged_client_hello = frame();
    if (e.type == EventType::certificate_request) {
      record.certificate_request = true;
      c_.saw_cr = true;
      if (rca && !links.acknowledging_request) links.acknowledging_request = frame();
    }
    if (e.type == EventType::certificate && e.from == Party::client && c_.saw_cr) {
      record.client_certificate = true;
      if (!links.client_certificate) links.client_certificate = frame();
    }
  }

  // Both sides' chains are kept in the timeline, as tlsflags-check keeps them: analyser/inspect reads the
  // client's (details, fit, trust anchors, pins) and the server's leaf (identity) from there.
  static void keep_chain(const ScannedMessage& m, Event& e) {
    for (uint8_t i = 0; i < m.chain_copied; ++i)
      e.certificate_chain_der.emplace_back(m.chain_der[i], m.chain_der[i] + m.chain_der_length[i]);
  }

  // The client's leaf answering a CertificateRequest, described with OpenSSL (no Wireshark call in
  // between), then copied into wmem strings.
  void describe_client_certificate(const Event& e, FrameRecord& record) {
    if (e.from != Party::client || !c_.saw_cr || e.certificate_chain_der.empty() || record.certificate_details) return;
    const auto details = inspect::describe_certificate(e.certificate_chain_der.front());
    if (details) record.certificate_details = copy_details(details.value());
  }

  static const char* copy_text(const std::string& text) { return wmem_strdup(wmem_file_scope(), text.c_str()); }

  static const CertificateDetailsRecord* copy_details(const inspect::CertificateDetails& d) {
    auto* r = wmem_new0(wmem_file_scope(), CertificateDetailsRecord);
    r->subject = copy_text(d.subject);
    r->issuer = copy_text(d.issuer);
    auto* san = wmem_alloc0_array(wmem_file_scope(), const char*, d.san.size() + 1);
    for (size_t i = 0; i < d.san.size(); ++i) san[i] = copy_text(d.san[i]);
    r->san = san;
    r->san_count = static_cast<uint32_t>(d.san.size());
    r->not_before = copy_text(d.not_before);
    r->not_after = copy_text(d.not_after);
    r->key_type = copy_text(d.key_type);
    r->sha256 = copy_text(d.sha256);
    return r;
  }

  // rca.server_reaction (docs/debugging.md) on the frame whose event decided it. An acceptance inferred
  // from the end of the capture has no such frame, and the plugin never sees the capture end: not shown.
  void record_server_reaction(FrameRecord& record) {
    if (c_.reaction_shown) return;
    const auto reaction = classify_server_reaction(c_.timeline);
    if (!reaction || reaction->frame != frame() || reaction->inferred) return;
    record.server_reaction = copy_text(reaction->to_string());
    c_.reaction_shown = true;
  }

  void judge_connection() {
    Judgement judgement = judge(c_.timeline, config_);
    auto* merged = wmem_alloc0_array(wmem_file_scope(), FindingRecord, judgement.findings.size() + 1);
    int count = 0;
    for (const Finding& f : judgement.findings) merged[count++] = keep(f);
    c_.findings = merged;
    c_.finding_count = count;
  }

  // A finding the engine reported before keeps the frame it was first decided in.
  FindingRecord keep(const Finding& f) const {
    for (int i = 0; i < c_.finding_count; ++i) {
      const FindingRecord& old = c_.findings[i];
      if (old.rule == f.rule && std::equal(f.frames.begin(), f.frames.end(), old.frames, old.frames + old.frame_count))
        return old;
    }
    FindingRecord r{};
    r.rule = f.rule;
    r.message = wmem_strdup(wmem_file_scope(), f.message.c_str());
    r.frames = static_cast<const uint64_t*>(
        wmem_memdup(wmem_file_scope(), f.frames.data(), f.frames.size() * sizeof(uint64_t)));
    r.frame_count = static_cast<uint32_t>(f.frames.size());
    r.decided_in = frame();
    return r;
  }

  ConnectionState& c_;
  const FrameScan& scan_;
  packet_info* pinfo_;
  const RuleConfig& config_;
};

}  // namespace

ConnectionState* existing_connection(packet_info* pinfo, int proto) {
  conversation_t* conversation = find_conversation_pinfo(pinfo, 0);
  return conversation ? static_cast<ConnectionState*>(conversation_get_proto_data(conversation, proto)) : nullptr;
}

ConnectionState* connection_for(packet_info* pinfo, int proto) {
  if (ConnectionState* state = existing_connection(pinfo, proto)) return state;
  auto* state = new (std::nothrow) ConnectionState();
  if (!state) return nullptr;
  clear_address(&state->client_address);
  wmem_register_callback(wmem_file_scope(), free_connection, state);
  register_connection(state);
  conversation_add_proto_data(find_or_create_conversation(pinfo), proto, state);
  return state;
}

FrameRecord* record_frame(ConnectionState* connection, const FrameScan* scan, packet_info* pinfo,
                          const RuleConfig& config) {
  try {
    return FrameRecorder(*connection, *scan, pinfo, config).run();
  } catch (...) {
    // Out of memory in the core: show nothing rather than unwind through C frames.
    return nullptr;
  }
}

}  // namespace tlsflags::plugin
