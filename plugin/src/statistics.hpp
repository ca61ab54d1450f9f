// Statistics → TLS Flags in the GUI and `tshark -2 -z tlsflags,conn` / `-z tlsflags,servers`
// (docs/plugin.md "Statistics"): one row per connection (client, server, SNI, request_client_auth
// offered/echoed, client certificate, server reaction, verdict, findings) and one per server, as
// tlsflags-check's text report and its --by-server table. Both are filled from the tap "tlsflags", which
// a pass after the first feeds with the judged connection of each frame (capture_outcome.hpp): the
// first pass has nothing judged to show.
#pragma once

namespace tlsflags::plugin {

void register_statistics();

}  // namespace tlsflags::plugin
