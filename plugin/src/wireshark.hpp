// The Wireshark headers the plugin uses, in the one order that works from C++ (notes: packet.h first,
// never inside extern "C"; GLib pulls in C++ headers of its own).
#pragma once

#include <epan/packet.h>

#include <epan/to_str.h>
#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <ws_version.h>
