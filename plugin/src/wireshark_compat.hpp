// Everything that differs between the Wireshark versions the plugin builds for (4.0, 4.4, 4.6), in one
// place, so that no other file carries a version test (docs/plugin.md "Wireshark versions").
// Include after wireshark.hpp.
#pragma once

#include <cstdint>

#include "wireshark.hpp"

// 4.0's development package does not install wsutil/plugins.h; 4.4 and later declare the plugin
// description bits there.
#if __has_include(<wsutil/plugins.h>)
#include <wsutil/plugins.h>
#endif

#define TLSFLAGS_WS_AT_LEAST(major, minor) \
  (WIRESHARK_VERSION_MAJOR > (major) ||    \
   (WIRESHARK_VERSION_MAJOR == (major) && WIRESHARK_VERSION_MINOR >= (minor)))

#if !TLSFLAGS_WS_AT_LEAST(4, 0)
#error "tlsflags needs Wireshark 4.0 or newer"
#endif

namespace tlsflags::plugin::ws {

// A field's value: embedded in field_info up to 4.0, a pointer to it from 4.2 on.
inline fvalue_t* field_value(field_info* fi) {
#if TLSFLAGS_WS_AT_LEAST(4, 2)
  return fi->value;
#else
  return &fi->value;
#endif
}

// wmem_user_cb_t returns gboolean up to 4.0 and bool from 4.2 on.
#if TLSFLAGS_WS_AT_LEAST(4, 2)
using wmem_callback_result = bool;
#else
using wmem_callback_result = gboolean;
#endif

// From 4.4 on the loader asks a plugin what it is (plugin_describe, wsutil/plugins.h); 4.0 never asks
// and has no description bits.
#ifdef WS_PLUGIN_DESC_DISSECTOR
inline constexpr uint32_t kPluginDescription = WS_PLUGIN_DESC_DISSECTOR;
#else
inline constexpr uint32_t kPluginDescription = 0;
#endif

}  // namespace tlsflags::plugin::ws
