// Phase 3 of a frame, on every pass: add the tlsflags items and expert infos from the frame's record.
// Items nest under the extension's own node when this pass's tree has it (-V, -T fields, the GUI),
// and hang at the top of the tree otherwise (plain tshark -Y, the second pass of -2).
#pragma once

#include "capture_outcome.hpp"
#include "connection_state.hpp"
#include "frame_scan.hpp"
#include "wireshark.hpp"

namespace tlsflags::plugin {

// `record` is NULL for a frame of the connection that added nothing to its timeline: a pass after the
// first still shows the connection's verdict on it (docs/plugin.md "Passes").
void show_frame(const FrameRecord* record, const ConnectionState& connection, const FrameScan* scan,
                proto_tree* tree, tvbuff_t* tvb, packet_info* pinfo);

}  // namespace tlsflags::plugin
