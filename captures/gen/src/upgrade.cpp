#include "upgrade.hpp"

#include <algorithm>

namespace tlsgen {
namespace {

using Line = UpgradePlan::Line;

// LDAP ExtendedRequest StartTLS (RFC 4511 §4.14.1), message ID 1: SEQUENCE { INTEGER 1,
// [APPLICATION 23] { [0] "1.3.6.1.4.1.1466.20037" } }, and its ExtendedResponse success (§4.14.2).
const std::string kLdapStartTls = std::string("\x30\x1d\x02\x01\x01\x77\x18\x80\x16", 9) + "1.3.6.1.4.1.1466.20037";
const std::string kLdapSuccess("\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00", 14);

const std::vector<UpgradePlan>& plans() {
  static const std::vector<UpgradePlan> all = {
      // RFC 3207 §4-5.
      {"smtp", 25,
       {{Side::server, "220 server.example ESMTP tlsflags-gen\r\n"},
        {Side::client, "EHLO crawler.example\r\n"},
        {Side::server, "250-server.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n"},
        {Side::client, "STARTTLS\r\n"},
        {Side::server, "220 2.0.0 Ready to start TLS\r\n"}}},
      // RFC 9051 §6.2.1.
      {"imap", 143,
       {{Side::server, "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] server.example ready\r\n"},
        {Side::client, "a001 STARTTLS\r\n"},
        {Side::server, "a001 OK Begin TLS negotiation now\r\n"}}},
      // RFC 2595 §4.
      {"pop3", 110,
       {{Side::server, "+OK server.example POP3 ready\r\n"},
        {Side::client, "STLS\r\n"},
        {Side::server, "+OK Begin TLS negotiation\r\n"}}},
      // RFC 4217 §4.
      {"ftp", 21,
       {{Side::server, "220 server.example FTP ready\r\n"},
        {Side::client, "AUTH TLS\r\n"},
        {Side::server, "234 AUTH TLS successful\r\n"}}},
      {"ldap", 389, {{Side::client, kLdapStartTls}, {Side::server, kLdapSuccess}}},
      // RFC 6120 §5.4.
      {"xmpp", 5222,
       {{Side::client, "<?xml version='1.0'?><stream:stream to='server.example' xmlns='jabber:client' "
                       "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"},
        {Side::server, "<?xml version='1.0'?><stream:stream from='server.example' id='tlsflags1' "
                       "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
                       "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
                       "</starttls></stream:features>"},
        {Side::client, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"},
        {Side::server, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"}}},
      // PostgreSQL frontend/backend protocol, "SSL Session Encryption": SSLRequest (length 8, code
      // 80877103), then 'S'.
      {"postgresql", 5432,
       {{Side::client, std::string("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8)}, {Side::server, "S"}}},
  };
  return all;
}

}  // namespace

std::vector<std::string_view> upgrade_names() {
  std::vector<std::string_view> names;
  for (const UpgradePlan& plan : plans()) names.push_back(plan.name);
  return names;
}

const UpgradePlan* find_upgrade(std::string_view name) {
  for (const UpgradePlan& plan : plans())
    if (plan.name == name) return &plan;
  return nullptr;
}

void prepend_preamble(Conversation& conversation, const UpgradePlan& plan) {
  std::vector<Chunk> preamble;
  for (const Line& line : plan.exchange) {
    Chunk chunk;
    chunk.from = line.from;
    chunk.bytes.assign(line.bytes.begin(), line.bytes.end());
    preamble.push_back(std::move(chunk));
  }
  conversation.chunks.insert(conversation.chunks.begin(), preamble.begin(), preamble.end());
}

}  // namespace tlsgen
