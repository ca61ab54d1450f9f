// Hand-built timelines and judgements for the writer tests: no capture, no engine, so that each test
// states exactly what the writer was given.
#pragma once

#include <string>
#include <vector>

#include "tlsflags/core/events.hpp"
#include "tlsflags/core/rules.hpp"
#include "tlsflags/report/result.hpp"
#include "tlsflags/report/writer.hpp"

namespace samples {

tlsflags::Event event(tlsflags::EventType type, tlsflags::Party from, uint64_t frame, double time);
tlsflags::Event flagged(tlsflags::Event event, std::vector<uint16_t> flags);

// a.pcap, 10.0.0.1:50000 -> 10.0.0.2:443, frames 1-19: the flag sent, echoed, a client certificate.
tlsflags::Timeline passing_timeline();
tlsflags::Judgement passing_judgement();

// a.pcap, 10.0.0.3:50001 -> 10.0.0.2:443, frames 20-30: the server echoes a flag the client never sent
// and the client aborts.
tlsflags::Timeline failing_timeline();
tlsflags::Judgement failing_judgement();

// b.pcap, [2001:db8::1]:40000 -> [2001:db8::2]:8443, frames 3-7: no keys.
tlsflags::Timeline undecidable_timeline();
tlsflags::Judgement undecidable_judgement();

tlsflags::report::ConnectionResult result(const tlsflags::Timeline& timeline, tlsflags::Judgement judgement,
                                          bool keep_events = true);

// a.pcap (passing + failing) and b.pcap (undecidable).
std::vector<tlsflags::report::FileResult> two_files();

// Runs a writer over the files and returns what it wrote.
std::string render(tlsflags::report::Format format, const std::vector<tlsflags::report::FileResult>& files,
                   tlsflags::report::WriterOptions options = {});

}  // namespace samples
