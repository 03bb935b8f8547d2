#!/usr/bin/python3
"""How many HTTP GETs GDAL's /vsicurl/ needs to open a pyramidal TIFF and read its top-level tile and one level-0
tile -- what a remote viewer (a tile server over S3, QGIS on a URL) pays per open, one round trip per GET.

usage: vsicurl_gets.py FILE [FILE...]
Serves each FILE's directory from a range-logging HTTP server on 127.0.0.1 (a free port, started here, stopped on
exit), opens http://127.0.0.1:PORT/NAME through Debian's python3-gdal with a fresh /vsicurl/ cache, reads block
(0, 0) of the smallest overview and the centre block of level 0, and prints one JSON object per FILE:
{"file", "gets", "bytes", "heads", "ranges": [[start, end], ...]}. Counts GETs, never time.
"""
import http.server, json, os, re, sys, threading
from osgeo import gdal

LOG = []
LOCK = threading.Lock()


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with single byte ranges (what /vsicurl/ asks for) and logs every request."""

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        with LOCK:
            LOG.append(('HEAD', self.path, 0, 0))
        super().do_HEAD()

    def do_GET(self):
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            with LOCK:
                LOG.append(('GET', self.path, 0, 0))
            self.send_error(404)
            return
        size = os.path.getsize(path)
        m = re.match(r'bytes=(\d+)-(\d*)$', self.headers.get('Range', ''))
        start, end = (int(m.group(1)), min(size - 1, int(m.group(2)) if m.group(2) else size - 1)) if m else (0, size - 1)
        with open(path, 'rb') as f:
            f.seek(start)
            body = f.read(end - start + 1)
        with LOCK:
            LOG.append(('GET', self.path, start, end))
        self.send_response(206 if m else 200)
        if m:
            self.send_header('Content-Range', f'bytes {start}-{end}/{size}')
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Accept-Ranges', 'bytes')
        self.end_headers()
        self.wfile.write(body)


def measure(url, name):
    with LOCK:
        LOG.clear()
    ds = gdal.Open('/vsicurl/' + url)
    if ds is None:
        raise SystemExit(f'GDAL could not open {url}')
    band = ds.GetRasterBand(1)
    top = band.GetOverview(band.GetOverviewCount() - 1) if band.GetOverviewCount() else band
    top.ReadBlock(0, 0)
    bw, bh = band.GetBlockSize()
    band.ReadBlock((ds.RasterXSize // bw) // 2, (ds.RasterYSize // bh) // 2)
    ds = None
    with LOCK:
        gets = [(s, e) for (verb, p, s, e) in LOG if verb == 'GET' and p.endswith(name)]
        heads = sum(1 for (verb, p, _, _) in LOG if verb == 'HEAD')
    return {'file': name, 'gets': len(gets), 'bytes': sum(e - s + 1 for s, e in gets), 'heads': heads,
            'ranges': [[s, e] for s, e in gets]}


def main():
    files = [os.path.abspath(f) for f in sys.argv[1:]]
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    root = os.path.dirname(files[0])
    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), lambda *a, **k: RangeHandler(*a, directory=root, **k))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # No directory listing on open (one GET more that a real S3 viewer would not make either), no cache between files.
    gdal.SetConfigOption('GDAL_DISABLE_READDIR_ON_OPEN', 'EMPTY_DIR')
    gdal.SetConfigOption('GDAL_HTTP_MAX_RETRY', '0')
    try:
        for f in files:
            gdal.VSICurlClearCache()
            url = f'http://127.0.0.1:{server.server_address[1]}/{os.path.relpath(f, root)}'
            print(json.dumps(measure(url, os.path.relpath(f, root))))
    finally:
        server.shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
