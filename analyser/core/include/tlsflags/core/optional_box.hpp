// An optional value kept on the heap: std::optional's interface and value semantics (copies copy the
// value), the size of one pointer. For members that are large and usually absent: an Event's TLS Flags
// (FlagsInMessage, ~280 bytes with its inline 255-octet FlagSet) is present in about three events of a
// connection's twenty, and a connection's events are held until it is judged — inline, the flags were
// more than half of every Timeline's memory (docs/performance.md).
#pragma once

#include <memory>
#include <optional>
#include <utility>

namespace tlsflags {

template <typename T>
class OptionalBox {
 public:
  OptionalBox() = default;
  OptionalBox(std::nullopt_t) {}
  OptionalBox(const T& value) : value_(std::make_unique<T>(value)) {}
  OptionalBox(T&& value) : value_(std::make_unique<T>(std::move(value))) {}
  OptionalBox(const std::optional<T>& value) {
    if (value) value_ = std::make_unique<T>(*value);
  }
  OptionalBox(const OptionalBox& other) {
    if (other) value_ = std::make_unique<T>(*other);
  }
  OptionalBox(OptionalBox&&) noexcept = default;
  OptionalBox& operator=(const OptionalBox& other) {
    if (this != &other) value_ = other ? std::make_unique<T>(*other) : nullptr;
    return *this;
  }
  OptionalBox& operator=(OptionalBox&&) noexcept = default;
  OptionalBox& operator=(std::nullopt_t) {
    reset();
    return *this;
  }

  template <typename... Args>
  T& emplace(Args&&... args) {
    value_ = std::make_unique<T>(std::forward<Args>(args)...);
    return *value_;
  }
  void reset() { value_.reset(); }

  bool has_value() const { return value_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }
  T* operator->() { return value_.get(); }
  const T* operator->() const { return value_.get(); }

 private:
  std::unique_ptr<T> value_;
};

}  // namespace tlsflags
