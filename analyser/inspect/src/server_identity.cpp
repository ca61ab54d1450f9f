#include "tlsflags/inspect/server_identity.hpp"

#include <arpa/inet.h>
#include <openssl/objects.h>

#include <algorithm>
#include <array>

#include "openssl_ptr.hpp"
#include "san_text.hpp"

namespace tlsflags::inspect {

std::string_view to_string(IdentityRules rules) { return rules == IdentityRules::rfc9525 ? "rfc9525" : "rfc6125"; }

std::string_view to_string(IdentityRule rule) {
  switch (rule) {
    case IdentityRule::none: return "none";
    case IdentityRule::dns_id: return "dns-id";
    case IdentityRule::dns_wildcard: return "dns-wildcard";
    case IdentityRule::cn_fallback: return "cn-fallback";
    case IdentityRule::ip_address: return "ip-address";
  }
  return "none";
}

namespace {

// DNS names compare as case-insensitive ASCII (RFC 9525 §6.3, RFC 4343); one trailing dot means the
// same absolute name. Anything beyond ASCII is not a valid A-label form: no match, never a crash.
std::optional<std::string> normalised(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return std::nullopt;
  std::string out;
  out.reserve(name.size());
  for (unsigned char c : name) {
    if (c < 0x21 || c > 0x7e) return std::nullopt;
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c));
  }
  return out;
}

std::vector<std::string_view> labels_of(std::string_view name) {
  std::vector<std::string_view> labels;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    labels.push_back(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return labels;
    start = dot + 1;
  }
}

// The left-most label of a presented identifier against the reference's left-most label.
bool wildcard_label_matches(std::string_view pattern, std::string_view label, IdentityRules rules) {
  if (label.empty()) return false;
  if (pattern == "*") return true;  // the complete left-most label: one whole label (RFC 9525 §6.3 rule 2)
  // RFC 6125 §6.4.3 lets a client match "f*", "*baz", "b*z"; RFC 9525 does not. Never inside an IDN
  // A-label ("xn--"), whose wildcard would match across encoded characters.
  if (rules == IdentityRules::rfc9525 || pattern.starts_with("xn--") || label.starts_with("xn--")) return false;
  size_t star = pattern.find('*');
  std::string_view prefix = pattern.substr(0, star);
  std::string_view suffix = pattern.substr(star + 1);
  return label.size() >= prefix.size() + suffix.size() && label.starts_with(prefix) && label.ends_with(suffix);
}

}  // namespace

bool dns_id_matches(std::string_view presented_raw, std::string_view reference_raw, IdentityRules rules) {
  auto presented = normalised(presented_raw);
  auto reference = normalised(reference_raw);
  if (!presented || !reference) return false;
  if (reference->find('*') != std::string::npos) return false;  // a reference identifier is never a pattern
  size_t stars = std::count(presented->begin(), presented->end(), '*');
  if (stars == 0) return *presented == *reference;
  if (stars > 1) return false;  // RFC 9525 §6.3 rule 1: only one wildcard character
  auto pattern_labels = labels_of(*presented);
  auto reference_labels = labels_of(*reference);
  // The wildcard only in the left-most label; it stands for exactly one label, so "*.example.com" does
  // not match "example.com" or "a.b.example.com".
  if (pattern_labels.front().find('*') == std::string_view::npos) return false;
  if (pattern_labels.size() != reference_labels.size() || pattern_labels.size() < 2) return false;
  if (std::any_of(reference_labels.begin(), reference_labels.end(), [](auto l) { return l.empty(); })) return false;
  if (!std::equal(pattern_labels.begin() + 1, pattern_labels.end(), reference_labels.begin() + 1)) return false;
  return wildcard_label_matches(pattern_labels.front(), reference_labels.front(), rules);
}

namespace {

struct PresentedIds {
  std::vector<std::string> dns;
  std::vector<std::array<uint8_t, 16>> ip_bytes;  // v4 in the first 4 bytes
  std::vector<size_t> ip_lengths;
  std::vector<std::string> ip_text;
  bool has_uri_or_srv = false;                    // also disable the CN fallback (RFC 6125 §6.4.4)
  std::optional<std::string> last_cn;             // the most specific CN
};

constexpr const char* kSrvNameOid = "1.3.6.1.5.5.7.8.7";  // id-on-dnsSRV (RFC 4985)

void collect_san(X509* cert, PresentedIds& ids) {
  int critical = 0;
  ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, &critical, nullptr)));
  ossl::take_error();
  if (!names) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) ids.dns.emplace_back(asn1_bytes(name->d.dNSName));
    if (name->type == GEN_URI) ids.has_uri_or_srv = true;
    if (name->type == GEN_OTHERNAME) {
      char oid[64] = {};
      OBJ_obj2txt(oid, sizeof oid, name->d.otherName->type_id, 1);
      if (std::string_view(oid) == kSrvNameOid) ids.has_uri_or_srv = true;
    }
    if (name->type == GEN_IPADD) {
      std::string_view bytes = asn1_bytes(name->d.iPAddress);
      if (bytes.size() != 4 && bytes.size() != 16) continue;
      std::array<uint8_t, 16> raw{};
      std::copy(bytes.begin(), bytes.end(), raw.begin());
      ids.ip_bytes.push_back(raw);
      ids.ip_lengths.push_back(bytes.size());
      ids.ip_text.push_back(ip_text(name->d.iPAddress).value_or("?"));
    }
  }
}

void collect_cn(X509* cert, PresentedIds& ids) {
  X509_NAME* subject = X509_get_subject_name(cert);
  int index = -1;
  while ((index = X509_NAME_get_index_by_NID(subject, NID_commonName, index)) >= 0) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    ids.last_cn = std::string(asn1_bytes(data));
  }
}

std::vector<std::string> presented_list(const PresentedIds& ids) {
  std::vector<std::string> out;
  for (const auto& dns : ids.dns) out.push_back("DNS:" + printable(dns));
  for (const auto& ip : ids.ip_text) out.push_back("IP:" + ip);
  if (ids.last_cn) out.push_back("CN:" + printable(*ids.last_cn));
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "(none)" : out;
}

// An IP-literal reference: RFC 6066 §3 forbids it in SNI, but clients send it; compare with iPAddress
// SANs byte for byte (RFC 9525 §6.2: IP-ID).
IdentityCheck check_ip(const PresentedIds& ids, std::string_view sni, const uint8_t* address, size_t length) {
  IdentityCheck check;
  check.reference_is_ip_literal = true;
  check.presented = presented_list(ids);
  std::string note = " (an IP literal in SNI is not allowed, RFC 6066 §3)";
  for (size_t i = 0; i < ids.ip_bytes.size(); ++i) {
    if (ids.ip_lengths[i] == length && std::equal(address, address + length, ids.ip_bytes[i].begin())) {
      check.matched = true;
      check.rule = IdentityRule::ip_address;
      check.matched_identifier = ids.ip_text[i];
      check.explanation = "the SNI " + std::string(sni) + " matches the certificate's IP address SAN" + note;
      return check;
    }
  }
  check.explanation = "the SNI " + std::string(sni) + " matches no IP address SAN of the certificate: " +
                      joined(check.presented) + note;
  return check;
}

std::optional<IdentityCheck> check_ip_literal(const PresentedIds& ids, const std::string& sni) {
  std::array<uint8_t, 16> address{};
  if (inet_pton(AF_INET, sni.c_str(), address.data()) == 1) return check_ip(ids, sni, address.data(), 4);
  if (inet_pton(AF_INET6, sni.c_str(), address.data()) == 1) return check_ip(ids, sni, address.data(), 16);
  return std::nullopt;
}

IdentityCheck check_dns(const PresentedIds& ids, const std::string& sni, IdentityRules rules) {
  IdentityCheck check;
  check.presented = presented_list(ids);
  std::string section = rules == IdentityRules::rfc9525 ? "RFC 9525 §6.3" : "RFC 6125 §6.4";
  // An exact DNS-ID is the better evidence, so it is reported before any wildcard that also matches.
  for (bool wildcard : {false, true}) {
    for (const auto& dns : ids.dns) {
      if ((dns.find('*') != std::string::npos) != wildcard || !dns_id_matches(dns, sni, rules)) continue;
      check.matched = true;
      check.matched_identifier = printable(dns);
      check.rule = wildcard ? IdentityRule::dns_wildcard : IdentityRule::dns_id;
      check.explanation = "the SNI " + printable(sni) + " matches the DNS-ID " + check.matched_identifier +
                          (wildcard ? " (wildcard, " : " (") + section + ")";
      return check;
    }
  }
  // RFC 6125 §6.4.4: the CN only when no DNS-ID, SRV-ID or URI-ID is presented. RFC 9525 drops CN-IDs.
  bool cn_allowed = ids.dns.empty() && !ids.has_uri_or_srv;
  bool cn_matches = ids.last_cn && dns_id_matches(*ids.last_cn, sni, rules);
  if (cn_allowed && cn_matches && rules == IdentityRules::rfc6125) {
    check.matched = true;
    check.rule = IdentityRule::cn_fallback;
    check.matched_identifier = printable(*ids.last_cn);
    check.explanation = "the SNI " + printable(sni) + " matches only the subject CN " + check.matched_identifier +
                        " (legacy CN-ID fallback, RFC 6125 §6.4.4; RFC 9525 clients reject this)";
    return check;
  }
  check.explanation = "the SNI " + printable(sni) + " matches none of the certificate's DNS-IDs: " + joined(check.presented);
  if (cn_allowed && cn_matches) {
    check.explanation += " (only the subject CN matches, which RFC 9525 no longer accepts; RFC 6125 clients would)";
  }
  return check;
}

}  // namespace

Outcome<IdentityCheck> check_server_identity(std::span<const uint8_t> server_leaf_der, std::string_view sni_raw,
                                             IdentityRules rules) {
  if (sni_raw.empty()) return Error{"the client sent no SNI: there is no reference identity to check"};
  auto cert = ossl::parse_certificate(server_leaf_der);
  if (!cert) return Error{"the server's certificate cannot be read: " + cert.error()};
  PresentedIds ids;
  collect_san(cert.value().get(), ids);
  collect_cn(cert.value().get(), ids);
  std::string sni(sni_raw);
  if (!sni.empty() && sni.back() == '.') sni.pop_back();
  if (auto ip = check_ip_literal(ids, sni)) return *ip;
  return check_dns(ids, sni, rules);
}

}  // namespace tlsflags::inspect
