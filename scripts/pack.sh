#!/usr/bin/env bash
# Builds the NuGet packages (Release): every packable project under src/ gives a .nupkg and a .snupkg (symbols).
# Usage: bash scripts/pack.sh [OUTPUT_DIR]      (default: artifacts/packages)
# The packages carry the LICENSE file, their README, XML docs, and PDBs with the sources embedded; the build is
# deterministic (ContinuousIntegrationBuild), so the same sources give the same assemblies on any machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/artifacts/packages}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

opts=(-c Release -o "$out" --nologo -v:minimal -p:ContinuousIntegrationBuild=true)
if [ "${CI:-}" = true ] || [ ! -t 1 ]; then
  # No terminal logger for a log file, and under CI no MSBuild/compiler servers that would outlive this script.
  opts+=(-tl:off)
  [ "${CI:-}" = true ] && opts+=(--disable-build-servers)
fi

mapfile -t projects < <(find "$root/src" -mindepth 2 -maxdepth 2 -name '*.csproj' | sort)
[ ${#projects[@]} -gt 0 ] || { echo "pack.sh: no project under $root/src" >&2; exit 1; }
for project in "${projects[@]}"; do
  # A project that opts out with IsPackable=false is skipped by dotnet pack itself.
  dotnet pack "$project" "${opts[@]}"
done

echo "Packages in $out:"
ls -1 "$out" | grep -E '\.s?nupkg$' | sed 's/^/  /'
