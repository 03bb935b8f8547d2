namespace BtfConvert.Samples;

/// <summary>
/// Deterministic, tissue-like pixels: a near-white background with faint sensor noise, and a few irregular tissue
/// regions stained pink (eosin) and purple (haematoxylin) with texture at several scales and dark nuclei.
/// Every pixel is a pure function of (seed, x, y), so any row can be rendered on its own, in any order, and tests
/// can recompute exactly what the generator wrote without keeping the image.
/// </summary>
public sealed class TissuePattern
{
    private readonly uint _seed;
    private readonly int _samplesPerPixel;
    private readonly (double Cx, double Cy, double Rx, double Ry)[] _regions;

    public TissuePattern(int seed, int width, int height, int samplesPerPixel)
    {
        if (samplesPerPixel is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(samplesPerPixel), "1 or 3 samples per pixel");
        }

        _seed = (uint)seed * 0x9E3779B9u;
        Width = width;
        Height = height;
        _samplesPerPixel = samplesPerPixel;
        var random = new Random(seed);
        int count = 2 + random.Next(3);
        _regions = new (double, double, double, double)[count];
        for (int i = 0; i < count; i++)
        {
            _regions[i] = (
                width * (0.2 + (0.6 * random.NextDouble())),
                height * (0.2 + (0.6 * random.NextDouble())),
                Math.Max(2, width * (0.12 + (0.2 * random.NextDouble()))),
                Math.Max(2, height * (0.12 + (0.2 * random.NextDouble()))));
        }
    }

    public int Width { get; }
    public int Height { get; }
    public int RowBytes => Width * _samplesPerPixel;

    /// <summary>Fills <paramref name="row"/> (at least <see cref="RowBytes"/> long) with row <paramref name="y"/>.</summary>
    public void RenderRow(int y, Span<byte> row)
    {
        // Large features scale with the image so small test images still contain tissue and background.
        double scale = Math.Max(8, Math.Min(Width, Height) / 24.0);
        for (int x = 0; x < Width; x++)
        {
            double edge = ValueNoise(x, y, scale * 2, 1) - 0.5;
            double inside = 0;
            foreach (var (cx, cy, rx, ry) in _regions)
            {
                double dx = (x - cx) / rx, dy = (y - cy) / ry;
                inside = Math.Max(inside, 1 - Math.Sqrt((dx * dx) + (dy * dy)));
            }

            double tissue = inside + (0.35 * edge);
            uint fine = Hash((uint)x, (uint)y, 7);
            int r, g, b;
            if (tissue <= 0)
            {
                int n = (int)(fine % 3) - 1;
                r = 241 + n;
                g = 240 + n;
                b = 243 + n;
            }
            else
            {
                double stain = ValueNoise(x, y, scale / 3, 2);
                double texture = ValueNoise(x, y, 6, 3) - 0.5;
                double density = Math.Min(1, tissue * 4);
                // Eosin pink ↔ haematoxylin purple, faded towards the edge of the tissue.
                double er = 232, eg = 150, eb = 190, hr = 120, hg = 72, hb = 158;
                double t = Math.Clamp(stain + (0.3 * texture), 0, 1);
                double pr = er + ((hr - er) * t), pg = eg + ((hg - eg) * t), pb = eb + ((hb - eb) * t);
                pr = 241 + ((pr - 241) * density);
                pg = 240 + ((pg - 240) * density);
                pb = 243 + ((pb - 243) * density);
                if (IsNucleus(x, y))
                {
                    pr *= 0.45;
                    pg *= 0.35;
                    pb *= 0.6;
                }

                int noise = (int)(fine % 13) - 6;
                r = (int)pr + noise;
                g = (int)pg + noise;
                b = (int)pb + noise;
            }

            if (_samplesPerPixel == 3)
            {
                row[3 * x] = Clamp(r);
                row[(3 * x) + 1] = Clamp(g);
                row[(3 * x) + 2] = Clamp(b);
            }
            else
            {
                row[x] = Clamp(((r * 77) + (g * 150) + (b * 29)) >> 8);
            }
        }
    }

    /// <summary>The whole image (small sizes only: tests).</summary>
    public byte[] Render()
    {
        var pixels = new byte[(long)RowBytes * Height];
        for (int y = 0; y < Height; y++)
        {
            RenderRow(y, pixels.AsSpan(y * RowBytes, RowBytes));
        }

        return pixels;
    }

    private bool IsNucleus(int x, int y)
    {
        const int cell = 12;
        int cx = x / cell, cy = y / cell;
        uint h = Hash((uint)cx, (uint)cy, 11);
        if (h % 5 != 0)
        {
            return false;
        }

        int nx = (cx * cell) + 3 + (int)(h >> 8) % 6, ny = (cy * cell) + 3 + (int)(h >> 16) % 6;
        int dx = x - nx, dy = y - ny;
        return (dx * dx) + (dy * dy) <= 6;
    }

    /// <summary>Smooth noise in 0..1 with features about <paramref name="cell"/> pixels wide.</summary>
    private double ValueNoise(int x, int y, double cell, uint channel)
    {
        double fx = x / cell, fy = y / cell;
        int ix = (int)Math.Floor(fx), iy = (int)Math.Floor(fy);
        double tx = Smooth(fx - ix), ty = Smooth(fy - iy);
        double a = Lattice(ix, iy, channel), b = Lattice(ix + 1, iy, channel);
        double c = Lattice(ix, iy + 1, channel), d = Lattice(ix + 1, iy + 1, channel);
        return a + ((b - a) * tx) + (((c + ((d - c) * tx)) - (a + ((b - a) * tx))) * ty);
    }

    private double Lattice(int x, int y, uint channel) => Hash((uint)x, (uint)y, channel) / (double)uint.MaxValue;

    private static double Smooth(double t) => t * t * (3 - (2 * t));

    private uint Hash(uint x, uint y, uint channel)
    {
        uint h = _seed ^ (channel * 0x85EBCA6Bu);
        h ^= x * 0xC2B2AE35u;
        h = (h << 13) | (h >> 19);
        h ^= y * 0x27D4EB2Fu;
        h ^= h >> 15;
        h *= 0x2C1B3C6Du;
        h ^= h >> 12;
        h *= 0x297A2D39u;
        h ^= h >> 15;
        return h;
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
