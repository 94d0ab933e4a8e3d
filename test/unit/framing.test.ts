import { describe, expect, it } from 'vitest';
import type { Framing, LocalDraft } from '../../src/backends/draft.js';
import { chooseFraming, edgeMapSize, PROFILE_BINS, profileOf, type SubjectProfile } from '../../src/backends/local/framing.js';
import { chunkGraph } from '../../src/backends/local/graph.js';

/** A profile with its detail spread evenly over bins [from, to) of each axis (fractions), nothing elsewhere. */
function subject([x0, x1]: [number, number], [y0, y1]: [number, number] = [0, 1]): SubjectProfile {
  const axis = (a: number, b: number) => {
    const bins = Array.from({ length: PROFILE_BINS }, (_, k) => ((k + 0.5) / PROFILE_BINS >= a && (k + 0.5) / PROFILE_BINS < b ? 1 : 0) as number);
    const sum = bins.reduce((s, v) => s + v, 0);
    return bins.map((v) => v / sum);
  };
  return { cols: axis(x0, x1), rows: axis(y0, y1) };
}
const even = (): SubjectProfile => ({ cols: Array(PROFILE_BINS).fill(1 / PROFILE_BINS), rows: Array(PROFILE_BINS).fill(1 / PROFILE_BINS) });
/** An evenly textured picture: the same detail everywhere, give or take a little noise. */
const textured = (): SubjectProfile => {
  const noisy = Array.from({ length: PROFILE_BINS }, (_, k) => 1 + 0.08 * Math.sin(k * 2.7) + 0.05 * Math.cos(k * 1.3));
  const sum = noisy.reduce((s, v) => s + v, 0);
  return { cols: noisy.map((v) => v / sum), rows: noisy.map((v) => v / sum) };
};

const WIDE = { width: 1600, height: 900 };
const TALL_FRAME = { width: 1080, height: 1920 };
/** A 3:2 photo is close to 16:9 (it loses 16 % of its height), far from 9:16. */
const THREE_TWO = { width: 1500, height: 1000 };
const SQUARE = { width: 1200, height: 1200 };
const FOUR_FIVE = { width: 1080, height: 1350 };
const HD = { width: 1920, height: 1080 };

describe('chooseFraming', () => {
  it('centres a flat, an even and an evenly textured picture when the shapes are close, and contains them when far apart', () => {
    for (const profile of [undefined, even(), textured(), { cols: Array(PROFILE_BINS).fill(0), rows: Array(PROFILE_BINS).fill(0) }]) {
      expect(chooseFraming(profile, THREE_TWO, HD)).toEqual({ mode: 'cover', x: 0, y: 0.0781, w: 1, h: 0.8438, by: 'centre' });
      expect(chooseFraming(profile, WIDE, TALL_FRAME)).toEqual({ mode: 'contain', x: 0, y: 0, w: 1, h: 1, by: 'centre' });
    }
  });

  it('shows the whole picture when it already has the frame\'s shape', () => {
    expect(chooseFraming(subject([0, 0.1]), WIDE, HD)).toEqual({ mode: 'cover', x: 0, y: 0, w: 1, h: 1, by: 'centre' });
  });

  it('slides the window of a close shape towards an off-centre subject, with the subject inside it', () => {
    // A square picture in a 4:5 frame keeps 80 % of its width; the subject is at its left edge.
    const f = chooseFraming(subject([0.02, 0.2]), SQUARE, FOUR_FIVE);
    expect(f).toEqual({ mode: 'cover', x: 0, y: 0, w: 0.8, h: 1, by: 'subject' });
    // A subject in the upper part of a 5:6 picture in a square frame: the window moves up, over it.
    const up = chooseFraming(subject([0, 1], [0.05, 0.3]), { width: 1000, height: 1200 }, { width: 1080, height: 1080 });
    expect(up).toMatchObject({ mode: 'cover', x: 0, w: 1, by: 'subject' });
    expect(up.y).toBeLessThanOrEqual(0.05);
    expect(up.y + up.h).toBeGreaterThanOrEqual(0.3);
  });

  it('keeps the centre when it holds the subject about as well as any other window', () => {
    expect(chooseFraming(subject([0, 1], [0.3, 0.62]), THREE_TWO, HD)).toMatchObject({ x: 0, y: 0.0781, by: 'centre' });
    // Slightly off centre, but the centred window holds it all.
    expect(chooseFraming(subject([0.15, 0.6]), SQUARE, FOUR_FIVE)).toMatchObject({ x: 0.1, by: 'centre' });
    // Close to the centred window's edge, but still within 5 % of the best window.
    expect(chooseFraming(subject([0.09, 0.5]), SQUARE, FOUR_FIVE)).toMatchObject({ x: 0.1, by: 'centre' });
  });

  it('covers a far shape with the subject\'s window when the subject is concentrated, centring the window on it', () => {
    const f = chooseFraming(subject([0.6, 0.8]), WIDE, TALL_FRAME);
    expect(f).toMatchObject({ mode: 'cover', y: 0, h: 1, by: 'subject' });
    expect(f.w).toBeCloseTo(0.3164, 3);
    expect(f.x).toBeLessThanOrEqual(0.6);
    expect(f.x + f.w).toBeGreaterThanOrEqual(0.8);
    expect(f.x + f.w / 2).toBeCloseTo(0.7, 1);
    // At the very edge, the window stops at the picture's side.
    expect(chooseFraming(subject([0.9, 1]), WIDE, TALL_FRAME)).toMatchObject({ mode: 'cover', x: 0.6836, by: 'subject' });
  });

  it('contains a far shape whose subject is spread wider than the window, or whose window would keep too little', () => {
    expect(chooseFraming(subject([0.1, 0.7]), WIDE, TALL_FRAME).mode).toBe('contain');
    // Two subjects, one at each side: no window holds both.
    const two: SubjectProfile = { cols: subject([0.05, 0.15]).cols.map((v, k) => (v + subject([0.85, 0.95]).cols[k]!) / 2), rows: even().rows };
    expect(chooseFraming(two, WIDE, TALL_FRAME).mode).toBe('contain');
    // A 3:1 panorama in a 9:16 frame would keep under a fifth of it, however concentrated the subject.
    expect(chooseFraming(subject([0.5, 0.55]), { width: 3000, height: 1000 }, TALL_FRAME).mode).toBe('contain');
    // A 640x360 photo's window would be blown up 5.3× to fill 1080x1920 (all of it, 1.7×).
    expect(chooseFraming(subject([0.6, 0.8]), { width: 640, height: 360 }, TALL_FRAME).mode).toBe('contain');
    expect(chooseFraming(subject([0.6, 0.8]), { width: 640, height: 360 }, { width: 360, height: 640 }).mode).toBe('cover');
  });

  it('places the window at a pin, whatever the subject, covering even far shapes', () => {
    const left = subject([0, 0.1]);
    expect(chooseFraming(left, WIDE, TALL_FRAME, 'right')).toEqual({ mode: 'cover', x: 0.6836, y: 0, w: 0.3164, h: 1, by: 'pin' });
    expect(chooseFraming(left, WIDE, TALL_FRAME, 'left')).toMatchObject({ x: 0, by: 'pin' });
    expect(chooseFraming(left, WIDE, TALL_FRAME, 'center')).toMatchObject({ x: 0.3418, by: 'pin' });
    // A point is the window's middle, kept inside the picture.
    expect(chooseFraming(undefined, WIDE, TALL_FRAME, [0.5, 0.5])).toMatchObject({ x: 0.3418, by: 'pin' });
    expect(chooseFraming(undefined, WIDE, TALL_FRAME, [0.95, 0.1])).toMatchObject({ x: 0.6836, y: 0, by: 'pin' });
    // top/bottom move a window that crops rows; on one that crops columns they leave it centred.
    expect(chooseFraming(undefined, { width: 900, height: 1600 }, HD, 'top')).toMatchObject({ x: 0, y: 0, w: 1, by: 'pin' });
    expect(chooseFraming(undefined, { width: 900, height: 1600 }, HD, 'bottom')).toMatchObject({ y: 0.6836, by: 'pin' });
    expect(chooseFraming(undefined, WIDE, TALL_FRAME, 'top')).toMatchObject({ x: 0.3418, y: 0, by: 'pin' });
  });

  it('is deterministic', () => {
    const profile = subject([0.3, 0.45]);
    expect(chooseFraming(profile, WIDE, TALL_FRAME)).toEqual(chooseFraming(structuredClone(profile), WIDE, TALL_FRAME));
  });
});

describe('profileOf', () => {
  it('measures where the edges of a map are, per column and row band, leaving out the border ring', () => {
    const [w, h] = edgeMapSize(640, 360);
    expect([w, h]).toEqual([128, 72]);
    const map = new Uint8Array(w * h);
    // The map's own border (edgedetect marks it) and a square of edges at x 10–29, y 30–49.
    for (let x = 0; x < w; x++) map[x] = 255;
    for (let y = 30; y < 50; y++) for (let x = 10; x < 30; x++) map[y * w + x] = 255;
    const profile = profileOf(map, w, h)!;
    expect(profile.cols.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(profile.cols.slice(0, 5).every((v) => v === 0)).toBe(true);
    expect(profile.cols.slice(5, 15).every((v) => v > 0)).toBe(true);
    expect(profile.cols.slice(15).every((v) => v === 0)).toBe(true);
    expect(profile.rows.findIndex((v) => v > 0)).toBe(Math.floor((30.5 * 64) / 72));
    expect(profile.rows[0]).toBe(0);
  });

  it('averages several frames, and gives zeros for a map without edges', () => {
    const [w, h] = [16, 16];
    const two = new Uint8Array(2 * w * h);
    two[5 * w + 4] = 255;
    two[w * h + 5 * w + 11] = 255;
    const profile = profileOf(two, w, h)!;
    expect(profile.cols.filter((v) => v > 0)).toEqual([0.5, 0.5]);
    expect(profileOf(new Uint8Array(w * h), w, h)!.cols.every((v) => v === 0)).toBe(true);
  });
});

describe('the filter graph of a framed picture', () => {
  const script = (framing: Framing | undefined, kind: 'image' | 'video' = 'image', motion?: 'kenburns') => {
    const m = kind === 'image' ? { kind, input: 0, ...(motion && { motion }), ...(framing && { framing }) } : { kind, input: 0, ...(framing && { framing }) };
    const draft: LocalDraft = { d: 1000, t: [{ tt: 0, sg: [{ st: 0, d: 1000, src: 'a', m } as LocalDraft['t'][0]['sg'][0]] }] };
    return chunkGraph(draft, { from: 0, to: 30 }, {
      frame: { width: 90, height: 160, fps: 30 },
      media: () => ({ path: '/media/a', width: 640, height: 360, durationMs: 2000 }),
      texts: new Map(),
      fonts: [],
    }).script;
  };

  it('crops a covered picture at its window: at the left, at the right, or centred', () => {
    const window = (x: number): Framing => ({ mode: 'cover', x, y: 0, w: 0.3164, h: 1, by: 'subject' });
    expect(script(window(0))).toContain('scale=90:160:force_original_aspect_ratio=increase:out_color_matrix=bt709:out_range=tv,crop=90:160:(iw-ow)*0:(ih-oh)*0.5,');
    expect(script(window(0.6836), 'video')).toContain('crop=90:160:(iw-ow)*1:(ih-oh)*0.5,');
    expect(script(window(0.3418))).toContain('force_original_aspect_ratio=increase:out_color_matrix=bt709:out_range=tv,crop=90:160,');
    // Motion moves over the covered still.
    expect(script(window(0), 'image', 'kenburns')).toMatch(/crop=90:160:\(iw-ow\)\*0:\(ih-oh\)\*0\.5,.*perspective=/s);
  });

  it('contains a picture over its blurred copy when its framing says so, or when it has none and the shapes are far apart', () => {
    for (const framing of [{ mode: 'contain', x: 0, y: 0, w: 1, h: 1, by: 'centre' } as const, undefined]) {
      const text = script(framing);
      expect(text).toContain('boxblur');
      expect(text).not.toContain('force_original_aspect_ratio=increase,crop=90:160');
    }
  });
});
