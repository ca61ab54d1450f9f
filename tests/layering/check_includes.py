#!/usr/bin/env python3
"""The include rules of docs/architecture.md ("Libraries and the arrows between them"), checked.

Every #include "..." in analyser/<library>/ and plugin/ must name a library its own may depend on:
  "tlsflags/<library>/..."  counts as an include of that library;
  a path that climbs out of its folder ("../") is refused, so no arrow can be drawn around the rules;
  any other quoted include is the file's own library (its private headers).
Exit status 0 when every include follows the rules, 1 with one line per forbidden include.

  check_includes.py SOURCE_DIR           check the tree
  check_includes.py --self-test          show that a forbidden include is caught (a tree made in /tmp)
  check_includes.py --citations DIR      no source cites a design file outside the repository
                                         (docs/architecture.md "Rules of the house")
"""
import os
import re
import sys
import tempfile

# Who may include whom (docs/architecture.md). A library may always include itself.
ALLOWED = {
    "core": set(),
    "capture": {"core"},
    "tls": {"core", "capture", "compress"},
    "quic": {"core", "capture", "tls"},
    "inspect": {"core"},
    "compress": {"core"},
    "report": {"core"},
    "cli": {"core", "capture", "tls", "quic", "inspect", "report", "compress"},
    "plugin": {"core", "inspect", "compress"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SOURCE = re.compile(r"\.(c|cc|cpp|h|hh|hpp)$")


def library_dirs(root):
    for library in ALLOWED:
        folder = os.path.join(root, "plugin" if library == "plugin" else os.path.join("analyser", library))
        if os.path.isdir(folder):
            yield library, folder


def violations_in(path, library):
    with open(path, encoding="utf-8", errors="replace") as source:
        for number, line in enumerate(source, 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            target = match.group(1)
            if "../" in target:
                yield number, target, "climbs out of its folder"
                continue
            parts = target.split("/")
            if len(parts) >= 3 and parts[0] == "tlsflags" and parts[1] in ALLOWED:
                included = parts[1]
                if included != library and included not in ALLOWED[library]:
                    yield number, target, f"{library} may not include {included}"


def check(root):
    found = []
    for library, folder in library_dirs(root):
        for directory, _, files in os.walk(folder):
            for name in sorted(files):
                if not SOURCE.search(name):
                    continue
                path = os.path.join(directory, name)
                for number, target, why in violations_in(path, library):
                    found.append(f"{os.path.relpath(path, root)}:{number}: #include \"{target}\": {why}")
    return found


def self_test():
    cases = {
        ("core", "tlsflags/capture/stream_consumer.hpp"): True,
        ("core", "tlsflags/report/writer.hpp"): True,
        ("capture", "tlsflags/tls/handshake.hpp"): True,
        ("plugin", "tlsflags/capture/tcp_segment.hpp"): True,
        ("plugin", "tlsflags/tls/keylog.hpp"): True,
        ("inspect", "../../tls/include/tlsflags/tls/keylog.hpp"): True,
        ("tls", "tlsflags/capture/stream_consumer.hpp"): False,
        ("plugin", "tlsflags/inspect/certificate.hpp"): False,
        ("cli", "tlsflags/report/writer.hpp"): False,
        ("compress", "tlsflags/tls/handshake.hpp"): True,
        ("tls", "tlsflags/compress/certificate_compression.hpp"): False,
        ("plugin", "tlsflags/compress/certificate_compression.hpp"): False,
    }
    failures = 0
    for (library, target), forbidden in cases.items():
        with tempfile.TemporaryDirectory() as root:
            folder = os.path.join(root, "plugin" if library == "plugin" else os.path.join("analyser", library))
            os.makedirs(folder)
            with open(os.path.join(folder, "x.cpp"), "w") as source:
                source.write(f'#include "{target}"\n')
            caught = bool(check(root))
            if caught != forbidden:
                print(f"FAIL: {library} including {target}: caught={caught}, expected {forbidden}")
                failures += 1
    print("PASS" if failures == 0 else f"{failures} case(s) wrong")
    return 1 if failures else 0


# The background design file lives outside the repository a user clones; comments cite docs/ or RFCs.
OUTSIDE_FILE = "design" + ".md"
CITING_DIRS = ("analyser", "plugin", "captures", "tests", "bench")


def outside_citations(root):
    found = []
    for top in CITING_DIRS:
        for directory, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                path = os.path.join(directory, name)
                try:
                    with open(path, encoding="utf-8") as source:
                        for number, line in enumerate(source, 1):
                            if OUTSIDE_FILE in line:
                                found.append(f"{os.path.relpath(path, root)}:{number}: cites {OUTSIDE_FILE}")
                except (UnicodeDecodeError, OSError):
                    continue  # captures and other binary files
    return found


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) == 3 and sys.argv[1] == "--citations":
        found = outside_citations(sys.argv[2])
        print("\n".join(found) if found else "PASS: sources cite docs/ or RFCs only")
        return 1 if found else 0
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    found = check(sys.argv[1])
    for line in found:
        print(line)
    if not found:
        print("PASS: every include follows docs/architecture.md")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
