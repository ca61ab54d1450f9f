// Registration of protocol "tlsflags" (docs/plugin.md "Fields", "Expert info": fields, expert fields and
// preferences are named exactly as there) and the postdissector itself.
#include "tlsflags_protocol.hpp"

#include <string>

#include "capture_outcome.hpp"
#include "connection_state.hpp"
#include "display.hpp"
#include "frame_scan.hpp"
#include "statistics.hpp"
#include "tls_fields.hpp"

namespace tlsflags::plugin {

FieldIds g_ids;

namespace {

// One expert field per rule of the catalogue (kRuleCount, rules.hpp).
expert_field g_expert[kRuleCount];

// Preferences (registered as tlsflags.rca_flag, tlsflags.extension_type, tlsflags.profile).
guint g_pref_rca_flag = kDefaultRequestClientAuthFlag;
guint g_pref_extension_type = kTlsFlagsExtensionType;
gint g_pref_profile = static_cast<gint>(Profile::rfc);
const char* g_pref_trust_anchors = "";
const char* g_pref_pinned = "";

const enum_val_t kProfiles[] = {
    // Wireshark writes the description into preference files: keep it the same as the name.
    {"rfc", "rfc", static_cast<gint>(Profile::rfc)},
    {"draft-02", "draft-02", static_cast<gint>(Profile::draft02)},
    {nullptr, nullptr, -1},
};

// tlsflags.message values: RFC 8446 §4 HandshakeType of the message carrying the extension, 6 for a
// HelloRetryRequest (tlsflags/core/protocol.hpp).
constexpr value_string message_value(HandshakeType type) { return {to_wire(type), extension_message_name(to_wire(type))}; }
const value_string kMessageNames[] = {
    message_value(HandshakeType::client_hello),
    message_value(HandshakeType::server_hello),
    message_value(HandshakeType::new_session_ticket),
    message_value(HandshakeType::hello_retry_request_reserved),
    message_value(HandshakeType::encrypted_extensions),
    message_value(HandshakeType::certificate),
    message_value(HandshakeType::certificate_request),
    {0, nullptr},
};

dissector_handle_t g_handle;

FrameRecord* record_first_pass(const FrameScan* scan, packet_info* pinfo) {
  note_first_pass_frame(pinfo);
  ConnectionState* connection = scan->message_count > 0 ? connection_for(pinfo, g_ids.proto)
                                                        : existing_connection(pinfo, g_ids.proto);
  if (!connection || (scan->item_count == 0 && scan->extension_count == 0)) return nullptr;
  FrameRecord* record = record_frame(connection, scan, pinfo, current_rule_config());
  if (record) p_add_proto_data(wmem_file_scope(), pinfo, g_ids.proto, 0, record);
  return record;
}

// The first pass records and shows what the frames so far decided; every later pass shows the record and
// the connection's judgement over the whole capture, on every frame of the connection (docs/plugin.md
// "Passes").
int dissect_tlsflags(tvbuff_t* tvb, packet_info* pinfo, proto_tree* tree, void*) {
  auto* record = static_cast<FrameRecord*>(p_get_proto_data(wmem_file_scope(), pinfo, g_ids.proto, 0));
  bool later_pass = PINFO_FD_VISITED(pinfo);
  // Every pass scans: later passes only to find the extension nodes to nest under.
  const FrameScan* scan = scan_frame(tree, tvb, pinfo, current_extension_type());
  if (!later_pass) {
    if (!record) record = record_first_pass(scan, pinfo);
    if (record) show_frame(record, *record->connection, scan, tree, tvb, pinfo);
    return 0;  // a postdissector consumes nothing
  }
  judge_capture(current_rule_config());
  ConnectionState* connection = record ? record->connection : existing_connection(pinfo, g_ids.proto);
  if (!connection) return 0;
  show_frame(record, *connection, scan, tree, tvb, pinfo);
  if (connection->outcome) tap_queue_packet(g_ids.tap, pinfo, connection);
  return 0;
}

void register_fields() {
  static hf_register_info fields[] = {
      {&g_ids.extension, {"TLS Flags Extension", "tlsflags.extension", FT_NONE, BASE_NONE, nullptr, 0,
                          "A decoded TLS Flags extension (draft-ietf-tls-tlsflags §2): in exactly the frames "
                          "that carry one", HFILL}},
      {&g_ids.client_auth, {"Client authentication", "tlsflags.client_auth", FT_NONE, BASE_NONE, nullptr, 0,
                            "What this frame shows of its connection's client authentication: the "
                            "request_client_auth exchange's frames, the client's certificate, the server's "
                            "reaction, and rule findings of a frame without the extension", HFILL}},
      {&g_ids.message, {"Message", "tlsflags.message", FT_UINT8, BASE_DEC, VALS(kMessageNames), 0,
                        "Handshake message carrying this TLS Flags extension (6 = HelloRetryRequest)", HFILL}},
      {&g_ids.length, {"Flags length", "tlsflags.length", FT_UINT8, BASE_DEC, nullptr, 0,
                       "Declared length of the flags vector (opaque flags<1..255>)", HFILL}},
      {&g_ids.flags, {"Flags", "tlsflags.flags", FT_BYTES, BASE_NONE, nullptr, 0,
                      "The flags vector as sent; flag N is octet N/8, bit N%8 from the least significant",
                      HFILL}},
      {&g_ids.flag, {"Flag", "tlsflags.flag", FT_UINT16, BASE_DEC, nullptr, 0,
                     "A flag set in this extension (one item per set flag, with its name when known)", HFILL}},
      {&g_ids.request_client_auth, {"request_client_auth", "tlsflags.request_client_auth", FT_BOOLEAN,
                                    BASE_NONE, nullptr, 0,
                                    "Whether the request_client_auth flag (preference tlsflags.rca_flag) is set",
                                    HFILL}},
      {&g_ids.request_in, {"Requested in", "tlsflags.request_in", FT_FRAMENUM, BASE_NONE,
                           FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0,
                           "Frame of the ClientHello that sent request_client_auth", HFILL}},
      {&g_ids.ack_in, {"Acknowledged in", "tlsflags.ack_in", FT_FRAMENUM, BASE_NONE,
                       FRAMENUM_TYPE(FT_FRAMENUM_ACK), 0,
                       "Frame of the CertificateRequest that echoed request_client_auth", HFILL}},
      {&g_ids.certificate_in, {"Client certificate in", "tlsflags.certificate_in", FT_FRAMENUM, BASE_NONE,
                               FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0,
                               "Frame of the client's Certificate message answering the CertificateRequest",
                               HFILL}},
      {&g_ids.certificate_subject, {"Client certificate subject", "tlsflags.client_certificate.subject", FT_STRING,
                                    BASE_NONE, nullptr, 0,
                                    "Subject of the client's leaf certificate, RFC 2253, most specific first", HFILL}},
      {&g_ids.certificate_issuer, {"Client certificate issuer", "tlsflags.client_certificate.issuer", FT_STRING,
                                   BASE_NONE, nullptr, 0, "Issuer of the client's leaf certificate, RFC 2253", HFILL}},
      {&g_ids.certificate_san, {"Client certificate subjectAltName", "tlsflags.client_certificate.san", FT_STRING,
                                BASE_NONE, nullptr, 0,
                                "One subjectAltName entry of the client's leaf (DNS:, IP:, URI:, email:, ...)", HFILL}},
      {&g_ids.certificate_not_before, {"Client certificate not before", "tlsflags.client_certificate.not_before",
                                       FT_STRING, BASE_NONE, nullptr, 0,
                                       "Start of the client leaf's validity, ISO 8601 UTC", HFILL}},
      {&g_ids.certificate_not_after, {"Client certificate not after", "tlsflags.client_certificate.not_after",
                                      FT_STRING, BASE_NONE, nullptr, 0,
                                      "End of the client leaf's validity, ISO 8601 UTC", HFILL}},
      {&g_ids.certificate_key_type, {"Client certificate key", "tlsflags.client_certificate.key_type", FT_STRING,
                                     BASE_NONE, nullptr, 0,
                                     "Public key of the client's leaf: EC P-256, RSA 2048, Ed25519, ...", HFILL}},
      {&g_ids.certificate_sha256, {"Client certificate SHA-256", "tlsflags.client_certificate.sha256", FT_STRING,
                                   BASE_NONE, nullptr, 0,
                                   "SHA-256 of the client leaf's DER, lower-case hex without colons", HFILL}},
      {&g_ids.server_reaction, {"Server reaction", "tlsflags.server_reaction", FT_STRING, BASE_NONE, nullptr, 0,
                                "What the server did after the client's answer to its CertificateRequest: accepted, "
                                "certificate_required, bad_certificate, unknown_ca, alert:<name>, closed, unknown",
                                HFILL}},
      {&g_ids.connection, {"TLS Flags connection", "tlsflags.connection", FT_NONE, BASE_NONE, nullptr, 0,
                           "The connection's judgement over the whole capture (as tlsflags-check reports it): on "
                           "every frame of the connection, after the first pass (tshark -2, the GUI)", HFILL}},
      {&g_ids.connection_index, {"Connection", "tlsflags.connection.index", FT_UINT32, BASE_DEC, nullptr, 0,
                                 "0-based index of the connection in tlsflags-check's report order", HFILL}},
      {&g_ids.verdict, {"Verdict", "tlsflags.verdict", FT_STRING, BASE_NONE, nullptr, 0,
                        "The connection's verdict: pass, fail, warn, undecidable, not-applicable (docs/rules.md)",
                        HFILL}},
      {&g_ids.connection_client, {"Client", "tlsflags.connection.client", FT_STRING, BASE_NONE, nullptr, 0,
                                  "The client's IP:port", HFILL}},
      {&g_ids.connection_server, {"Server", "tlsflags.connection.server", FT_STRING, BASE_NONE, nullptr, 0,
                                  "The server's IP:port", HFILL}},
      {&g_ids.connection_sni, {"Server name", "tlsflags.connection.sni", FT_STRING, BASE_NONE, nullptr, 0,
                               "The ClientHello's server_name (SNI)", HFILL}},
      {&g_ids.connection_rca_offered, {"request_client_auth offered", "tlsflags.connection.rca_offered",
                                       FT_BOOLEAN, BASE_NONE, nullptr, 0,
                                       "The client's (final) ClientHello carried request_client_auth", HFILL}},
      {&g_ids.connection_rca_echoed, {"request_client_auth echoed", "tlsflags.connection.rca_echoed", FT_BOOLEAN,
                                      BASE_NONE, nullptr, 0,
                                      "The server's CertificateRequest echoed request_client_auth (absent when the "
                                      "server's flight was not visible)", HFILL}},
      {&g_ids.connection_client_certificate, {"Client certificate", "tlsflags.connection.client_certificate",
                                              FT_STRING, BASE_NONE, nullptr, 0,
                                              "What the client sent: non-empty, empty, none, unknown", HFILL}},
      {&g_ids.connection_server_reaction, {"Server reaction", "tlsflags.connection.server_reaction", FT_STRING,
                                           BASE_NONE, nullptr, 0,
                                           "The server's reaction to the client's answer (as tlsflags.server_reaction, "
                                           "including an acceptance inferred from the capture's end)", HFILL}},
      {&g_ids.connection_reaction_inferred, {"Server reaction inferred", "tlsflags.connection.server_reaction_inferred",
                                             FT_BOOLEAN, BASE_NONE, nullptr, 0,
                                             "Accepted only because nothing went wrong before the capture ended",
                                             HFILL}},
      {&g_ids.connection_findings, {"Findings", "tlsflags.connection.findings", FT_UINT32, BASE_DEC, nullptr, 0,
                                    "Number of rule findings on the connection", HFILL}},
  };
  proto_register_field_array(g_ids.proto, fields, G_N_ELEMENTS(fields));
  static gint* subtrees[] = {&g_ids.ett_extension, &g_ids.ett_client_auth, &g_ids.ett_connection};
  proto_register_subtree_array(subtrees, G_N_ELEMENTS(subtrees));
}

int expert_severity(Severity severity) {
  switch (severity) {
    case Severity::error: return PI_ERROR;
    case Severity::warning: return PI_WARN;
    case Severity::info: return PI_NOTE;
  }
  return PI_NOTE;
}

// The three codec findings are about the bytes of the packet; the rest about the protocol flow.
int expert_group(RuleId rule) {
  switch (rule) {
    case RuleId::flags_malformed:
    case RuleId::flags_empty:
    case RuleId::flags_non_minimal_encoding: return PI_MALFORMED;
    default: return PI_PROTOCOL;
  }
}

// ei_register_info has no description: give each expert field the spec sentence it enforces, so
// `tshark -G fields` describes every tlsflags field.
void describe_expert_fields() {
  for (const RuleInfo& rule : rule_catalogue()) {
    std::string name = "tlsflags." + std::string(rule.name);
    header_field_info* hfinfo = proto_registrar_get_byname(name.c_str());
    if (hfinfo && !hfinfo->blurb) {
      std::string text = std::string(rule.source) + ": \"" + std::string(rule.spec_text) + "\"";
      hfinfo->blurb = g_strdup(text.c_str());
    }
  }
}

// One expert field per catalogue rule, named "tlsflags." + rule id, built from the core catalogue so
// the two can never disagree. Wireshark keeps pointers into the array: it lives as long as the process.
void register_expert_fields() {
  auto catalogue = rule_catalogue();
  auto* infos = g_new0(ei_register_info, catalogue.size());
  for (size_t i = 0; i < catalogue.size(); ++i) {
    const RuleInfo& rule = catalogue[i];
    std::string name = "tlsflags." + std::string(rule.name);
    std::string summary = std::string(rule.summary) + " (" + std::string(rule.source) + ")";
    infos[i].ids = &g_expert[static_cast<size_t>(rule.id)];
    infos[i].eiinfo = {g_strdup(name.c_str()), expert_group(rule.id), expert_severity(rule.severity),
                       g_strdup(summary.c_str()), EXPFILL};
  }
  expert_module_t* module = expert_register_protocol(g_ids.proto);
  expert_register_field_array(module, infos, static_cast<int>(catalogue.size()));
  describe_expert_fields();
}

void apply_preferences() {
  // Flags beyond 2039 cannot be encoded (opaque flags<1..255>); keep the default then.
  if (g_pref_rca_flag > kMaxFlag) g_pref_rca_flag = kDefaultRequestClientAuthFlag;
  if (g_pref_extension_type > 0xFFFF) g_pref_extension_type = kTlsFlagsExtensionType;
  if (const char* error = load_deployment_files(g_pref_trust_anchors, g_pref_pinned)) report_failure("%s", error);
}

void register_preferences() {
  module_t* module = prefs_register_protocol(g_ids.proto, apply_preferences);
  prefs_register_uint_preference(module, "rca_flag", "request_client_auth flag number",
                                 "Flag number of request_client_auth (deployments use 80)", 10, &g_pref_rca_flag);
  prefs_register_uint_preference(module, "extension_type", "TLS Flags extension type",
                                 "ExtensionType decoded as TLS Flags: 62 (BoringSSL), or 65025 (0xFE01) for "
                                 "Cloudflare's request-mTLS experiment",
                                 10, &g_pref_extension_type);
  prefs_register_enum_preference(module, "profile", "Rules profile",
                                 "rfc: a server accepting request_client_auth echoes it in CertificateRequest (RFC text); "
                                 "draft-02: the older draft, where the server does not echo the flag",
                                 &g_pref_profile, kProfiles, FALSE);
  prefs_register_filename_preference(module, "trust_anchors", "Trust anchors (PEM)",
                                     "PEM file of the CAs client certificates should chain to, as tlsflags-check "
                                     "--trust-anchors: deploy.client-certificate-not-trusted",
                                     &g_pref_trust_anchors, FALSE);
  prefs_register_filename_preference(module, "pinned", "Pinned client certificates (PEM)",
                                     "PEM file of the client certificates the server should accept, as tlsflags-check "
                                     "--pinned: deploy.client-certificate-not-trusted",
                                     &g_pref_pinned, FALSE);
}

}  // namespace

expert_field* expert_field_for(RuleId rule) { return &g_expert[static_cast<size_t>(rule)]; }

RuleConfig current_rule_config() {
  RuleConfig config;
  config.request_client_auth_flag = static_cast<uint16_t>(g_pref_rca_flag);
  config.profile = static_cast<Profile>(g_pref_profile);
  return config;
}

uint16_t current_extension_type() { return static_cast<uint16_t>(g_pref_extension_type); }

void register_protocol() {
  g_ids.proto = proto_register_protocol("TLS Flags and client authentication", "TLS Flags", "tlsflags");
  for (expert_field& e : g_expert) e = EI_INIT;
  register_fields();
  register_expert_fields();
  register_preferences();
  g_ids.tap = register_tap("tlsflags");
  register_statistics();
}

void register_handoff() {
  g_handle = create_dissector_handle(dissect_tlsflags, g_ids.proto);
  register_postdissector(g_handle);
  resolve_tls_fields();
  set_postdissector_wanted_hfids(g_handle, wanted_tls_field_ids());
}

}  // namespace tlsflags::plugin
