// JSON pieces shared by the JSON Lines and SARIF writers. Objects are insertion-ordered so that keys come
// out in the order the JSON Lines contract shows them.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "tlsflags/report/result.hpp"

namespace tlsflags::report::json_parts {

using Json = nlohmann::ordered_json;

// Compact, UTF-8 (not \u-escaped), and ill-formed UTF-8 from a capture replaced rather than thrown on.
std::string dump(const Json& value);

// Capture-relative seconds rounded to nanoseconds, so that subtraction noise (0.0020999999999999999)
// does not reach the output.
double rounded_time(double seconds);

Json verdict_counts(const VerdictCounts& counts);

// The contract's connection object (docs/output.md "JSON Lines"), appended to `out` as dump() would write
// it, without building a Json (json_text.hpp): the writers' hot path. No newline.
void append_connection(std::string& out, const ConnectionResult& connection, bool with_events);

}  // namespace tlsflags::report::json_parts
