#include "san_text.hpp"

#include <arpa/inet.h>
#include <openssl/objects.h>

#include <cstdio>

#include "openssl_ptr.hpp"

namespace tlsflags::inspect {

std::string printable(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  return out;
}

std::string_view asn1_bytes(const ASN1_STRING* text) {
  if (text == nullptr || ASN1_STRING_length(text) <= 0) return {};
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
          static_cast<size_t>(ASN1_STRING_length(text))};
}

std::optional<std::string> ip_text(const ASN1_OCTET_STRING* address) {
  std::string_view bytes = asn1_bytes(address);
  char text[INET6_ADDRSTRLEN] = {};
  if (bytes.size() == 4 && inet_ntop(AF_INET, bytes.data(), text, sizeof text) != nullptr) return text;
  if (bytes.size() == 16 && inet_ntop(AF_INET6, bytes.data(), text, sizeof text) != nullptr) return text;
  return std::nullopt;
}

namespace {

std::string oid_text(const ASN1_OBJECT* oid) {
  char text[128] = {};
  if (oid == nullptr || OBJ_obj2txt(text, sizeof text, oid, 1) <= 0) return "?";
  return text;
}

}  // namespace

std::string general_name_text(const GENERAL_NAME* name) {
  switch (name->type) {
    case GEN_DNS: return "DNS:" + printable(asn1_bytes(name->d.dNSName));
    case GEN_URI: return "URI:" + printable(asn1_bytes(name->d.uniformResourceIdentifier));
    case GEN_EMAIL: return "email:" + printable(asn1_bytes(name->d.rfc822Name));
    case GEN_IPADD: {
      auto text = ip_text(name->d.iPAddress);
      // An iPAddress of another length is malformed (RFC 5280 §4.2.1.6): show its bytes.
      return "IP:" + text.value_or("<" + printable(asn1_bytes(name->d.iPAddress)) + ">");
    }
    case GEN_DIRNAME: return "DirName:" + ossl::name_to_string(name->d.directoryName);
    case GEN_RID: return "RID:" + oid_text(name->d.registeredID);
    case GEN_OTHERNAME: return "othername:" + oid_text(name->d.otherName->type_id);
    case GEN_X400: return "X400Name";
    case GEN_EDIPARTY: return "EdiPartyName";
  }
  return "unknown";
}

}  // namespace tlsflags::inspect
