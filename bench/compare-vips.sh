#!/usr/bin/env bash
# Converts one generated seed-like sample with btfconvert and with `vips tiffsave` in the same run and prints wall
# time, CPU utilisation, peak RSS and output size of both, and btfconvert's ratios to vips.
#   bench/compare-vips.sh [WIDTH] [HEIGHT] [RUNS]      (default 20000 20000 3; the median run is reported)
# Needs scripts/setup.sh to have run (Release build, vips, /usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-20000}; H=${2:-20000}; RUNS=${3:-3}
OUT=${BENCH_DIR:-bench/out}
mkdir -p "$OUT"
IN="$OUT/sample-${W}x${H}.btf"
[ -f "$IN" ] || dotnet samples/BtfConvert.Samples/bin/Release/net10.0/btf-sample.dll "$IN" --width "$W" --height "$H" --seed 7 >/dev/null

measure() { # label, output, command...
  local label=$1 out=$2; shift 2
  rm -f "$out"
  /usr/bin/time -f "%e %M %P" -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/stderr.txt" || { cat "$OUT/stderr.txt"; exit 1; }
  read -r wall rss cpu < "$OUT/time.txt"
  echo "$label $wall $rss ${cpu%\%} $(stat -c %s "$out")"
}

cat /dev/null > "$OUT/runs.txt"
for i in $(seq "$RUNS"); do
  measure btfconvert "$OUT/btf.tiff" dotnet src/BtfConvert.Cli/bin/Release/net10.0/btfconvert.dll "$IN" "$OUT/btf.tiff" --overwrite --quiet >> "$OUT/runs.txt"
  measure vips "$OUT/vips.tiff" vips tiffsave "$IN" "$OUT/vips.tiff" --tile --tile-width 256 --tile-height 256 --pyramid --compression jpeg --Q 90 --bigtiff >> "$OUT/runs.txt"
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { grep "^$1 " "$OUT/runs.txt" | awk -v f="$2" '{print $f}' | median; }
printf "input %sx%s (%s bytes), %s runs, median; %s, %s cores\n" "$W" "$H" "$(stat -c %s "$IN")" "$RUNS" "$(date -u +%F)" "$(nproc)"
printf "%-11s %9s %8s %12s %14s\n" tool wall_s cpu_% peak_rss_MB output_bytes
for t in btfconvert vips; do
  printf "%-11s %9s %8s %12s %14s\n" "$t" "$(field $t 2)" "$(field $t 4)" "$(( $(field $t 3) / 1024 ))" "$(field $t 5)"
done
awk -v bw="$(field btfconvert 2)" -v vw="$(field vips 2)" -v br="$(field btfconvert 3)" -v vr="$(field vips 3)" \
    -v bs="$(field btfconvert 5)" -v vs="$(field vips 5)" \
    'BEGIN { printf "ratios btfconvert/vips: wall %.2f, peak RSS %.2f, output size %.2f\n", bw/vw, br/vr, bs/vs }'
