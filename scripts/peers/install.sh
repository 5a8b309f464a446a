#!/usr/bin/env bash
# Installs what the loopback test peers need: Debian packages (Postfix, Dovecot, Cyrus SASL, aiosmtpd, dante,
# tinyproxy, OpenSSH, openssl, tshark) and the npm smtp-server peer. Idempotent and non-interactive; when
# everything is there already it only checks and returns (well under a second).
# Runs as root, or as another user through sudo (only the apt and account steps need root).
# Usage: bash scripts/peers/install.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../lib/common.sh"
export DEBIAN_FRONTEND=noninteractive

PKGS=(
  postfix postfix-pcre                            # the MTA; smtp-sink comes with it
  dovecot-core dovecot-submissiond                # SASL provider for Postfix, and a submission server
  sasl2-bin libsasl2-modules libsasl2-modules-db  # Cyrus SASL (sasldb) for the NTLM-capable port
  python3 python3-aiosmtpd                        # the scripted VRFY/EXPN and HELO-only peers
  dante-server tinyproxy                          # SOCKS4/5 and HTTP CONNECT proxies
  openssh-server openssh-client                   # "ssh -D": the proxy that speaks SOCKS4a
  openssl ca-certificates                         # test CA and certificates; TLS probes
  tshark                                          # reads captures of TLS sessions (key-log tests)
  procps iproute2 passwd                          # ps/ss for diagnostics, useradd/chpasswd
  time                                            # GNU time: a child process's peak memory for the memory tests
)
need=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
# smtp-server 3.21 wants Node.js 20 or later. Keep a Node.js that is already there (the machine image
# has one); otherwise take Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then need+=(nodejs npm); fi

if [ ${#need[@]} -gt 0 ]; then
  echo "install.sh: apt-get install ${need[*]}"
  # Answer the packages' questions before they are asked: Postfix must not configure a system-wide
  # instance (each peer is a private instance under the state directory), and dumpcap must not be
  # made setuid (tests capture as root).
  printf '%s\n' \
    "postfix postfix/main_mailer_type select No configuration" \
    "postfix postfix/mailname string localhost" \
    "wireshark-common wireshark-common/install-setuid boolean false" | as_root debconf-set-selections
  # Keep the maintainer scripts from starting the system daemons (tinyproxy would take :8888, dovecot and
  # danted would start with the system configs). Add a policy-rc.d only if there is none, and remove only
  # the one added here.
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  trap '[ "$added_policy" = 1 ] && as_root rm -f /usr/sbin/policy-rc.d' EXIT
  as_root apt-get update -qq || warn "apt-get update failed; trying the install with the lists there are"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${need[@]}" </dev/null
else
  echo "install.sh: Debian packages already installed"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || warn "Node.js $(node --version 2>/dev/null) is older than 20, which smtp-server wants"

# System account for dante's username/password method (RFC 1929 checks the system password database)
# and for the private sshd that carries the "ssh -D" tunnel.
# Setting the password needs root: do it when creating the account, and on every run as root (cheap), so that a
# run as another user with everything in place needs no sudo at all.
if ! id peerproxy >/dev/null 2>&1; then
  as_root useradd -M -r -s /usr/sbin/nologin peerproxy
  echo 'peerproxy:proxy-pass' | as_root chpasswd
elif [ "$(id -u)" = 0 ]; then
  echo 'peerproxy:proxy-pass' | chpasswd
fi

# npm smtp-server peer, at the versions in package-lock.json. Installed in the working tree
# (node_modules is not committed); up.sh copies it to the state directory before it starts. node_modules is
# trusted only when it was installed from this very lock file (its hash is kept in node_modules/.herald-lock.sha256)
# and still holds smtp-server: a node_modules left by another lock file, or a half-finished install, is made again.
lock_hash=$(sha256sum < "$HERE/node-peer/package-lock.json" | cut -d' ' -f1)
stamp="$HERE/node-peer/node_modules/.herald-lock.sha256"
have=$(cat "$stamp" 2>/dev/null || true)
if [ "$have" != "$lock_hash" ] || [ ! -f "$HERE/node-peer/node_modules/smtp-server/package.json" ]; then
  want=$(sed -n 's/.*"smtp-server": *"\([0-9.]*\)".*/\1/p' "$HERE/node-peer/package.json")
  echo "install.sh: npm ci in scripts/peers/node-peer (smtp-server $want)"
  (cd "$HERE/node-peer" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
  echo "$lock_hash" > "$stamp"
else
  echo "install.sh: smtp-server already installed from package-lock.json"
fi
echo "install.sh: done"
