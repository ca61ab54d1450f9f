// The Wireshark headers the plugin uses, in the one order that works from C++ (notes: packet.h first,
// never inside extern "C"; GLib pulls in C++ headers of its own).
//
// THE LONGJMP RULE. Wireshark reports errors by longjmp (epan/exceptions.h: THROW): tvb_* accessors
// past the captured data, proto_tree_add_* with a bad offset or length, DISSECTOR_ASSERT, and
// expert_add_info* (which adds a tree item) may all leave a function without running its destructors.
// So a function that calls any of them, and every caller up to the postdissector's entry, keeps no
// object with a destructor alive across the call: no std::string, std::vector, std::optional of such,
// unique_ptr, lock. Use fixed arrays, pointers into pinfo->pool or wmem_file_scope(), and
// std::string_view of static text. Check lengths with tvb_bytes_exist / tvb_captured_length before
// reading, so that a hostile packet does not throw at all (tests/hostile/plugin_hostile.sh checks that
// no corrupted capture shows "[Malformed Packet: TLS Flags]").
// C++ code (the core Timeline, the rules) runs only between such calls: FrameRecorder in
// connection_state.cpp calls nothing that throws (wmem allocation, address copies) and catches every C++
// exception before it could unwind through Wireshark's C frames.
#pragma once

#include <epan/packet.h>

#include <epan/to_str.h>
#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/tap.h>
#include <wsutil/report_message.h>
#include <ws_version.h>
