#include "json_parts.hpp"

#include <cmath>

#include "json_text.hpp"
#include "names.hpp"

namespace tlsflags::report::json_parts {

using namespace std::string_view_literals;  // `out += "..."sv` appends without a strlen

std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

double rounded_time(double seconds) { return std::round(seconds * 1e9) / 1e9; }

Json verdict_counts(const VerdictCounts& counts) {
  Json out = Json::object();
  for (size_t i = 0; i < kVerdictCount; ++i) out[std::string(to_string(static_cast<Verdict>(i)))] = counts[i];
  return out;
}

namespace {

// Each function appends one value; keys and punctuation are literals, every text from a capture or a
// certificate goes through json_text::append_string.
using json_text::append_bool;
using json_text::append_string;
using json_text::append_unsigned;

void append_string_array(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    append_string(out, items[i]);
  }
  out += ']';
}

void append_frames(std::string& out, const std::vector<uint64_t>& frames) {
  out += '[';
  for (size_t i = 0; i < frames.size(); ++i) {
    if (i) out += ',';
    append_unsigned(out, frames[i]);
  }
  out += ']';
}

void append_endpoint(std::string& out, const Endpoint& endpoint) {
  const bool ipv6 = endpoint.address.find(':') != std::string::npos;
  thread_local std::string text;  // Endpoint::to_string's text, without its allocations
  text.clear();
  if (ipv6) text += '[';
  text += endpoint.address;
  if (ipv6) text += ']';
  text += ':';
  append_unsigned(text, endpoint.port);
  append_string(out, text);
}

void append_findings(std::string& out, const std::vector<Finding>& findings) {
  out += '[';
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& finding = findings[i];
    if (i) out += ',';
    out += "{\"rule\":"sv;
    append_string(out, rule_info(finding.rule).name);
    out += ",\"severity\":"sv;
    append_string(out, to_string(finding.severity));
    out += ",\"message\":"sv;
    append_string(out, finding.message);
    out += ",\"frames\":"sv;
    append_frames(out, finding.frames);
    if (const auto& request = finding.post_handshake_request) {
      // docs/output.md: present when the finding is about a post-handshake CertificateRequest.
      out += ",\"post_handshake_request\":{\"frame\":"sv;
      append_unsigned(out, request->frame);
      out += ",\"context\":"sv;
      append_string(out, request->context);
      out += '}';
    }
    if (const auto& certificate = finding.compressed_certificate) {
      // docs/output.md: present when the finding is about a compressed Certificate (RFC 8879).
      out += ",\"compressed_certificate\":{\"frame\":"sv;
      append_unsigned(out, certificate->frame);
      out += ",\"compression\":"sv;
      append_string(out, certificate_compression_algorithm_name(certificate->algorithm));
      out += ",\"inflation\":"sv;
      append_string(out, to_string(certificate->outcome));
      out += '}';
    }
    out += '}';
  }
  out += ']';
}

void append_undecided(std::string& out, const std::vector<Undecided>& undecided) {
  out += '[';
  for (size_t i = 0; i < undecided.size(); ++i) {
    if (i) out += ',';
    out += "{\"rule\":"sv;
    append_string(out, rule_info(undecided[i].rule).name);
    out += ",\"reason\":"sv;
    append_string(out, undecided[i].reason);
    out += '}';
  }
  out += ']';
}

void append_certificate_details(std::string& out, const ClientCertificateDetails& d) {
  out += "{\"subject\":"sv;
  append_string(out, d.subject);
  out += ",\"issuer\":"sv;
  append_string(out, d.issuer);
  out += ",\"san\":"sv;
  append_string_array(out, d.san);
  out += ",\"not_before\":"sv;
  append_string(out, d.not_before);
  out += ",\"not_after\":"sv;
  append_string(out, d.not_after);
  out += ",\"key_type\":"sv;
  append_string(out, d.key_type);
  out += ",\"sha256\":"sv;
  append_string(out, d.sha256);
  out += '}';
}

void append_fit_part(std::string& out, const FitPart& part) {
  out += "{\"fit\":"sv;
  append_string(out, part.fit);
  out += ",\"explanation\":"sv;
  append_string(out, part.explanation);
  out += '}';
}

void append_certificate_request_fit(std::string& out, const CertificateRequestFit& fit) {
  out += "{\"certificate_authorities\":"sv;
  append_fit_part(out, fit.certificate_authorities);
  out += ",\"certificate_signature\":"sv;
  append_fit_part(out, fit.certificate_signature);
  out += ",\"key\":"sv;
  append_fit_part(out, fit.key);
  out += '}';
}

// The rca object with what the certificates showed (docs/output.md: client_certificate_details,
// server_reaction; additive: server_reaction_inferred, certificate_request_fit).
void append_rca(std::string& out, const RcaSummary& rca, const Deployment& deployment) {
  out += "{\"client_offered\":"sv;
  append_bool(out, rca.client_offered);
  out += ",\"server_acknowledged\":"sv;
  if (rca.server_acknowledged) {
    append_bool(out, *rca.server_acknowledged);
  } else {
    json_text::append_null(out);
  }
  out += ",\"client_certificate\":"sv;
  append_string(out, rca.client_certificate);
  if (rca.post_handshake_requests > 0) {  // additive: only when the server asked after the handshake
    out += ",\"post_handshake_requests\":"sv;
    append_unsigned(out, rca.post_handshake_requests);
  }
  if (deployment.client_certificate) {
    out += ",\"client_certificate_details\":"sv;
    append_certificate_details(out, *deployment.client_certificate);
  }
  if (deployment.server_reaction) {
    out += ",\"server_reaction\":"sv;
    append_string(out, *deployment.server_reaction);
    if (deployment.server_reaction_inferred) out += ",\"server_reaction_inferred\":true"sv;
  }
  if (deployment.certificate_request_fit) {
    out += ",\"certificate_request_fit\":"sv;
    append_certificate_request_fit(out, *deployment.certificate_request_fit);
  }
  out += '}';
}

void append_server_identity(std::string& out, const ServerIdentity& identity) {
  out += "{\"sni\":"sv;
  append_string(out, identity.sni);
  if (identity.error) {
    out += ",\"error\":"sv;
    append_string(out, *identity.error);
    out += '}';
    return;
  }
  out += ",\"matched\":"sv;
  append_bool(out, identity.matched);
  out += ",\"rule\":"sv;
  append_string(out, identity.rule);
  if (identity.matched) {
    out += ",\"matched_identifier\":"sv;
    append_string(out, identity.matched_identifier);
  }
  out += ",\"presented\":"sv;
  append_string_array(out, identity.presented);
  out += '}';
}

// The contract's event object; visibility markers are not part of the contract and are left out.
// Returns false when nothing was appended.
bool append_event(std::string& out, const Event& event) {
  if (is_visibility_marker(event.type)) return false;
  out += "{\"frame\":"sv;
  append_unsigned(out, event.frame);
  out += ",\"time\":"sv;
  json_text::append_double(out, rounded_time(event.time));
  out += ",\"from\":"sv;
  append_string(out, to_string(event.from));
  out += ",\"type\":"sv;
  append_string(out, to_string(event.type));
  if (event.flags) {
    out += ",\"flags\":["sv;
    bool first = true;
    event.flags->decoded.flags.for_each([&](uint16_t flag) {
      if (!first) out += ',';
      first = false;
      append_unsigned(out, flag);
    });
    out += ']';
  }
  if (event.compression) {  // docs/output.md: a Certificate that arrived compressed (RFC 8879)
    out += ",\"compression\":"sv;
    append_string(out, certificate_compression_algorithm_name(event.compression->algorithm));
    if (!event.compression->inflated()) {
      out += ",\"inflation\":"sv;
      append_string(out, to_string(event.compression->outcome));
    }
  }
  if (event.type == EventType::alert) {
    out += ",\"level\":"sv;
    if (auto name = alert_level_name(event.alert_level)) {
      append_string(out, *name);
    } else {
      append_unsigned(out, event.alert_level);  // not a level RFC 8446 defines: the number, not a guess
    }
    out += ",\"description\":"sv;
    append_string(out, alert_name(event.alert_description));
  }
  out += '}';
  return true;
}

}  // namespace

void append_connection(std::string& out, const ConnectionResult& connection, bool with_events) {
  const Judgement& judgement = connection.judgement;
  out += "{\"type\":\"connection\",\"file\":"sv;
  append_string(out, connection.file);
  out += ",\"client\":"sv;
  append_endpoint(out, connection.client);
  out += ",\"server\":"sv;
  append_endpoint(out, connection.server);
  out += ",\"transport\":"sv;
  append_string(out, to_string(connection.transport));
  out += ",\"first_frame\":"sv;
  append_unsigned(out, connection.first_frame);
  out += ",\"last_frame\":"sv;
  append_unsigned(out, connection.last_frame);
  out += ",\"tls_version\":"sv;
  if (connection.tls_version.empty()) {
    json_text::append_null(out);
  } else {
    append_string(out, connection.tls_version);
  }
  out += ",\"decrypted\":"sv;
  append_bool(out, connection.decrypted);
  if (!connection.upgrade.empty()) {  // docs/output.md: only when TLS followed a plaintext preamble
    out += ",\"upgrade\":"sv;
    append_string(out, connection.upgrade);
  }
  out += ",\"rca\":"sv;
  append_rca(out, judgement.rca, connection.deployment);
  out += ",\"verdict\":"sv;
  append_string(out, to_string(judgement.verdict));
  out += ",\"findings\":"sv;
  append_findings(out, judgement.findings);
  if (!judgement.undecided.empty()) {
    out += ",\"undecidable\":"sv;
    append_undecided(out, judgement.undecided);
  }
  if (connection.deployment.server_identity) {
    out += ",\"server_identity\":"sv;
    append_server_identity(out, *connection.deployment.server_identity);
  }
  if (with_events) {
    out += ",\"events\":["sv;
    bool first = true;
    for (const Event& event : connection.events) {
      const size_t before = out.size();
      if (!first) out += ',';
      if (append_event(out, event)) {
        first = false;
      } else {
        out.resize(before);
      }
    }
    out += ']';
  }
  out += '}';
}

}  // namespace tlsflags::report::json_parts
