// The symbols Wireshark's plugin loader looks up (notes "Loading"): each is extern "C" in the non-braced
// form, since inside extern "C" { } a const object gets internal linkage and vanishes.
#include "wireshark.hpp"
#include "wireshark_compat.hpp"

#include "tlsflags_protocol.hpp"

extern "C" WS_DLL_PUBLIC_DEF const gchar plugin_version[] = TLSFLAGS_PLUGIN_VERSION;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
extern "C" WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

extern "C" WS_DLL_PUBLIC_DEF void plugin_register(void) {
  static proto_plugin plugin;
  plugin.register_protoinfo = tlsflags::plugin::register_protocol;
  plugin.register_handoff = tlsflags::plugin::register_handoff;
  proto_register_plugin(&plugin);
}

// 4.4 and later ask what kind of plugin this is (tshark -G plugins shows the answer as its type);
// 4.0 never looks the symbol up.
extern "C" WS_DLL_PUBLIC_DEF uint32_t plugin_describe(void) { return tlsflags::plugin::ws::kPluginDescription; }
