// RAII for the OpenSSL objects this library uses, and the few text conversions every part needs.
// Private to the library: the public headers do not expose OpenSSL types.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tlsflags/inspect/outcome.hpp"

namespace tlsflags::inspect::ossl {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* object) const { Free(object); }
};

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;

// A stack of X509 that owns its elements (OSSL_STACK_OF_X509_free is OpenSSL 3.2+).
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_pop_free(stack, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

// The newest message on this thread's OpenSSL error queue ("" when empty); clears the queue, so one
// failed parse of hostile input never leaks into the next call.
std::string take_error();

// d2i_X509 of exactly these bytes: empty input, a parse failure and trailing bytes are errors.
Outcome<X509Ptr> parse_certificate(std::span<const uint8_t> der);
// d2i_X509_NAME of exactly these bytes.
Outcome<X509NamePtr> parse_name(std::span<const uint8_t> der);

// X509_NAME_print_ex with XN_FLAG_RFC2253: most specific RDN first, bytes beyond ASCII escaped.
std::string name_to_string(const X509_NAME* name);
// The DER of a name. For a name parsed from a certificate this is the encoding as received (OpenSSL
// keeps it), which is what an exact comparison with certificate_authorities needs.
std::optional<std::basic_string<uint8_t>> name_der(const X509_NAME* name);

// "2026-01-01T00:00:00Z", or nullopt for an unreadable time.
std::optional<std::string> time_to_iso8601(const ASN1_TIME* time);
std::optional<int64_t> time_to_epoch(const ASN1_TIME* time);

// What a memory BIO holds.
std::string bio_text(BIO* bio);

}  // namespace tlsflags::inspect::ossl

namespace tlsflags::inspect {
// "2026-01-01T00:00:00Z" for seconds since 1970.
std::string epoch_to_iso8601(int64_t seconds);
}  // namespace tlsflags::inspect
