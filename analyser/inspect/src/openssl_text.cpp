#include "openssl_ptr.hpp"

#include <openssl/err.h>

#include <ctime>

namespace tlsflags::inspect::ossl {

std::string take_error() {
  unsigned long code = 0;
  unsigned long newest = 0;
  while ((code = ERR_get_error()) != 0) newest = code;
  if (newest == 0) return "";
  char text[256];
  ERR_error_string_n(newest, text, sizeof text);
  return text;
}

Outcome<X509Ptr> parse_certificate(std::span<const uint8_t> der) {
  if (der.empty()) return Error{"certificate DER: empty"};
  // d2i takes a long; a certificate_list entry is at most 2^24-1 bytes, but the span may come from
  // anywhere.
  if (der.size() > (1u << 24)) return Error{"certificate DER: longer than a TLS certificate entry can be"};
  const unsigned char* cursor = der.data();
  X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (!cert) {
    std::string why = take_error();
    return Error{"certificate DER: not a certificate" + (why.empty() ? "" : " (" + why + ")")};
  }
  size_t used = static_cast<size_t>(cursor - der.data());
  if (used != der.size()) {
    return Error{"certificate DER: " + std::to_string(der.size() - used) + " trailing bytes after the certificate"};
  }
  return cert;
}

Outcome<X509NamePtr> parse_name(std::span<const uint8_t> der) {
  if (der.empty()) return Error{"distinguished name DER: empty"};
  if (der.size() > (1u << 16)) return Error{"distinguished name DER: longer than a CA entry can be"};
  const unsigned char* cursor = der.data();
  X509NamePtr name(d2i_X509_NAME(nullptr, &cursor, static_cast<long>(der.size())));
  if (!name) {
    take_error();
    return Error{"distinguished name DER: not a Name"};
  }
  if (static_cast<size_t>(cursor - der.data()) != der.size()) {
    return Error{"distinguished name DER: trailing bytes after the Name"};
  }
  return name;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  if (length <= 0 || data == nullptr) return "";
  return std::string(data, static_cast<size_t>(length));
}

std::string name_to_string(const X509_NAME* name) {
  if (name == nullptr) return "";
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return "";
  // XN_FLAG_RFC2253 escapes control characters and bytes above 0x7f (ASN1_STRFLGS_ESC_MSB), so a
  // hostile name can never produce invalid UTF-8 or terminal escapes in our output.
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    take_error();
    return "";
  }
  return bio_text(bio.get());
}

std::optional<std::basic_string<uint8_t>> name_der(const X509_NAME* name) {
  unsigned char* out = nullptr;
  int length = i2d_X509_NAME(name, &out);
  if (length <= 0 || out == nullptr) {
    take_error();
    return std::nullopt;
  }
  std::basic_string<uint8_t> der(out, static_cast<size_t>(length));
  OPENSSL_free(out);
  return der;
}

std::optional<std::string> time_to_iso8601(const ASN1_TIME* time) {
  struct tm fields {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &fields) != 1) {
    take_error();
    return std::nullopt;
  }
  char text[32];
  if (std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &fields) == 0) return std::nullopt;
  return std::string(text);
}

std::optional<int64_t> time_to_epoch(const ASN1_TIME* time) {
  struct tm fields {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &fields) != 1) {
    take_error();
    return std::nullopt;
  }
  // OPENSSL_tm_to_posix is 3.2+; timegm is the portable-enough equivalent (glibc, BSDs, macOS).
  return static_cast<int64_t>(timegm(&fields));
}

}  // namespace tlsflags::inspect::ossl

namespace tlsflags::inspect {

std::string epoch_to_iso8601(int64_t seconds) {
  time_t when = static_cast<time_t>(seconds);
  struct tm fields {};
  if (gmtime_r(&when, &fields) == nullptr) return std::to_string(seconds);
  char text[32];
  if (std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &fields) == 0) return std::to_string(seconds);
  return text;
}

}  // namespace tlsflags::inspect
