#!/usr/bin/python3
"""Hostile input for the QUIC idle timeout (docs/reliability-limits.md): COUNT QUIC v1 client Initial
packets, each the start of a connection of its own (its own Destination Connection ID and client port),
SPACING seconds of capture time apart, none ever followed by another packet. Each carries a minimal
ClientHello with the TLS Flags extension and max_idle_timeout IDLE_MS (RFC 9000 §18.2), protected as
RFC 9001 §5 says with Debian's python3-cryptography.

    quic_initials.py OUT.pcap COUNT SPACING IDLE_MS
"""
import struct
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

SALT_V1 = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")  # RFC 9001 §5.2


def expand_label(secret, label, length):  # RFC 8446 §7.1, SHA-256, empty context
    full = b"tls13 " + label
    return HKDFExpand(hashes.SHA256(), length, struct.pack(">H", length) + bytes([len(full)]) + full + b"\x00").derive(secret)


def client_hello(idle_ms):  # RFC 8446 §4.1.2: TLS 1.3, TLS Flags (flag 80), quic_transport_parameters
    parameters = b"\x01\x04" + struct.pack(">I", 0x80000000 | idle_ms)
    extensions = (b"\x00\x2b\x00\x03\x02\x03\x04" + b"\x00\x3e\x00\x0c\x0b" + bytes(10) + b"\x01" +
                  b"\x00\x39" + struct.pack(">H", len(parameters)) + parameters)
    body = b"\x03\x03" + bytes([0x42] * 32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00"
    body += struct.pack(">H", len(extensions)) + extensions
    return b"\x01" + len(body).to_bytes(3, "big") + body


def initial(dcid, hello):  # RFC 9000 §17.2.2, padded to 1200 octets (§14.1); packet number 0, 1 octet
    mac = hmac.HMAC(SALT_V1, hashes.SHA256())
    mac.update(dcid)
    secret = expand_label(mac.finalize(), b"client in", 32)
    key, iv, hp = expand_label(secret, b"quic key", 16), expand_label(secret, b"quic iv", 12), expand_label(secret, b"quic hp", 16)
    header_size = 1 + 4 + 1 + len(dcid) + 1 + 1 + 2 + 1
    payload = b"\x06\x00" + struct.pack(">H", 0x4000 | len(hello)) + hello
    payload += bytes(1200 - header_size - 16 - len(payload))
    header = b"\xc0\x00\x00\x00\x01" + bytes([len(dcid)]) + dcid + b"\x00\x00" + struct.pack(">H", 0x4000 | (1 + len(payload) + 16)) + b"\x00"
    packet = bytearray(header + AESGCM(key).encrypt(iv, payload, header))  # packet number 0: nonce = iv
    pn_offset = len(header) - 1
    mask = Cipher(algorithms.AES(hp), modes.ECB()).encryptor().update(bytes(packet[pn_offset + 4:pn_offset + 20]))
    packet[0] ^= mask[0] & 0x0F
    packet[pn_offset] ^= mask[1]
    return bytes(packet)


def frame(payload, port):  # Ethernet II, IPv4, UDP (checksum 0: none) from 192.0.2.10:port to 198.51.100.20:443
    udp = struct.pack(">HHHH", port, 443, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, bytes([192, 0, 2, 10]), bytes([198, 51, 100, 20]))
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp


def main(out, count, spacing, idle_ms):
    hello = client_hello(idle_ms)
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n in range(count):
            data = frame(initial(n.to_bytes(8, "big"), hello), 1024 + n % 60000)
            micros = round(n * spacing * 1e6)
            f.write(struct.pack("<IIII", 1704067200 + micros // 1000000, micros % 1000000, len(data), len(data)) + data)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
