// Making capture-derived text safe for the places the writers put it. A capture is attacker-controlled
// input: an SNI or a certificate subject can hold any bytes, including terminal escape sequences, XML
// markup and invalid UTF-8. Each output gets the one treatment its consumer needs.
#pragma once

#include <string>
#include <string_view>

namespace tlsflags::report {

// Valid UTF-8: every ill-formed sequence (bad lead byte, truncated or overlong sequence, surrogate,
// code point above U+10FFFF) becomes U+FFFD. JSON and XML both require well-formed UTF-8.
std::string valid_utf8(std::string_view text);

// Text for an XML 1.0 attribute value or element content: valid UTF-8, & < > " ' escaped, and the
// characters XML 1.0 cannot carry at all (C0 controls other than tab/LF/CR, U+FFFE, U+FFFF) dropped.
// Tab, LF and CR are written as character references so that they survive attribute normalisation.
std::string xml_escape(std::string_view text);

// The same for element content, where line breaks and tabs are kept as they are (they are preserved
// there, and CI log viewers show them as lines).
std::string xml_escape_content(std::string_view text);

// Text for a terminal: valid UTF-8 with every C0/C1 control character and DEL replaced by a visible
// \xNN escape, so a hostile SNI cannot move the cursor, change colours or retitle the window.
std::string terminal_safe(std::string_view text);

// A URI reference for a capture path, as SARIF's artifactLocation.uri wants: a relative path stays
// relative, an absolute one becomes file:///...; bytes outside RFC 3986 unreserved characters and '/'
// are percent-encoded.
std::string file_uri(std::string_view path);

}  // namespace tlsflags::report
