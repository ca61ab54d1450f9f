#include "tlsflags/inspect/chain_verification.hpp"

#include <fcntl.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "openssl_ptr.hpp"

namespace tlsflags::inspect {

struct AnchorStore {
  // X509_STORE is only read after it is built; OpenSSL locks its internals for concurrent lookups, so
  // one store serves every connection and every --jobs thread.
  ossl::X509StorePtr store;
};

namespace {

// "1 trust anchor", "2 trust anchors": explanations are printed as they are (--explain, JSON).
std::string count_of(size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// Every CERTIFICATE block of a PEM text. PEM_read_bio_X509 skips blocks of other types (keys, CRLs).
Outcome<std::vector<ossl::X509Ptr>> read_pem_certificates(std::string_view pem) {
  if (pem.size() > static_cast<size_t>(INT32_MAX)) return Error{"PEM input too large"};
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error{"out of memory"};
  std::vector<ossl::X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.emplace_back(cert);
  ossl::take_error();  // the end of the input shows up as "no start line"
  if (certs.empty()) return Error{"no PEM CERTIFICATE block found"};
  return certs;
}

// A PEM bundle of every public CA is well under 1 MiB; /dev/zero or a capture given by mistake must not
// be read without end (docs/reliability-limits.md "Bad input").
constexpr size_t kMaxPemFileBytes = size_t{64} << 20;

Outcome<std::string> read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{path + ": cannot be opened: " + std::strerror(errno)};
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    ::close(fd);
    return Error{path + ": cannot be read: it is a directory"};
  }
  std::string text;
  char chunk[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got < 0) {  // EINTR included: SIGINT or SIGTERM stops the run (docs/tlsflags-check.1)
      const int error = errno;
      ::close(fd);
      return Error{path + ": cannot be read: " + std::strerror(error)};
    }
    if (got == 0) break;
    if (text.size() + static_cast<size_t>(got) > kMaxPemFileBytes) {
      ::close(fd);
      return Error{path + ": longer than " + std::to_string(kMaxPemFileBytes >> 20) + " MiB, the most read from a PEM file"};
    }
    text.append(chunk, static_cast<size_t>(got));
  }
  ::close(fd);
  return text;
}

Der certificate_der(X509* cert) {
  unsigned char* out = nullptr;
  int length = i2d_X509(cert, &out);
  if (length <= 0 || out == nullptr) return {};
  Der der(out, out + length);
  OPENSSL_free(out);
  return der;
}

std::string position(int depth) {
  if (depth < 0) return "";
  return depth == 0 ? " (at the leaf)" : " (at chain position " + std::to_string(depth) + ")";
}

}  // namespace

Outcome<TrustAnchors> TrustAnchors::from_pem(std::string_view pem) {
  auto certs = read_pem_certificates(pem);
  if (!certs) return Error{"trust anchors: " + certs.error()};
  auto anchor_store = std::make_shared<AnchorStore>();
  anchor_store->store.reset(X509_STORE_new());
  if (!anchor_store->store) return Error{"trust anchors: out of memory"};
  TrustAnchors anchors;
  for (auto& cert : certs.value()) {
    if (X509_STORE_add_cert(anchor_store->store.get(), cert.get()) != 1) {
      ossl::take_error();  // a duplicate is harmless; the store keeps the first
      continue;
    }
    anchors.subjects_.push_back(ossl::name_to_string(X509_get_subject_name(cert.get())));
  }
  anchors.store_ = std::move(anchor_store);
  return anchors;
}

Outcome<TrustAnchors> TrustAnchors::from_pem_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return Error{text.error()};
  auto anchors = from_pem(text.value());
  if (!anchors) return Error{path + ": " + anchors.error()};
  return anchors;
}

Outcome<PinnedCertificates> PinnedCertificates::from_pem(std::string_view pem) {
  auto certs = read_pem_certificates(pem);
  if (!certs) return Error{"pinned certificates: " + certs.error()};
  PinnedCertificates pinned;
  for (auto& cert : certs.value()) {
    pinned.pins.push_back({sha256_hex(certificate_der(cert.get())), ossl::name_to_string(X509_get_subject_name(cert.get()))});
  }
  return pinned;
}

Outcome<PinnedCertificates> PinnedCertificates::from_pem_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return Error{text.error()};
  auto pinned = from_pem(text.value());
  if (!pinned) return Error{path + ": " + pinned.error()};
  return pinned;
}

namespace {

ChainVerification failed(std::string error, std::string explanation) {
  ChainVerification result;
  result.error = std::move(error);
  result.explanation = std::move(explanation);
  return result;
}

// The leaf, and the rest of the Certificate message as untrusted intermediates (as a server treats them:
// RFC 8446 §4.4.2 lets the peer send certificates in any order after the leaf).
struct PresentedChain {
  ossl::X509Ptr leaf;
  ossl::X509StackPtr intermediates;
};

Outcome<PresentedChain> parse_presented(std::span<const Der> chain) {
  if (chain.empty()) return Error{"no certificate presented"};
  auto leaf = ossl::parse_certificate(chain.front());
  if (!leaf) return Error{"the leaf cannot be read: " + leaf.error()};
  PresentedChain presented{std::move(leaf).value(), ossl::X509StackPtr(sk_X509_new_null())};
  if (!presented.intermediates) return Error{"out of memory"};
  for (size_t i = 1; i < chain.size(); ++i) {
    auto cert = ossl::parse_certificate(chain[i]);
    if (!cert) return Error{"chain certificate " + std::to_string(i) + " cannot be read: " + cert.error()};
    if (sk_X509_push(presented.intermediates.get(), cert.value().get()) <= 0) return Error{"out of memory"};
    cert.value().release();  // the stack owns it now
  }
  return presented;
}

}  // namespace

ChainVerification verify_client_chain(std::span<const Der> chain, const TrustAnchors& anchors, int64_t at_epoch_seconds) {
  std::string when = epoch_to_iso8601(at_epoch_seconds);
  auto presented = parse_presented(chain);
  if (!presented) return failed(presented.error(), "the chain cannot be verified: " + presented.error());
  ossl::X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!context || X509_STORE_CTX_init(context.get(), anchors.store().store.get(), presented->leaf.get(),
                                      presented->intermediates.get()) != 1) {
    return failed(ossl::take_error(), "the chain cannot be verified: OpenSSL could not set up the verification");
  }
  // As a server verifies a client: purpose sslclient (extendedKeyUsage clientAuth when present), full
  // chains only (no X509_V_FLAG_PARTIAL_CHAIN: an intermediate is not an anchor unless it is in the
  // bundle), and the clock of the capture rather than today's.
  X509_STORE_CTX_set_purpose(context.get(), X509_PURPOSE_SSL_CLIENT);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
  X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at_epoch_seconds));

  ChainVerification result;
  result.ok = X509_verify_cert(context.get()) == 1;
  ossl::take_error();
  if (result.ok) {
    STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(context.get());
    X509* top = built ? sk_X509_value(built, sk_X509_num(built) - 1) : nullptr;
    result.anchor_subject = top ? ossl::name_to_string(X509_get_subject_name(top)) : "";
    result.explanation = "the chain verifies at " + when + " to the trust anchor " + result.anchor_subject;
    return result;
  }
  result.error_code = X509_STORE_CTX_get_error(context.get());
  result.error_depth = X509_STORE_CTX_get_error_depth(context.get());
  result.error = X509_verify_cert_error_string(result.error_code);
  result.explanation = "the chain does not verify against the " + count_of(anchors.size(), "trust anchor") + " at " + when + ": " +
                       result.error + position(result.error_depth);
  return result;
}

PinMatch match_pinned(std::span<const uint8_t> leaf_der, const PinnedCertificates& pinned) {
  PinMatch result;
  result.leaf_sha256 = sha256_hex(leaf_der);
  for (size_t i = 0; i < pinned.pins.size(); ++i) {
    if (pinned.pins[i].sha256 == result.leaf_sha256) {
      result.matched = true;
      result.pin_index = i;
      result.explanation = "the leaf is pinned certificate " + std::to_string(i + 1) + " (" + pinned.pins[i].subject + ")";
      return result;
    }
  }
  result.explanation = "the leaf (sha256 " + result.leaf_sha256 + ") is none of the " +
                       count_of(pinned.pins.size(), "pinned certificate");
  return result;
}

std::optional<std::string> trust_failure(const ChainVerification& verification) {
  if (verification.ok) return std::nullopt;
  return "does not chain to the given anchors: " + verification.error + position(verification.error_depth);
}

std::optional<std::string> pin_failure(const PinMatch& pin) {
  if (pin.matched) return std::nullopt;
  return "matches none of the pinned certificates";
}

}  // namespace tlsflags::inspect
