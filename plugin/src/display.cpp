#include "display.hpp"

#include "tlsflags_protocol.hpp"

#include <string>

#include "tlsflags/core/protocol.hpp"

namespace tlsflags::plugin {
namespace {

// Where an extension's items go in this pass's tree, and which bytes they cover.
struct Placement {
  proto_tree* parent;
  tvbuff_t* data_source;  // NULL when the extension's bytes are not in this pass's tree
  int type_offset;
  tvbuff_t* frame_tvb;    // for items without a position (length 0)
};

Placement place(const ExtensionRecord& r, const FrameScan* scan, proto_tree* tree, tvbuff_t* frame_tvb) {
  if (scan && r.ordinal < scan->extension_count) {
    const ScannedExtension& e = scan->extensions[r.ordinal];
    if (e.type_offset == r.type_offset && e.extension_node)
      return {e.extension_node, e.data_source, r.type_offset, frame_tvb};
  }
  return {tree, nullptr, 0, frame_tvb};
}

// Extension { type(2) length(2) FlagExtensions { L(1) flags[L] } } (RFC 8446 §4.2, TF §2).
constexpr int kLengthOctetOffset = 4;
constexpr int kVectorOffset = 5;

proto_item* add_uint_at(proto_tree* tree, int hf, const Placement& p, int offset, int length, uint32_t value) {
  if (!p.data_source) return proto_tree_add_uint(tree, hf, p.frame_tvb, 0, 0, value);
  return proto_tree_add_uint(tree, hf, p.data_source, p.type_offset + offset, length, value);
}

void add_link(proto_tree* tree, tvbuff_t* tvb, int hf, uint32_t frame) {
  if (frame == 0) return;
  proto_item_set_generated(proto_tree_add_uint(tree, hf, tvb, 0, 0, frame));
}

void add_generated_uint(proto_tree* tree, tvbuff_t* tvb, int hf, uint32_t value) {
  proto_item_set_generated(proto_tree_add_uint(tree, hf, tvb, 0, 0, value));
}

void add_flags(proto_tree* sub, const ExtensionRecord& r, const Placement& p) {
  if (r.body_length >= 1) add_uint_at(sub, g_ids.length, p, kLengthOctetOffset, 1, r.declared_length);
  if (p.data_source)
    proto_tree_add_bytes(sub, g_ids.flags, p.data_source, p.type_offset + kVectorOffset, r.octet_count, r.octets);
  else
    proto_tree_add_bytes_with_length(sub, g_ids.flags, p.frame_tvb, 0, 0, r.octets, r.octet_count);
  uint16_t rca_flag = current_rule_config().request_client_auth_flag;
  for (uint16_t i = 0; i < r.flag_count; ++i) {
    uint16_t flag = r.flag_numbers[i];
    std::string_view name = flag_name(flag, rca_flag);
    proto_item* item = add_uint_at(sub, g_ids.flag, p, kVectorOffset + flag / 8, 1, flag);
    if (!name.empty()) proto_item_append_text(item, " (%.*s)", static_cast<int>(name.size()), name.data());
  }
}

// The frames of the request_client_auth exchange that this frame links to: the flagged ClientHello links
// forward, the echoing CertificateRequest both ways, the client's Certificate back (RFC text §3).
struct FrameLinks {
  uint32_t request_in = 0;      // tlsflags.request_in: the flagged ClientHello
  uint32_t ack_in = 0;          // tlsflags.ack_in: the CertificateRequest echoing the flag
  uint32_t certificate_in = 0;  // tlsflags.certificate_in: the client's Certificate

  bool any() const { return request_in || ack_in || certificate_in; }
};

bool carries_flagged_client_hello(const FrameRecord& record) {
  for (int i = 0; i < record.extension_count; ++i)
    if (record.extensions[i].message == to_wire(HandshakeType::client_hello) &&
        record.extensions[i].request_client_auth) return true;
  return false;
}

FrameLinks links_of(const FrameRecord& record) {
  const ConnectionLinks& links = record.connection->links;
  FrameLinks out;
  if (!links.flagged_client_hello && !links.acknowledging_request) return out;
  if (carries_flagged_client_hello(record)) {
    out.ack_in = links.acknowledging_request;
    out.certificate_in = links.client_certificate;
  }
  if (record.certificate_request) {
    out.request_in = links.flagged_client_hello;
    out.certificate_in = links.client_certificate;
  }
  if (record.client_certificate) {
    out.request_in = links.flagged_client_hello;
    out.ack_in = links.acknowledging_request;
  }
  return out;
}

void add_links(proto_tree* sub, tvbuff_t* tvb, const FrameLinks& links) {
  add_link(sub, tvb, g_ids.request_in, links.request_in);
  add_link(sub, tvb, g_ids.ack_in, links.ack_in);
  add_link(sub, tvb, g_ids.certificate_in, links.certificate_in);
}

const char* message_name(uint8_t message) {
  const char* name = extension_message_name(message);
  return name ? name : "unknown message";
}

// The decoded extension's node (tlsflags.extension, "TLS Flags Extension") and its items; returns the node.
// It holds what the extension's bytes say and nothing else: links and the connection's client
// authentication have a node of their own (docs/plugin.md "Tree and filters").
proto_item* add_extension(proto_tree* tree, tvbuff_t* tvb, const FrameScan* scan, const ExtensionRecord& r) {
  Placement p = place(r, scan, tree, tvb);
  int covered = static_cast<int>(tvb_captured_length_remaining(p.data_source ? p.data_source : tvb, p.type_offset));
  int length = 4 + r.body_length < covered ? 4 + r.body_length : covered;
  proto_item* ti = p.data_source
                       ? proto_tree_add_item(p.parent, g_ids.extension, p.data_source, p.type_offset, length, ENC_NA)
                       : proto_tree_add_item(p.parent, g_ids.extension, tvb, 0, 0, ENC_NA);
  proto_item_append_text(ti, " in %s:", message_name(r.message));
  if (r.flag_count == 0) proto_item_append_text(ti, " no flag set");
  for (uint16_t i = 0; i < r.flag_count; ++i) proto_item_append_text(ti, "%s %u", i ? "," : "", r.flag_numbers[i]);
  if (r.request_client_auth) proto_item_append_text(ti, " (request_client_auth)");
  proto_tree* sub = proto_item_add_subtree(ti, g_ids.ett_extension);
  add_generated_uint(sub, tvb, g_ids.message, r.message);
  add_flags(sub, r, p);
  proto_item_set_generated(proto_tree_add_boolean(sub, g_ids.request_client_auth, tvb, 0, 0, r.request_client_auth));
  return ti;
}

bool shows_finding(const FindingRecord& f, uint32_t frame, bool judged) {
  if (f.decided_in == frame) return true;
  if (!judged) return false;  // the first pass cannot know what later frames decide
  for (uint32_t i = 0; i < f.frame_count; ++i)
    if (f.frames[i] == frame) return true;
  return false;
}

// The findings a frame shows: after the first pass, the connection's judgement over the whole capture
// (capture_outcome.hpp); on the first pass, what the frames read so far decided.
struct FindingList {
  const FindingRecord* findings;
  int count;
  bool judged;
};

FindingList findings_of(const ConnectionState& c, const ConnectionOutcome* outcome) {
  if (outcome) return {outcome->findings, outcome->finding_count, true};
  return {c.findings, c.finding_count, false};
}

bool has_findings_to_show(const FindingList& list, uint32_t frame) {
  for (int i = 0; i < list.count; ++i)
    if (shows_finding(list.findings[i], frame, list.judged)) return true;
  return false;
}

void add_findings(proto_item* anchor, packet_info* pinfo, const FindingList& list) {
  for (int i = 0; i < list.count; ++i) {
    const FindingRecord& f = list.findings[i];
    if (!shows_finding(f, pinfo->num, list.judged)) continue;
    const RuleInfo& info = rule_info(f.rule);
    // The rule id first: labels are cut at ITEM_LABEL_LENGTH and the engine's messages are long.
    expert_add_info_format(pinfo, anchor, expert_field_for(f.rule), "%.*s: %s", static_cast<int>(info.name.size()),
                           info.name.data(), f.message);
  }
}

void add_generated_string(proto_tree* tree, tvbuff_t* tvb, int hf, const char* value) {
  proto_item_set_generated(proto_tree_add_string(tree, hf, tvb, 0, 0, value));
}

// The client's certificate, under the frame's client-authentication node (the same values as the
// analyser's `rca.client_certificate_details`, docs/output.md).
void add_certificate_details(proto_tree* sub, tvbuff_t* tvb, const CertificateDetailsRecord& d) {
  add_generated_string(sub, tvb, g_ids.certificate_subject, d.subject);
  add_generated_string(sub, tvb, g_ids.certificate_issuer, d.issuer);
  for (uint32_t i = 0; i < d.san_count; ++i) add_generated_string(sub, tvb, g_ids.certificate_san, d.san[i]);
  add_generated_string(sub, tvb, g_ids.certificate_not_before, d.not_before);
  add_generated_string(sub, tvb, g_ids.certificate_not_after, d.not_after);
  add_generated_string(sub, tvb, g_ids.certificate_key_type, d.key_type);
  add_generated_string(sub, tvb, g_ids.certificate_sha256, d.sha256);
}

bool has_deployment_fields(const FrameRecord& record) {
  return record.certificate_details != nullptr || record.server_reaction != nullptr;
}

void add_deployment_fields(proto_tree* sub, tvbuff_t* tvb, const FrameRecord& record) {
  if (record.certificate_details) add_certificate_details(sub, tvb, *record.certificate_details);
  if (record.server_reaction) add_generated_string(sub, tvb, g_ids.server_reaction, record.server_reaction);
}

// The client-authentication node (tlsflags.client_auth) at the top of the frame's tree: the exchange's
// links, the client's certificate, the server's reaction; its text sums them up.
proto_item* add_client_auth(proto_tree* tree, tvbuff_t* tvb, const FrameRecord& record, const FrameLinks& links,
                            bool holds_findings) {
  proto_item* node = proto_tree_add_item(tree, g_ids.client_auth, tvb, 0, 0, ENC_NA);
  proto_item_set_generated(node);
  std::string summary;
  auto part = [&summary](const std::string& text) { summary += (summary.empty() ? ": " : ", ") + text; };
  if (links.request_in) part("request_client_auth asked in frame " + std::to_string(links.request_in));
  if (links.ack_in) part("echoed in frame " + std::to_string(links.ack_in));
  if (links.certificate_in) part("client certificate in frame " + std::to_string(links.certificate_in));
  if (record.certificate_details) part(std::string("client certificate ") + record.certificate_details->subject);
  if (record.server_reaction) part(std::string("server reaction ") + record.server_reaction);
  if (summary.empty() && holds_findings) part("rule findings (expert info)");
  proto_item_append_text(node, "%s", summary.c_str());
  proto_tree* sub = proto_item_add_subtree(node, g_ids.ett_client_auth);
  add_links(sub, tvb, links);
  add_deployment_fields(sub, tvb, record);
  return node;
}


// The connection node (tlsflags.connection) on every frame of a judged connection: the verdict and what
// the statistics show (docs/plugin.md "Connection verdict").
proto_item* add_connection(proto_tree* tree, tvbuff_t* tvb, const ConnectionOutcome& o) {
  proto_item* node = proto_tree_add_item(tree, g_ids.connection, tvb, 0, 0, ENC_NA);
  proto_item_set_generated(node);
  proto_item_append_text(node, " %u: verdict %s", o.index, o.verdict_name);
  if (o.server_reaction) proto_item_append_text(node, ", server reaction %s", o.server_reaction);
  if (o.finding_count) proto_item_append_text(node, ", %d finding%s", o.finding_count, o.finding_count == 1 ? "" : "s");
  proto_tree* sub = proto_item_add_subtree(node, g_ids.ett_connection);
  add_generated_uint(sub, tvb, g_ids.connection_index, o.index);
  add_generated_string(sub, tvb, g_ids.verdict, o.verdict_name);
  add_generated_string(sub, tvb, g_ids.connection_client, o.client);
  add_generated_string(sub, tvb, g_ids.connection_server, o.server);
  if (*o.server_name) add_generated_string(sub, tvb, g_ids.connection_sni, o.server_name);
  proto_item_set_generated(proto_tree_add_boolean(sub, g_ids.connection_rca_offered, tvb, 0, 0, o.rca_offered));
  if (o.rca_echoed >= 0)
    proto_item_set_generated(proto_tree_add_boolean(sub, g_ids.connection_rca_echoed, tvb, 0, 0, o.rca_echoed == 1));
  add_generated_string(sub, tvb, g_ids.connection_client_certificate, o.client_certificate);
  if (o.server_reaction) {
    add_generated_string(sub, tvb, g_ids.connection_server_reaction, o.server_reaction);
    proto_item_set_generated(
        proto_tree_add_boolean(sub, g_ids.connection_reaction_inferred, tvb, 0, 0, o.server_reaction_inferred));
  }
  add_generated_uint(sub, tvb, g_ids.connection_findings, static_cast<uint32_t>(o.finding_count));
  return node;
}

}  // namespace

// Every frame the plugin says something about carries the protocol item (filter `tlsflags`), hidden:
// what it shows is in the nodes below, each named for what it is (docs/plugin.md "Tree and filters").
void show_frame(const FrameRecord* record, const ConnectionState& c, const FrameScan* scan, proto_tree* tree,
                tvbuff_t* tvb, packet_info* pinfo) {
  // A first-pass frame never shows an outcome, even one judged earlier from part of a live capture.
  const ConnectionOutcome* outcome = PINFO_FD_VISITED(pinfo) ? c.outcome : nullptr;
  FindingList list = findings_of(c, outcome);
  bool findings = has_findings_to_show(list, pinfo->num);
  int extension_count = record ? record->extension_count : 0;
  FrameLinks links = record ? links_of(*record) : FrameLinks{};
  bool client_auth =
      record && (links.any() || has_deployment_fields(*record) || (findings && extension_count == 0 && !outcome));
  if (extension_count == 0 && !client_auth && !outcome) return;
  proto_item_set_hidden(proto_tree_add_item(tree, g_ids.proto, tvb, 0, 0, ENC_NA));
  proto_item* anchor = nullptr;
  for (int i = 0; i < extension_count; ++i) {
    proto_item* item = add_extension(tree, tvb, scan, record->extensions[i]);
    if (!anchor) anchor = item;
  }
  if (client_auth) {
    proto_item* node = add_client_auth(tree, tvb, *record, links, findings && !anchor);
    if (!anchor) anchor = node;
  }
  if (outcome) {
    proto_item* node = add_connection(tree, tvb, *outcome);
    if (!anchor) anchor = node;
  }
  if (findings) add_findings(anchor, pinfo, list);
}

}  // namespace tlsflags::plugin
