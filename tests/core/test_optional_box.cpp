// OptionalBox: std::optional's meaning at the size of a pointer (an Event's TLS Flags, events.hpp).
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "tlsflags/core/events.hpp"
#include "tlsflags/core/optional_box.hpp"

using namespace tlsflags;

TEST_CASE("an OptionalBox starts empty and holds what is assigned", "[optional_box]") {
  OptionalBox<std::string> box;
  CHECK_FALSE(box);
  CHECK_FALSE(box.has_value());
  box = std::string("flags");
  REQUIRE(box);
  CHECK(*box == "flags");
  CHECK(box->size() == 5);
  box = std::nullopt;
  CHECK_FALSE(box);
  box.emplace(3, 'x');
  CHECK(*box == "xxx");
  box.reset();
  CHECK_FALSE(box);
}

TEST_CASE("copies of an OptionalBox are independent values, moves leave it empty", "[optional_box]") {
  OptionalBox<std::string> a(std::string("one"));
  OptionalBox<std::string> b = a;
  b->append("+");
  CHECK(*a == "one");
  CHECK(*b == "one+");
  a = b;
  CHECK(*a == "one+");
  const OptionalBox<std::string>& same = a;
  a = same;  // self-assignment keeps the value
  CHECK(*a == "one+");
  OptionalBox<std::string> empty;
  b = empty;
  CHECK_FALSE(b);
  CHECK(*a == "one+");
  OptionalBox<std::string> c = std::move(a);
  CHECK(*c == "one+");
  CHECK_FALSE(a);  // NOLINT: a moved-from unique_ptr is empty
  OptionalBox<std::string> from_optional(std::optional<std::string>("opt"));
  CHECK(*from_optional == "opt");
  OptionalBox<std::string> from_empty_optional(std::optional<std::string>{});
  CHECK_FALSE(from_empty_optional);
}

TEST_CASE("an Event with flags copies them, and the flags no longer fill every Event", "[optional_box]") {
  Event event;
  uint8_t body[] = {2, 0, 1};
  event.flags = FlagsInMessage{decode_flags(body), false};
  Event copy = event;
  copy.flags->duplicate = true;
  CHECK_FALSE(event.flags->duplicate);
  CHECK(copy.flags->decoded.flags.contains(8));
  // The inline FlagSet is 255 octets; an Event without it stays well under that.
  CHECK(sizeof(Event) < sizeof(FlagsInMessage));
}
