#!/usr/bin/env bash
# Makes a seed-like Olympus BTF sample (IFD at the end, SIS block, tiny second IFD) and converts it.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
dotnet samples/BtfConvert.Samples/bin/Release/net10.0/btf-sample.dll out/sample.btf --width 8192 --height 6144 --seed 7
btfconvert() { dotnet src/BtfConvert.Cli/bin/Release/net10.0/btfconvert.dll "$@"; }
btfconvert info out/sample.btf
btfconvert out/sample.btf out/sample.tiff --overwrite
tiffinfo out/sample.tiff 2>/dev/null | grep -E "Image Width|Compression|Subfile" | head -12 || true
echo "Converted: out/sample.tiff (open it with QuPath, OpenSlide, vips or GDAL)"
