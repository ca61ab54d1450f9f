#!/usr/bin/python3
"""An independent reading of a QUIC capture, for what tshark cannot decrypt (captures/README.md).

Wireshark's QUIC dissector (4.0 to 4.6) opens no AES-128-CCM packet (RFC 9001 §5.3 allows
TLS_AES_128_CCM_SHA256): libgcrypt's CCM wants the lengths before the associated data and the dissector
does not give them ("Decryption (authenticate) failed: Invalid state"). This script reads such a capture
on its own: QUIC v1 and v2 packets (RFC 9000 §17, RFC 9369), header protection and AEAD (RFC 9001 §5)
with Debian's python3-cryptography, CRYPTO frames reassembled per packet number space, and prints the
TLS handshake messages and CONNECTION_CLOSE alerts in the catalogue's notation ("c1 s2 s8 ... c!47").
It shares no code with tlsflags-check or the generator.

Usage: quic-crosscheck.py CAPTURE.pcap KEYLOG   (Ethernet, IPv4, UDP; one QUIC connection)
"""
import struct
import sys

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

VERSION_1, VERSION_2 = 0x00000001, 0x6B3343CF
SALTS = {VERSION_1: "38762cf7f55934b34d179ae6a4c80cadccbb7f0a", VERSION_2: "0dede3def700a6db819381be6e269dcbf9bd2ed9"}
LABEL_PREFIX = {VERSION_1: b"quic ", VERSION_2: b"quicv2 "}
# TLS 1.3 suites QUIC may use (RFC 9001 §5.3): AEAD, key size, hash, header protection.
SUITES = {0x1301: (AESGCM, 16, hashes.SHA256, "aes"), 0x1302: (AESGCM, 32, hashes.SHA384, "aes"),
          0x1303: (ChaCha20Poly1305, 32, hashes.SHA256, "chacha"), 0x1304: (AESCCM, 16, hashes.SHA256, "aes")}
INITIAL, HANDSHAKE, APPLICATION = 0, 1, 2
# Long header packet types by version (RFC 9000 Table 5, RFC 9369 §3.2); None: 0-RTT or Retry.
LONG_TYPES = {VERSION_1: [INITIAL, None, HANDSHAKE, None], VERSION_2: [None, INITIAL, None, HANDSHAKE]}
SECRET_LABELS = {(True, HANDSHAKE): "CLIENT_HANDSHAKE_TRAFFIC_SECRET", (False, HANDSHAKE): "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                 (True, APPLICATION): "CLIENT_TRAFFIC_SECRET_0", (False, APPLICATION): "SERVER_TRAFFIC_SECRET_0"}


def expand_label(hash_class, secret, label, length):  # RFC 8446 §7.1 HKDF-Expand-Label, empty context
    full = b"tls13 " + label
    info = struct.pack(">H", length) + bytes([len(full)]) + full + b"\x00"
    return HKDFExpand(hash_class(), length, info).derive(secret)


def hkdf_extract(salt, ikm):  # RFC 5869 §2.2 with SHA-256
    mac = hmac.HMAC(salt, hashes.SHA256())
    mac.update(ikm)
    return mac.finalize()


class PacketKeys:  # RFC 9001 §5.1
    def __init__(self, suite, secret, version):
        aead, key_size, hash_class, self.hp_kind = SUITES[suite]
        prefix = LABEL_PREFIX[version]
        key = expand_label(hash_class, secret, prefix + b"key", key_size)
        self.iv = expand_label(hash_class, secret, prefix + b"iv", 12)
        self.hp = expand_label(hash_class, secret, prefix + b"hp", key_size)
        self.aead = aead(key, 16) if aead is AESCCM else aead(key)

    def mask(self, sample):  # §5.4.3, §5.4.4
        if self.hp_kind == "chacha":
            return Cipher(algorithms.ChaCha20(self.hp, sample), mode=None).encryptor().update(bytes(5))
        return Cipher(algorithms.AES(self.hp), modes.ECB()).encryptor().update(sample)[:5]

    def open(self, number, header, ciphertext):  # §5.3
        nonce = bytes(a ^ b for a, b in zip(self.iv, number.to_bytes(12, "big")))
        return self.aead.decrypt(nonce, ciphertext, header)


def initial_keys(version, dcid):  # §5.2
    initial_secret = hkdf_extract(bytes.fromhex(SALTS[version]), dcid)
    return {client: PacketKeys(0x1301, expand_label(hashes.SHA256, initial_secret,
                                                    b"client in" if client else b"server in", 32), version)
            for client in (True, False)}


def varint(data, at):  # RFC 9000 §16
    length = 1 << (data[at] >> 6)
    value = data[at] & 0x3F
    for byte in data[at + 1:at + length]:
        value = (value << 8) | byte
    return value, at + length


def decode_packet_number(largest, truncated, length):  # RFC 9000 §A.3
    expected, window = largest + 1, 1 << (8 * length)
    candidate = (expected & ~(window - 1)) | truncated
    if candidate + window // 2 <= expected and candidate < (1 << 62) - window:
        return candidate + window
    if candidate > expected + window // 2 and candidate >= window:
        return candidate - window
    return candidate


def datagrams(path):  # classic pcap, Ethernet II, IPv4, UDP
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic == 0xA1B2C3D4, "a little-endian classic pcap"
    at = 24
    while at < len(data):
        _, _, captured, _ = struct.unpack("<IIII", data[at:at + 16])
        frame = data[at + 16:at + 16 + captured]
        at += 16 + captured
        assert frame[12:14] == b"\x08\x00" and frame[23] == 17, "IPv4 and UDP"
        ip_header = (frame[14] & 0x0F) * 4
        udp = frame[14 + ip_header:]
        yield (frame[26:30], struct.unpack(">H", udp[:2])[0]), udp[8:]


class Connection:
    def __init__(self, secrets):
        self.secrets = secrets  # (label, client random) -> secret
        self.version = None
        self.keys = {}  # (client?, space) -> PacketKeys
        self.cid_size = {True: 0, False: 0}  # the SCID each side chose: what the other writes as DCID
        self.largest = {}
        self.crypto = {}  # (client?, space) -> [received: {offset: bytes}, assembled bytearray, read offset]
        self.client_random = None
        self.closed = set()
        self.sequence = []

    def packet(self, data, at, client):
        first = data[at]
        if first & 0x80:  # §17.2
            version = struct.unpack(">I", data[at + 1:at + 5])[0]
            if self.version is None:
                self.version = version
                self.keys.update({(c, INITIAL): k for c, k in initial_keys(version, data[at + 6:at + 6 + data[at + 5]]).items()})
            space = LONG_TYPES[self.version][(first >> 4) & 3]
            assert space is not None, "0-RTT and Retry are not read"
            pos = at + 5
            pos += 1 + data[pos]  # DCID
            self.cid_size[client] = data[pos]
            pos += 1 + data[pos]  # SCID
            if space == INITIAL:
                token, pos = varint(data, pos)
                pos += token
            length, pos = varint(data, pos)
            end = pos + length
        else:  # §17.3: the DCID its receiver chose
            space, pos, end = APPLICATION, at + 1 + self.cid_size[not client], len(data)
        keys = self.keys[(client, space)]
        mask = keys.mask(data[pos + 4:pos + 20])
        first ^= mask[0] & (0x0F if first & 0x80 else 0x1F)
        pn_length = (first & 3) + 1
        assert first & 0x80 or not first & 0x04, "a key update (key phase 1) is not read"
        truncated = bytes(b ^ m for b, m in zip(data[pos:pos + pn_length], mask[1:]))
        number = decode_packet_number(self.largest.get((client, space), -1), int.from_bytes(truncated, "big"), pn_length)
        self.largest[(client, space)] = max(number, self.largest.get((client, space), -1))
        header = bytes([first]) + data[at + 1:pos] + truncated
        self.frames(keys.open(number, header, data[pos + pn_length:end]), client, space)
        return end

    def frames(self, payload, client, space):  # RFC 9000 §19
        at = 0
        while at < len(payload):
            kind, at = varint(payload, at)
            if kind in (0x00, 0x01, 0x1E):  # PADDING, PING, HANDSHAKE_DONE
                continue
            if kind in (0x02, 0x03):  # ACK
                _, at = varint(payload, at)
                _, at = varint(payload, at)
                ranges, at = varint(payload, at)
                for _ in range(1 + 2 * ranges + (3 if kind == 0x03 else 0)):
                    _, at = varint(payload, at)
            elif kind == 0x06:  # CRYPTO
                offset, at = varint(payload, at)
                length, at = varint(payload, at)
                self.crypto_data(client, space, offset, payload[at:at + length])
                at += length
            elif 0x08 <= kind <= 0x0F:  # STREAM
                _, at = varint(payload, at)
                if kind & 0x04:
                    _, at = varint(payload, at)
                length = len(payload) - at
                if kind & 0x02:
                    length, at = varint(payload, at)
                at += length
            elif kind in (0x1C, 0x1D):  # CONNECTION_CLOSE: CRYPTO_ERROR 0x0100 + alert (RFC 9001 §4.8)
                code, at = varint(payload, at)
                if kind == 0x1C:
                    _, at = varint(payload, at)
                reason, at = varint(payload, at)
                at += reason
                if kind == 0x1C and 0x100 <= code < 0x200 and client not in self.closed:
                    self.sequence.append(("c" if client else "s") + "!" + str(code - 0x100))
                self.closed.add(client)
            elif kind in (0x10, 0x12, 0x13, 0x14, 0x16, 0x17, 0x19):
                _, at = varint(payload, at)
            elif kind in (0x11, 0x15):
                _, at = varint(payload, at)
                _, at = varint(payload, at)
            elif kind == 0x18:  # NEW_CONNECTION_ID
                _, at = varint(payload, at)
                _, at = varint(payload, at)
                at += 1 + payload[at] + 16
            elif kind in (0x1A, 0x1B):
                at += 8
            else:
                raise ValueError("frame type %#x not read" % kind)

    def crypto_data(self, client, space, offset, data):
        received, assembled, read = self.crypto.setdefault((client, space), [{}, bytearray(), 0])
        received[offset] = bytes(data)
        while len(assembled) in received:
            assembled += received.pop(len(assembled))
        while len(assembled) - read >= 4:  # RFC 8446 §4: msg_type, uint24 length
            length = int.from_bytes(assembled[read + 1:read + 4], "big")
            if len(assembled) - read < 4 + length:
                break
            self.message(client, assembled[read], bytes(assembled[read + 4:read + 4 + length]))
            read += 4 + length
        self.crypto[(client, space)][2] = read

    def message(self, client, kind, body):
        self.sequence.append(("c" if client else "s") + str(kind))
        if kind == 1 and self.client_random is None:
            self.client_random = body[2:34]
        if kind == 2:  # ServerHello: the suite, then the keys of the later spaces
            suite = struct.unpack(">H", body[35 + body[34]:37 + body[34]])[0]
            for (side, space), label in SECRET_LABELS.items():
                secret = self.secrets.get((label, self.client_random))
                if secret:
                    self.keys[(side, space)] = PacketKeys(suite, secret, self.version)


def main(capture, keylog):
    secrets = {}
    for line in open(keylog):
        fields = line.split()
        if len(fields) == 3 and not line.startswith("#"):
            secrets[(fields[0], bytes.fromhex(fields[1]))] = bytes.fromhex(fields[2])
    connection, client_endpoint = Connection(secrets), None
    for source, payload in datagrams(capture):
        client_endpoint = client_endpoint or source
        at = 0
        while at < len(payload) and payload[at] & 0x40:  # coalesced packets; zeros after them are padding
            at = connection.packet(payload, at, source == client_endpoint)
    print(" ".join(connection.sequence))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
