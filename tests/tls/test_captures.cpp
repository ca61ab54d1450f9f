// End to end over the capture catalogue (captures/catalogue.tsv): each capture read by the capture
// layer into the tracker, with its key log (NAME.keys, or the DSB of a .pcapng), must give the
// handshake/alert sequence the catalogue records as tshark's view.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tlsflags/capture/capture_reader.hpp"
#include "tlsflags/tls/connection_tracker.hpp"

using namespace tlsflags;
using namespace tlsflags::tls;

namespace {

struct CatalogueEntry {
  std::string file;
  std::string check_options;
  std::string decryption;
  std::string sequence;
};

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, separator)) out.push_back(field);
  return out;
}

std::vector<CatalogueEntry> read_catalogue() {
  std::vector<CatalogueEntry> entries;
  std::ifstream in(TLSFLAGS_CAPTURES_DIR "/catalogue.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line, '\t');
    // QUIC and DTLS captures (scenario udp:NAME) are the UDP side's: tests/quic reads them.
    if (f.size() >= 8 && f[1].rfind("udp:", 0) != 0) entries.push_back({f[0], f[4], f[5], f[7]});
  }
  return entries;
}

// The tshark handshake type of an event, -1 for events tshark does not list. The catalogue's tshark
// decrypts TLS 1.2 with the key log: the protected handshake record the analyser sees after a
// ChangeCipherSpec is the Finished there (RFC 5246 §7.4.9).
int wire_type(EventType type) {
  switch (type) {
    case EventType::hello_request: return 0;
    case EventType::client_hello: return 1;
    case EventType::server_hello:
    case EventType::hello_retry_request: return 2;
    case EventType::new_session_ticket: return 4;
    case EventType::end_of_early_data: return 5;
    case EventType::encrypted_extensions: return 8;
    case EventType::certificate: return 11;
    case EventType::certificate_request: return 13;
    case EventType::certificate_verify: return 15;
    case EventType::server_key_exchange: return 12;
    case EventType::server_hello_done: return 14;
    case EventType::client_key_exchange: return 16;
    case EventType::finished:
    case EventType::encrypted_handshake_message: return 20;
    case EventType::certificate_status: return 22;
    case EventType::key_update: return 24;
    default: return -1;
  }
}

std::string sequence_of(const Timeline& t) {
  std::string out;
  for (const Event& e : t.events) {
    std::string item = e.from == Party::client ? "c" : "s";
    if (e.type == EventType::alert) {
      item += "!" + std::to_string(e.alert_description);
    } else if (e.type == EventType::encrypted_alert) {
      item += "!?";  // the description is protected; tshark with keys names it
    } else if (e.type == EventType::certificate && e.compression) {
      item += "25";  // RFC 8879 §4: a CompressedCertificate, the Certificate it stands for
    } else if (int type = wire_type(e.type); type >= 0) {
      item += std::to_string(type);
    } else {
      continue;
    }
    out += (out.empty() ? "" : " ") + item;
  }
  return out;
}

bool before_tls13(const Timeline& t) {
  const Event* sh = t.first(EventType::server_hello, Party::server);
  return sh && is_before_tls13(sh->selected_version);
}

// The analyser's sequence equals tshark's, where an alert it could not read ("c!?": TLS 1.2, protected)
// stands for any alert of that sender.
bool same_sequence(const std::string& actual, const std::string& expected) {
  auto a = split(actual, ' '), e = split(expected, ' ');
  if (a.size() != e.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    bool protected_alert = a[i].size() == 3 && a[i].substr(1) == "!?" && e[i].size() > 2 && e[i][0] == a[i][0] &&
                           e[i][1] == '!';
    if (a[i] != e[i] && !protected_alert) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("every catalogued capture gives tshark's handshake sequence", "[captures]") {
  auto entries = read_catalogue();
  if (entries.empty()) {
    WARN("no captures/catalogue.tsv: nothing to check");
    return;
  }
  for (const CatalogueEntry& entry : entries) {
    INFO(entry.file);
    std::string path = std::string(TLSFLAGS_CAPTURES_DIR) + "/" + entry.file;
    std::string stem = path.substr(0, path.rfind('.'));
    KeyLog keys;
    keys.add_file(stem + ".keys");
    TrackerOptions options;
    options.file = entry.file;
    if (entry.check_options.find("--flags-extension 65025") != std::string::npos) options.flags_extension_type = 65025;
    std::vector<Timeline> timelines;
    ConnectionTracker tracker(options, [&](Timeline&& t) { timelines.push_back(std::move(t)); }, &keys);
    capture::ReadResult result = capture::read_capture(path, tracker);
    REQUIRE(result.ok);
    CHECK(keys.warnings().empty());
    CHECK(tracker.capture_secrets().warnings().empty());

    std::string actual;
    for (const Timeline& t : timelines) {
      std::string one = sequence_of(t);
      actual += (actual.empty() ? "" : " ") + one;
    }
    // TLS 1.2, 1.1 and 1.0 are read whole, up to each side's ChangeCipherSpec in clear, after it by
    // record type (docs/analyser.md "TLS 1.2 and older").
    const std::string& expected = entry.sequence;
    bool tls12 = !timelines.empty() && before_tls13(timelines[0]);
    INFO("tlsflags: " << actual << "\ntshark:   " << expected);
    CHECK(same_sequence(actual, expected));
    for (const Timeline& t : timelines) {
      // The generator's captures are stamped in this century: the file's start time reaches the Timeline.
      CHECK(t.capture_start_epoch > 1'600'000'000.0);
      // Without a ServerHello no secrets exist (the key logs of such captures are empty).
      if (tls12 || !t.first(EventType::server_hello, Party::server)) continue;
      CHECK(t.keys_found);
      if (entry.decryption == "full") CHECK(t.decrypted());
    }
  }
}

TEST_CASE("the real Cloudflare request-mTLS capture decrypts from its DSB (flags extension 0xFE01)", "[captures]") {
  std::ifstream probe(TLSFLAGS_REAL_CAPTURE_PATH);
  if (!probe) {
    WARN("real capture absent: " TLSFLAGS_REAL_CAPTURE_PATH);
    return;
  }
  TrackerOptions options;
  options.file = "req-mtls-demonstration.pcapng";
  options.flags_extension_type = kCloudflareExperimentType;
  std::vector<Timeline> timelines;
  ConnectionTracker tracker(options, [&](Timeline&& t) { timelines.push_back(std::move(t)); });
  REQUIRE(capture::read_capture(TLSFLAGS_REAL_CAPTURE_PATH, tracker).ok);
  REQUIRE(timelines.size() == 1);
  const Timeline& t = timelines[0];
  CHECK(t.keys_found);
  CHECK(t.decrypted());
  CHECK(sequence_of(t).rfind("c1 s2 s8 s13 s11 s15 s20 c11 c15 c20", 0) == 0);
  const Event* ch = t.first(EventType::client_hello, Party::client);
  REQUIRE(ch);
  REQUIRE(ch->flags);
  CHECK(ch->flags->decoded.flags.contains(kDefaultRequestClientAuthFlag));
  const Event* cr = t.first(EventType::certificate_request, Party::server);
  REQUIRE(cr);
  CHECK_FALSE(cr->flags);  // the experiment's server did not echo the flag (draft-02 behaviour)
  CHECK_FALSE(cr->certificate_authorities.empty());
  const Event* client_certificate = t.first(EventType::certificate, Party::client);
  REQUIRE(client_certificate);
  CHECK(client_certificate->certificate_entries >= 1);
}
