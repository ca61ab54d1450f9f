#!/usr/bin/env bash
# Records ordinary TLS traffic for real on 127.0.0.1 (no TLS Flags extension anywhere: the analyser's
# not-applicable case): openssl s_server with openssl s_client (-keylogfile) and with curl
# (SSLKEYLOGFILE). dumpcap (or tcpdump) listens on lo for one high port on 127.0.0.1 only; every
# recording is one exchange, bounded by timeouts. Needs root or capture rights, openssl, curl, editcap.
#
# Usage: captures/record-loopback.sh [PORT [NAME...]]    (default 44330; NAME: only these captures)
# Writes loopback-*.pcap + .keys, and loopback-curl.pcapng with the keys in a DSB (editcap --inject-secrets).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
port=${1:-44330}
only=("${@:2}")
work=$(mktemp -d)
capture_pid=""
server_pid=""

stop() {  # ends only the processes this script started, by their ids
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$capture_pid" ] && kill -INT "$capture_pid" 2>/dev/null && wait "$capture_pid" 2>/dev/null
  server_pid=""
  capture_pid=""
}
trap 'stop; rm -rf "$work"' EXIT

make_certificates() {
  local name
  for name in server client; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -keyout "$work/$name.key" -out "$work/$name.crt" -subj "/CN=$name.localhost" \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
  done
}

start_capture() {  # $1: output file; dumpcap, or tcpdump when dumpcap is missing
  local filter="host 127.0.0.1 and tcp port $port"
  if command -v dumpcap >/dev/null; then
    dumpcap -q -P -i lo -f "$filter" -a duration:20 -w "$1" 2>/dev/null &
  else
    tcpdump -i lo -U -w "$1" "$filter" 2>/dev/null &
  fi
  capture_pid=$!
  sleep 1
}

start_server() {  # s_server for exactly one connection (-naccept 1), answering HTTP (-www)
  openssl s_server -accept "127.0.0.1:$port" -naccept 1 -www -cert "$work/server.crt" -key "$work/server.key" \
    "$@" >/dev/null 2>&1 &
  server_pid=$!
  sleep 0.5
}

finish() {  # $1: capture in $work, $2: key log in $work, $3: destination base name in captures/
  sleep 0.5
  stop
  cp "$work/$1" "$here/$3.pcap"
  cp "$work/$2" "$here/$3.keys"
  chmod 644 "$here/$3.pcap" "$here/$3.keys"
}

openssl_client() {  # a one-request HTTP/1.0 exchange with s_client, bounded by timeout
  printf 'GET / HTTP/1.0\r\n\r\n' |
    timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$work/server.crt" \
      -verify_return_error -ign_eof -quiet "$@" >/dev/null 2>&1
}

record_openssl() {  # $1: name, $2: s_server options, rest: s_client options
  local name=$1 server_options=$2
  shift 2
  : >"$work/$name.keys"
  start_capture "$work/$name.pcap"
  # shellcheck disable=SC2086  # server options are words
  start_server $server_options
  openssl_client -keylogfile "$work/$name.keys" "$@"
  finish "$name.pcap" "$name.keys" "$name"
}

record_curl() {
  : >"$work/curl.keys"
  start_capture "$work/curl.pcap"
  start_server
  SSLKEYLOGFILE="$work/curl.keys" timeout 10 curl -s -o /dev/null --http1.1 --cacert "$work/server.crt" \
    --resolve "localhost:$port:127.0.0.1" "https://localhost:$port/"
  sleep 0.5
  stop
  editcap --inject-secrets "tls,$work/curl.keys" -F pcapng "$work/curl.pcap" "$here/loopback-curl.pcapng"
  chmod 644 "$here/loopback-curl.pcapng"
}

wanted() {  # $1: a capture name; true when no NAME was given or it is one of them
  [ ${#only[@]} -eq 0 ] && return 0
  local name
  for name in "${only[@]}"; do [ "$name" = "$1" ] && return 0; done
  return 1
}

make_certificates
wanted loopback-openssl-tls13 && record_openssl loopback-openssl-tls13 "-tls1_3"
wanted loopback-openssl-tls13-client-auth &&
  record_openssl loopback-openssl-tls13-client-auth "-tls1_3 -Verify 1 -CAfile $work/client.crt" \
    -cert "$work/client.crt" -key "$work/client.key"
wanted loopback-openssl-tls12 && record_openssl loopback-openssl-tls12 "-tls1_2"
# TLS 1.2 with client authentication: CertificateRequest, the client's Certificate and CertificateVerify
# in cleartext (RFC 5246 §7.4.4, §7.4.6, §7.4.8).
wanted loopback-openssl-tls12-client-auth &&
  record_openssl loopback-openssl-tls12-client-auth "-tls1_2 -Verify 1 -CAfile $work/client.crt" \
    -cert "$work/client.crt" -key "$work/client.key"
wanted loopback-curl && record_curl
echo "recorded in $here: ${only[*]:-every loopback capture}"
