#!/usr/bin/env python3
"""W4 of bench/run.sh: a QUIC handshake workload from the catalogue's real OpenSSL 3.5 QUIC connection.

    quic_workload.py CAPTURE.pcap COUNT OUT.pcap

Writes COUNT copies of the capture's datagrams one after the other, each copy 10 s of capture time after
the previous one (beyond the analyser's 5 s linger after a CONNECTION_CLOSE, so each copy is a connection
of its own). No packet is changed; the capture's key log serves every copy (docs/performance.md).
"""
import struct
import sys


def main():
    source, count, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(source, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic != 0xA1B2C3D4:
        sys.exit("quic_workload.py: a little-endian microsecond pcap is expected")
    header, records, offset = data[:24], [], 24
    while offset + 16 <= len(data):
        seconds, micros, caplen, length = struct.unpack("<IIII", data[offset:offset + 16])
        records.append((seconds, micros, length, data[offset + 16:offset + 16 + caplen]))
        offset += 16 + caplen
    with open(target, "wb") as out:
        out.write(header)
        for copy in range(count):
            for seconds, micros, length, frame in records:
                out.write(struct.pack("<IIII", seconds + 10 * copy, micros, len(frame), length))
                out.write(frame)


if __name__ == "__main__":
    main()
