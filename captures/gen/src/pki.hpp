// In-process test PKI: a small CA, the server's and the client's certificates (EC P-256).
// Names are fixed so the captures are stable; the keys are fresh on every run.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace tlsgen {

struct EvpPkeyFree { void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); } };
struct X509Free { void operator()(X509* cert) const { X509_free(cert); } };
using PrivateKey = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using Certificate = std::unique_ptr<X509, X509Free>;

struct Identity {
  PrivateKey key;
  Certificate cert;
};

struct TestPki {
  Identity ca;      // CN "tlsflags test CA": issues both leaf certificates
  Identity server;  // CN and SAN DNS "server.example"
  Identity client;  // CN and SAN DNS "crawler.example" (RCA §1: the web crawler use case)
};

inline constexpr const char* kServerName = "server.example";
inline constexpr const char* kClientName = "crawler.example";
inline constexpr const char* kCaName = "tlsflags test CA";

TestPki make_test_pki();

}  // namespace tlsgen
