// Fuzzes the TLS 1.3 handshake message parsers directly: the first input byte picks the parser, the
// second the TLS Flags ExtensionType (62 or Cloudflare's 65025), the rest is the message body, copied to
// a buffer of exactly its size so that ASan sees any read past it.
//
// Invariants: no crash; a parser that accepts a body says what the body says: a ClientHello's random is
// bytes 2..33 of the body, a ServerHello is typed server_hello or hello_retry_request (the latter exactly
// when its random is the HRR value), a Certificate keeps one DER per entry; and parsing is deterministic.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "check.hpp"
#include "tlsflags/tls/handshake.hpp"

namespace tlsflags::fuzz {
namespace {

using namespace tlsflags::tls;

// One parse of `body` by the parser number `which`; returns whether it was accepted.
bool parse(unsigned which, std::span<const uint8_t> body, const ParseOptions& options, Event& event) {
  switch (which) {
    case 0: {
      ClientHelloFacts facts;
      bool ok = parse_client_hello(body, options, event, facts);
      if (ok) FUZZ_CHECK(body.size() >= 34 && std::equal(facts.random.begin(), facts.random.end(), body.begin() + 2));
      return ok;
    }
    case 1: {
      ServerHelloFacts facts;
      bool ok = parse_server_hello(body, options, event, facts);
      if (ok) {
        bool hrr = body.size() >= 34 && std::equal(kHelloRetryRequestRandom.begin(), kHelloRetryRequestRandom.end(),
                                                   body.begin() + 2);
        FUZZ_CHECK(facts.hello_retry_request == hrr);
        FUZZ_CHECK(event.type == (hrr ? EventType::hello_retry_request : EventType::server_hello));
      }
      return ok;
    }
    case 2: return parse_encrypted_extensions(body, options, event);
    case 3: return parse_certificate_request(body, options, event);
    case 4: {
      bool ok = parse_certificate(body, options, event);
      if (ok) FUZZ_CHECK(event.certificate_chain_der.size() == event.certificate_entries);
      return ok;
    }
    case 5: {
      bool ok = parse_compressed_certificate(body, options, event);
      // RFC 8879 §4: inflated, it is a Certificate; not inflated, nothing of its entries is claimed.
      if (ok) FUZZ_CHECK(event.compression && event.certificate_chain_der.size() == event.certificate_entries);
      if (ok && !event.compression->inflated()) FUZZ_CHECK(event.certificate_entries == 0 && !event.flags);
      return ok;
    }
    case 6: return parse_certificate_verify(body);
    case 7: return parse_finished(body, body.empty() ? 0 : body.size() % 49);
    case 8: return parse_new_session_ticket(body, options, event);
    case 9: {
      bool update_requested = false;
      return parse_key_update(body, update_requested);
    }
    default: return parse_end_of_early_data(body);
  }
}

bool same_event(const Event& a, const Event& b) {
  auto same_flags = [](const MessageFlags& x, const MessageFlags& y) {
    if (!x || !y) return !x && !y;
    return x->duplicate == y->duplicate && x->decoded.problem == y->decoded.problem &&
           std::ranges::equal(x->decoded.flags.octets(), y->decoded.flags.octets());
  };
  return a.type == b.type && same_flags(a.flags, b.flags) && a.offers_tls13 == b.offers_tls13 &&
         a.ech_outer == b.ech_outer && a.server_name == b.server_name && a.selected_version == b.selected_version &&
         a.certificate_authorities == b.certificate_authorities && a.signature_algorithms == b.signature_algorithms &&
         a.certificate_entries == b.certificate_entries && a.certificate_chain_der == b.certificate_chain_der;
}

}  // namespace
}  // namespace tlsflags::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tlsflags::fuzz;
  if (size < 2) return 0;
  unsigned which = data[0] % 11;
  tlsflags::tls::ParseOptions options;
  options.flags_extension_type = (data[1] & 1) ? tlsflags::kCloudflareExperimentType : tlsflags::kTlsFlagsExtensionType;
  std::vector<uint8_t> body(data + 2, data + size);
  tlsflags::Event first, second;
  bool ok = parse(which, body, options, first);
  FUZZ_CHECK(parse(which, body, options, second) == ok);
  FUZZ_CHECK(same_event(first, second));
  return 0;
}
