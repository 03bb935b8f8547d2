#!/usr/bin/env bash
# btfconvert vs `vips tiffsave` vs GDAL's COG driver on the same generated inputs, in ONE run.
#   bench/run.sh [-r RUNS] [WxH ...]        default: -r 3 8192x8192 20000x20000
#   bench/run.sh -r 3 45056x40448            the real slide size (5.5 GB input; ~3 min per run of all three tools)
# Runs are interleaved (btfconvert, vips, gdal, btfconvert, ...) so load changes hit all tools alike; medians are
# reported. Prints a markdown table (also saved to $BENCH_DIR/results-*.md): wall s, CPU %, CPU seconds, peak RSS, output bytes,
# level-0 PSNR against the source, and btfconvert's ratios to each peer with the issue's targets.
# Needs: scripts/setup.sh done (Release build, vips, gdal-bin, /usr/bin/time, python3-tifffile, python3-numpy).
# BTFCONVERT_JPEG_ENCODER=managed benchmarks the portable ImageSharp encoder instead of libjpeg-turbo.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3
while getopts "r:" o; do case $o in r) RUNS=$OPTARG ;; *) sed -n 2,9p "$0"; exit 2 ;; esac; done
shift $((OPTIND - 1))
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(8192x8192 20000x20000)
OUT=${BENCH_DIR:-bench/out}
mkdir -p "$OUT"
BTF=src/BtfConvert.Cli/bin/Release/net10.0/btfconvert.dll
SAMPLE=samples/BtfConvert.Samples/bin/Release/net10.0/btf-sample.dll
[ -f "$BTF" ] && [ -f "$SAMPLE" ] || dotnet build BtfConvert.sln -c Release -v q -nologo >/dev/null

measure() { # tool, input, output -> "tool wall rss_kb cpu bytes"
  local tool=$1 in=$2 out=$3
  rm -f "$out"
  local cmd
  case $tool in
    btfconvert) cmd=(dotnet "$BTF" "$in" "$out" --overwrite --quiet) ;;
    vips) cmd=(vips tiffsave "$in" "$out" --tile --tile-width 256 --tile-height 256 --pyramid --compression jpeg --Q 90 --bigtiff) ;;
    gdal) cmd=(gdal_translate -q -of COG -co COMPRESS=JPEG -co QUALITY=90 -co BLOCKSIZE=256 -co BIGTIFF=YES -co NUM_THREADS=ALL_CPUS "$in" "$out") ;;
  esac
  /usr/bin/time -f "%e %M %P %U %S" -o "$OUT/time.txt" "${cmd[@]}" >/dev/null 2>"$OUT/stderr.txt" \
    || { echo "$tool failed:" >&2; grep -v VIPS-WARNING "$OUT/stderr.txt" >&2; exit 1; }
  read -r wall rss cpu user sys < "$OUT/time.txt"
  echo "$tool $wall $rss ${cpu%\%} $(stat -c %s "$out") $(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

REPORT="$OUT/results-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "Run $(date -u '+%F %H:%M UTC') on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GB RAM"
  echo "Versions: $(dotnet "$BTF" --version); $(vips --version); $(gdalinfo --version | cut -d, -f1); .NET $(dotnet --version)"
  echo "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Medians of $RUNS interleaved runs per tool."
} | tee "$REPORT"

for size in "${SIZES[@]}"; do
  W=${size%x*}; H=${size#*x}
  IN="$OUT/sample-${W}x${H}.btf"
  [ -f "$IN" ] || dotnet "$SAMPLE" "$IN" --width "$W" --height "$H" --seed 7 >/dev/null
  cat "$IN" > /dev/null # page cache warm for everyone (the 45056x40448 input is 5.5 GB; RAM must hold it)
  RUNFILE="$OUT/runs-${W}x${H}.txt"; : > "$RUNFILE"
  for i in $(seq "$RUNS"); do
    for tool in btfconvert vips gdal; do
      measure "$tool" "$IN" "$OUT/$tool-${W}x${H}.tiff" >> "$RUNFILE"
    done
  done
  field() { awk -v t="$1" -v f="$2" '$1 == t {print $f}' "$RUNFILE" | median; }
  # Ratio within each round (the tools ran back to back), then the median of those: the least load-sensitive view.
  pair_ratio=$(paste <(awk '$1 == "btfconvert" {print $2}' "$RUNFILE") <(awk '$1 == "vips" {print $2}' "$RUNFILE") \
    | awk '{print $1 / $2}' | median)
  declare -A wall rss cpu bytes psnr cpus
  for tool in btfconvert vips gdal; do
    wall[$tool]=$(field "$tool" 2); rss[$tool]=$(( $(field "$tool" 3) / 1024 )); cpu[$tool]=$(field "$tool" 4)
    bytes[$tool]=$(field "$tool" 5); cpus[$tool]=$(field "$tool" 6)
    psnr[$tool]=$(/usr/bin/python3 bench/psnr.py "$IN" "$OUT/$tool-${W}x${H}.tiff")
  done
  {
    echo
    echo "### ${W}x${H} ($(stat -c %s "$IN") bytes input)"
    echo
    echo "| tool | wall s | CPU % | CPU s (user+sys) | peak RSS MB | output bytes | level-0 PSNR dB |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for tool in btfconvert vips gdal; do
      echo "| $tool | ${wall[$tool]} | ${cpu[$tool]} | ${cpus[$tool]} | ${rss[$tool]} | ${bytes[$tool]} | ${psnr[$tool]} |"
    done
    echo
    awk -v bw="${wall[btfconvert]}" -v vw="${wall[vips]}" -v gw="${wall[gdal]}" -v br="${rss[btfconvert]}" \
        -v pr="$pair_ratio" -v bc="${cpu[btfconvert]}" -v bs="${bytes[btfconvert]}" -v gs="${bytes[gdal]}" \
        -v bp="${psnr[btfconvert]}" -v gp="${psnr[gdal]}" -v bu="${cpus[btfconvert]}" -v vu="${cpus[vips]}" 'function ok(c) { return c ? "met" : "MISSED" } BEGIN {
      printf "| btfconvert vs target | value | target | |\n|---|---:|---:|---|\n"
      printf "| wall / vips, ratio of medians | %.3f | ≤ 0.70 | %s |\n", bw / vw, ok(bw / vw <= 0.7)
      printf "| wall / vips, median of per-round ratios | %.2f | ≤ 0.70 | %s |\n", pr, ok(pr <= 0.7)
      printf "| wall / gdal | %.2f | (info) | |\n", bw / gw
      printf "| CPU seconds / vips | %.2f | (info: work done, less load-dependent than wall) | |\n", bu / vu
      printf "| peak RSS MB | %d | ≤ 256 | %s |\n", br, ok(br <= 256)
      printf "| CPU %% | %d | ≥ 180 | %s |\n", bc, ok(bc >= 180)
      printf "| bytes / gdal | %.3f | ≤ 1.05 | %s |\n", bs / gs, ok(bs / gs <= 1.05)
      printf "| PSNR − gdal dB | %+.2f | ≥ −0.20 | %s |\n", bp - gp, ok(bp - gp >= -0.2)
    }'
  } | tee -a "$REPORT"
  unset wall rss cpu bytes psnr cpus
done
echo | tee -a "$REPORT"
echo "Load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$REPORT"
