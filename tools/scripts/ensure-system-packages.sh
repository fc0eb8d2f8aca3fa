#!/usr/bin/env bash
# The Debian programs the end-to-end tests drive besides Node: tmux (a real terminal for
# the interactive clients), netcat and socat (plain clients, as a user would use them),
# haproxy and nginx with its stream module (the load balancers of the production recipe),
# ss and python3 (what docs/guide.md has a reader type; tools/guide-check runs it), gcc
# (tools/bench compiles its native load generator with it, and with libssl-dev for its TLS), prometheus and its promtool
# (the servers' --metrics-port is scraped by a real one), openssl and ncat (TLS: the tests
# make their certificates with openssl and drive the TLS server with s_client, s_server,
# socat OPENSSL: and ncat --ssl), tshark (the --pcap tests read the captures back with a
# reader netlab did not write).
# Installs what is missing with apt-get when it can (root on Debian/Ubuntu, as on CI);
# otherwise names what to install and fails, rather than letting tests fail later in a less
# clear way.
set -euo pipefail

declare -A package_of=(
  [tmux]=tmux
  [nc]=netcat-openbsd
  [socat]=socat
  [haproxy]=haproxy
  [nginx]=nginx
  [ss]=iproute2
  [python3]=python3
  [gcc]=gcc
  [prometheus]=prometheus
  [promtool]=prometheus
  [openssl]=openssl
  [ncat]=ncat
  [tshark]=tshark
)

missing=()
for command in "${!package_of[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${package_of[$command]}")
done
# nginx proxies UDP and TCP with its stream module, a package of its own on Debian (the
# nginx package alone has only HTTP): needed when nginx is missing or built without it.
nginx_build=$(nginx -V 2>&1 || true)
if [[ $nginx_build != *--with-stream* ]] ||
  { [[ $nginx_build == *--with-stream=dynamic* ]] &&
    [ ! -e /usr/lib/nginx/modules/ngx_stream_module.so ]; }; then
  missing+=(libnginx-mod-stream)
fi
# tools/bench's native load generator speaks TLS through OpenSSL: it needs the headers and
# the libraries to link with (-lssl -lcrypto), which no command shows.
if [ ! -e /usr/include/openssl/ssl.h ]; then missing+=(libssl-dev); fi
[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # tshark's package asks whether non-root users may capture; the default (no) is what we want.
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections 2>/dev/null || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages' own services must not hold the ports or run in the background here:
  # the tests start their own instances with their own configuration.
  for service in haproxy nginx; do
    if command -v service >/dev/null 2>&1; then service "$service" stop >/dev/null 2>&1 || true; fi
  done
  pkill -x haproxy 2>/dev/null || true
  pkill -x nginx 2>/dev/null || true
else
  echo "missing programs the tests need; install them first, e.g.:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
