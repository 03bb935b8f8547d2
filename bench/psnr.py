#!/usr/bin/python3
"""Level-0 PSNR of a pyramidal TIFF against its uncompressed strip source.

    /usr/bin/python3 bench/psnr.py SOURCE.btf OUTPUT.tiff

The source is memory-mapped with tifffile (uncompressed, so no decoding and no copy); page 0 of the output is
decoded by libvips (`vips rawsave`, libjpeg-turbo through libtiff) into a temporary raw file, since tifffile cannot
decode JPEG without imagecodecs. Prints the PSNR in dB over all samples, computed in bands of rows.
"""
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import tifffile


def map_source(path):
    """Maps page 0 without reading it; strips must be stored in order, back to back (as the generator writes)."""
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        shape, offsets, rows = page.shape, page.dataoffsets, page.rowsperstrip
    row_bytes = shape[1] * (shape[2] if len(shape) > 2 else 1)
    # The last strip may be padded to a full strip (the real scanner does that), which tifffile.memmap refuses.
    if any(o != offsets[0] + i * rows * row_bytes for i, o in enumerate(offsets)):
        sys.exit(f"{path}: strips are not contiguous; cannot map the source")
    return np.memmap(path, dtype=np.uint8, mode="r", offset=offsets[0], shape=shape)


def main():
    source_path, output_path = sys.argv[1], sys.argv[2]
    source = map_source(source_path)
    height, width = source.shape[:2]
    spp = 1 if source.ndim == 2 else source.shape[2]
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        raw = os.path.join(tmp, "level0.raw")
        subprocess.run(["vips", "rawsave", f"{output_path}[page=0]", raw], check=True,
                       stderr=subprocess.DEVNULL)
        decoded = np.memmap(raw, dtype=np.uint8, mode="r")
        if decoded.size != width * height * spp:
            sys.exit(f"{output_path}: level 0 decodes to {decoded.size} bytes, expected {width}x{height}x{spp}")
        decoded = decoded.reshape(source.shape)
        total = 0.0
        band = max(1, (16 << 20) // (width * spp))
        for y in range(0, height, band):
            # float64: an int32 dot product would overflow on a band of large errors.
            d = (source[y:y + band].astype(np.int16) - decoded[y:y + band].astype(np.int16)).astype(np.float64).ravel()
            total += float(np.dot(d, d))
        mse = total / (width * height * spp)
    print("inf" if mse == 0 else f"{10 * math.log10(255 * 255 / mse):.2f}")


if __name__ == "__main__":
    main()
