import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

/**
 * Draws the two Teams app icons (an envelope with a key, RootMail's mark) from simple shapes, so they can be
 * regenerated instead of edited by hand: `node -r ts-node/register/transpile-only scripts/make-icons.ts`.
 * color.png is 192×192 full colour; outline.png is 32×32, white on a transparent background, as Teams asks.
 */

type Rgb = readonly [number, number, number];
/** A shape answers whether a point (in a 0..1 square) lies inside it. */
type Shape = (x: number, y: number) => boolean;

export const ACCENT_COLOR = '#1F5FAD';
const ACCENT: Rgb = [0x1f, 0x5f, 0xad];
const WHITE: Rgb = [255, 255, 255];
const GOLD: Rgb = [0xf2, 0xb7, 0x05];

const rect =
  (x0: number, y0: number, x1: number, y1: number): Shape =>
  (x, y) =>
    x >= x0 && x <= x1 && y >= y0 && y <= y1;

const circle =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

const roundedRect = (x0: number, y0: number, x1: number, y1: number, r: number): Shape => {
  const core = [rect(x0 + r, y0, x1 - r, y1), rect(x0, y0 + r, x1, y1 - r)];
  const corners = [circle(x0 + r, y0 + r, r), circle(x1 - r, y0 + r, r), circle(x0 + r, y1 - r, r)];
  return union(...core, ...corners, circle(x1 - r, y1 - r, r));
};

/** A line segment drawn with a given width. */
const stroke =
  (ax: number, ay: number, bx: number, by: number, width: number): Shape =>
  (x, y) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= width / 2;
  };

const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    shapes.some((s) => s(x, y));

const minus =
  (shape: Shape, hole: Shape): Shape =>
  (x, y) =>
    shape(x, y) && !hole(x, y);

/** The envelope outline: a frame with the flap's V. */
function envelope(x0: number, y0: number, x1: number, y1: number, width: number): Shape {
  const frame = minus(rect(x0, y0, x1, y1), rect(x0 + width, y0 + width, x1 - width, y1 - width));
  const midX = (x0 + x1) / 2;
  const flapY = y0 + (y1 - y0) * 0.55;
  return union(
    frame,
    stroke(x0 + width / 2, y0 + width / 2, midX, flapY, width),
    stroke(midX, flapY, x1 - width / 2, y0 + width / 2, width),
  );
}

/** A key lying flat: a ring, a shaft and two teeth. */
function key(cx: number, cy: number, size: number, width: number): Shape {
  const ring = minus(circle(cx, cy, size * 0.32), circle(cx, cy, size * 0.32 - width));
  const shaftEnd = cx + size * 1.1;
  return union(
    ring,
    stroke(cx + size * 0.3, cy, shaftEnd, cy, width),
    stroke(shaftEnd - width / 2, cy, shaftEnd - width / 2, cy + size * 0.3, width),
    stroke(shaftEnd - size * 0.3, cy, shaftEnd - size * 0.3, cy + size * 0.25, width),
  );
}

/** Renders layers (later ones on top) with 4×4 supersampling, so edges are smooth. */
/** A layer without a colour cuts a transparent hole into what lies below it. */
function render(size: number, layers: Array<{ shape: Shape; color: Rgb | null }>): PNG {
  const png = new PNG({ width: size, height: size });
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0];
      let covered = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          const top = [...layers].reverse().find((l) => l.shape(x, y));
          if (!top?.color) continue;
          covered++;
          top.color.forEach((c, i) => (sum[i] += c));
        }
      }
      const at = (py * size + px) * 4;
      for (let i = 0; i < 3; i++) png.data[at + i] = covered ? Math.round(sum[i] / covered) : 0;
      png.data[at + 3] = Math.round((covered / (samples * samples)) * 255);
    }
  }
  return png;
}

export function colorIcon(): PNG {
  return render(192, [
    { shape: roundedRect(0, 0, 1, 1, 0.18), color: ACCENT },
    { shape: envelope(0.16, 0.24, 0.84, 0.7, 0.06), color: WHITE },
    { shape: circle(0.7, 0.74, 0.17), color: ACCENT },
    { shape: key(0.6, 0.74, 0.26, 0.055), color: GOLD },
  ]);
}

export function outlineIcon(): PNG {
  return render(32, [
    { shape: envelope(0.09, 0.2, 0.91, 0.72, 0.085), color: WHITE },
    { shape: circle(0.7, 0.8, 0.22), color: null },
    { shape: key(0.56, 0.8, 0.3, 0.09), color: WHITE },
  ]);
}

if (require.main === module) {
  const dir = path.join(__dirname, '..', 'appPackage');
  writeFileSync(path.join(dir, 'color.png'), PNG.sync.write(colorIcon()));
  writeFileSync(path.join(dir, 'outline.png'), PNG.sync.write(outlineIcon()));
  console.log(`Wrote ${dir}/color.png (192×192) and ${dir}/outline.png (32×32)`);
}
