// A plaintext application exchange before the TLS handshake (STARTTLS and the like): the generator
// speaks the preamble for both sides, as the application on each end does before it hands its socket
// to TLS; the handshake that follows is the real OpenSSL one, unchanged.
#pragma once

#include "conversation.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tlsgen {

struct UpgradePlan {
  std::string_view name;        // --upgrade value
  std::uint16_t server_port;    // the protocol's registered port, where tshark looks for it
  struct Line {
    Side from;
    std::string bytes;
  };
  std::vector<Line> exchange;   // in order; the last line is the server's go-ahead
};

std::vector<std::string_view> upgrade_names();
const UpgradePlan* find_upgrade(std::string_view name);

// Puts the plan's exchange before the conversation's first chunk.
void prepend_preamble(Conversation& conversation, const UpgradePlan& plan);

}  // namespace tlsgen
