#!/usr/bin/python3
"""Independent check of a btfconvert output with OpenSlide and tifffile (Debian's python3-openslide,
python3-tifffile, python3-numpy). Prints one JSON object; exit 0 only if every check passed.

usage: check_output.py OUTPUT [--source SOURCE] [--levels N] [--exact] [--min-psnr DB]
  --source  the strip TIFF it was made from (read with tifffile, independently of btfconvert)
  --exact   lossless output: level 0 must equal the source and level n the exact 2x2 box average of level n-1
  --min-psnr  lossy output: level-0 PSNR against the source (via OpenSlide) must reach this
"""
import argparse, json, sys
import xml.etree.ElementTree as ElementTree
import numpy as np
import tifffile
import openslide


def box(a):
    h, w = a.shape[0] // 2, a.shape[1] // 2
    a = a[:2 * h, :2 * w].astype(np.int32)
    return ((a[0::2, 0::2] + a[1::2, 0::2] + a[0::2, 1::2] + a[1::2, 1::2] + 2) >> 2).astype(np.uint8)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float('inf') if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def large_image_native_magnification(page):
    """large_image 1.35's tiff source on its full-resolution directory, transcribed from girder/large_image
    sources/tiff: TiledTiffDirectory._loadMetadata + parse_image_description (tiff_reader.py) and
    TiffFileTileSource.getNativeMagnification (__init__.py)."""
    meta = page.description or ''
    info = {}
    parsed = None
    try:
        parsed = json.loads(meta)
    except Exception:
        pass
    if not isinstance(parsed, dict) and meta:
        try:
            ElementTree.fromstring(meta)
        except Exception:
            if 'AppMag = ' in meta:
                try:
                    info = {'magnification': float(meta.split('AppMag = ')[1].split('|')[0].strip())}
                    info['mm_x'] = info['mm_y'] = float(meta.split('|MPP = ', 1)[1].split('|')[0].strip()) * 0.001
                except Exception:
                    pass
    tags = page.tags
    units = {2: 25.4, 3: 10}
    unit = int(tags['ResolutionUnit'].value) if 'ResolutionUnit' in tags else None
    for axis, tag in (('mm_x', 'XResolution'), ('mm_y', 'YResolution')):
        if tag in tags:
            num, den = tags[tag].value
            res = num / den if den else 0
            if not info.get(axis) and res and units.get(unit) and res >= 100:
                info[axis] = units[unit] / res
    mm_x = info.get('mm_x')
    mag = info.get('magnification') or 0.01 / mm_x if mm_x else None
    return {'magnification': mag, 'mm_x': mm_x, 'mm_y': info.get('mm_y')}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('output')
    p.add_argument('--source')
    p.add_argument('--levels', type=int)
    p.add_argument('--exact', action='store_true')
    p.add_argument('--min-psnr', type=float)
    a = p.parse_args()
    report, failures = {}, []

    slide = openslide.OpenSlide(a.output)
    report['openslide_vendor'] = slide.properties.get('openslide.vendor')
    report['openslide_levels'] = [list(d) for d in slide.level_dimensions]
    report['openslide_mpp_x'] = slide.properties.get('openslide.mpp-x')
    report['openslide_objective_power'] = slide.properties.get('openslide.objective-power')
    report['openslide_description'] = slide.properties.get('tiff.ImageDescription')
    if a.levels is not None and slide.level_count != a.levels:
        failures.append(f'OpenSlide sees {slide.level_count} levels, expected {a.levels}')
    for i in range(1, slide.level_count):
        w0, h0 = slide.level_dimensions[i - 1]
        if slide.level_dimensions[i] != (w0 // 2, h0 // 2):
            failures.append(f'level {i} is {slide.level_dimensions[i]}, not floor-half of {(w0, h0)}')

    with tifffile.TiffFile(a.output) as t:
        report['tifffile_pages'] = len(t.pages)
        tiled = [pg for pg in t.pages if pg.is_tiled]
        report['tifffile_tiled_pages'] = len(tiled)
        report['tifffile_series'] = [{'shape': list(x.shape), 'levels': len(x.levels)} for x in t.series]
        report['large_image_native'] = large_image_native_magnification(tiled[0]) if tiled else None
        # What large_image's tiff source (girder/large_image sources/tiff, _addAssociatedImage) lists: a stripped
        # IFD under the lower-cased first word of its description (alphanumeric, 4-20 characters), handed to
        # Pillow as an (h, w, bands) array, which needs 3 (or 4) bands of 8 bits.
        associated = {}
        for pg in t.pages:
            if pg.is_tiled:
                continue
            words = (pg.description or '').split(None, 1)
            name = words[0].lower() if words else ''
            if not (name.isalnum() and 3 < len(name) <= 20):
                failures.append(f'associated IFD {pg.index}: large_image would not list it (description {pg.description!r})')
            elif pg.samplesperpixel not in (3, 4) or pg.bitspersample != 8:
                failures.append(f'associated image {name}: {pg.samplesperpixel}x{pg.bitspersample}-bit, Pillow needs 8-bit RGB')
            else:
                associated[name] = list(pg.shape)
        report['large_image_associated'] = associated
        report['openslide_associated'] = sorted(slide.associated_images)
        source = None
        if a.source:
            # pages[0], not imread: tifffile's SIS series trips over the tiny 16-bit second IFD of Olympus files.
            with tifffile.TiffFile(a.source) as src:
                source = src.pages[0].asarray()
            if source.ndim == 2:
                source = source[:, :, None]
        if a.exact and source is not None:
            expected = source
            for i, pg in enumerate(tiled):
                got = pg.asarray()
                if got.ndim == 2:
                    got = got[:, :, None]
                if i > 0:
                    expected = box(expected)
                if not np.array_equal(got, expected):
                    diff = int(np.abs(got.astype(int) - expected.astype(int)).max()) if got.shape == expected.shape else -1
                    failures.append(f'tifffile: level {i} differs from the reference (max diff {diff}, shapes {got.shape} {expected.shape})')
    if a.min_psnr is not None and source is not None:
        w, h = slide.level_dimensions[0]
        region = np.asarray(slide.read_region((0, 0), 0, (w, h)).convert('RGB'))
        src = source if source.shape[2] == 3 else np.repeat(source, 3, axis=2)
        value = psnr(region, src)
        report['openslide_level0_psnr'] = value
        if value < a.min_psnr:
            failures.append(f'OpenSlide level-0 PSNR {value:.2f} dB < {a.min_psnr}')
    report['failures'] = failures
    print(json.dumps(report))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
