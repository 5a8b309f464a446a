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
RUN="$STATE/run"

# Postfix's own "stop" stops only the instance of this config directory.
if [ -f "$STATE/postfix/etc/main.cf" ] && postfix -c "$STATE/postfix/etc" status >/dev/null 2>&1; then
  postfix -c "$STATE/postfix/etc" stop >/dev/null 2>&1 && echo "stopped postfix (postfix -c $STATE/postfix/etc stop)"
fi
rm -f "$RUN/postfix.pid"

stopped=0
for f in "$RUN"/*.pid; do
  [ -e "$f" ] || continue
  name=$(basename "$f" .pid)
  read -r pid st < "$f" || { rm -f "$f"; continue; }
  if [ -n "${pid:-}" ] && [ -d "/proc/$pid" ] && [ "$(proc_start "$pid")" = "${st:-}" ]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    if [ -d "/proc/$pid" ] && [ "$(proc_start "$pid")" = "$st" ]; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "stopped $name (pid $pid)"; stopped=$((stopped+1))
  fi
  rm -f "$f"
done
echo "down.sh: stopped $stopped process(es)"
if [ "${1:-}" = "--purge" ]; then
  case "$STATE" in /|"") echo "down.sh: refusing to delete '$STATE'" >&2; exit 1 ;; esac
  rm -rf "$STATE"; echo "down.sh: removed $STATE"
fi
