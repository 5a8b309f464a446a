# Helpers shared by the project's scripts. Source it; do not run it.
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

# Colours only for a person at a terminal: never under CI=true, never when
# NO_COLOR is set, never when the output goes to a file or a pipe.
if [ -t 1 ] && [ "${CI:-}" != true ] && [ -z "${NO_COLOR:-}" ]; then
  C_BOLD=$'\e[1m'; C_RED=$'\e[31m'; C_GREEN=$'\e[32m'; C_YELLOW=$'\e[33m'; C_RESET=$'\e[0m'
else
  C_BOLD=''; C_RED=''; C_GREEN=''; C_YELLOW=''; C_RESET=''
fi

say()  { printf '%s==>%s %s\n' "$C_BOLD" "$C_RESET" "$*"; }
ok()   { printf '%s%s%s\n' "$C_GREEN" "$*" "$C_RESET"; }
warn() { printf '%swarning:%s %s\n' "$C_YELLOW" "$C_RESET" "$*" >&2; }
die()  { printf '%serror:%s %s\n' "$C_RED" "$C_RESET" "$*" >&2; exit 1; }

# Prefix for commands that need root: empty when we are root, "sudo" when we
# are not and sudo exists. Under CI (or without a terminal) sudo must not
# prompt, so it gets -n and fails at once instead of hanging on a password.
root_prefix() {
  if [ "$(id -u)" = 0 ]; then
    ROOT_CMD=()
  elif command -v sudo >/dev/null 2>&1; then
    if [ "${CI:-}" = true ] || [ ! -t 0 ]; then ROOT_CMD=(sudo -n); else ROOT_CMD=(sudo); fi
  else
    die "this step needs root, and sudo is not installed: run it as root"
  fi
}

# Runs one command as root: directly when we are root, through sudo otherwise.
as_root() {
  root_prefix
  "${ROOT_CMD[@]}" "$@"
}

# Re-runs the calling script as root (through sudo) when it is not root.
# Keeps the variables the peer scripts read, which sudo would otherwise drop.
# Usage: ensure_root "$@"     (at the top of a script, before any work)
ensure_root() {
  [ "$(id -u)" = 0 ] && return 0
  root_prefix
  exec "${ROOT_CMD[@]}" env HERALD_PEERS_STATE="${HERALD_PEERS_STATE:-}" CI="${CI:-}" NO_COLOR="${NO_COLOR:-}" \
    bash "$0" "$@"
}

# The kernel's start time of a process (field 22 of /proc/PID/stat). A PID
# file records it next to the PID, so a recycled PID is never taken for ours.
proc_start() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }

# Seconds since the epoch, for "took Ns" progress lines.
now_s() { date +%s; }

# True while process PID runs with start time START: it exists, is the same process (a recycled PID has another
# start time) and is not a zombie (a stopped process stays in /proc until whoever adopted it reaps it).
# Usage: running PID START
running() {
  local stat
  [ -n "$1" ] && read -r stat 2>/dev/null < "/proc/$1/stat" || return 1
  stat=${stat##*) }            # drop "PID (comm) ": comm may hold spaces and parentheses
  # shellcheck disable=SC2086
  set -- "$2" $stat            # now $2 is the state, ${21} the start time (field 22 of the whole line)
  [ "$2" != Z ] && [ "${21}" = "$1" ]
}

# Stops the process recorded in a PID file ("PID START_TIME", as the peer scripts write them) and removes the file.
# Only that process: it must still run with the recorded start time (a recycled PID is left alone). SIGTERM first,
# SIGKILL after 5 s. Returns 0 when it stopped a process, 1 when there was none to stop.
# Usage: stop_pidfile FILE
stop_pidfile() {
  local f=$1 pid="" st="" stopped=1 i
  if [ -s "$f" ]; then read -r pid st < "$f" || true; fi
  if running "$pid" "$st"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do running "$pid" "$st" || break; sleep 0.05; done
    if running "$pid" "$st"; then
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 40; i++)); do running "$pid" "$st" || break; sleep 0.05; done
    fi
    stopped=0
  fi
  rm -f "$f"
  return $stopped
}
