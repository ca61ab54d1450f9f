#include <catch2/catch.hpp>

#include "tlsflags/report/escape.hpp"

using namespace tlsflags::report;
using namespace std::string_literals;

TEST_CASE("valid_utf8 keeps well-formed text and replaces each ill-formed byte", "[escape]") {
  CHECK(valid_utf8("example.com") == "example.com");
  CHECK(valid_utf8("b\xC3\xBC" "cher.de") == "b\xC3\xBC" "cher.de");       // ü
  CHECK(valid_utf8("\xF0\x9F\x94\x92") == "\xF0\x9F\x94\x92");        // U+1F512
  CHECK(valid_utf8("a\xFFz") == "a\xEF\xBF\xBDz");                    // bad lead byte
  CHECK(valid_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");        // overlong '/'
  CHECK(valid_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(valid_utf8("x\xE2\x82") == "x\xEF\xBF\xBD\xEF\xBF\xBD");      // truncated at the end
}

TEST_CASE("xml_escape escapes the five specials and drops what XML 1.0 cannot carry", "[escape]") {
  CHECK(xml_escape(R"(<a href="x">&'</a>)") == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
  CHECK(xml_escape("a\x01\x1b[31mb"s) == "a[31mb");
  CHECK(xml_escape("nul\0byte"s) == "nulbyte");
  CHECK(xml_escape("tab\tline\nret\r") == "tab&#9;line&#10;ret&#13;");
  CHECK(xml_escape("\xEF\xBF\xBF") == "");          // U+FFFF is not an XML character
  CHECK(xml_escape("bad\xFF") == "bad\xEF\xBF\xBD");
}

TEST_CASE("terminal_safe makes control characters visible instead of obeying them", "[escape]") {
  CHECK(terminal_safe("example.com") == "example.com");
  CHECK(terminal_safe("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07");
  CHECK(terminal_safe("a\nb\rc\x7f") == "a\\x0ab\\x0dc\\x7f");
  CHECK(terminal_safe("\xC2\x9B" "31m") == "\\xc2\\x9b31m");  // C1 CSI in UTF-8
  CHECK(terminal_safe("bad\xFF") == "bad\\xff");
  CHECK(terminal_safe("b\xC3\xBC" "cher") == "b\xC3\xBC" "cher");
}

TEST_CASE("file_uri keeps relative paths relative and percent-encodes the rest", "[escape]") {
  CHECK(file_uri("captures/a.pcap") == "captures/a.pcap");
  CHECK(file_uri("/tmp/x y.pcapng") == "file:///tmp/x%20y.pcapng");
  CHECK(file_uri("c:a#b?.pcap") == "c%3Aa%23b%3F.pcap");
  CHECK(file_uri("\xC3\xBC.pcap") == "%C3%BC.pcap");
}

TEST_CASE("xml_escape_content keeps line breaks and tabs as they are", "[escape]") {
  CHECK(xml_escape_content("a\tb\nc\r<d>") == "a\tb\nc&#13;&lt;d&gt;");
}
