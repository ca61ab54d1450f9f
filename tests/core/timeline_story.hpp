// Hand-built timelines for the server reaction and inspection tests: Story().tls13().cr().client_cert().cfin().nst()...
#pragma once

#include <cstdint>
#include <vector>

#include "tlsflags/core/events.hpp"

namespace tlsflags::testing::story {

class Story {
 public:
  Story() {
    timeline_.client = {"192.0.2.1", 50000};
    timeline_.server = {"198.51.100.5", 443};
    timeline_.keys_found = true;
  }
  Story& add(EventType type, Party from) {
    Event event;
    event.type = type;
    event.from = from;
    event.frame = ++frame_;
    event.time = frame_ * 0.01;
    timeline_.events.push_back(std::move(event));
    return *this;
  }
  Event& last() { return timeline_.events.back(); }

  // ClientHello, ServerHello (TLS 1.3 unless told), EncryptedExtensions.
  Story& hello(const std::string& sni = "www.example.com", uint16_t version = 0x0304) {
    add(EventType::client_hello, Party::client).last().server_name = sni;
    add(EventType::server_hello, Party::server).last().selected_version = version;
    if (version == 0x0304) add(EventType::encrypted_extensions, Party::server);
    return *this;
  }
  Story& cr() { return add(EventType::certificate_request, Party::server); }
  // The server's Certificate, CertificateVerify and Finished (TLS 1.3: after the CR).
  Story& server_rest(std::vector<std::vector<uint8_t>> chain = {}) {
    add(EventType::certificate, Party::server);
    last().certificate_entries = chain.empty() ? 1 : static_cast<uint32_t>(chain.size());
    last().certificate_chain_der = std::move(chain);
    add(EventType::certificate_verify, Party::server);
    return add(EventType::finished, Party::server);
  }
  Story& client_cert(std::vector<std::vector<uint8_t>> chain = {}, uint32_t entries = 1) {
    add(EventType::certificate, Party::client);
    last().certificate_entries = chain.empty() ? entries : static_cast<uint32_t>(chain.size());
    last().certificate_chain_der = std::move(chain);
    return *this;
  }
  Story& client_cv() { return add(EventType::certificate_verify, Party::client); }
  Story& cfin() { return add(EventType::finished, Party::client); }
  Story& sfin() { return add(EventType::finished, Party::server); }
  Story& nst() { return add(EventType::new_session_ticket, Party::server); }
  Story& data(Party from) { return add(EventType::application_data, from); }
  Story& alert(Party from, uint8_t description, uint8_t level = kAlertLevelFatal) {
    add(EventType::alert, from);
    last().alert_level = level;
    last().alert_description = description;
    return *this;
  }
  Story& fin(Party from) { return add(EventType::fin, from); }
  Story& rst(Party from) { return add(EventType::rst, from); }
  Story& unreadable(Party from) { return add(EventType::unreadable, from); }
  Story& gap(Party from) { return add(EventType::gap, from); }
  Story& end() { return add(EventType::capture_end, Party::client); }
  Story& no_keys() {
    timeline_.keys_found = false;
    return *this;
  }

  const Timeline& timeline() const { return timeline_; }

 private:
  Timeline timeline_;
  uint64_t frame_ = 0;
};

}  // namespace tlsflags::testing::story
