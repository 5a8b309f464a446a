#!/usr/bin/env bash
# Starts every loopback test peer (scripts/peers/ports.sh lists them) and waits until each port answers.
# All state lives under $HERALD_PEERS_STATE (default /tmp/herald-peers): configs, certificates, captured
# mail, logs, and $STATE/run/<name>.pid for each process started here, so that down.sh stops exactly those.
# Idempotent, and never trusts what an earlier run left behind:
#   - certificates are made again when certs.sh changed or they do not check out (see certs.sh);
#   - the Cyrus sasldb is made again when its account list changed, the ssh keys when one is missing or broken;
#   - each peer records a recipe next to its PID file (its command line and the content of every file it reads at
#     start: code, configuration, certificates); a running peer whose recipe changed is restarted, one that did not
#     change is left alone. Postfix is reloaded when its configuration or certificates changed.
# Nothing listens beyond loopback and nothing relays mail off the machine. Runs of up.sh and down.sh for one state
# directory take turns (a lock next to it). Needs root (re-runs itself through sudo otherwise); run install.sh once
# before.
# Usage: bash scripts/peers/up.sh [-q] [--fresh]
#   -q       print only the summary line (and any port that is down)
#   --fresh  when no peer of this state directory is running, delete the state directory first, so that the run
#            starts as on a new machine (scripts/test.sh passes it under CI=true)
# Exit status: 0 when every port is up; 1 (naming the ports) when any is down.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../lib/common.sh"
ensure_root "$@"
QUIET=0; FRESH=0
for arg in "$@"; do
  case "$arg" in
    -q) QUIET=1 ;;
    --fresh) FRESH=1 ;;
    *) die "up.sh: unknown option $arg (usage: up.sh [-q] [--fresh])" ;;
  esac
done
export HERALD_PEERS_STATE="${HERALD_PEERS_STATE:-/tmp/herald-peers}"
STATE="$HERALD_PEERS_STATE"
case "$STATE" in /|"") die "up.sh: refusing the state directory '$STATE'" ;; esac
# One run at a time per state directory. flock -o holds the lock in the flock process and closes it for this
# script, so that the daemons started below do not inherit it (they would hold it for ever).
if [ "${HERALD_PEERS_LOCKED:-}" != "$STATE" ]; then
  exec env HERALD_PEERS_LOCKED="$STATE" flock -o -w 300 "${STATE%/}.lock" bash "$0" "$@"
fi
RUN="$STATE/run"; LOG="$STATE/logs"; CERTS="$STATE/certs"; CODE="$STATE/code"
# Debian's interpreter: python3-aiosmtpd is installed for it, not for any other python3 on PATH.
PY=/usr/bin/python3
T0=$(now_s)

[ -d "$HERE/node-peer/node_modules/smtp-server" ] || die "smtp-server is not installed: run scripts/peers/install.sh first"
for cmd in postfix /usr/sbin/dovecot /usr/sbin/smtp-sink /usr/sbin/danted /usr/bin/tinyproxy /usr/sbin/sshd saslpasswd2; do
  command -v "$cmd" >/dev/null 2>&1 || die "$cmd is missing: run scripts/peers/install.sh first"
done

PF="$STATE/postfix"; PFE="$PF/etc"
postfix_alive() {  # "postfix status" asks the instance itself, which a stale master.pid cannot fool
  [ -f "$PFE/main.cf" ] && postfix -c "$PFE" status >/dev/null 2>&1
}
PF_ALIVE=unknown   # postfix_alive, remembered between the port checks (each "postfix status" costs ~50 ms)
alive() {  # alive NAME -> 0 if the process recorded in $RUN/NAME.pid still runs
  local f="$RUN/$1.pid" pid st
  if [ "$1" = postfix ]; then
    [ "$PF_ALIVE" != unknown ] || { if postfix_alive; then PF_ALIVE=yes; else PF_ALIVE=no; fi; }
    [ "$PF_ALIVE" = yes ]; return
  fi
  [ -s "$f" ] || return 1
  read -r pid st < "$f" || return 1
  running "$pid" "$st"
}
any_alive() {  # 0 when any peer recorded in this state directory still runs
  local f
  postfix_alive && return 0
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    alive "$(basename "$f" .pid)" && return 0
  done
  return 1
}
if [ $FRESH = 1 ] && [ -d "$STATE" ]; then
  if any_alive; then
    [ $QUIET = 1 ] || echo "  --fresh: peers of $STATE are running; keeping the state (each peer is checked below)"
  else
    rm -rf "$STATE"
    [ $QUIET = 1 ] || echo "  --fresh: no peer of $STATE was running; deleted it to start from nothing"
  fi
fi

mkdir -p "$STATE" "$RUN" "$LOG"
chmod 755 "$STATE" "$RUN"; chmod 777 "$LOG"
bash "$HERE/certs.sh" >/dev/null

# The peers run from a copy of their code in the state directory, so a running peer never depends on the
# working tree it was started from (which may be a temporary clone).
mkdir -p "$CODE"
cp "$HERE/aiosmtpd_peer.py" "$HERE/oauth_introspect.py" "$CODE/"
mkdir -p "$CODE/node-peer"
cp -R "$HERE/node-peer/server.js" "$HERE/node-peer/package.json" "$HERE/node-peer/presets" "$CODE/node-peer/"
# node_modules only when npm installed something else (npm keeps its record in node_modules/.package-lock.json).
# The copy is made beside the old one and swapped in by renames, so an interrupted copy is never taken for a whole one.
if ! cmp -s "$HERE/node-peer/node_modules/.package-lock.json" "$CODE/node-peer/node_modules/.package-lock.json"; then
  rm -rf "$CODE/node-peer/node_modules.new" "$CODE/node-peer/node_modules.old"
  cp -R "$HERE/node-peer/node_modules" "$CODE/node-peer/node_modules.new"
  if [ -e "$CODE/node-peer/node_modules" ]; then mv "$CODE/node-peer/node_modules" "$CODE/node-peer/node_modules.old"; fi
  mv "$CODE/node-peer/node_modules.new" "$CODE/node-peer/node_modules"
  rm -rf "$CODE/node-peer/node_modules.old"
fi

# fingerprint FILE... : the SHA-256 of each file, one line each (a missing file shows as sha256sum's complaint).
fingerprint() { sha256sum -- "$@" 2>&1 || true; }
# The certificate files a TLS peer loads when it starts; a new set means a restart (or a Postfix reload).
TLS_FILES=("$CERTS/server.key" "$CERTS/server-chain.pem" "$CERTS/ca.pem")
start_bg() {  # start_bg NAME [--inputs FILE... --] CMD... : runs CMD in a session of its own, output to $LOG/NAME.log
  local name=$1; shift
  local inputs=()
  if [ "${1:-}" = --inputs ]; then
    shift
    while [ "$1" != -- ]; do inputs+=("$1"); shift; done
    shift
  fi
  # The command line, then one hash per input file (a missing file shows as sha256sum's complaint), hashed together.
  local recipe old=""
  recipe=$( { printf '%q ' "$@"; echo; if [ ${#inputs[@]} -gt 0 ]; then sha256sum -- "${inputs[@]}" 2>&1 || true; fi; } \
            | sha256sum)
  recipe=${recipe%% *}
  if alive "$name"; then
    if [ -s "$RUN/$name.recipe" ]; then read -r old < "$RUN/$name.recipe" || true; fi
    if [ "$old" = "$recipe" ]; then
      [ $QUIET = 1 ] || echo "  $name already running"
      return 0
    fi
    echo "  $name: its command, code, configuration or certificates changed since it started: restarting it"
    stop_pidfile "$RUN/$name.pid" || true
  fi
  setsid "$@" >>"$LOG/$name.log" 2>&1 </dev/null &
  local pid=$!
  sleep 0.05
  echo "$pid $(proc_start "$pid")" > "$RUN/$name.pid"
  echo "$recipe" > "$RUN/$name.recipe"
}

source "$HERE/ports.sh"
probe() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# A port that answers before we start anything, while the process meant to serve it is not ours and alive,
# belongs to someone else (often another copy of these peers with another state directory). Starting next
# to it would only look like success, so stop here and say who holds it.
TAKEN=()
while read -r name port kind proc desc; do
  [ -n "$name" ] || continue
  host=127.0.0.1; [ "$kind" = smtp6 ] && host=::1
  if ! alive "$proc" && probe "$host" "$port"; then
    TAKEN+=("$name:$port")
    echo "  port $port ($name) is already in use by another process:" >&2
    ss -ltnpH "sport = :$port" 2>/dev/null | sed 's/^/    /' >&2 || true
  fi
done <<< "$PEERS_TABLE"
[ ${#TAKEN[@]} = 0 ] || die "ports in use by processes this state directory ($STATE) did not start: ${TAKEN[*]}; stop them (another copy of the peers stops with its own down.sh) and run up.sh again"

# put FILE < content: replaces FILE only when the content differs, in one rename. A running peer never reads a
# half-written file, and an unchanged main.cf keeps its time stamp (a newer main.cf makes every "postfix" command
# wait about 2 s, and makes a reload necessary).
CHANGED=0
put() {
  cat > "$1.new"
  if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv -f "$1.new" "$1"; CHANGED=1; fi
}

###########################################################################
# OAuth2 introspection endpoint (Dovecot's oauth2 passdb asks it)
###########################################################################
start_bg oauth-introspect --inputs "$CODE/oauth_introspect.py" -- "$PY" "$CODE/oauth_introspect.py" 25990

###########################################################################
# Postfix (a private instance: config, queue, data and mail under $STATE)
###########################################################################
mkdir -p "$PFE" "$PF/spool" "$PF/data" "$STATE/mail"
chown postfix "$PF/data"; chown nobody:nogroup "$STATE/mail"; chmod 755 "$STATE/mail"
put "$PFE/main.cf" <<EOF
# herald-peers: private Postfix instance, loopback only, never relays off the machine.
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydomain = example.test
myorigin = \$mydomain
mydestination =
local_transport = error:5.1.1 local delivery is disabled in herald-peers
alias_maps =
alias_database =
inet_interfaces = loopback-only
inet_protocols = all
mynetworks = 127.0.0.0/8 [::1]/128
biff = no
append_dot_mydomain = no
smtpd_banner = \$myhostname ESMTP Postfix (herald-peers)
maillog_file = $LOG/postfix.log
maillog_file_prefixes = /var, /dev/stdout, $STATE
message_size_limit = 10485760
mailbox_size_limit = 0
virtual_mailbox_limit = 0
# Every accepted message is delivered to one catch-all Maildir:
#   $STATE/mail/catchall/new/
virtual_mailbox_domains = example.test
virtual_mailbox_base = $STATE/mail
virtual_mailbox_maps = texthash:$PFE/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
# Nothing ever leaves this machine: cleanup_catchall rewrites every recipient to the catch-all,
# and anything else is discarded.
default_transport = discard:herald-peers never relays mail off this machine
relay_transport = \$default_transport
smtputf8_enable = yes
disable_vrfy_command = no
smtpd_delay_reject = no
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 200
smtpd_junk_command_limit = 1000
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
in_flow_delay = 0
default_process_limit = 200
smtpd_reject_unlisted_recipient = yes
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_sender_restrictions = check_sender_access pcre:$PFE/test_sender.pcre
smtpd_recipient_restrictions = check_recipient_access pcre:$PFE/test_rcpt.pcre
smtpd_tls_chain_files = $CERTS/server.key, $CERTS/server-chain.pem
smtpd_tls_CAfile = $CERTS/ca.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_sasl_authenticated_header = yes
smtp_tls_security_level = none
notify_classes =
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
# Used by the master.cf overrides:
peers_auth_sender_restrictions = permit_sasl_authenticated, check_client_access cidr:$PFE/auth_required.cidr
peers_auth_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
peers_bare_discard = pipelining, size, 8bitmime, dsn, enhancedstatuscodes, smtputf8, chunking, starttls, etrn
peers_ccert_relay_restrictions = permit_tls_all_clientcerts, reject
# Cyrus SASL (port 25586 only): smtpd.conf and sasldb in $PFE/sasl
cyrus_sasl_config_path = $PFE/sasl
EOF
mkdir -p "$PFE/sasl"
put "$PFE/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $PFE/sasl/sasldb2
mech_list: PLAIN LOGIN CRAM-MD5 DIGEST-MD5 NTLM SCRAM-SHA-1 SCRAM-SHA-256
EOF
# The sasldb is made again whenever the account list below changes (its hash is kept next to it), in a new file
# renamed into place: Cyrus reads the file at each AUTH, so no restart is needed.
SASL_ACCOUNTS=$'user s3cret!\nother 0ther-pass'
SASL_RECIPE=$(printf '%s' "$SASL_ACCOUNTS" | sha256sum | cut -d' ' -f1)
if [ ! -s "$PFE/sasl/sasldb2" ] || [ "$(cat "$PFE/sasl/sasldb2.recipe" 2>/dev/null)" != "$SASL_RECIPE" ]; then
  rm -f "$PFE/sasl/sasldb2.new" "$PFE/sasl/sasldb2.recipe"
  while read -r sasl_user sasl_password; do
    printf '%s' "$sasl_password" | saslpasswd2 -c -p -f "$PFE/sasl/sasldb2.new" -u example.test "$sasl_user"
  done <<< "$SASL_ACCOUNTS"
  mv -f "$PFE/sasl/sasldb2.new" "$PFE/sasl/sasldb2"
  echo "$SASL_RECIPE" > "$PFE/sasl/sasldb2.recipe"
fi
chown root:postfix "$PFE/sasl/sasldb2"; chmod 640 "$PFE/sasl/sasldb2"
put "$PFE/vmailbox" <<EOF
catchall@example.test  catchall/
user@example.test      user/
other@example.test     other/
admin@example.test     admin/
postmaster@example.test catchall/
EOF
put "$PFE/test_rcpt.pcre" <<'EOF'
# Per-recipient test rules (every port): the local part decides the answer.
/^reject[^@]*@/      550 5.1.1 Recipient address rejected by herald-peers test rule
/^tempfail[^@]*@/    450 4.2.1 Recipient temporarily rejected by herald-peers test rule
EOF
put "$PFE/test_sender.pcre" <<'EOF'
/^reject[^@]*@/      553 5.7.1 Sender address rejected by herald-peers test rule
/^tempfail[^@]*@/    451 4.3.0 Sender temporarily rejected by herald-peers test rule
EOF
put "$PFE/auth_required.cidr" <<'EOF'
0.0.0.0/0   530 5.7.0 Authentication required
::/0        530 5.7.0 Authentication required
EOF
SINK="-o smtpd_reject_unlisted_recipient=no -o cleanup_service_name=cleanup_catchall"
AUTH="-o smtpd_sasl_auth_enable=yes -o smtpd_tls_auth_only=no -o smtpd_sender_restrictions=\$peers_auth_sender_restrictions"
AUTH="$AUTH -o smtpd_relay_restrictions=\$peers_auth_relay_restrictions -o cleanup_service_name=cleanup_catchall"
put "$PFE/master.cf" <<EOF
# service              type  private unpriv chroot wakeup maxproc command
127.0.0.1:25025        inet  n       -      n      -      -       smtpd $SINK
[::1]:25025            inet  n       -      n      -      -       smtpd $SINK
127.0.0.1:25026        inet  n       -      n      -      -       smtpd $SINK -o smtpd_tls_security_level=none -o smtpd_discard_ehlo_keywords=\$peers_bare_discard
127.0.0.1:25027        inet  n       -      n      -      -       smtpd $SINK -o smtpd_tls_security_level=encrypt
127.0.0.1:25028        inet  n       -      n      -      -       smtpd $SINK -o smtpd_tls_security_level=encrypt -o smtpd_tls_ask_ccert=yes -o smtpd_tls_req_ccert=yes -o smtpd_relay_restrictions=\$peers_ccert_relay_restrictions
127.0.0.1:25465        inet  n       -      n      -      -       smtpd $SINK -o smtpd_tls_wrappermode=yes
127.0.0.1:25587        inet  n       -      n      -      -       smtpd $AUTH
127.0.0.1:25588        inet  n       -      n      -      -       smtpd $AUTH -o smtpd_tls_wrappermode=yes
127.0.0.1:25589        inet  n       -      n      -      -       smtpd $AUTH -o smtpd_tls_auth_only=yes
127.0.0.1:25586        inet  n       -      n      -      -       smtpd $AUTH -o smtpd_sasl_type=cyrus -o smtpd_sasl_path=smtpd
pickup                 unix  n       -      n      60     1       pickup
cleanup                unix  n       -      n      -      0       cleanup
cleanup_catchall       unix  n       -      n      -      0       cleanup -o virtual_alias_maps=static:catchall@example.test
qmgr                   unix  n       -      n      300    1       qmgr
tlsmgr                 unix  -       -      n      1000?  1       tlsmgr
rewrite                unix  -       -      n      -      -       trivial-rewrite
bounce                 unix  -       -      n      -      0       bounce
defer                  unix  -       -      n      -      0       bounce
trace                  unix  -       -      n      -      0       bounce
verify                 unix  -       -      n      -      1       verify
flush                  unix  n       -      n      1000?  0       flush
proxymap               unix  -       -      n      -      -       proxymap
proxywrite             unix  -       -      n      -      1       proxymap
showq                  unix  n       -      n      -      -       showq
error                  unix  -       -      n      -      -       error
retry                  unix  -       -      n      -      -       error
discard                unix  -       -      n      -      -       discard
virtual                unix  -       n      n      -      -       virtual
anvil                  unix  -       -      n      -      1       anvil
scache                 unix  -       -      n      -      1       scache
postlog                unix-dgram n  -      n      -      1       postlogd
EOF
# Postfix loads the certificates as its smtpd processes start: a new set (certs.sh made new ones) needs a reload.
put "$PFE/tls-files.sha256" < <(fingerprint "${TLS_FILES[@]}")   # not a pipe: put must set CHANGED here
if postfix_alive; then
  if [ $CHANGED = 1 ]; then
    postfix -c "$PFE" reload >/dev/null 2>&1 || true
    [ $QUIET = 1 ] || echo "  postfix already running (reloaded: its configuration or certificates changed)"
  else
    [ $QUIET = 1 ] || echo "  postfix already running"
  fi
else
  rm -f "$PF/spool/pid/master.pid"
  postfix -c "$PFE" set-permissions >/dev/null 2>&1 || true
  postfix -c "$PFE" check >>"$LOG/postfix-start.log" 2>&1 || true
  postfix -c "$PFE" start >>"$LOG/postfix-start.log" 2>&1 || echo "  postfix did not start: see $LOG/postfix-start.log" >&2
fi
for _ in $(seq 50); do [ -s "$PF/spool/pid/master.pid" ] && break; sleep 0.1; done
if [ -s "$PF/spool/pid/master.pid" ]; then
  PFPID=$(tr -d ' ' < "$PF/spool/pid/master.pid")
  echo "$PFPID $(proc_start "$PFPID")" > "$RUN/postfix.pid"
fi

###########################################################################
# Dovecot: the SASL provider for Postfix (a unix socket in Postfix's queue
# directory) and a submission server of its own.
###########################################################################
DV="$STATE/dovecot"
mkdir -p "$DV/run" "$DV/state" "$DV/home" "$DV/mail"
chown nobody:nogroup "$DV/home" "$DV/mail"
put "$DV/users" <<'EOF'
user@example.test:{PLAIN}s3cret!::::::
other@example.test:{PLAIN}0ther-pass::::::
EOF
chmod 640 "$DV/users"; chgrp dovecot "$DV/users"
put "$DV/oauth2.conf.ext" <<'EOF'
introspection_mode = post
introspection_url = http://127.0.0.1:25990/introspect
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
EOF
put "$DV/dovecot.conf" <<EOF
# herald-peers: private Dovecot instance (SASL for Postfix, and submission)
instance_name = herald-peers-dovecot
base_dir = $DV/run
state_dir = $DV/state
log_path = $LOG/dovecot.log
protocols = submission
listen = 127.0.0.1
hostname = localhost
ssl = yes
ssl_cert = <$CERTS/server-chain.pem
ssl_key = <$CERTS/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
# No NTLM here: Debian's Dovecot has it only through winbind. Port 25586 (Cyrus) offers NTLM instead.
auth_mechanisms = plain login cram-md5 digest-md5 scram-sha-1 scram-sha-256 oauthbearer xoauth2
auth_verbose = yes
auth_failure_delay = 0
mail_location = maildir:$DV/mail/%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  mechanisms = plain login cram-md5 digest-md5 scram-sha-1 scram-sha-256 none
  args = scheme=PLAIN username_format=%u $DV/users
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DV/oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$DV/home/%u allow_all_users=yes
}
service auth {
  # Keep one auth process alive: Postfix smtpd holds its connection across sessions, and an idle-killed
  # auth process shows up as "454 4.7.0 Temporary authentication failure".
  process_min_avail = 1
  idle_kill = 365 days
  unix_listener $PF/spool/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service submission-login {
  inet_listener submission {
    address = 127.0.0.1
    port = 25590
  }
  inet_listener submissions {
    address = 127.0.0.1
    port = 25591
    ssl = yes
  }
}
service anvil {
  chroot =
}
submission_relay_host = 127.0.0.1
submission_relay_port = 25025
submission_relay_trusted = yes
submission_max_mail_size = 10M
submission_logout_format = in=%i out=%o
EOF
start_bg dovecot --inputs "$DV/dovecot.conf" "$DV/oauth2.conf.ext" "$DV/users" "${TLS_FILES[@]}" -- \
  /usr/sbin/dovecot -F -c "$DV/dovecot.conf"

###########################################################################
# Postfix smtp-sink variants
###########################################################################
mkdir -p "$STATE/sink-dump"; chown nobody:nogroup "$STATE/sink-dump"
start_bg smtp-sink           /usr/sbin/smtp-sink -u nobody -h sink.localhost -m 1000 127.0.0.1:25100 1000
start_bg smtp-sink-dump      /usr/sbin/smtp-sink -u nobody -h sinkdump.localhost -d "$STATE/sink-dump/%Y%m%d/%H%M%S." 127.0.0.1:25101 100
start_bg smtp-sink-rcpt5xx   /usr/sbin/smtp-sink -u nobody -h sink5xx.localhost -f RCPT 127.0.0.1:25102 100
start_bg smtp-sink-drop-data /usr/sbin/smtp-sink -u nobody -h sinkdrop.localhost -q . 127.0.0.1:25103 100

###########################################################################
# aiosmtpd scripted peers
###########################################################################
mkdir -p "$STATE/aiosmtpd"
start_bg aiosmtpd-expn      --inputs "$CODE/aiosmtpd_peer.py" -- "$PY" "$CODE/aiosmtpd_peer.py" --mode expn      --port 25200 --capture "$STATE/aiosmtpd/expn"
start_bg aiosmtpd-helo-only --inputs "$CODE/aiosmtpd_peer.py" -- "$PY" "$CODE/aiosmtpd_peer.py" --mode helo-only --port 25201 --capture "$STATE/aiosmtpd/helo"

###########################################################################
# npm smtp-server peers (captures under $STATE/node/<preset>)
###########################################################################
for p in node-starttls node-implicit-auth node-minimal node-auth-required; do
  start_bg "$p" --inputs "$CODE/node-peer/server.js" "$CODE/node-peer/presets/$p.json" "$CODE/node-peer/package.json" \
    "$CODE/node-peer/node_modules/.package-lock.json" "${TLS_FILES[@]}" -- \
    node "$CODE/node-peer/server.js" "$CODE/node-peer/presets/$p.json"
done

###########################################################################
# dante: SOCKS5 with username/password, and SOCKS4 (+ SOCKS5 without auth)
###########################################################################
DA="$STATE/dante"; mkdir -p "$DA"
dante_conf() {  # dante_conf PORT METHOD LOGNAME
  cat <<EOF
logoutput: $LOG/$3.log
internal: 127.0.0.1 port = $1
external: 127.0.0.1
clientmethod: none
socksmethod: $2
user.privileged: root
user.unprivileged: nobody
client pass {
  from: 127.0.0.0/8 to: 0.0.0.0/0
  log: error connect disconnect
}
client block {
  from: 0.0.0.0/0 to: 0.0.0.0/0
  log: error connect
}
socks pass {
  from: 127.0.0.0/8 to: 127.0.0.0/8
  command: connect
  protocol: tcp
  socksmethod: $2
  log: error connect disconnect
}
socks block {
  from: 0.0.0.0/0 to: 0.0.0.0/0
  log: error connect
}
EOF
}
dante_conf 10800 username dante-socks5-auth > "$DA/socks5-auth.conf"
dante_conf 10801 none     dante-socks4      > "$DA/socks4.conf"
start_bg dante-socks5-auth --inputs "$DA/socks5-auth.conf" -- /usr/sbin/danted -f "$DA/socks5-auth.conf" -p "$DA/socks5-auth.pid"
start_bg dante-socks4      --inputs "$DA/socks4.conf"      -- /usr/sbin/danted -f "$DA/socks4.conf"      -p "$DA/socks4.pid"

###########################################################################
# OpenSSH dynamic forwarding: SOCKS4, SOCKS4a and SOCKS5 (no auth) on 10802, because dante has no
# SOCKS4a. A private sshd on 127.0.0.1:10822 allows only key login for user peerproxy, and forwarding
# only to localhost/127.0.0.1.
###########################################################################
SS="$STATE/ssh"; mkdir -p "$SS" /run/sshd; chmod 755 "$SS"
# A key pair is made again when either half is missing or does not load (a half-written key from an interrupted run).
for key in host client; do
  k="$SS/${key}_ed25519"
  if ! { [ -s "$k" ] && [ -s "$k.pub" ] && [ "$(ssh-keygen -y -f "$k" 2>/dev/null | cut -d' ' -f1-2)" = "$(cut -d' ' -f1-2 "$k.pub")" ]; }; then
    rm -f "$k" "$k.pub"
    ssh-keygen -q -t ed25519 -N '' -C "herald-peers-$key" -f "$k"
  fi
done
put "$SS/authorized_keys" < "$SS/client_ed25519.pub"; chmod 644 "$SS/authorized_keys"
# The tunnel trusts exactly this host key, written from the key itself: a known_hosts file learnt from an earlier
# host key would make ssh refuse port forwarding.
put "$SS/known_hosts" <<< "[127.0.0.1]:10822 $(cut -d' ' -f1-2 "$SS/host_ed25519.pub")"
put "$SS/sshd_config" <<EOF
ListenAddress 127.0.0.1:10822
HostKey $SS/host_ed25519
PidFile $SS/sshd.pid
AuthorizedKeysFile $SS/authorized_keys
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
AllowUsers peerproxy
PermitTTY no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding local
GatewayPorts no
PermitOpen localhost:* 127.0.0.1:*
ForceCommand /bin/false
LogLevel VERBOSE
EOF
start_bg sshd --inputs "$SS/sshd_config" "$SS/host_ed25519" "$SS/authorized_keys" -- /usr/sbin/sshd -D -e -f "$SS/sshd_config"
for _ in $(seq 50); do timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/10822" 2>/dev/null && break; sleep 0.1; done
start_bg ssh-socks --inputs "$SS/client_ed25519" "$SS/known_hosts" -- \
  /usr/bin/ssh -N -D 127.0.0.1:10802 -i "$SS/client_ed25519" -o BatchMode=yes \
  -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$SS/known_hosts" -o ExitOnForwardFailure=yes \
  -o ServerAliveInterval=30 -p 10822 peerproxy@127.0.0.1

###########################################################################
# tinyproxy: HTTP CONNECT with and without Basic auth
###########################################################################
TP="$STATE/tinyproxy"; mkdir -p "$TP"
put "$TP/filter" <<'EOF'
^127\.0\.0\.1$
^localhost$
EOF
for v in auth open; do
  port=10880; [ $v = open ] && port=10881
  touch "$LOG/tinyproxy-$v.log"; chown nobody:nogroup "$LOG/tinyproxy-$v.log"   # tinyproxy writes it as nobody
  {
    echo "User nobody"; echo "Group nogroup"
    echo "Port $port"; echo "Listen 127.0.0.1"; echo "Bind 127.0.0.1"
    echo "Timeout 600"; echo "MaxClients 100"
    echo "LogFile \"$LOG/tinyproxy-$v.log\""; echo "LogLevel Connect"
    echo "Allow 127.0.0.1"
    echo "DisableViaHeader Yes"
    echo "Filter \"$TP/filter\""; echo "FilterType ere"; echo "FilterDefaultDeny Yes"
    [ $v = auth ] && echo "BasicAuth proxyuser proxy-pass"
  } > "$TP/tinyproxy-$v.conf"
  start_bg "tinyproxy-$v" --inputs "$TP/tinyproxy-$v.conf" "$TP/filter" -- /usr/bin/tinyproxy -d -c "$TP/tinyproxy-$v.conf"
done

###########################################################################
# Wait for every port. A port counts as up only when it accepts a connection AND the process that should
# serve it is ours and alive (so a stray server on the same port is reported, not mistaken for a peer).
###########################################################################
DOWN=()
PF_ALIVE=unknown
DEADLINE=$(( $(now_s) + 40 ))
[ $QUIET = 1 ] || printf '\n%-22s %-6s %-6s %s\n' PEER PORT STATE DESCRIPTION
while read -r name port kind proc desc; do
  [ -n "$name" ] || continue
  host=127.0.0.1; [ "$kind" = smtp6 ] && host=::1
  st=DOWN
  while :; do
    if probe "$host" "$port"; then
      if alive "$proc"; then st=up; else st=FOREIGN; fi
      break
    fi
    alive "$proc" || break     # our process is gone: no point in waiting
    [ "$(now_s)" -lt "$DEADLINE" ] || break
    sleep 0.3
  done
  [ $QUIET = 1 ] || printf '%-22s %-6s %-6s %s\n' "$name" "$port" "$st" "${desc//\$STATE/$STATE}"
  if [ "$st" != up ]; then
    DOWN+=("$name:$port")
    {
      if [ "$st" = FOREIGN ]; then
        echo "  $name: port $port answers, but not from the process up.sh started ($proc). Who listens:"
        ss -ltnpH "sport = :$port" 2>/dev/null | sed 's/^/    /' || true
      else
        echo "  $name: nothing listens on $host:$port. Last lines of its log:"
        for f in "$LOG/$proc.log" "$LOG/$proc-start.log"; do if [ -s "$f" ]; then tail -n 5 "$f" | sed 's/^/    /'; fi; done
      fi
    } >&2
  fi
done <<< "$PEERS_TABLE"
[ $QUIET = 1 ] || { echo; echo "state: $STATE   logs: $LOG"
  echo "captures: $STATE/mail/catchall/new (Postfix, Dovecot), $STATE/sink-dump, $STATE/aiosmtpd, $STATE/node"; }
if [ ${#DOWN[@]} -gt 0 ]; then
  echo "up.sh: ${#DOWN[@]} port(s) DOWN: ${DOWN[*]} (logs: $LOG)" >&2
  exit 1
fi
n=$(grep -c '[0-9]' <<< "$PEERS_TABLE")
echo "up.sh: all $n peer ports up in $(( $(now_s) - T0 ))s (state: $STATE)"
