// The factories behind make_writer(), one per format.
#pragma once

#include <memory>
#include <ostream>

#include "tlsflags/report/writer.hpp"

namespace tlsflags::report {

std::unique_ptr<Writer> make_text_writer(std::ostream& out, const WriterOptions& options);
std::unique_ptr<Writer> make_jsonl_writer(std::ostream& out, const WriterOptions& options);
std::unique_ptr<Writer> make_sarif_writer(std::ostream& out, const WriterOptions& options);
std::unique_ptr<Writer> make_junit_writer(std::ostream& out, const WriterOptions& options);

}  // namespace tlsflags::report
