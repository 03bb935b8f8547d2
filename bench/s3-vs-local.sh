#!/usr/bin/env bash
# S3->S3 against local->local on the same generated sample, through a local s3rver (the server the tests use):
# wall time and peak RSS of btfconvert for both, and their ratios. The outputs are compared byte for byte.
#   bench/s3-vs-local.sh [WIDTH] [HEIGHT] [RUNS]      (default 20000 20000 1; the median run is reported)
# Needs scripts/setup.sh to have run (Release build, /usr/bin/time, tests/s3rver/node_modules, curl).
# Caveat: s3rver (Node) runs on the same machine, stores objects on the same disk and hashes every byte, so its
# CPU and I/O count against the S3 run; a real S3 endpoint takes that work off the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-20000}; H=${2:-20000}; RUNS=${3:-1}
OUT=${BENCH_DIR:-bench/out}
mkdir -p "$OUT"
IN="$OUT/sample-${W}x${H}.btf"
[ -f "$IN" ] || dotnet samples/BtfConvert.Samples/bin/Release/net10.0/btf-sample.dll "$IN" --width "$W" --height "$H" --seed 7 >/dev/null
CLI=src/BtfConvert.Cli/bin/Release/net10.0/btfconvert.dll

# shellcheck source=bench/s3-server.sh
. bench/s3-server.sh
# s3rver accepts unsigned requests: plain curl is the quickest way to stage the input.
KEY=$(basename "$IN")   # the same name: the output records the source file name
curl -sf -T "$IN" "$ENDPOINT/$BUCKET/$KEY" >/dev/null

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$@" >/dev/null 2>"$OUT/stderr.txt" || { cat "$OUT/stderr.txt"; exit 1; }
  read -r wall rss < "$OUT/time.txt"
  echo "$label $wall $rss"
}

: > "$OUT/s3-runs.txt"
for i in $(seq "$RUNS"); do
  measure local dotnet "$CLI" "$IN" "$OUT/local.tiff" --overwrite --quiet >> "$OUT/s3-runs.txt"
  measure s3 dotnet "$CLI" "s3://$BUCKET/$KEY" "s3://$BUCKET/out.tiff" --overwrite --quiet \
    --endpoint-url "$ENDPOINT" --path-style >> "$OUT/s3-runs.txt"
done
curl -sf "$ENDPOINT/$BUCKET/out.tiff" -o "$OUT/s3.tiff"
/usr/bin/python3 bench/same-tiles.py "$OUT/local.tiff" "$OUT/s3.tiff" && same="same tiles" || same="DIFFERENT"
rm -f "$OUT/s3.tiff"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { grep "^$1 " "$OUT/s3-runs.txt" | awk -v f="$2" '{print $f}' | median; }
printf "input %sx%s (%s bytes), %s run(s), median; %s, %s cores; outputs %s\n" "$W" "$H" "$(stat -c %s "$IN")" "$RUNS" "$(date -u +%F)" "$(nproc)" "$same"
printf "%-14s %9s %12s\n" run wall_s peak_rss_MB
printf "%-14s %9s %12s\n" local-to-local "$(field local 2)" "$(( $(field local 3) / 1024 ))"
printf "%-14s %9s %12s\n" s3-to-s3 "$(field s3 2)" "$(( $(field s3 3) / 1024 ))"
awk -v sw="$(field s3 2)" -v lw="$(field local 2)" -v sr="$(field s3 3)" -v lr="$(field local 3)" \
  'BEGIN { printf "ratios s3/local: wall %.2f, peak RSS %.2f\n", sw/lw, sr/lr }'
[ "$same" = byte-identical ]
