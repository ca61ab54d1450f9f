#include "tcp_trace.hpp"

#include "wire_rewrite.hpp"

#include <algorithm>
#include <iterator>

namespace tlsgen {
namespace {

// Deterministic clock steps (µs): a one-way trip on the link, the time a peer takes to answer a
// flight, and the spacing of back-to-back segments.
constexpr std::uint64_t kOneWay = 100;
constexpr std::uint64_t kThinkTime = 300;
constexpr std::uint64_t kBackToBack = 20;
constexpr std::size_t kClientHelloSplitAt = 100;

class TraceBuilder {
 public:
  TraceBuilder(const WireKnobs& wire, const TraceStart& start)
      : wire_(wire), now_(start.time_us), next_seq_{start.client_isn, start.server_isn} {}

  void open() {
    emit(Side::client, tcp_flag::syn, {}, true);
    now_ += kOneWay;
    emit(Side::server, tcp_flag::syn | tcp_flag::ack, {}, true);
    now_ += kOneWay;
    emit(Side::client, tcp_flag::ack, {});
  }

  void send_chunk(const Chunk& chunk, int index) {
    now_ += kThinkTime + std::uint64_t{chunk.delay_ms} * 1000;
    const auto cuts = cut_points(chunk, index);
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
      if (i > 0) now_ += kBackToBack;
      const bool last = i + 2 == cuts.size();
      Bytes payload(chunk.bytes.begin() + static_cast<std::ptrdiff_t>(cuts[i]),
                    chunk.bytes.begin() + static_cast<std::ptrdiff_t>(cuts[i + 1]));
      Segment& segment = emit(chunk.from, tcp_flag::ack | (last ? tcp_flag::psh : 0), std::move(payload));
      segment.chunk = index;
      segment.completed_handshake_types = completed_in(chunk, cuts[i], cuts[i + 1]);
    }
  }

  void acknowledge(Side receiver) {
    now_ += kOneWay;
    emit(receiver, tcp_flag::ack, {});
  }

  void close(Side first) {
    const Side second = first == Side::client ? Side::server : Side::client;
    now_ += kThinkTime;
    emit(first, tcp_flag::fin | tcp_flag::ack, {});
    now_ += kOneWay;
    emit(second, tcp_flag::fin | tcp_flag::ack, {});
    now_ += kOneWay;
    emit(first, tcp_flag::ack, {});
  }

  std::vector<Segment> take() { return std::move(segments_); }

 private:
  static int index_of(Side side) { return side == Side::client ? 0 : 1; }

  Segment& emit(Side from, std::uint8_t flags, Bytes payload, bool with_mss = false) {
    Segment segment;
    segment.from = from;
    segment.flags = flags;
    segment.seq = next_seq_[index_of(from)];
    segment.ack = (flags & tcp_flag::ack) ? next_seq_[1 - index_of(from)] : 0;
    segment.mss_option = with_mss ? static_cast<std::uint16_t>(wire_.mss) : 0;
    segment.time_us = now_;
    // SYN and FIN each take one sequence number (RFC 9293 §3.4).
    next_seq_[index_of(from)] += static_cast<std::uint32_t>(payload.size()) + ((flags & (tcp_flag::syn | tcp_flag::fin)) ? 1 : 0);
    segment.payload = std::move(payload);
    segments_.push_back(std::move(segment));
    return segments_.back();
  }

  // Segment boundaries within the chunk: every MSS, every record when asked, and the ClientHello split.
  std::vector<std::size_t> cut_points(const Chunk& chunk, int index) const {
    std::vector<std::size_t> cuts{0, chunk.bytes.size()};
    if (wire_.segment_per_record)
      for (const RecordSpan& span : split_records(chunk.bytes)) cuts.push_back(span.offset);
    if (index == 0 && wire_.impairment == Impairment::split_client_hello && chunk.bytes.size() > kClientHelloSplitAt)
      cuts.push_back(kClientHelloSplitAt);
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::vector<std::size_t> mss_cuts;
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
      for (std::size_t at = cuts[i]; at < cuts[i + 1]; at += wire_.mss) mss_cuts.push_back(at);
    mss_cuts.push_back(chunk.bytes.size());
    return mss_cuts;
  }

  static std::vector<std::uint8_t> completed_in(const Chunk& chunk, std::size_t begin, std::size_t end) {
    std::vector<std::uint8_t> types;
    const auto spans = split_records(chunk.bytes);
    for (std::size_t i = 0; i < spans.size() && i < chunk.records.size(); ++i) {
      const std::size_t record_end = spans[i].offset + spans[i].length;
      if (record_end > begin && record_end <= end)
        types.insert(types.end(), chunk.records[i].handshake_types.begin(), chunk.records[i].handshake_types.end());
    }
    return types;
  }

  const WireKnobs& wire_;
  std::uint64_t now_;
  std::uint32_t next_seq_[2];
  std::vector<Segment> segments_;
};

bool has_type(const Segment& segment, std::uint8_t type) {
  const auto& types = segment.completed_handshake_types;
  return std::find(types.begin(), types.end(), type) != types.end();
}

// Index range [first, last) of the segments carrying the server's first multi-segment flight.
std::pair<std::size_t, std::size_t> server_flight(const std::vector<Segment>& segments) {
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].from != Side::server || segments[i].payload.empty()) continue;
    std::size_t last = i;
    while (last < segments.size() && segments[last].chunk == segments[i].chunk) ++last;
    if (last - i >= 2) return {i, last};
  }
  return {0, 0};
}

// The scenario's capture impairments: the peers saw every byte, the capture point did not.
void impair(std::vector<Segment>& segments, Impairment impairment) {
  const auto is_cr = [](const Segment& s) { return s.from == Side::server && has_type(s, 13); };
  const auto cr = std::find_if(segments.begin(), segments.end(), is_cr);
  const auto [first, last] = server_flight(segments);
  switch (impairment) {
    case Impairment::cut_after_cr:
      if (cr != segments.end()) segments.erase(std::next(cr), segments.end());
      break;
    case Impairment::gap_at_cr:
      if (cr != segments.end()) segments.erase(cr);
      break;
    case Impairment::reorder:
      if (last > first) {
        // The later segment is captured first (the timestamps stay in capture order). With three or
        // more segments the ServerHello's segment stays in place and two encrypted ones swap.
        Segment& early = segments[last - first >= 3 ? first + 1 : first];
        Segment& late = segments[last - first >= 3 ? first + 2 : first + 1];
        std::swap(early.payload, late.payload);
        std::swap(early.seq, late.seq);
        std::swap(early.flags, late.flags);
        std::swap(early.completed_handshake_types, late.completed_handshake_types);
      }
      break;
    case Impairment::retransmit:
      if (last > first) {
        Segment copy = segments[first];
        copy.time_us = segments[last - 1].time_us + kBackToBack;
        segments.insert(segments.begin() + static_cast<std::ptrdiff_t>(last), copy);
      }
      break;
    default: break;
  }
}

}  // namespace

std::vector<Segment> build_tcp_trace(const Conversation& conversation, const WireKnobs& wire, const TraceStart& start) {
  TraceBuilder builder(wire, start);
  builder.open();
  const auto& chunks = conversation.chunks;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    builder.send_chunk(chunks[i], static_cast<int>(i));
    // The receiver acknowledges on its own only when it has no answer of its own to carry the ACK.
    const bool answered = i + 1 < chunks.size() && chunks[i + 1].from != chunks[i].from;
    if (!answered) builder.acknowledge(chunks[i].from == Side::client ? Side::server : Side::client);
  }
  builder.close(conversation.first_to_close);
  std::vector<Segment> segments = builder.take();
  impair(segments, wire.impairment);
  return segments;
}

}  // namespace tlsgen
