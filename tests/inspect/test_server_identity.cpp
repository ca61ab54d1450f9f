#include <catch2/catch.hpp>

#include "test_pki.hpp"
#include "tlsflags/inspect/server_identity.hpp"

using namespace tlsflags::inspect;
using namespace tlsflags::inspect::testing;

namespace {

struct Row {
  const char* presented;
  const char* reference;
  bool rfc9525;
  bool rfc6125;
};

// RFC 6125 §6.4.3 and RFC 9525 §6.3, with their examples.
const Row kTable[] = {
    {"www.example.com", "www.example.com", true, true},
    {"WWW.Example.COM", "www.example.com", true, true},      // case-insensitive ASCII
    {"www.example.com.", "www.example.com", true, true},     // trailing dot on either side
    {"www.example.com", "WWW.EXAMPLE.COM.", true, true},
    {"www.example.com", "example.com", false, false},
    {"*.example.com", "foo.example.com", true, true},        // §6.4.3 example
    {"*.example.com", "bar.foo.example.com", false, false},  // exactly one label
    {"*.example.com", "example.com", false, false},          // not zero labels
    {"*.Example.com", "FOO.example.COM", true, true},
    {"baz*.example.net", "baz1.example.net", false, true},   // §6.4.3 partial-label examples: 6125 only
    {"*baz.example.net", "foobaz.example.net", false, true},
    {"b*z.example.net", "buzz.example.net", false, true},
    {"f*.example.com", "foo.example.com", false, true},
    {"f*.example.com", "bar.example.com", false, false},
    {"xn--*.example.com", "xn--bcher-kva.example.com", false, false},  // never inside an A-label
    {"x*.example.com", "xn--bcher-kva.example.com", false, false},
    {"*.xn--bcher-kva.example", "a.xn--bcher-kva.example", true, true},  // whole label over an IDN domain
    {"www.*.example.com", "www.foo.example.com", false, false},          // only the left-most label
    {"*.*.example.com", "a.b.example.com", false, false},                // only one wildcard
    {"**.example.com", "a.example.com", false, false},
    {"*", "localhost", false, false},
    {"*.example.com", "*.example.com", false, false},  // a reference identifier is never a pattern
    {"", "www.example.com", false, false},
    {"www.example.com", "", false, false},
    {"www.ex\xc3\xa4mple.com", "www.ex\xc3\xa4mple.com", false, false},  // U-labels are not DNS-IDs
};

}  // namespace

TEST_CASE("DNS-ID matching table (RFC 6125 §6.4.3, RFC 9525 §6.3)", "[identity]") {
  for (const Row& row : kTable) {
    INFO(row.presented << " vs " << row.reference);
    CHECK(dns_id_matches(row.presented, row.reference, IdentityRules::rfc9525) == row.rfc9525);
    CHECK(dns_id_matches(row.presented, row.reference, IdentityRules::rfc6125) == row.rfc6125);
  }
}

TEST_CASE("server identity against the SNI", "[identity]") {
  const Der& server = pki().server.der;  // SAN *.example.com, www.example.com, IP 192.0.2.10; CN www.example.com

  auto wildcard = check_server_identity(server, "a.example.com");
  REQUIRE(wildcard.ok());
  CHECK(wildcard->matched);
  CHECK(wildcard->rule == IdentityRule::dns_wildcard);
  CHECK(wildcard->matched_identifier == "*.example.com");
  CHECK(wildcard->explanation == "the SNI a.example.com matches the DNS-ID *.example.com (wildcard, RFC 9525 §6.3)");
  CHECK(wildcard->presented ==
        std::vector<std::string>{"DNS:*.example.com", "DNS:www.example.com", "IP:192.0.2.10", "CN:www.example.com"});

  auto exact = check_server_identity(server, "www.example.com.");
  CHECK(exact->rule == IdentityRule::dns_id);
  CHECK(exact->matched_identifier == "www.example.com");

  auto deeper = check_server_identity(server, "a.b.example.com");
  CHECK_FALSE(deeper->matched);
  CHECK(deeper->explanation == "the SNI a.b.example.com matches none of the certificate's DNS-IDs: DNS:*.example.com, "
                               "DNS:www.example.com, IP:192.0.2.10, CN:www.example.com");
  CHECK_FALSE(check_server_identity(server, "example.com")->matched);
}

TEST_CASE("an IP-literal SNI is reported, then compared with iPAddress SANs", "[identity]") {
  const Der& server = pki().server.der;
  auto ip = check_server_identity(server, "192.0.2.10");
  REQUIRE(ip.ok());
  CHECK(ip->matched);
  CHECK(ip->reference_is_ip_literal);
  CHECK(ip->rule == IdentityRule::ip_address);
  CHECK_THAT(ip->explanation, Catch::Contains("RFC 6066 §3"));
  CHECK_FALSE(check_server_identity(server, "192.0.2.11")->matched);
  CHECK_FALSE(check_server_identity(server, "2001:db8::10")->matched);
  CHECK(check_server_identity(pki().leaf.der, "2001:db8::7")->matched);
}

TEST_CASE("CN fallback: RFC 6125 only, and only without DNS-, SRV- or URI-IDs", "[identity]") {
  auto key = ec_key("P-256");
  auto cn_only = issue(CertSpec{{{"CN", "legacy.example"}}}, key.get(), nullptr, nullptr);
  auto modern = check_server_identity(cn_only.der, "legacy.example", IdentityRules::rfc9525);
  REQUIRE(modern.ok());
  CHECK_FALSE(modern->matched);
  CHECK_THAT(modern->explanation, Catch::Contains("only the subject CN matches, which RFC 9525 no longer accepts"));
  auto legacy = check_server_identity(cn_only.der, "legacy.example", IdentityRules::rfc6125);
  CHECK(legacy->matched);
  CHECK(legacy->rule == IdentityRule::cn_fallback);

  CertSpec with_uri{{{"CN", "legacy.example"}}};
  with_uri.san = "URI:https://legacy.example/";
  auto uri = issue(with_uri, key.get(), nullptr, nullptr);
  CHECK_FALSE(check_server_identity(uri.der, "legacy.example", IdentityRules::rfc6125)->matched);
  // A DNS-ID present: the CN is not consulted even if it would match.
  CHECK_FALSE(check_server_identity(pki().leaf.der, "crawler.example.org", IdentityRules::rfc6125)->matched);
}

TEST_CASE("no SNI or an unreadable certificate is an error", "[identity][malformed]") {
  CHECK(check_server_identity(pki().server.der, "").error() == "the client sent no SNI: there is no reference identity to check");
  CHECK_FALSE(check_server_identity(Der{0x30, 0x00}, "www.example.com").ok());
}
