#!/usr/bin/env bash
# The project's test command. On a fresh machine (with the .NET SDK) it installs and starts the loopback SMTP peers,
# builds the solution once, runs every test project under tests/ without building again, and ends with exactly one
# line: "N passed, N failed, N skipped", summed over all test projects (read from their TRX files).
#
# Usage: bash scripts/test.sh [dotnet test options]      e.g. bash scripts/test.sh --filter 'FullyQualifiedName~Peers'
# Environment:
#   CI=true               no prompts (sudo -n), no colours, no persistent build servers, and the peers start from an
#                         empty state directory whenever none of them is running (up.sh --fresh), as on a new machine
#   HERALD_PEERS_STATE    the peers' state directory (default /tmp/herald-peers)
#   HERALD_TEST_RESULTS   where the TRX files go (default artifacts/test-results)
#   HERALD_SKIP_PEERS=1   do not install or start the peers (their tests then fail, they do not skip)
# Exit status: 0 only when the peers started, the solution built, every test project ran, and no test failed.
# A step that fails outside the tests (peer install or start, the build, a test run that crashed or wrote no TRX)
# counts as one failed test, so the summary line never reads "0 failed" when the exit status is not 0.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/common.sh"
cd "$ROOT"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
RESULTS="${HERALD_TEST_RESULTS:-$ROOT/artifacts/test-results}"
T0=$(now_s)

BUILD_OPTS=(-nologo -v:minimal)
if [ "${CI:-}" = true ] || [ ! -t 1 ]; then
  # No terminal logger for a log file, and under CI no MSBuild/compiler servers that would outlive this script.
  BUILD_OPTS+=(-tl:off)
  [ "${CI:-}" = true ] && BUILD_OPTS+=(--disable-build-servers)
fi

passed=0; failed=0; skipped=0
problems=()   # steps that failed outside the tests; each counts as one failed test
problem() { problems+=("$1"); failed=$((failed + 1)); printf '%s%s%s\n' "$C_RED" "$1" "$C_RESET" >&2; }
step_start() { STEP_T0=$(now_s); say "$*"; }
step_end()   { echo "    ($(( $(now_s) - STEP_T0 ))s)"; }

# ---- 1. Peers ----
if [ "${HERALD_SKIP_PEERS:-0}" = 1 ]; then
  say "Peers: skipped (HERALD_SKIP_PEERS=1)"
else
  step_start "Installing the peers' packages (scripts/peers/install.sh)"
  if bash scripts/peers/install.sh; then
    step_end
    UP_OPTS=(-q)
    # Under CI nothing an earlier run left in the state directory may decide the outcome: with no peer running, start
    # from nothing (a few seconds more than reusing it). Running peers are kept; up.sh checks each against its recipe.
    [ "${CI:-}" = true ] && UP_OPTS+=(--fresh)
    step_start "Starting the peers (scripts/peers/up.sh ${UP_OPTS[*]})"
    bash scripts/peers/up.sh "${UP_OPTS[@]}" || problem "peers: scripts/peers/up.sh failed (see above)"
    step_end
  else
    problem "peers: scripts/peers/install.sh failed (see above); the peers were not started"
  fi
fi
[ "$(id -u)" = 0 ] || warn "not running as root: tests that read captured Postfix mail (mode 0600) will fail"

# ---- 2. Build once ----
mapfile -t PROJECTS < <(find tests -mindepth 2 -maxdepth 2 -name '*.csproj' | sort)
[ ${#PROJECTS[@]} -gt 0 ] || problem "no test project found under tests/"
mkdir -p "$RESULTS"
step_start "Building Herald.sln"
if dotnet build Herald.sln "${BUILD_OPTS[@]}" 2>&1 | tee "$RESULTS/build.log"; then
  built=1
else
  built=0
  problem "build: dotnet build Herald.sln failed (log: $RESULTS/build.log); no test project ran"
fi
step_end

# ---- 3. Run each test project ----
summary_lines=(); failure_lines=()
if [ $built = 1 ]; then
  for proj in "${PROJECTS[@]}"; do
    name=$(basename "$proj" .csproj)
    trx="$RESULTS/$name.trx"
    rm -f "$trx"
    step_start "Testing $name"
    dotnet test "$proj" --no-build --nologo \
      --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS" \
      --blame-hang-timeout 10m --blame-hang-dump-type none "$@"
    rc=$?
    step_end
    if [ ! -s "$trx" ]; then
      problem "$name: dotnet test exited with $rc and wrote no TRX file"
      continue
    fi
    if ! counts=$(python3 "$ROOT/scripts/lib/trx_summary.py" "$trx"); then
      problem "$name: cannot read $trx"
      continue
    fi
    read -r p f s <<< "$(head -n 1 <<< "$counts")"
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    summary_lines+=("$name: $p passed, $f failed, $s skipped")
    mapfile -t -O "${#failure_lines[@]}" failure_lines < <(tail -n +2 <<< "$counts")
    # A crashed or aborted run can exit non-zero with every recorded test passing.
    if [ $rc != 0 ] && [ "$f" = 0 ]; then
      problem "$name: dotnet test exited with $rc although no recorded test failed (a crash or an aborted run?)"
    fi
  done
fi

# ---- 4. Summary ----
echo
say "Summary ($(( $(now_s) - T0 ))s; TRX files in $RESULTS)"
for line in "${summary_lines[@]}"; do echo "  $line"; done
for line in "${failure_lines[@]:0:50}"; do echo "$line"; done
[ ${#failure_lines[@]} -le 50 ] || echo "  ... and $(( ${#failure_lines[@]} - 50 )) more (see the TRX files)"
for line in "${problems[@]}"; do echo "  counted as failed: $line"; done
if [ $failed = 0 ] && [ ${#summary_lines[@]} -gt 0 ]; then ok "  all tests passed"; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
