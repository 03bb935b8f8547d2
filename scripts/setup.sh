#!/usr/bin/env bash
# Installs what BtfConvert's build, demo and tests need on a fresh Debian machine with the .NET SDK, then builds.
# Safe to run again: apt and npm skip what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libturbojpeg0      # fast native JPEG encoder (ImageSharp is the fallback without it)
  libtiff-tools      # tiffinfo/tiffdump: independent structure checks in tests
  libvips-tools      # vips: independent reader in tests, and the benchmark peer
  gdal-bin           # gdalinfo / gdal_translate: independent reader, benchmark peer
  python3-openslide  # OpenSlide: what viewers use to open the output
  python3-tifffile   # tifffile: independent pixel reader in tests
  python3-numpy
  python3-gdal       # GDAL from Python: counts the GETs of a remote open (tests/tools/vsicurl_gets.py)
  libimage-exiftool-perl  # exiftool -validate: the copied EXIF IFD
  nodejs npm         # s3rver, the local S3-compatible server the S3 tests start
  time               # /usr/bin/time -v for peak RSS in benchmarks
  slurm-wlm munge    # a one-node Slurm the Slurm recipe of docs/scale-out.md runs on (scripts/slurm-local.sh)
  systemd            # systemd-analyze verify: the service and timer of docs/operations.md (CronRecipeTests)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from elsewhere than Debian (the machine image has them); only install what lacks a command.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for dir in tests/s3rver tests/manifests; do   # the local S3 server; the offline Kubernetes/AWS Batch checks
  if [ -f "$dir/package.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

dotnet build BtfConvert.sln -c Release -v q -nologo
