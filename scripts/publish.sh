#!/usr/bin/env bash
# Builds self-contained single-file btfconvert binaries for VMs without .NET:
#   dist/btfconvert-linux-x64     (Intel/AMD VMs)
#   dist/btfconvert-linux-arm64   (OCI Ampere, AWS Graviton)
# Usage: scripts/publish.sh [x64] [arm64]   (default: both)
# Each is one file carrying the .NET runtime, precompiled (ReadyToRun) so it starts without JIT-compiling the
# command line and the conversion path. libturbojpeg is not bundled: the binary loads the system's
# libturbojpeg.so.0 when installed (apt install libturbojpeg0) and uses the managed encoder otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

archs=("$@")
((${#archs[@]})) || archs=(x64 arm64)
mkdir -p dist
for arch in "${archs[@]}"; do
  case "$arch" in x64|arm64) ;; *) echo "publish.sh: unknown architecture '$arch' (x64 or arm64)" >&2; exit 2 ;; esac
  out="dist/publish-linux-$arch"
  rm -rf "$out"
  # PackAsTool is for the NuGet tool package; a self-contained binary is not one.
  dotnet publish src/BtfConvert.Cli/BtfConvert.Cli.csproj -c Release -r "linux-$arch" --self-contained -v q -nologo \
    -p:PackAsTool=false -p:PublishSingleFile=true -p:PublishReadyToRun=true \
    -p:IncludeNativeLibrariesForSelfExtract=true -p:EnableCompressionInSingleFile=false \
    -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out"
  mv -f "$out/btfconvert" "dist/btfconvert-linux-$arch"
  rm -rf "$out"
  echo "dist/btfconvert-linux-$arch ($(du -m "dist/btfconvert-linux-$arch" | cut -f1) MB)"
done
