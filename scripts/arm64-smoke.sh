#!/usr/bin/env bash
# arm64 smoke test on an x64 machine: the published arm64 binary, run under qemu-user with Debian's arm64
# libraries, converts and batches generated samples, and its outputs are compared with the x64 binary's.
#   scripts/arm64-smoke.sh [WORKDIR]     (default: a new folder in /tmp; a few minutes: everything is emulated)
# Needs dist/btfconvert-linux-arm64 and dist/btfconvert-linux-x64 (scripts/publish.sh x64 arm64), the samples
# built (scripts/setup.sh), libvips-tools, and:
#   sudo dpkg --add-architecture arm64 && sudo apt-get update
#   sudo apt-get install qemu-user libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 libssl3:arm64 zlib1g:arm64 libturbojpeg0:arm64
# Not run by CI (minutes of emulation). What it proves and what it does not: docs/scale-out.md (The arm64 binary).
# Exits 0 when every check passed; prints one line per check.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d /tmp/btfconvert-arm64.XXXXXX)}
mkdir -p "$work"
arm=dist/btfconvert-linux-arm64
x64=dist/btfconvert-linux-x64
for f in "$arm" "$x64"; do [[ -x $f ]] || { echo "$f is missing: scripts/publish.sh x64 arm64" >&2; exit 2; }; done
command -v qemu-aarch64 >/dev/null || { echo "qemu-aarch64 is missing: apt-get install qemu-user" >&2; exit 2; }
[[ -e /lib/ld-linux-aarch64.so.1 ]] || { echo "the arm64 C library is missing: apt-get install libc6:arm64 (after dpkg --add-architecture arm64)" >&2; exit 2; }

# qemu-user does not emulate the double mapping .NET uses for W^X code pages (batch then dies in
# System.Text.Json); turning W^X off is the documented way to run .NET under emulation.
run_arm() { DOTNET_EnableWriteXorExecute=0 qemu-aarch64 "$arm" "$@"; }
run_x64() { "$x64" "$@"; }
sample() { dotnet samples/BtfConvert.Samples/bin/Release/net10.0/btf-sample.dll "$@" >/dev/null; }
failed=0
pass() { echo "ok    $*"; }
fail() { echo "FAIL  $*"; failed=1; }

# The same output but for the conversion time the record holds (the only field that differs between runs).
same_output() {
  python3 - "$1" "$2" <<'EOF'
import sys
def masked(path):
    data = bytearray(open(path, "rb").read())
    start = data.find(b"<btfconvert:time>")
    end = data.find(b"</btfconvert:time>", start)
    data[start:end] = bytes(end - start)
    return bytes(data)
sys.exit(0 if masked(sys.argv[1]) == masked(sys.argv[2]) else 1)
EOF
}

# PSNR of two outputs' full-resolution pixels, with vips (an independent decoder).
psnr() {
  vips subtract "$1" "$2" "$work/diff.v" && vips multiply "$work/diff.v" "$work/diff.v" "$work/square.v"
  python3 -c "import math,sys; mse=float(sys.argv[1]); print('inf' if mse == 0 else f'{10*math.log10(255**2/mse):.1f}')" "$(vips avg "$work/square.v")"
}

# ELF e_machine 183 = AArch64: the file really is the arm64 build, so what follows ran emulated.
machine=$(python3 -c "import sys; print(int.from_bytes(open(sys.argv[1], 'rb').read(20)[18:20], 'little'))" "$arm")
[[ $machine == 183 ]] && pass "$arm is an AArch64 executable" || fail "$arm is not AArch64 (ELF machine $machine)"
version=$(run_arm --version) && pass "arm64 --version under qemu: $version" || fail "arm64 --version failed"
[[ $version == *libjpeg-turbo* ]] && pass "arm64 binary loads the arm64 libturbojpeg" || fail "arm64 binary does not use libturbojpeg: $version"

sample "$work/sample.btf" --width 1500 --height 1100 --seed 7
for compression in jpeg deflate zstd lzw none; do
  run_x64 convert "$work/sample.btf" "$work/x64-$compression.tiff" -c "$compression" --overwrite --quiet
  run_arm convert "$work/sample.btf" "$work/arm-$compression.tiff" -c "$compression" --overwrite --quiet
  same_output "$work/x64-$compression.tiff" "$work/arm-$compression.tiff" \
    && pass "convert -c $compression: arm64 output byte-identical to x64" || fail "convert -c $compression: arm64 output differs from x64"
done

# The built-in JPEG encoder (machines without libturbojpeg): valid on both, but not the same bytes.
BTFCONVERT_JPEG_ENCODER=managed run_x64 convert "$work/sample.btf" "$work/x64-managed.tiff" --overwrite --quiet
BTFCONVERT_JPEG_ENCODER=managed run_arm convert "$work/sample.btf" "$work/arm-managed.tiff" --overwrite --quiet
run_x64 verify "$work/arm-managed.tiff" --quiet && pass "managed JPEG: the arm64 output verifies" || fail "managed JPEG: the arm64 output does not verify"
if same_output "$work/x64-managed.tiff" "$work/arm-managed.tiff"; then
  pass "managed JPEG: arm64 output byte-identical to x64"
else
  pass "managed JPEG: arm64 and x64 outputs differ, as documented (PSNR $(psnr "$work/x64-managed.tiff" "$work/arm-managed.tiff") dB)"
fi

# batch: two shards under Slurm's variables (System.Text.Json for the report), then the fleet check.
mkdir -p "$work/in/2024" "$work/in/2025"
for i in 1 2 3 4 5 6; do sample "$work/in/$((2023 + i % 2 + 1))/slide-$i.btf" --width 400 --height 300 --seed "$i"; done
rm -rf "$work/out-arm" "$work/out-x64"
for task in 0 1; do
  SLURM_JOB_ID=1 SLURM_ARRAY_TASK_ID=$task SLURM_ARRAY_TASK_MAX=1 run_arm batch "$work/in" "$work/out-arm" --shard auto/2 -c deflate \
    --lock-dir "$work/locks" --report "$work/report-arm-$task.jsonl" --quiet || fail "arm64 batch shard $task exited $?"
done
run_x64 batch "$work/in" "$work/out-x64" -c deflate --lock-dir "$work/locks" --quiet
grep -q '"shardIndexFrom":"SLURM_ARRAY_TASK_ID=1 (Slurm' "$work/report-arm-1.jsonl" && pass "arm64 batch: the report names the index variable" \
  || fail "arm64 batch: the report does not name the index variable"
run_arm batch "$work/in" "$work/out-arm" --shard all/2 --check -c deflate --quiet && pass "arm64 batch --check: both shards complete" \
  || fail "arm64 batch --check found inputs left"
identical=1
for f in $(cd "$work/out-x64" && find . -name '*.tiff' | sort); do
  same_output "$work/out-x64/$f" "$work/out-arm/$f" || { identical=0; fail "arm64 batch: $f differs from x64"; }
done
((identical)) && pass "arm64 batch: all $(cd "$work/out-x64" && find . -name '*.tiff' | wc -l) outputs byte-identical to x64's unsharded batch"

echo "arm64 smoke test in $work: $([[ $failed == 0 ]] && echo passed || echo FAILED)"
exit $failed
