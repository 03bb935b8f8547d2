#!/usr/bin/env bash
# S3->local through a WAN-like link against local->local on the same input: throughput, connections used, CPU per GB.
#   [RUNS=3] bench/s3-latency.sh [WIDTH] [HEIGHT] [SETTINGS...]     SETTINGS: LATENCY_MS/MB_PER_S_PER_CONNECTION
#   (each row: the run with the median CPU of RUNS; on a shared machine CPU-s move by ±30 % from run to run)
#   default: 45056 2400 (329 MB at the real slide's width) 0/0 30/5 30/20 100/20 (0/0: no shaping, s3rver's own limit)
# The link is bench/BtfConvert.ShapingProxy (the tests' TcpFaultProxy as a tool) in front of a local s3rver: it
# holds every response LATENCY_MS before its first byte and sends at most MB_PER_S per connection, like object
# storage (AWS S3: ~20-50 ms to first byte, 50-90 MB/s per connection). CPU is btfconvert's own user+sys
# (/usr/bin/time); s3rver and the proxy run in other processes. The model link limit is K*R/(L + R/C) for the
# K reads btfconvert kept in flight (its --verbose "read-ahead peak"), R = the ranges it ended with (2 MiB, or 1 MiB
# once split), latency L, rate C. The window's steps (--verbose) are printed under each row.
# proxy_CPU_s is the shaping proxy's own user+sys per run: it shares the two cores with btfconvert and the server.
# A one-shot run pays a per-process cost (the AWS SDK's start-up and the JIT tiering up its request pipeline after
# ~30 requests, ~2 CPU-s); the last lines convert copies of the input in `batch` processes, and the CPU of a batch of
# four minus that of a batch of two (medians of RUNS), per GB of the two extra copies, is the marginal CPU per GB:
# what a long batch of real slides pays, with start-up and JIT counted in neither.
# S3_BACKEND=nginx: the S3->local rows read from nginx (bench/s3-nginx.sh, a read-only S3 stand-in that is not the
# bottleneck: s3rver serves only ~30-40 MB/s in all on 2 cores) instead of s3rver, and nginx shapes the link itself
# (ngx.sleep before each answer, limit_rate per response) instead of the proxy: the .NET proxy delivered about half
# its nominal rate with 16 connections on the 2 shared cores. The batch rows read from nginx too (it lists the two
# copies). nginx and its lua module are installed if missing.
# Needs scripts/setup.sh (Release build, /usr/bin/time, tests/s3rver/node_modules, curl).
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-45056}; H=${2:-2400}; shift $(( $# < 2 ? $# : 2 ))
SETTINGS=("${@:-0/0 30/5 30/20 100/20}"); read -r -a SETTINGS <<< "${SETTINGS[*]}"
OUT=${BENCH_DIR:-bench/out}
mkdir -p "$OUT"
IN="$OUT/sample-${W}x${H}.btf"
[ -f "$IN" ] || dotnet samples/BtfConvert.Samples/bin/Release/net10.0/btf-sample.dll "$IN" --width "$W" --height "$H" --seed 7 >/dev/null
CLI=src/BtfConvert.Cli/bin/Release/net10.0/btfconvert.dll
# BTFCONVERT_BIN=dist/btfconvert-linux-x64 measures the published binary (ReadyToRun: what VMs without .NET run,
# and ~1 CPU-s less JIT per process on the S3 path); default: the Release build through dotnet.
if [ -n "${BTFCONVERT_BIN:-}" ]; then RUN_CLI=("$BTFCONVERT_BIN"); else RUN_CLI=(dotnet "$CLI"); fi
dotnet build bench/BtfConvert.ShapingProxy -c Release -v q -nologo >/dev/null
PROXY=bench/BtfConvert.ShapingProxy/bin/Release/net10.0/shaping-proxy.dll
BYTES=$(stat -c %s "$IN")

PROXY_PID=
# shellcheck disable=SC2016
EXTRA_CLEANUP='[ -n "$PROXY_PID" ] && { kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; }'
# shellcheck source=bench/s3-server.sh
. bench/s3-server.sh
KEY=$(basename "$IN")
curl -sf -T "$IN" "http://127.0.0.1:$PORT/$BUCKET/$KEY" >/dev/null
READ_PORT=$PORT
case "${S3_BACKEND:-s3rver}" in
  s3rver) ;;
  nginx)
    NGINX_ROOT="$(realpath "$OUT")/nginx-root"; rm -rf "$NGINX_ROOT"; mkdir -p "$NGINX_ROOT/$BUCKET/two" "$NGINX_ROOT/$BUCKET/four"
    for key in "$KEY" two/a.btf two/b.btf four/a.btf four/b.btf four/c.btf four/d.btf; do
      ln -f "$IN" "$NGINX_ROOT/$BUCKET/$key" 2>/dev/null || cp "$IN" "$NGINX_ROOT/$BUCKET/$key"
    done
    NGINX_SHAPES=""; for setting in "${SETTINGS[@]}"; do [ "${setting#*/}" != 0 ] && NGINX_SHAPES+=" $setting"; done
    # shellcheck source=bench/s3-nginx.sh
    . bench/s3-nginx.sh
    READ_PORT=$NGINX_PORT ;;
  *) echo "S3_BACKEND must be s3rver or nginx" >&2; exit 2 ;;
esac
rm -rf "$OUT/two" "$OUT/four" "$OUT/batch-out"; mkdir -p "$OUT/two" "$OUT/four"
for copy in two/a two/b four/a four/b four/c four/d; do
  [ "${S3_BACKEND:-s3rver}" = nginx ] || curl -sf -T "$IN" "http://127.0.0.1:$PORT/$BUCKET/$copy.btf" >/dev/null
  ln -f "$IN" "$OUT/$copy.btf" 2>/dev/null || cp "$IN" "$OUT/$copy.btf"
done

run_once() { # args...: prints "wall user sys rss_kb reads"
  "/usr/bin/time" -f "%e %U %S %M" -o "$OUT/time.txt" "${RUN_CLI[@]}" "$@" --overwrite --verbose >"$OUT/log.txt" 2>&1 \
    || { cat "$OUT/log.txt" >&2; exit 1; }
  reads=$(grep -o 'read-ahead peak [0-9]*' "$OUT/log.txt" | awk '{print $3}' | tail -1 || true)
  echo "$(cat "$OUT/time.txt") ${reads:-?}"
}
run() { # args...: RUNS runs (default 1), prints the one with the median CPU (user+sys)
  for _ in $(seq "${RUNS:-1}"); do run_once "$@"; done | awk '{print $2 + $3, $0}' | sort -n \
    | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}' | cut -d' ' -f2-
}
cpu_per_gb() { awk -v u="$1" -v s="$2" -v b="$BYTES" 'BEGIN { printf "%.2f", (u + s) / (b / 1e9) }'; }

printf "input %sx%s (%s bytes) on %s cores, load %s, %s; S3 reads from %s; %s; btfconvert CPU only; median CPU of %s run(s)\n" \
  "$W" "$H" "$BYTES" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)" "$(date -u +%FT%H:%MZ)" "${S3_BACKEND:-s3rver}" "${RUN_CLI[*]}" "${RUNS:-1}"
printf "%-22s %7s %8s %11s %10s %8s %9s %11s %-9s %s\n" run wall_s MB/s connections CPU-s/GB xlocal peak_MB model_MB/s output proxy_CPU_s
read -r lw lu ls lrss lreads < <(run "$IN" "$OUT/local.tiff")
lcpu=$(cpu_per_gb "$lu" "$ls")
printf "%-22s %7s %8.0f %11s %10s %8s %9d %11s %s\n" local-to-local "$lw" "$(awk -v b="$BYTES" -v w="$lw" 'BEGIN{print b/1e6/w}')" \
  "-" "$lcpu" 1.00 $((lrss / 1024)) "-" "reference"
start_proxy() { # server_port latency rate: sets PROXY_PID and proxy_port
  coproc PROXYPROC { exec dotnet "$PROXY" "$1" "$2" "$3" "$OUT/proxy-stats.txt"; }
  PROXY_PID=$PROXYPROC_PID
  read -r proxy_port <&"${PROXYPROC[0]}"
}
stop_proxy() { # sets proxy_cpu: the proxy's own user+sys seconds per run (it shares the cores with btfconvert and the server)
  proxy_cpu=$(awk -v hz="$(getconf CLK_TCK)" -v n="${RUNS:-1}" '{ printf "%.1f", ($14 + $15) / hz / n }' "/proc/$PROXY_PID/stat")
  kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true; PROXY_PID=
}
for setting in "${SETTINGS[@]}"; do
  latency=${setting%/*}; rate=${setting#*/}
  if [ "${S3_BACKEND:-s3rver}" = nginx ]; then
    # nginx shapes (or, for 0/0, serves unshaped); no proxy, so no connection count of its own.
    port=${NGINX_SHAPE_PORT[$setting]:-$NGINX_PORT}
    read -r w u s rss reads < <(run "s3://$BUCKET/$KEY" "$OUT/s3.tiff" --endpoint-url "http://127.0.0.1:$port" --path-style)
    peak="-" accepted="nginx" proxy_cpu="-"
  else
    start_proxy "$READ_PORT" "$latency" "$rate"
    read -r w u s rss reads < <(run "s3://$BUCKET/$KEY" "$OUT/s3.tiff" --endpoint-url "http://127.0.0.1:$proxy_port" --path-style)
    stop_proxy
    read -r _ accepted _ peak < "$OUT/proxy-stats.txt"
  fi
  grep -o 'Read-ahead steps (reads): .*' "$OUT/log.txt" | sed 's/^/    /' >&2 || true
  cpu=$(cpu_per_gb "$u" "$s")
  if [ "$rate" != 0 ] && [ -z "${first_setting:-}" ]; then first_u=$u; first_s=$s; first_setting=$setting; fi
  /usr/bin/python3 bench/same-tiles.py "$OUT/local.tiff" "$OUT/s3.tiff" && same="same-tiles" || same="DIFFERENT"
  # The read size the window ended at: 2 MiB, or the last split's ("16→32 of 2→1 MiB").
  mib=$(grep -o '→[0-9.]* MiB' "$OUT/log.txt" | tail -1 | tr -dc '0-9.' || true); mib=${mib:-2}
  model=$(awk -v k="$reads" -v l="$latency" -v c="$rate" -v m="$mib" 'BEGIN { r = m * 1.048576; if (c == 0) print "-"; else printf "%.0f", k * r / (l / 1000 + r / c) }')
  printf "%-22s %7s %8.0f %11s %10s %8.2f %9d %11s %-9s %s\n" "s3 ${latency}ms ${rate}MB/s/conn" "$w" \
    "$(awk -v b="$BYTES" -v w="$w" 'BEGIN{print b/1e6/w}')" "$reads ($peak open, $accepted)" "$cpu" \
    "$(awk -v a="$cpu" -v b="$lcpu" 'BEGIN{print a/b}')" $((rss / 1024)) "$model" "$same" "$proxy_cpu"
  [ "$same" = same-tiles ]
done
rm -f "$OUT/s3.tiff"

# Marginal CPU per GB: a batch of four copies minus a batch of two (local, and S3 at the first shaped link).
batch_cpu() { # batch args...: the median CPU (user+sys) of RUNS batch runs
  rm -rf "$OUT/batch-out"
  read -r _ u s _ _ < <(run batch "$@" "$OUT/batch-out" --jobs 1 --force)
  awk -v u="$u" -v s="$s" 'BEGIN { print u + s }'
}
marginal() { # label, source of two, source of four, extra args...
  local label=$1 two=$2 four=$3; shift 3
  local c2 c4; c2=$(batch_cpu "$two" "$@"); c4=$(batch_cpu "$four" "$@")
  awk -v a="$c2" -v b="$c4" -v n="$BYTES" -v l="$label" \
    'BEGIN { printf "%-22s batch of 2: %s CPU-s, of 4: %s: marginal %.2f CPU-s/GB\n", l, a, b, (b - a) / (2 * n / 1e9) }'
}
marginal "local batch" "$OUT/two" "$OUT/four"
if [ -n "${first_setting:-}" ] && [ "${S3_BACKEND:-s3rver}" = nginx ]; then
  marginal "s3 batch ${first_setting}" "s3://$BUCKET/two/" "s3://$BUCKET/four/" --endpoint-url "http://127.0.0.1:${NGINX_SHAPE_PORT[$first_setting]}" --path-style
elif [ -n "${first_setting:-}" ]; then
  start_proxy "$PORT" "${first_setting%/*}" "${first_setting#*/}"
  marginal "s3 batch ${first_setting}" "s3://$BUCKET/two/" "s3://$BUCKET/four/" --endpoint-url "http://127.0.0.1:$proxy_port" --path-style
  stop_proxy
fi
