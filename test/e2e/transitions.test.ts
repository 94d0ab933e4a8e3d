import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemMeta, LocalDraft } from '../../src/backends/draft.js';
import { findFfmpeg } from '../../src/backends/local/ffmpeg.js';
import { chunkGraph, type ChunkGraph } from '../../src/backends/local/graph.js';
import { GraphBuilder, hold } from '../../src/backends/local/graph-builder.js';
import { stillCrossfade, TRANSITION_FILTERS } from '../../src/backends/local/transitions.js';
import { TRANSITIONS, type TransitionName } from '../../src/plan/instructions/state.js';
import { colourName, regionMean, type Rect } from '../helpers/media.js';

const { ffmpeg } = findFfmpeg(process.env);
const [W, H, FPS] = [160, 90, 10];
let dir: string;

/**
 * Every frame of two stills, 2 s each, overlapping by 1 s (frames 10 to 19) with `transition`, as RGB bytes: the
 * filter graph the renderer builds, run by the bundled ffmpeg.
 */
function render(transition: TransitionName, coming: Partial<ItemMeta> = {}): Buffer[] {
  const graph = graphOf(transition, coming);
  const raw = execFileSync(ffmpeg, ['-v', 'error', ...graph.inputs, '-filter_complex', graph.script, '-map', `[${graph.out}]`, '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  return Array.from({ length: raw.length / (W * H * 3) }, (_, k) => raw.subarray(k * W * H * 3, (k + 1) * W * H * 3));
}

/** The chunk graph of those frames: each still decoded once, and shared by its held frames and the transition. */
function graphOf(transition: TransitionName, coming: Partial<ItemMeta> = {}): ChunkGraph {
  const item = (st: number, input: number, m: Partial<ItemMeta> = {}) => ({ st, d: 2000, src: `${input}.png`, m: { kind: 'image' as const, input, ...m } as ItemMeta });
  const draft: LocalDraft = { d: 3000, t: [{ tt: 0, sg: [item(0, 0), item(1000, 1, { transition, transitionMs: 1000, ...coming })] }] };
  return chunkGraph(draft, { from: 0, to: 30 }, {
    frame: { width: W, height: H, fps: FPS },
    // Input 2 is a clip (blue, 30 fps): a moving picture.
    media: (i) => (i === 2 ? { path: join(dir, 'clip.mp4'), width: W, height: H, durationMs: 3000 } : { path: join(dir, `${i}.png`), width: W, height: H }),
    texts: new Map(),
    fonts: [],
  });
}

const colourAt = (frame: Buffer, rect: Rect) => colourName(regionMean(frame, W, rect));

/** The pixel format conversions ffmpeg inserts into a graph, as `from -> to` (see below). */
function conversionsOf(graph: ChunkGraph): string[] {
  const { stderr } = spawnSync(ffmpeg, ['-v', 'verbose', ...graph.inputs, '-filter_complex', graph.script, '-map', `[${graph.out}]`, '-vsync', 'passthrough', '-f', 'null', '-'], { cwd: dir, encoding: 'utf8' });
  return [...stderr.matchAll(/\[auto_scaler_\d+ @ \w+\] .*?fmt:(\w+) .*-> .*?fmt:(\w+)/g)].map((m) => `${m[1]} -> ${m[2]}`);
}

describe('transitions', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nemo-run-test-'));
    // The old picture is red with a white bar near its left edge (x 20–30); the new one is blue.
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `color=red:s=${W}x${H},drawbox=x=20:y=0:w=10:h=${H}:color=white:t=fill`, '-frames:v', '1', join(dir, '0.png')]);
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `color=blue:s=${W}x${H}`, '-frames:v', '1', join(dir, '1.png')]);
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `color=blue:s=${W}x${H}:r=30:d=3`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(dir, 'clip.mp4')]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(TRANSITIONS.map((name) => [name]))('%s: exact frames, the old picture before, the new after', (name) => {
    const frames = render(name);
    expect(frames).toHaveLength(30);
    for (const k of [0, 9]) expect(colourAt(frames[k]!, [40, 10, 80, 70])).toBe('red');
    for (const k of [20, 29]) expect(colourAt(frames[k]!, [0, 0, W, H])).toBe('blue');
  });

  // A transition's first frame that showed only the old picture, or its last only the new, would hold a picture one
  // frame longer than the rest (a stutter), and the transition would be a frame shorter than asked.
  it.each(TRANSITIONS.map((name) => [name]))('%s: every frame of the transition differs from the held pictures before and after it', (name) => {
    const frames = render(name);
    const change = (a: Buffer, b: Buffer) => a.reduce((sum, v, k) => sum + Math.abs(v - b[k]!), 0) / a.length;
    expect(change(frames[9]!, frames[10]!), 'first frame').toBeGreaterThan(3);
    expect(change(frames[19]!, frames[20]!), 'last frame').toBeGreaterThan(3);
  });

  // A conversion ffmpeg inserts itself fills a frame pool of its own and costs every frame that passes it: only the
  // coming picture's frames may be given an alpha plane, and no frame is converted back (ffmpeg -v verbose names
  // each conversion it inserts: "[auto_scaler_0 @ …] w:160 h:90 fmt:yuv420p … -> w:160 h:90 fmt:yuva420p …").
  it.each(TRANSITIONS.map((name) => [name]))('%s: only the coming picture carries alpha; the frames shared with the held stills stay in the encoder\'s format', (name) => {
    const conversions = conversionsOf(graphOf(name));
    // Wipes and zooms lay the coming picture over with an alpha plane: one conversion, of its frames. A crossfade
    // between two stills blends them without one (see the next test); over a moving picture it is an alpha fade too.
    expect(conversions.filter((c) => c.endsWith('yuva420p'))).toEqual(/^(wipe|zoom)/.test(name) ? ['yuv420p -> yuva420p'] : []);
    expect(conversions.filter((c) => c.startsWith('yuva420p'))).toEqual([]);
  });

  it('blends two stills by time from one frame of each, as the alpha fade lays one moving picture over another', () => {
    const frames = 12;
    const crossfade = (make: (g: GraphBuilder, under: string, over: string) => string) => {
      const g = new GraphBuilder();
      const [under, over] = [0, 1].map((i) => g.add([`${i}:v`], 'format=yuv420p,trim=end_frame=1', g.label('st')));
      const out = make(g, under!, over!);
      const inputs = [0, 1].flatMap((i) => ['-i', `${i}.png`]);
      return execFileSync(ffmpeg, ['-v', 'error', ...inputs, '-filter_complex', g.script(), '-map', `[${out}]`, '-vsync', 'passthrough', '-f', 'rawvideo', '-'], { cwd: dir });
    };
    const frame = { width: W, height: H, fps: FPS };
    const blended = crossfade((g, under, over) => stillCrossfade(g, under, over, frames, frame));
    const faded = crossfade((g, under, over) => TRANSITION_FILTERS.crossfade(g, hold(g, under, frames, FPS), hold(g, over, frames, FPS), frames, frame));
    expect(blended.length).toBe(frames * W * H * 1.5);
    expect(faded.length).toBe(blended.length);
    // The same picture to rounding (the blend weighs by 128ths, the alpha by 255ths), frame by frame.
    expect(blended.reduce((most, v, k) => Math.max(most, Math.abs(v - faded[k]!)), 0)).toBeLessThanOrEqual(2);
    // And a mix that moves on every frame: the top-left luma steps from the old picture's (red) towards the new one's.
    const luma = Array.from({ length: frames }, (_, k) => blended[W * H * 1.5 * k]!);
    for (let k = 1; k < frames; k++) expect(luma[k], `frame ${k}`).toBeLessThan(luma[k - 1]!);
  });

  it('crossfades over a moving picture (Ken Burns) as an alpha fade: one conversion, of the coming frames, and exact frames', () => {
    const conversions = conversionsOf(graphOf('crossfade', { motion: 'kenburns' }));
    expect(conversions.filter((c) => c.includes('yuva420p'))).toEqual(['yuv420p -> yuva420p']);
    const frames = render('crossfade', { motion: 'kenburns' });
    expect(frames).toHaveLength(30);
    expect(colourAt(frames[5]!, [40, 10, 80, 70])).toBe('red');
    expect(colourAt(frames[25]!, [0, 0, W, H])).toBe('blue');
  });

  it('crossfades into a clip by a share that grows on every frame: the clip\'s frames are stamped exactly, whatever the rate', () => {
    // Stamped N/fps/TB, frames 3, 6 and 7 of a clip at 10 fps came out a tick early (2.9999… truncated), and the
    // fade, which goes by time, repeated a step on each (0, 24, 49, 49, 101, …).
    const frames = render('crossfade', { kind: 'video', input: 2 } as Partial<ItemMeta>);
    expect(frames).toHaveLength(30);
    const blue = frames.slice(10, 21).map((f) => regionMean(f, W, [40, 10, 80, 70])[2]);
    for (let k = 1; k < blue.length; k++) expect(blue[k], `frame ${k + 10}: ${blue.join(' ')}`).toBeGreaterThan(blue[k - 1]! + 10);
  });

  // Frame 15 is 6/11 of the way through: the edge or the new picture has come a little over half way.
  const mid = (name: TransitionName) => render(name)[15]!;
  const [left, right, top, bottom, bar] = [[0, 30, 10, 30], [150, 30, 10, 30], [60, 0, 40, 8], [60, 82, 40, 8], [21, 10, 8, 70]] as Rect[];

  it('wipes: the edge sweeps over a picture that stays still', () => {
    const l = mid('wipe-left');
    expect([colourAt(l, left), colourAt(l, bar), colourAt(l, right)]).toEqual(['red', 'white', 'blue']);
    // The mask is opaque or clear: nothing of the new picture shows ahead of the edge, nothing of the old behind it.
    expect(regionMean(l, W, left)[2]).toBeLessThan(8);
    expect(regionMean(l, W, right)[0]).toBeLessThan(8);
    const r = mid('wipe-right');
    expect([colourAt(r, left), colourAt(r, right)]).toEqual(['blue', 'red']);
    const u = mid('wipe-up');
    expect([colourAt(u, top), colourAt(u, bottom)]).toEqual(['red', 'blue']);
    const d = mid('wipe-down');
    expect([colourAt(d, top), colourAt(d, bottom)]).toEqual(['blue', 'red']);
  });

  it('slides: the pictures move, so the old one\'s bar has left the frame', () => {
    const l = mid('slide-left');
    expect([colourAt(l, left), colourAt(l, bar), colourAt(l, right)]).toEqual(['red', 'red', 'blue']);
    const r = mid('slide-right');
    expect([colourAt(r, left), colourAt(r, right)]).toEqual(['blue', 'red']);
    const u = mid('slide-up');
    expect([colourAt(u, top), colourAt(u, bottom)]).toEqual(['red', 'blue']);
    const d = mid('slide-down');
    expect([colourAt(d, top), colourAt(d, bottom)]).toEqual(['blue', 'red']);
  });

  it('crossfades mix the whole frame; a dip to black is dark half way; a zoom pushes the old picture outwards', () => {
    const [r, g, b] = regionMean(mid('crossfade'), W, [60, 10, 40, 70]);
    expect(r).toBeGreaterThan(70);
    expect(b).toBeGreaterThan(70);
    expect(g).toBeLessThan(40);
    expect(Math.max(...regionMean(mid('fade-black'), W, [0, 0, W, H]))).toBeLessThan(40);
    // In a crossfade the bar stays where it was (whitish); pushed in 1.2×, it has moved left off x 21–29.
    expect(regionMean(mid('crossfade'), W, bar)[1]).toBeGreaterThan(60);
    expect(regionMean(mid('zoom'), W, bar)[1]).toBeLessThan(30);
  });
});
