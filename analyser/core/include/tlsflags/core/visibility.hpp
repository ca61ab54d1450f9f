// What a timeline shows and what it hides (docs/rules.md "How the engine judges"): the visibility
// markers (unreadable, gap) and the capture's end, asked by the rules and by the server reaction alike,
// so that both say "visible" of the same things.
#pragma once

#include <string>
#include <string_view>

#include "tlsflags/core/events.hpp"

namespace tlsflags {

// The first event that hides `from`'s messages (unreadable, gap, or the end of the capture), before
// `before` (or anywhere when null); nullptr when nothing does.
const Event* first_loss(const Timeline& timeline, Party from, const Event* before = nullptr);

// Why `what` is not visible, from the marker that hid it (nullptr: the capture has not shown it yet).
std::string visibility_reason(const Timeline& timeline, const Event* marker, std::string_view what);

// docs/rules.md "The server's flight is visible": its Finished was read with nothing hidden before it,
// or the handshake visibly ended earlier (an alert, FIN or RST). When not, `reason` (if given) says why.
bool server_flight_visible(const Timeline& timeline, std::string* reason = nullptr);

}  // namespace tlsflags
