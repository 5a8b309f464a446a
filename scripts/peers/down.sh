#!/usr/bin/env bash
# Stops exactly the processes up.sh started: the PIDs in $STATE/run/*.pid, each checked against its recorded
# start time so that a recycled PID is never hit. Never kills by name. Keeps the state (mail, captures, logs,
# certificates); --purge deletes $HERALD_PEERS_STATE as well. Idempotent.
# Needs root (re-runs itself through sudo otherwise).
# Usage: bash scripts/peers/down.sh [--purge]
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../lib/common.sh"
ensure_root "$@"
STATE="${HERALD_PEERS_STATE:-/tmp/herald-peers}"
case "$STATE" in /|"") echo "down.sh: refusing the state directory '$STATE'" >&2; exit 1 ;; esac
# Takes turns with up.sh (see there): the lock is held by the flock process, not by anything started here.
if [ "${HERALD_PEERS_LOCKED:-}" != "$STATE" ]; then
  exec env HERALD_PEERS_LOCKED="$STATE" flock -o -w 300 "${STATE%/}.lock" bash "$0" "$@"
fi
RUN="$STATE/run"

# Postfix's own "stop" stops only the instance of this config directory.
if [ -f "$STATE/postfix/etc/main.cf" ] && postfix -c "$STATE/postfix/etc" status >/dev/null 2>&1; then
  postfix -c "$STATE/postfix/etc" stop >/dev/null 2>&1 && echo "stopped postfix (postfix -c $STATE/postfix/etc stop)"
fi
rm -f "$RUN/postfix.pid"

stopped=0
for f in "$RUN"/*.pid; do
  [ -e "$f" ] || continue
  read -r pid _ < "$f" || true
  if stop_pidfile "$f"; then echo "stopped $(basename "$f" .pid) (pid $pid)"; stopped=$((stopped+1)); fi
done
rm -f "$RUN"/*.recipe
echo "down.sh: stopped $stopped process(es)"
if [ "${1:-}" = "--purge" ]; then
  rm -rf "$STATE"; echo "down.sh: removed $STATE"
fi
