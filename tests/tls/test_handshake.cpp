// The message parsers on their own: CertificateRequest, Certificate (flags merged across entries),
// NewSessionTicket, KeyUpdate, CompressedCertificate (inflated with analyser/compress).
#include <zlib.h>

#include <catch2/catch.hpp>

#include "tlsflags/tls/handshake.hpp"
#include "wire.hpp"

using namespace tlsflags;
using namespace tlsflags::tls;
using namespace tlsflags::tls::test;

namespace {
std::vector<uint16_t> flags_of(const Event& event) {
  std::vector<uint16_t> out;
  if (event.flags) event.flags->decoded.flags.for_each([&](uint16_t f) { out.push_back(f); });
  return out;
}
}  // namespace

TEST_CASE("CertificateRequest: context, flags, certificate_authorities, signature algorithms", "[handshake]") {
  Bytes dn1 = {0x30, 0x03, 0x31, 0x01, 0x00}, dn2 = {0x30, 0x00};
  Bytes exts = cat({ext(13, vec16(cat({u16(0x0403), u16(0x0804)}))), flags_extension(flag80_body()),
                    ext(47, vec16(cat({vec16(dn1), vec16(dn2)}))), ext(50, vec16(u16(0x0401)))});
  Event event;
  REQUIRE(parse_certificate_request(cat({vec8(Bytes{7}), vec16(exts)}), ParseOptions{}, event));
  CHECK(event.type == EventType::certificate_request);
  CHECK(flags_of(event) == std::vector<uint16_t>{80});
  CHECK(event.certificate_authorities == std::vector<std::string>{"3003310100", "3000"});
  CHECK(event.signature_algorithms == std::vector<uint16_t>{0x0403, 0x0804});
  CHECK(event.signature_algorithms_cert == std::vector<uint16_t>{0x0401});

  Event bad;
  CHECK_FALSE(parse_certificate_request(cat({vec8({}), vec16(ext(13, vec16(u8(4))))}), ParseOptions{}, bad));
  CHECK_FALSE(parse_certificate_request(cat({vec8({}), vec16(ext(47, vec16(vec16({}))))}), ParseOptions{}, bad));
}

TEST_CASE("Certificate: entries counted, DER kept, flags of all entries merged", "[handshake]") {
  Bytes entry1 = cat({vec24(Bytes{0x30, 1, 2}), vec16(flags_extension(Bytes{1, 0x01}))});  // flag 0
  Bytes entry2 = cat({vec24(Bytes{0x30, 4}), vec16(cat({flags_extension(flag80_body()), flags_extension(Bytes{1, 1})}))});
  Event event;
  REQUIRE(parse_certificate(cat({vec8({}), vec24(cat({entry1, entry2}))}), ParseOptions{}, event));
  CHECK(event.certificate_entries == 2);
  CHECK(event.certificate_chain_der == std::vector<std::vector<uint8_t>>{{0x30, 1, 2}, {0x30, 4}});
  CHECK(flags_of(event) == std::vector<uint16_t>{0, 80});
  CHECK(event.flags->duplicate);

  Event empty;
  REQUIRE(parse_certificate(cat({vec8({}), vec24({})}), ParseOptions{}, empty));
  CHECK(empty.certificate_entries == 0);
  CHECK_FALSE(empty.flags);

  Event bad;
  CHECK_FALSE(parse_certificate(cat({vec8({}), vec24(cat({vec24({}), vec16({})}))}), ParseOptions{}, bad));
}

TEST_CASE("NewSessionTicket carries its flags (resumption_across_names)", "[handshake]") {
  Bytes body = cat({u16(0), u16(7200), u16(0), u16(1), vec8(Bytes{0}), vec16(Bytes(20, 9)),
                    vec16(flags_extension(Bytes{2, 0, 1}))});  // flag 8
  Event event;
  REQUIRE(parse_new_session_ticket(body, ParseOptions{}, event));
  CHECK(event.type == EventType::new_session_ticket);
  CHECK(flags_of(event) == std::vector<uint16_t>{8});
  Event bad;
  CHECK_FALSE(parse_new_session_ticket(cat({u16(0), u16(7200), u16(0), u16(1), vec8({}), vec16({}), vec16({})}),
                                       ParseOptions{}, bad));  // ticket<1..2^16-1>
}

TEST_CASE("KeyUpdate, CertificateVerify, Finished, EndOfEarlyData shapes", "[handshake]") {
  bool requested = false;
  CHECK(parse_key_update(Bytes{1}, requested));
  CHECK(requested);
  CHECK_FALSE(parse_key_update(Bytes{2}, requested));
  CHECK_FALSE(parse_key_update(Bytes{0, 0}, requested));
  CHECK(parse_certificate_verify(cat({u16(0x0403), vec16(Bytes(70, 1))})));
  CHECK_FALSE(parse_certificate_verify(cat({u16(0x0403), u16(5)})));
  CHECK(parse_finished(Bytes(32, 1), 32));
  CHECK_FALSE(parse_finished(Bytes(32, 1), 48));
  CHECK(parse_end_of_early_data({}));
  CHECK_FALSE(parse_end_of_early_data(Bytes{0}));
}

namespace {
Bytes zlib_compressed(const Bytes& message) {
  uLongf size = compressBound(message.size());
  Bytes out(size);
  REQUIRE(compress2(out.data(), &size, message.data(), message.size(), Z_BEST_COMPRESSION) == Z_OK);
  out.resize(size);
  return out;
}
Bytes compressed_certificate(unsigned algorithm, size_t declared, const Bytes& compressed) {
  return cat({u16(algorithm), u24(static_cast<unsigned>(declared)), vec24(compressed)});
}
}  // namespace

TEST_CASE("CompressedCertificate: inflated, it is the Certificate: entries, DER, flags, context", "[handshake]") {
  Bytes entry1 = cat({vec24(Bytes{0x30, 1, 2}), vec16(flags_extension(flag80_body()))});
  Bytes entry2 = cat({vec24(Bytes(40, 0x30)), vec16({})});
  Bytes certificate = cat({vec8(Bytes{0x5f, 0x2a}), vec24(cat({entry1, entry2}))});
  Event event;
  REQUIRE(parse_compressed_certificate(compressed_certificate(1, certificate.size(), zlib_compressed(certificate)),
                                       ParseOptions{}, event));
  CHECK(event.type == EventType::certificate);
  CHECK(event.certificate_entries == 2);
  CHECK(event.certificate_chain_der == std::vector<std::vector<uint8_t>>{{0x30, 1, 2}, Bytes(40, 0x30)});
  CHECK(flags_of(event) == std::vector<uint16_t>{80});
  CHECK(event.certificate_request_context == "5f2a");
  REQUIRE(event.compression);
  CHECK(event.compression->algorithm == 1);
  CHECK(event.compression->outcome == InflationOutcome::ok);
  CHECK(event.compression->uncompressed_length == certificate.size());
  CHECK(event.certificate_known());

  Bytes empty_certificate = cat({vec8({}), vec24({})});
  Event empty;
  REQUIRE(parse_compressed_certificate(compressed_certificate(1, 4, zlib_compressed(empty_certificate)),
                                       ParseOptions{}, empty));
  CHECK(empty.certificate_entries == 0);
  CHECK(empty.certificate_known());
}

TEST_CASE("CompressedCertificate that cannot be inflated: a fact for the rules, no entries", "[handshake]") {
  Bytes certificate = cat({vec8({}), vec24(cat({vec24(Bytes(300, 0x30)), vec16(flags_extension(flag80_body()))}))});
  Bytes compressed = zlib_compressed(certificate);
  struct Case {
    Bytes body;
    InflationOutcome outcome;
  };
  Bytes truncated(compressed.begin(), compressed.end() - 3);
  const Case cases[] = {
      {compressed_certificate(1, certificate.size() + 1, compressed), InflationOutcome::length_mismatch},
      {compressed_certificate(1, certificate.size(), truncated), InflationOutcome::corrupt},
      {compressed_certificate(9, certificate.size(), compressed), InflationOutcome::unknown_algorithm},
      {compressed_certificate(1, 0, compressed), InflationOutcome::declared_length_invalid},
      {compressed_certificate(1, 0xffffff, Bytes{0x78, 0x9c, 3, 0}), InflationOutcome::ratio_exceeded},
      // Inflates, but to something that is not a Certificate (RFC 8446 §4.4.2).
      {compressed_certificate(1, 5, zlib_compressed(Bytes{1, 2, 3, 4, 5})), InflationOutcome::not_a_certificate},
  };
  for (const Case& c : cases) {
    Event event;
    REQUIRE(parse_compressed_certificate(c.body, ParseOptions{}, event));
    CHECK(event.type == EventType::certificate);
    REQUIRE(event.compression);
    CHECK(event.compression->outcome == c.outcome);
    CHECK_FALSE(event.certificate_known());
    CHECK(event.certificate_entries == 0);
    CHECK(event.certificate_chain_der.empty());
    CHECK_FALSE(event.flags);
  }
  Event malformed;  // the CompressedCertificate's own structure (RFC 8879 §4) is still parsed strictly
  CHECK_FALSE(parse_compressed_certificate(cat({u16(1), u24(10), vec24({})}), ParseOptions{}, malformed));
  CHECK_FALSE(parse_compressed_certificate(cat({u16(1), u24(10), vec24(Bytes{1}), u8(0)}), ParseOptions{}, malformed));
}

TEST_CASE("compress_certificate (RFC 8879 §3) in the ClientHello and the CertificateRequest", "[handshake]") {
  Event hello;
  ClientHelloFacts facts;
  REQUIRE(parse_client_hello(client_hello_body(cat({supported_versions_13(), ext(27, vec8(cat({u16(2), u16(1)})))})),
                             ParseOptions{}, hello, facts));
  CHECK(hello.compress_certificate_algorithms == std::vector<uint16_t>{2, 1});
  Event request;
  REQUIRE(parse_certificate_request(cat({vec8({}), vec16(cat({ext(13, vec16(u16(0x0403))), ext(27, vec8(u16(3)))}))}),
                                    ParseOptions{}, request));
  CHECK(request.compress_certificate_algorithms == std::vector<uint16_t>{3});
  Event bad;  // algorithms<2..2^8-2>
  CHECK_FALSE(parse_certificate_request(cat({vec8({}), vec16(ext(27, vec8({})))}), ParseOptions{}, bad));
}

TEST_CASE("ServerHello: supported_versions decides the version; HRR by random", "[handshake]") {
  Event event;
  ServerHelloFacts facts;
  REQUIRE(parse_server_hello(server_hello_body(ext(43, u16(0x0304)), 0x1302), ParseOptions{}, event, facts));
  CHECK(event.type == EventType::server_hello);
  CHECK(event.selected_version == 0x0304);
  CHECK(facts.cipher_suite == 0x1302);
  CHECK_FALSE(facts.hello_retry_request);
  Event legacy;
  ServerHelloFacts legacy_facts;
  Bytes no_extensions = server_hello_body({});
  no_extensions.resize(no_extensions.size() - 2);  // a TLS 1.2 ServerHello may omit the block
  REQUIRE(parse_server_hello(no_extensions, ParseOptions{}, legacy, legacy_facts));
  CHECK(legacy.selected_version == 0x0303);
  Event bad;
  CHECK_FALSE(parse_server_hello(server_hello_body(ext(43, u8(3))), ParseOptions{}, bad, facts));
}
