#!/usr/bin/python3
"""Exit 0 when two TIFFs hold the same images: every directory's tiles (or strips) byte for byte, in order.

    /usr/bin/python3 bench/same-tiles.py A.tiff B.tiff

Whole-file `cmp` no longer works for an S3 conversion against a local one: the record in level 0's XMP names the
source (s3://… against a path) and its ETag, which shifts every offset after it. Standard library only (classic
and BigTIFF, either byte order), so it runs wherever the benchmark does.
"""
import hashlib
import struct
import sys

TYPES = {3: ("H", 2), 4: ("I", 4), 16: ("Q", 8)}  # SHORT, LONG, LONG8: all that offsets and counts use


def directories(path):
    """Yields, per IFD, the list of (offset, count) of its tiles or strips."""
    with open(path, "rb") as f:
        data = f.read(16)
        e = "<" if data[:2] == b"II" else ">"
        big = struct.unpack(e + "H", data[2:4])[0] == 43
        ifd = struct.unpack(e + ("Q" if big else "I"), data[8:16] if big else data[4:8])[0]
        while ifd:
            f.seek(ifd)
            count = struct.unpack(e + ("Q" if big else "H"), f.read(8 if big else 2))[0]
            size = 20 if big else 12
            raw = f.read(count * size)
            tags = {}
            for i in range(count):
                tag, typ, n = struct.unpack(e + ("HHQ" if big else "HHI"), raw[i * size:i * size + (12 if big else 8)])
                value = raw[i * size + (12 if big else 8):(i + 1) * size]
                if tag in (273, 279, 324, 325) and typ in TYPES:
                    fmt, width = TYPES[typ]
                    if n * width > len(value):
                        f.seek(struct.unpack(e + ("Q" if big else "I"), value)[0])
                        value = f.read(n * width)
                    tags[tag] = struct.unpack(e + fmt * n, value[:n * width])
            f.seek(ifd + (8 if big else 2) + count * size)
            following = struct.unpack(e + ("Q" if big else "I"), f.read(8 if big else 4))[0]
            offsets = tags.get(324, tags.get(273, ()))
            counts = tags.get(325, tags.get(279, ()))
            yield f, list(zip(offsets, counts))
            ifd = following


def digest(path):
    result = []
    for f, chunks in directories(path):
        h = hashlib.sha256()
        for offset, count in chunks:
            f.seek(offset)
            h.update(f.read(count))
        result.append((len(chunks), h.hexdigest()))
    return result


if __name__ == "__main__":
    a, b = digest(sys.argv[1]), digest(sys.argv[2])
    if a != b:
        print(f"{sys.argv[1]} and {sys.argv[2]} differ: {len(a)} and {len(b)} directories", file=sys.stderr)
        sys.exit(1)
