// Does the server's certificate match the name the client asked for (the SNI)? RFC 9525 (which
// obsoletes RFC 6125) by default; RFC 6125 as an option for older clients' behaviour. Only DNS-IDs
// (subjectAltName dNSName) count; the subject CN is a legacy fallback that only RFC 6125 allows.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tlsflags/inspect/outcome.hpp"

namespace tlsflags::inspect {

enum class IdentityRules : uint8_t {
  rfc9525,  // §6.3: '*' only as the whole left-most label; no CN-ID (§6.1 / §2: CN-ID is not supported)
  rfc6125,  // §6.4.3: also partial-label wildcards (f*.example.com) outside IDN A-labels; §6.4.4: CN-ID
            //         when the certificate has no DNS-ID, SRV-ID or URI-ID
};
std::string_view to_string(IdentityRules rules);  // "rfc9525", "rfc6125"

enum class IdentityRule : uint8_t {
  none,         // no match
  dns_id,       // a SAN dNSName equal to the reference identifier
  dns_wildcard, // a SAN dNSName with a wildcard
  cn_fallback,  // the subject's CN (RFC 6125 mode only)
  ip_address,   // a SAN iPAddress equal to an IP-literal "SNI"
};
std::string_view to_string(IdentityRule rule);  // "none", "dns-id", "dns-wildcard", "cn-fallback", "ip-address"

// One presented DNS identifier against one reference identifier. Case-insensitive ASCII; one trailing
// dot ignored on both. Exposed for table tests and for the plugin.
bool dns_id_matches(std::string_view presented, std::string_view reference, IdentityRules rules);

struct IdentityCheck {
  bool matched = false;
  IdentityRule rule = IdentityRule::none;
  std::string matched_identifier;         // the presented identifier that matched ("*.example.com")
  std::vector<std::string> presented;     // what was considered, as "DNS:x", "IP:y", "CN:z"
  bool reference_is_ip_literal = false;   // RFC 6066 §3 forbids IP literals in SNI: reported, then checked
  std::string explanation;
};

// sni: the ClientHello's server_name. An empty SNI is an Error (there is no reference identifier), as is
// an unparseable certificate.
Outcome<IdentityCheck> check_server_identity(std::span<const uint8_t> server_leaf_der, std::string_view sni,
                                             IdentityRules rules = IdentityRules::rfc9525);

}  // namespace tlsflags::inspect
