// A value or the reason there is none. The inputs of this library come from hostile captures and from
// user files, so every parser returns one of these instead of throwing or crashing. (std::expected is
// C++23; the project is C++20.)
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace tlsflags::inspect {

struct Error {
  std::string message;  // one line, meant for the user: "certificate DER: 3 trailing bytes after the certificate"
};

template <typename T>
class Outcome {
 public:
  Outcome(T value) : state_(std::move(value)) {}     // NOLINT: implicit by design, like std::expected
  Outcome(Error error) : state_(std::move(error)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T* operator->() const { return &value(); }
  const T& operator*() const { return value(); }

  const std::string& error() const { return std::get<Error>(state_).message; }

 private:
  std::variant<T, Error> state_;
};

}  // namespace tlsflags::inspect
