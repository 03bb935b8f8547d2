#!/usr/bin/env bash
# The serial fraction of one conversion: CPU seconds of the producer thread ("strip-reader": reads, row copies,
# 2x2 shrink, handing out tiles) over the conversion's total CPU seconds (user+sys, /usr/bin/time).
#   bench/producer-share.sh [-r RUNS] [-b BTFCONVERT_DLL] INPUT.btf [btfconvert options...]
# The producer's CPU is sampled from /proc/PID/task/*/stat every 0.2 s (the last sample before exit: at most 0.2 s
# short), so any build can be measured the same way, old ones without the --verbose "producer CPU" line included.
# Prints one line per run: wall s, total CPU s, producer CPU s, serial fraction, peak RSS MB; then the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3
BTF=src/BtfConvert.Cli/bin/Release/net10.0/btfconvert.dll
while getopts "r:b:" o; do case $o in r) RUNS=$OPTARG ;; b) BTF=$OPTARG ;; *) sed -n 2,7p "$0"; exit 2 ;; esac; done
shift $((OPTIND - 1))
IN=$1; shift
OUT=${BENCH_DIR:-bench/out}
mkdir -p "$OUT"
TICKS=$(getconf CLK_TCK)
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
producer_ticks() { # pid -> utime+stime of its strip-reader thread, or nothing
  for task in /proc/"$1"/task/*; do
    if [ "$(cat "$task/comm" 2>/dev/null)" = strip-reader ]; then
      sed 's/.*) //' "$task/stat" 2>/dev/null | awk '{print $12 + $13}'
    fi
  done
}
cat "$IN" > /dev/null
: > "$OUT/producer-share.txt"
for i in $(seq "$RUNS"); do
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/producer-time.txt" dotnet "$BTF" "$IN" "$OUT/producer-share.tiff" --overwrite --quiet "$@" &
  timepid=$!
  last=0
  while kill -0 "$timepid" 2>/dev/null; do
    pid=$(pgrep -P "$timepid" -x dotnet || true)
    if [ -n "$pid" ]; then
      t=$(producer_ticks "$pid"); [ -z "$t" ] || last=$t
    fi
    sleep 0.2
  done
  wait "$timepid"
  read -r wall user sys rss < "$OUT/producer-time.txt"
  awk -v w="$wall" -v u="$user" -v s="$sys" -v p="$last" -v hz="$TICKS" -v m="$rss" \
    'BEGIN { c = u + s; printf "%.2f %.2f %.2f %.3f %d\n", w, c, p / hz, (p / hz) / c, m / 1024 }' | tee -a "$OUT/producer-share.txt"
done
echo "median: wall $(awk '{print $1}' "$OUT/producer-share.txt" | median) s, CPU $(awk '{print $2}' "$OUT/producer-share.txt" | median) s, producer $(awk '{print $3}' "$OUT/producer-share.txt" | median) s, serial fraction $(awk '{print $4}' "$OUT/producer-share.txt" | median), peak RSS $(awk '{print $5}' "$OUT/producer-share.txt" | median) MB"
