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

Json findings(const std::vector<Finding>& findings);
Json undecided(const std::vector<Undecided>& undecided);
Json rca(const RcaSummary& rca);
// The rca object with what the certificates showed (design.md: client_certificate_details, server_reaction;
// additive: server_reaction_inferred, certificate_request_fit).
Json rca(const RcaSummary& rca, const Deployment& deployment);
Json server_identity(const ServerIdentity& identity);
Json verdict_counts(const VerdictCounts& counts);
// The contract's event object; nullopt for visibility markers, which are not part of the contract.
std::optional<Json> event(const Event& event);
Json connection(const ConnectionResult& connection, bool with_events);

}  // namespace tlsflags::report::json_parts
