// Lower-case hex, the form in which events carry opaque bytes (certificate_request_context,
// certificate_authorities' DistinguishedNames; docs/output.md). One definition for every event source.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tlsflags {

std::string to_hex(std::span<const uint8_t> bytes);

}  // namespace tlsflags
