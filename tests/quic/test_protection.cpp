// Packet protection against the published test vectors: RFC 9001 Appendix A (QUIC v1) and RFC 9369
// Appendix A (QUIC v2), both for the client's Destination Connection ID 0x8394c8f03e515708.
#include <catch2/catch.hpp>

#include "hex.hpp"
#include "packet_protection.hpp"

using namespace tlsflags;
using namespace tlsflags::quic;
using tlsflags::tls::test::from_hex;

namespace {

std::vector<uint8_t> bytes_of(std::span<const uint8_t> span) { return {span.begin(), span.end()}; }

void check_keys(const PacketKeys& keys, std::string_view key, std::string_view iv, std::string_view hp) {
  REQUIRE(keys.installed());
  CHECK(bytes_of(std::span(keys.aead.key.data(), keys.aead.key_size)) == from_hex(key));
  CHECK(bytes_of(keys.aead.iv) == from_hex(iv));
  CHECK(bytes_of(std::span(keys.hp.data(), 16)) == from_hex(hp));
}

const std::vector<uint8_t> kClientDcid = from_hex("8394c8f03e515708");

}  // namespace

TEST_CASE("RFC 9001 A.1: QUIC v1 Initial keys from the client's Destination Connection ID", "[protection]") {
  PacketKeys client, server;
  REQUIRE(derive_initial_keys(QuicVersion::v1, kClientDcid, client, server));
  check_keys(client, "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2");
  check_keys(server, "cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314");
}

TEST_CASE("RFC 9369 A.1: QUIC v2 Initial keys use the v2 salt and labels", "[protection]") {
  PacketKeys client, server;
  REQUIRE(derive_initial_keys(QuicVersion::v2, kClientDcid, client, server));
  check_keys(client, "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9");
  check_keys(server, "82db637861d55e1d011f19ea71d5d2a7", "dd13c276499c0249d3310652", "edf6d05c83121201b436e16877593c3a");
}

TEST_CASE("RFC 9001 A.2: the AES header protection mask of the client Initial", "[protection]") {
  PacketKeys client, server;
  REQUIRE(derive_initial_keys(QuicVersion::v1, kClientDcid, client, server));
  PacketOpener opener;
  const auto sample = from_hex("d1b1c98dd7689fb8ec11d242b123dc9b");
  std::array<uint8_t, 5> mask{};
  REQUIRE(opener.header_mask(client, std::span<const uint8_t, 16>(sample.data(), 16), mask));
  CHECK(bytes_of(mask) == from_hex("437b9aec36"));
}

TEST_CASE("RFC 9001 A.5: ChaCha20-Poly1305 short header packet", "[protection]") {
  const tls::CipherSuite* suite = tls::tls13_cipher_suite(0x1303);
  REQUIRE(suite);
  const auto secret = from_hex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
  PacketKeys keys;
  REQUIRE(derive_packet_keys(QuicVersion::v1, *suite, secret, keys));
  CHECK(bytes_of(std::span(keys.aead.key.data(), 32)) ==
        from_hex("c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8"));
  CHECK(bytes_of(keys.aead.iv) == from_hex("e0459b3474bdd0e44a41c144"));
  CHECK(bytes_of(std::span(keys.hp.data(), 32)) ==
        from_hex("25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4"));
  PacketOpener opener;
  const auto sample = from_hex("5e5cd55c41f69080575d7999c25a5bfb");
  std::array<uint8_t, 5> mask{};
  REQUIRE(opener.header_mask(keys, std::span<const uint8_t, 16>(sample.data(), 16), mask));
  CHECK(bytes_of(mask) == from_hex("aefefe7d03"));
  // The protected packet 4cfe4189655e5cd55c41f69080575d7999c25a5bfb: header 4200bff4 after unmasking,
  // packet number 654360564, payload 01 (PING).
  const auto header = from_hex("4200bff4");
  const auto payload = from_hex("655e5cd55c41f69080575d7999c25a5bfb");
  std::vector<uint8_t> out(payload.size());
  const auto opened = opener.open(keys, 654360564, header, payload, out);
  REQUIRE(opened);
  CHECK(*opened == 1);
  CHECK(out[0] == 0x01);
  // One flipped octet: authentication fails.
  auto damaged = payload;
  damaged[0] ^= 1;
  CHECK_FALSE(opener.open(keys, 654360564, header, damaged, out));
}

TEST_CASE("RFC 9001 §6.1: a key update derives the next secret and keeps the header protection key", "[protection]") {
  const tls::CipherSuite* suite = tls::tls13_cipher_suite(0x1303);
  const auto secret = from_hex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
  PacketKeys keys, next;
  REQUIRE(derive_packet_keys(QuicVersion::v1, *suite, secret, keys));
  REQUIRE(derive_next_phase(QuicVersion::v1, keys, next));
  // RFC 9001 A.5: ku = 1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9
  CHECK(bytes_of(next.secret.bytes()) == from_hex("1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9"));
  CHECK(next.hp == keys.hp);
  CHECK(next.aead.key != keys.aead.key);
}

TEST_CASE("QUIC versions: v1 and v2 are decoded, others are not", "[protection]") {
  CHECK(quic_version_of(0x00000001) == QuicVersion::v1);
  CHECK(quic_version_of(0x6b3343cf) == QuicVersion::v2);
  CHECK_FALSE(quic_version_of(0xff00001d));  // draft-29
  CHECK_FALSE(quic_version_of(0x00000000));  // Version Negotiation
}

// ---- a QUIC v2 Initial through the tracker ---------------------------------------------------------

#include "datagram.hpp"
#include "initial_packet.hpp"
#include "tlsflags/quic/udp_tracker.hpp"

TEST_CASE("RFC 9369: a QUIC v2 client Initial is read without a key log (v2 type bits, salt and labels)",
          "[protection]") {
  const std::vector<uint8_t> packet = test::client_initial(QuicVersion::v2, kClientDcid, test::client_hello_message());

  std::vector<Timeline> timelines;
  UdpTracker udp({}, [&](Timeline&& t) { timelines.push_back(std::move(t)); }, nullptr, nullptr);
  REQUIRE(udp.on_datagram(test::datagram_between(true, packet), {1, 0}));
  udp.on_capture_end({1, 0});
  REQUIRE(timelines.size() == 1);
  CHECK(timelines[0].transport == Transport::quic);
  const Event* hello_event = timelines[0].first(EventType::client_hello, Party::client);
  REQUIRE(hello_event);
  CHECK(hello_event->carries_flag(80));
  CHECK(udp.stats().quic_packets_opened == 1);
  CHECK(udp.stats().quic_initial_undecryptable.count == 0);
}
