// A small language for writing connection timelines in tests:
//   Story().ch({80}).sh().ee().cr({80}).server_flight().client_cert(1).cfin().end()
#pragma once

#include <initializer_list>
#include <optional>
#include <vector>

#include "tlsflags/core/events.hpp"

namespace tlsflags::testing {

inline FlagsInMessage flags_of(std::initializer_list<uint16_t> numbers) {
  std::vector<uint16_t> v(numbers);
  std::vector<uint8_t> body(256);
  body.resize(encode_flags(FlagSet::from_numbers(v), body));
  return {decode_flags(body), false};
}

inline FlagsInMessage raw_flags(std::vector<uint8_t> body) { return {decode_flags(body), false}; }

class Story {
 public:
  Story() {
    t_.file = "test.pcap";
    t_.client = {"192.0.2.1", 50000};
    t_.server = {"198.51.100.5", 443};
    t_.keys_found = true;
  }

  Story& add(EventType type, Party from, std::optional<FlagsInMessage> flags = {}) {
    Event e;
    e.type = type;
    e.from = from;
    e.frame = ++frame_;
    e.time = time_ += 0.001;
    e.flags = std::move(flags);
    t_.events.push_back(std::move(e));
    return *this;
  }
  Event& last() { return t_.events.back(); }

  Story& ch(std::optional<FlagsInMessage> f = {}) {
    add(EventType::client_hello, Party::client, std::move(f));
    last().offers_tls13 = true;
    return *this;
  }
  Story& ch(std::initializer_list<uint16_t> flags) { return ch(flags_of(flags)); }
  Story& hrr(std::optional<FlagsInMessage> f = {}) {
    add(EventType::hello_retry_request, Party::server, std::move(f));
    last().selected_version = 0x0304;
    return *this;
  }
  Story& sh(std::optional<FlagsInMessage> f = {}, uint16_t version = 0x0304) {
    add(EventType::server_hello, Party::server, std::move(f));
    last().selected_version = version;
    return *this;
  }
  Story& ee(std::optional<FlagsInMessage> f = {}) { return add(EventType::encrypted_extensions, Party::server, std::move(f)); }
  Story& cr(std::optional<FlagsInMessage> f = {}, std::vector<std::string> cas = {}) {
    add(EventType::certificate_request, Party::server, std::move(f));
    last().certificate_authorities = std::move(cas);
    return *this;
  }
  Story& cr(std::initializer_list<uint16_t> flags) { return cr(flags_of(flags)); }
  // Server Certificate, CertificateVerify, Finished.
  Story& server_flight(std::optional<FlagsInMessage> cert_flags = {}) {
    add(EventType::certificate, Party::server, std::move(cert_flags));
    last().certificate_entries = 1;
    add(EventType::certificate_verify, Party::server);
    return add(EventType::finished, Party::server);
  }
  Story& client_cert(uint32_t entries, std::optional<FlagsInMessage> f = {}) {
    add(EventType::certificate, Party::client, std::move(f));
    last().certificate_entries = entries;
    if (entries) add(EventType::certificate_verify, Party::client);
    return *this;
  }
  Story& cfin() { return add(EventType::finished, Party::client); }
  // RFC 8879: the latest Certificate arrived as a CompressedCertificate with `algorithm`; one that could
  // not be inflated has no entries (the event source knows none).
  Story& compressed(uint16_t algorithm, InflationOutcome outcome = InflationOutcome::ok) {
    for (auto it = t_.events.rbegin(); it != t_.events.rend(); ++it) {
      if (it->type != EventType::certificate) continue;
      it->compression = CertificateCompression{algorithm, outcome, 1000};
      if (outcome != InflationOutcome::ok) it->certificate_entries = 0;
      break;
    }
    return *this;
  }
  // The last message (a ClientHello or CertificateRequest) carries compress_certificate (RFC 8879 §3).
  Story& offers_compression(std::vector<uint16_t> algorithms) {
    last().compress_certificate_algorithms = std::move(algorithms);
    return *this;
  }
  Story& nst(std::optional<FlagsInMessage> f = {}) { return add(EventType::new_session_ticket, Party::server, std::move(f)); }
  Story& app(Party from) { return add(EventType::application_data, from); }
  Story& alert(Party from, uint8_t description, uint8_t level = kAlertLevelFatal) {
    add(EventType::alert, from);
    last().alert_level = level;
    last().alert_description = description;
    return *this;
  }
  Story& fin(Party from) { return add(EventType::fin, from); }
  Story& unreadable(Party from) { return add(EventType::unreadable, from); }
  Story& gap(Party from) { return add(EventType::gap, from); }
  Story& end() { return add(EventType::capture_end, Party::client); }
  Story& wait(double seconds) {
    time_ += seconds;
    return *this;
  }
  Story& no_keys() {
    t_.keys_found = false;
    return *this;
  }
  // A whole compliant request_client_auth handshake with a non-empty client certificate.
  static Story accepted() {
    Story s;
    s.ch({80}).sh().ee().cr({80}).server_flight().client_cert(1).cfin().nst().alert(Party::client, 0, 1)
        .alert(Party::server, 0, 1).fin(Party::client).fin(Party::server).end();
    return s;
  }
  const Timeline& timeline() const { return t_; }
  operator const Timeline&() const { return t_; }

 private:
  Timeline t_;
  uint64_t frame_ = 0;
  double time_ = 0;
};

}  // namespace tlsflags::testing
