#!/usr/bin/env python3
"""Writes the hand-made seeds of the core harnesses into a directory per harness.

rules: connection stories in the layout of timeline_from_bytes.hpp (the compliant request_client_auth
handshake, its violations, HRR, TLS 1.2, hidden flights); flags_codec: the draft's examples and each
problem class. libFuzzer grows the corpus from these; docs/reliability.md says how to merge it.

    python3 tests/fuzz/seeds/make_seeds.py OUTPUT_DIR   # writes OUTPUT_DIR/rules, OUTPUT_DIR/flags_codec
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
