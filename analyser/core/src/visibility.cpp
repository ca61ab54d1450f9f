#include "tlsflags/core/visibility.hpp"

namespace tlsflags {
namespace {

std::string frame_ref(const Event& e) { return "frame " + std::to_string(e.frame); }

bool hides(const Event& e, Party from) {
  return (e.from == from && (e.type == EventType::unreadable || e.type == EventType::gap)) ||
         e.type == EventType::capture_end;
}

// The handshake visibly ended before the server's Finished: the server's alert, FIN or RST, or the
// client's error alert.
bool ended_early(const Event& e) {
  bool server_ended = e.from == Party::server &&
                      (e.type == EventType::alert || e.type == EventType::fin || e.type == EventType::rst);
  return server_ended || (e.from == Party::client && e.is_error_alert());
}

std::string hex4(uint16_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kDigits[(value >> shift) & 0xf]);
  return out;
}

std::string undecrypted_suite_reason(uint16_t suite, std::string_view what) {
  return "the server selected cipher suite " + hex4(suite) + ", which is not decrypted, so " + std::string(what) +
         " is not visible";
}

}  // namespace

const Event* first_loss(const Timeline& timeline, Party from, const Event* before) {
  for (const Event& e : timeline.events) {
    if (before && &e >= before) break;
    if (hides(e, from)) return &e;
  }
  return nullptr;
}

std::string visibility_reason(const Timeline& t, const Event* marker, std::string_view what) {
  std::string party = marker ? std::string(to_string(marker->from)) : "the peer";
  if (!marker) return "the capture does not show " + std::string(what) + " yet";
  switch (marker->type) {
    case EventType::unreadable:
      if (t.undecrypted_cipher_suite) return undecrypted_suite_reason(t.undecrypted_cipher_suite, what);
      return t.keys_found
                 ? party + " record at " + frame_ref(*marker) + " failed to decrypt, so " +
                       std::string(what) + " is not visible"
                 : "no TLS 1.3 secrets for this connection (give --keylog or a pcapng with a "
                   "Decryption Secrets Block), so " + std::string(what) + " is not visible";
    case EventType::gap:
      if (marker->gap_given_up)
        return party + " data at " + frame_ref(*marker) + " was given up on to keep a buffer cap (see the "
               "anomalies), so " + std::string(what) + " is not visible";
      return party + " data is missing from the capture at " + frame_ref(*marker) + ", so " +
             std::string(what) + " is not visible";
    case EventType::capture_end:
      if (t.interrupted)
        return "analysis interrupted at " + frame_ref(*marker) + " (the run was stopped) before " + std::string(what);
      return "the capture ends at " + frame_ref(*marker) + " before " + std::string(what);
    default: return std::string(what) + " is not visible";
  }
}

bool server_flight_visible(const Timeline& timeline, std::string* reason) {
  constexpr std::string_view kWhat = "the server's handshake flight";
  auto hidden = [&](const Event* marker) {
    if (reason) *reason = visibility_reason(timeline, marker, kWhat);
    return false;
  };
  if (const Event* finished = timeline.first(EventType::finished, Party::server)) {
    const Event* loss = first_loss(timeline, Party::server, finished);
    return loss ? hidden(loss) : true;
  }
  for (const Event& e : timeline.events) {
    if (hides(e, Party::server)) return hidden(&e);
    if (ended_early(e)) return true;
  }
  return hidden(nullptr);
}

}  // namespace tlsflags
