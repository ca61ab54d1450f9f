#!/usr/bin/env python3
"""Writes the hand-made seeds of the core harnesses into a directory per harness.

rules: connection stories in the layout of timeline_from_bytes.hpp (the compliant request_client_auth
handshake, its violations, HRR, TLS 1.2, hidden flights); flags_codec: the draft's examples and each
problem class; tls_stream: a whole request_client_auth handshake, encrypted by the harness, and variants. libFuzzer grows the corpus from these; docs/reliability.md says how to merge it.

    python3 tests/fuzz/seeds/make_seeds.py OUTPUT_DIR   # writes OUTPUT_DIR/<harness>
"""
import hashlib
import os
import sys

TYPES = ["client_hello", "server_hello", "hello_retry_request", "encrypted_extensions",
         "certificate_request", "certificate", "certificate_verify", "finished", "new_session_ticket",
         "key_update", "end_of_early_data", "alert", "fin", "rst", "capture_end", "unreadable", "gap",
         "application_data"]
SERVER_SENT = {"server_hello", "hello_retry_request", "encrypted_extensions", "certificate_request",
               "new_session_ticket"}


def flags_body(numbers):
    """The minimal TLS Flags extension body for a set of flag numbers."""
    octets = bytearray(max(numbers) // 8 + 1)
    for n in numbers:
        octets[n // 8] |= 1 << (n % 8)
    return bytes([len(octets)]) + bytes(octets)


def event(kind, server=None, flags=None, raw_flags=None, fields=None, frame=1, time=1, duplicate=False):
    """One event: kind byte, frame delta, time delta (10 ms steps), flags, type-specific fields."""
    if server is None:
        server = kind in SERVER_SENT
    body = raw_flags if raw_flags is not None else (flags_body(flags) if flags else None)
    kind_byte = TYPES.index(kind) | (0x20 if server else 0) | (0x40 if body is not None else 0) | \
        (0x80 if fields is not None else 0)
    out = bytes([kind_byte, frame, time])
    if body is not None:
        out += bytes([1 if duplicate else 0, len(body)]) + body
    if fields is not None:
        out += bytes(fields)
    return out


def connection(events, keys=True, server=1, client=0):
    header = (1 if keys else 0) | 2 | (server << 2) | (client << 4)
    return bytes([header, len(events)]) + b"".join(events)


def story(*connections, config=0):
    return bytes([config, len(connections) - 1]) + b"".join(connections)


def server_flight(cert_flags=None):
    return [event("certificate", server=True, flags=cert_flags), event("certificate_verify", server=True),
            event("finished", server=True)]


def client_cert(entries=1, flags=None):
    out = [event("certificate", server=False, flags=flags, fields=[entries])]
    return out + ([event("certificate_verify", server=False)] if entries else [])


def alert(server, description, level=2):
    return event("alert", server=server, fields=[level, description])


CLOSE = [alert(False, 0, 1), alert(True, 0, 1), event("fin", server=False), event("fin", server=True),
         event("capture_end")]


def rules_seeds():
    hello = [event("client_hello", flags=[80]), event("server_hello"), event("encrypted_extensions")]
    accepted = hello + [event("certificate_request", flags=[80])] + server_flight() + client_cert() + \
        [event("finished"), event("new_session_ticket")] + CLOSE
    cas = [2, 1, 3]  # two certificate_authorities from the harness alphabet
    return {
        "accepted": story(connection(accepted)),
        "accepted-draft02": story(connection(hello + [event("certificate_request")] + server_flight() +
                                             client_cert() + [event("finished")] + CLOSE), config=4),
        "ack-without-request": story(connection([event("client_hello", flags=[8]), event("server_hello"),
                                                 event("encrypted_extensions"),
                                                 event("certificate_request", flags=[80])] + server_flight() +
                                                [alert(False, 47)] + CLOSE)),
        "no-certificate": story(connection(hello + [event("certificate_request", flags=[80])] +
                                           server_flight() + [event("finished")] + CLOSE)),
        "empty-certificate-slow": story(connection(hello + [event("certificate_request", flags=[80])] +
                                                   server_flight() + client_cert(0)[:1] + CLOSE)),
        "flag-in-server-hello": story(connection([event("client_hello", flags=[80]),
                                                  event("server_hello", flags=[80])] + server_flight() +
                                                 [event("finished")] + CLOSE)),
        "hrr-flags-changed": story(connection([event("client_hello", flags=[80]), event("hello_retry_request"),
                                               event("client_hello", flags=[8])] + CLOSE)),
        "tls12": story(connection([event("client_hello", flags=[80]),
                                   event("server_hello", fields=[3])] + CLOSE)),
        "non-minimal-not-rejected": story(connection([event("client_hello", raw_flags=bytes([2, 1, 0])),
                                                      event("server_hello")] + server_flight() + CLOSE)),
        "no-keys": story(connection([event("client_hello", flags=[80]), event("server_hello"),
                                     event("unreadable", server=True), event("unreadable", server=False),
                                     event("capture_end")], keys=False)),
        "gap-then-rst": story(connection(hello + [event("gap", server=True), event("rst", server=False),
                                                  event("capture_end")])),
        "trust-anchors-shared": story(
            connection([event("client_hello", flags=[80]), event("server_hello"),
                        event("certificate_request", flags=[80], fields=cas)] + server_flight() + CLOSE),
            connection([event("client_hello"), event("server_hello"),
                        event("certificate_request", fields=cas)] + server_flight() + CLOSE, client=1)),
    }


def flags_codec_seeds():
    return {
        "rca": flags_body([80]),
        "both-named": flags_body([8, 80]),
        "flag-0": flags_body([0]),
        "flag-2039": flags_body([2039]),
        "empty": bytes([0]),
        "malformed-short": bytes([3, 1]),
        "malformed-long": bytes([1, 1, 1]),
        "non-minimal": bytes([2, 1, 0]),
        "all-zero": bytes([1, 0]),
    }


def u16(v):
    return bytes([v >> 8 & 255, v & 255])


def vec8(b):
    return bytes([len(b)]) + b


def vec16(b):
    return u16(len(b)) + b


def vec24(b):
    return bytes([len(b) >> 16 & 255, len(b) >> 8 & 255, len(b) & 255]) + b


def ext(kind, body):
    return u16(kind) + vec16(body)


def tls_op(what, server, body, type_byte=None, split=0):
    """One tls_stream operation (see read_operation in tls_stream_fuzz.cpp)."""
    out = bytes([(1 if server else 0) | what << 1 | split << 4])
    if type_byte is not None:
        out += bytes([type_byte])
    return out + vec16(body)


def tls_stream_seeds():
    rca = flags_body([80])
    client_hello = u16(0x0303) + bytes(32) + vec8(bytes(32)) + vec16(u16(0x1301)) + vec8(b"\0") + \
        vec16(ext(43, vec8(u16(0x0304))) + ext(62, rca))
    server_hello = u16(0x0303) + bytes([0x22] * 32) + vec8(bytes(32)) + u16(0x1301) + b"\0" + \
        vec16(ext(43, u16(0x0304)))
    encrypted_extensions = vec16(b"")
    certificate_request = vec8(b"") + vec16(ext(13, vec16(u16(0x0403))) + ext(62, rca))
    certificate = vec8(b"") + vec24(vec24(b"\x30\x03\x02\x01\x01") + vec16(b""))
    certificate_verify = u16(0x0403) + vec16(bytes(8))
    finished = bytes(32)
    server_flight = [tls_op(2, True, encrypted_extensions, 8), tls_op(2, True, certificate_request, 13),
                     tls_op(2, True, certificate, 11), tls_op(2, True, certificate_verify, 15),
                     tls_op(2, True, finished, 20)]
    client_flight = [tls_op(2, False, certificate, 11), tls_op(2, False, certificate_verify, 15),
                     tls_op(2, False, finished, 20)]
    hello = [tls_op(1, False, client_hello, 1, split=3), tls_op(1, True, server_hello, 2)]
    ticket = bytes(4) + bytes(4) + vec8(b"\1") + vec16(b"\2") + vec16(b"")
    close = [bytes([7 << 1, 0]), bytes([1 | 7 << 1, 1])]
    full = hello + server_flight + client_flight + [tls_op(3, True, ticket, 4)] + close
    return {
        "accepted-keylog": bytes([1]) + b"".join(full),
        "accepted-dsb": bytes([3]) + b"".join(full),
        "no-keys": bytes([0]) + b"".join(full),
        "no-certificate": bytes([1]) + b"".join(hello + server_flight + client_flight[2:] + close),
        "alert": bytes([1]) + b"".join(hello + server_flight[:2] + [tls_op(4, False, b"\2\x2f", 21)]),
        "gap": bytes([1]) + b"".join(hello + [bytes([1 | 6 << 1, 9])] + client_flight),
    }


def write(directory, seeds):
    os.makedirs(directory, exist_ok=True)
    for data in seeds.values():
        # libFuzzer names corpus files by SHA-1; doing the same keeps a later -merge from duplicating them.
        with open(os.path.join(directory, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    out = sys.argv[1]
    write(os.path.join(out, "rules"), rules_seeds())
    write(os.path.join(out, "flags_codec"), flags_codec_seeds())
    write(os.path.join(out, "tls_stream"), tls_stream_seeds())
