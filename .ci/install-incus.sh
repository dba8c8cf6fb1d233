#!/usr/bin/env bash
# Installs Incus 6.0 (LTS) from Debian's bookworm-backports and starts a test-ready incusd:
# a dir storage pool, a root disk in the default profile, one empty instance, an HTTPS
# listener on 127.0.0.1 and a trusted client certificate. Every step is idempotent.
set -euo pipefail

INSTANCE=${UPLINK_TEST_INSTANCE:-uplink-test}
LISTEN=${UPLINK_TEST_INCUS_ADDRESS:-127.0.0.1:8443}
CERT_DIR=${UPLINK_TEST_CERT_DIR:-/var/lib/uplink-test}

log() { printf '[incus-setup] %s\n' "$*"; }

add_backports() {
  local src=/etc/apt/sources.list.d/debian.sources
  local out=/etc/apt/sources.list.d/uplink-bookworm-backports.sources
  [ -f "$out" ] && return 0
  local uri keyring
  uri=$(awk '/^URIs:/ && !done {print $2; done=1}' "$src" 2>/dev/null || true)
  keyring=$(awk '/^Signed-By:/ && !done {print $2; done=1}' "$src" 2>/dev/null || true)
  uri=${uri:-http://deb.debian.org/debian}
  keyring=${keyring:-/usr/share/keyrings/debian-archive-keyring.gpg}
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
    "$uri" "$keyring" >"$out"
}

install_incus() {
  if [ -x /usr/libexec/incus/incusd ]; then return 0; fi
  add_backports
  log "apt-get update"
  # Other third-party sources on the machine may be unreachable; Debian's own must work.
  apt-get update -qq || true
  log "installing incus from bookworm-backports"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports incus openssl >/dev/null
}

start_incusd() {
  if incus info >/dev/null 2>&1; then return 0; fi
  mkdir -p /var/log/incus
  log "starting incusd"
  nohup /usr/libexec/incus/incusd --group root --logfile /var/log/incus/incusd.log \
    >/var/log/incus/incusd.stdout 2>&1 &
  incus admin waitready --timeout 60
}

configure() {
  incus storage show default >/dev/null 2>&1 || incus storage create default dir
  incus profile device get default root pool >/dev/null 2>&1 ||
    incus profile device add default root disk path=/ pool=default
  incus info "$INSTANCE" >/dev/null 2>&1 || incus create --empty "$INSTANCE" >/dev/null
  [ "$(incus config get core.https_address)" = "$LISTEN" ] || incus config set core.https_address "$LISTEN"
  mkdir -p "$CERT_DIR"
  if [ ! -f "$CERT_DIR/client.crt" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes \
      -keyout "$CERT_DIR/client.key" -out "$CERT_DIR/client.crt" -days 30 -subj /CN=uplink-test 2>/dev/null
  fi
  local fp
  fp=$(openssl x509 -in "$CERT_DIR/client.crt" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)
  incus config trust list --format csv | grep -q "${fp:0:12}" ||
    incus config trust add-certificate "$CERT_DIR/client.crt"
  cp /var/lib/incus/server.crt "$CERT_DIR/server.crt"
}

# A second project holding an instance of the same name as the default project's, for the project
# tests (issue 19). Its profiles are the default project's (features.profiles=false), so the empty
# instance gets the same root disk; a project of its own profiles would have none.
PROJECT=${UPLINK_TEST_PROJECT:-uplink-test-other}
create_second_project() {
  incus project show "$PROJECT" >/dev/null 2>&1 ||
    incus project create "$PROJECT" -c features.profiles=false -c features.images=false >/dev/null
  incus info "$INSTANCE" --project "$PROJECT" >/dev/null 2>&1 ||
    incus create --empty "$INSTANCE" --project "$PROJECT" >/dev/null
}

install_incus
start_incusd
configure
create_second_project
log "ready: https://$LISTEN instance=$INSTANCE (also in project $PROJECT) certs in $CERT_DIR"
