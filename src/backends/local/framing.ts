import type { Framing } from '../draft.js';
import type { Focus } from '../../recipe/recipe.types.js';

export type { Framing };

/**
 * Where a picture's detail is: the share of its edges in each of PROFILE_BINS columns (left to right) and rows (top
 * to bottom), each list adding up to 1, or all 0 for a picture without edges. Small enough for the probe cache.
 */
export interface SubjectProfile {
  cols: number[];
  rows: number[];
}

/** Bins per axis of a SubjectProfile. */
export const PROFILE_BINS = 64;
/** The long side, in pixels, of the edge map a profile is measured on. */
export const MAP_LONG_SIDE = 128;

/** Shapes this close (the picture's width/height over the frame's, between these) are always covered. */
const CLOSE: [number, number] = [0.77, 1.3];
/** A picture far from the frame's shape is covered only when the window holds this much of its subject… */
const HELD_TO_COVER = 0.75;
/** …and keeps this much of the picture (a 16:9 photo in a 9:16 frame keeps 0.32). */
const SHARE_TO_COVER = 0.3;
/**
 * …and does not enlarge the picture past this (where it looks blurred, as render.ts warns) while showing all of it
 * would not: a small photo is better whole and sharp than cropped and soft.
 */
const MAX_COVER_UPSCALE = 4;
/** The window leaves the centre only when that holds this much more of the subject: no jitter on even textures. */
const BETTER_THAN_CENTRE = 0.05;
/** A profile whose detail rises this little above its background (as a share of all detail) is flat. */
const DISTINCT = 0.2;

/** The size of the edge map measured for a picture of w×h: MAP_LONG_SIDE on its long side, at least 8 on the other. */
export function edgeMapSize(width: number, height: number): [number, number] {
  const scale = MAP_LONG_SIDE / Math.max(width, height);
  return [Math.max(8, Math.round(width * scale)), Math.max(8, Math.round(height * scale))];
}

/**
 * The ffmpeg filters that turn an upright picture of w×h into its edge map: small, grey, one byte per pixel, 255 on
 * an edge (Canny, as edgedetect draws it) and 0 elsewhere. Area scaling first, so sensor noise does not count as edges.
 */
export function edgeMapFilters(width: number, height: number): string {
  const [w, h] = edgeMapSize(width, height);
  return `scale=${w}:${h}:flags=area,setsar=1,format=gray,edgedetect=low=0.1:high=0.3`;
}

/**
 * The subject profile of edge maps of w×h laid end to end in `bytes` (one or more frames, averaged). The outer ring
 * of two pixels is left out: edgedetect's borders say nothing about the picture. Deterministic.
 */
export function profileOf(bytes: Uint8Array, w: number, h: number): SubjectProfile | undefined {
  const frames = Math.floor(bytes.length / (w * h));
  if (!frames || w < 5 || h < 5) return undefined;
  const cols = new Array<number>(PROFILE_BINS).fill(0);
  const rows = new Array<number>(PROFILE_BINS).fill(0);
  for (let f = 0; f < frames; f++) {
    for (let y = 2; y < h - 2; y++) {
      const at = f * w * h + y * w;
      const row = Math.floor(((y + 0.5) * PROFILE_BINS) / h);
      for (let x = 2; x < w - 2; x++) {
        if (bytes[at + x]! < 128) continue;
        cols[Math.floor(((x + 0.5) * PROFILE_BINS) / w)]! += 1;
        rows[row]! += 1;
      }
    }
  }
  // A bin is a share of its column or row band, so bands of 1 and 2 pixels (128 px over 64 bins) weigh the same.
  const perBin = (n: number) => (bin: number) => {
    const first = Math.ceil((bin * n) / PROFILE_BINS - 0.5);
    const next = Math.ceil(((bin + 1) * n) / PROFILE_BINS - 0.5);
    return Math.max(1, next - first);
  };
  return { cols: normalise(cols.map((v, k) => v / perBin(w)(k))), rows: normalise(rows.map((v, k) => v / perBin(h)(k))) };
}

/** Shares adding up to 1, rounded to 4 places for a compact cache; all 0 when there is nothing. */
function normalise(values: number[]): number[] {
  const total = values.reduce((a, b) => a + b, 0);
  return values.map((v) => (total > 0 ? Math.round((v / total) * 10_000) / 10_000 : 0));
}

/** The size of a picture or a frame, in pixels. */
export interface Size {
  width: number;
  height: number;
}

/**
 * Where a picture of `source`'s size goes in a frame of another shape. A pin (`focus`) always covers, with the window
 * placed at it. Otherwise shapes close to the frame's are covered, the window slid along the cropped axis to hold the
 * most of the subject (a flat picture, or one the centre serves about as well, stays centred); shapes far apart are
 * covered only when the window holds most of a concentrated subject, keeps a fair share of the picture and does not
 * blow it up past sharpness, and are contained (over a blurred copy, see graph.ts) otherwise. Pure; x, y, w, h are fractions of the upright picture.
 */
export function chooseFraming(profile: SubjectProfile | undefined, source: Size, frame: Size, focus?: Focus): Framing {
  const ratio = source.width && source.height ? source.width / source.height / (frame.width / frame.height) : 1;
  // The cover window: the whole of one side, part of the other.
  const [w, h] = ratio >= 1 ? [1 / ratio, 1] : [1, ratio];
  const along: 'x' | 'y' = ratio >= 1 ? 'x' : 'y';
  const length = along === 'x' ? w : h;
  const window = (start: number, by: Framing['by']): Framing => {
    const s = round(Math.min(1 - length, Math.max(0, start)));
    const centre = round((1 - (along === 'x' ? h : w)) / 2);
    return along === 'x' ? { mode: 'cover', x: s, y: centre, w: round(w), h: round(h), by } : { mode: 'cover', x: centre, y: s, w: round(w), h: round(h), by };
  };
  const centred = (1 - length) / 2;
  if (focus !== undefined) return window(pinStart(focus, along, length), 'pin');
  const close = ratio > CLOSE[0] && ratio < CLOSE[1];
  const contain: Framing = { mode: 'contain', x: 0, y: 0, w: 1, h: 1, by: 'centre' };
  if (length > 0.999) return window(0, 'centre');
  const mass = subjectMass(along === 'x' ? profile?.cols : profile?.rows);
  if (!mass) return close ? window(centred, 'centre') : contain;
  const held = (start: number) => between(mass, start, start + length);
  // Positions a 256th of the picture apart: finer than any window a person would tell apart.
  const starts = Array.from({ length: 257 }, (_, k) => (k / 256) * (1 - length));
  const scores = starts.map(held);
  const best = Math.max(...scores);
  const upscale = Math.max(frame.width / source.width, frame.height / source.height);
  const soft = upscale > MAX_COVER_UPSCALE && Math.min(frame.width / source.width, frame.height / source.height) <= MAX_COVER_UPSCALE;
  if (!close && (best < HELD_TO_COVER || w * h < SHARE_TO_COVER || soft)) return contain;
  if (held(centred) >= best - BETTER_THAN_CENTRE) return window(centred, close ? 'centre' : 'subject');
  // Of the windows about as good as the best, the one centred nearest the middle of what the best holds, so the
  // subject sits inside it, not at its edge (and detail outside the window does not pull it off the subject).
  const first = starts[scores.indexOf(best)]!;
  const middle = centroid(mass, first, first + length);
  const good = starts.filter((s) => held(s) >= best - 0.02);
  const start = good.reduce((a, b) => (Math.abs(b + length / 2 - middle) < Math.abs(a + length / 2 - middle) ? b : a));
  return window(start, 'subject');
}

/** Where a pin puts the start of a window of `length` on the cropped axis (clamped later). */
function pinStart(focus: Focus, along: 'x' | 'y', length: number): number {
  const centred = (1 - length) / 2;
  if (Array.isArray(focus)) return (along === 'x' ? focus[0] : focus[1]) - length / 2;
  if (focus === (along === 'x' ? 'left' : 'top')) return 0;
  if (focus === (along === 'x' ? 'right' : 'bottom')) return 1 - length;
  return centred;
}

/**
 * A profile's detail above its background: each bin less the level a quarter of the bins stay under, so an evenly
 * textured background (grass, a wall) weighs nothing. Undefined when too little stands out (a flat picture).
 */
function subjectMass(bins: number[] | undefined): number[] | undefined {
  if (!bins?.length) return undefined;
  const total = bins.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return undefined;
  const floor = [...bins].sort((a, b) => a - b)[Math.floor(bins.length / 4)]!;
  const above = bins.map((v) => Math.max(0, v - floor));
  const sum = above.reduce((a, b) => a + b, 0);
  if (sum < DISTINCT * total) return undefined;
  return above.map((v) => v / sum);
}

/** The share of `mass` between fractions a and b of the axis, bins counted in part where the window cuts them. */
function between(mass: number[], a: number, b: number): number {
  const n = mass.length;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const overlap = Math.min(b, (k + 1) / n) - Math.max(a, k / n);
    if (overlap > 0) sum += mass[k]! * overlap * n;
  }
  return sum;
}

/** The middle of the part of `mass` between fractions a and b of the axis. */
function centroid(mass: number[], a: number, b: number): number {
  const n = mass.length;
  let [sum, weight] = [0, 0];
  for (let k = 0; k < n; k++) {
    const [lo, hi] = [Math.max(a, k / n), Math.min(b, (k + 1) / n)];
    if (hi <= lo) continue;
    const part = mass[k]! * (hi - lo) * n;
    sum += part * ((lo + hi) / 2);
    weight += part;
  }
  return weight > 0 ? sum / weight : (a + b) / 2;
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;
