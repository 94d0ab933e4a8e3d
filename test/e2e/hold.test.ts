import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ItemMeta, LocalDraft, Segment, TextMeta } from '../../src/backends/draft.js';
import { findFfmpeg, runTool } from '../../src/backends/local/ffmpeg.js';
import { bundledFonts } from '../../src/backends/local/fonts.js';
import { chunkGraph, type ChunkOptions } from '../../src/backends/local/graph.js';
import { countFrames, holdFrames } from '../../src/backends/local/h264.js';
import { tmpProject } from '../helpers/tmp.js';

const tools = findFfmpeg(process.env);

/** Ten different frames (a moving test pattern with its frame number drawn) encoded as the render encodes them. */
async function encode(dir: string, preset: string, gop: number): Promise<Buffer> {
  const path = join(dir, `${preset}.h264`);
  const args = ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x96:r=30', '-frames:v', '10'];
  await runTool(tools.ffmpeg, [...args, '-c:v', 'libx264', '-preset', preset, '-crf', '20', '-pix_fmt', 'yuv420p', '-profile:v', 'high', '-g', String(gop), '-bf', '0', '-refs', '1', path]);
  return readFile(path);
}

/** The MD5 of each decoded frame, in order; a decoding complaint fails the test. */
async function decoded(dir: string, stream: Buffer): Promise<string[]> {
  const path = join(dir, 'held.h264');
  await writeFile(path, stream);
  const { stdout, stderr } = await runTool(tools.ffmpeg, ['-v', 'error', '-r', '30', '-i', path, '-f', 'framemd5', '-']);
  expect(stderr.trim()).toBe('');
  return stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').at(-1)!.trim());
}

describe('holding frames with skipped frames (h264.ts)', () => {
  // veryfast: CABAC and weighted prediction; ultrafast: CAVLC (High profile, as the render's draft quality). A GOP of 4 puts key frames between the holds, and a
  // hold of 100 frames runs frame numbers past their wrap (64 with this stream's 6 bits).
  it.each([
    ['veryfast', 60],
    ['ultrafast', 4],
  ])('repeats each held frame exactly and decodes every other frame as encoded (%s, GOP %i)', async (preset, gop) => {
    const dir = await tmpProject();
    const stream = await encode(dir, preset, gop);
    const original = await decoded(dir, stream);
    expect(new Set(original).size).toBe(10);

    const repeats = new Map([[0, 5], [3, 100], [4, 1], [9, 7]]);
    const held = holdFrames(stream, repeats);
    const want = original.flatMap((md5, i) => Array<string>(1 + (repeats.get(i) ?? 0)).fill(md5));
    expect(held.frames).toBe(want.length);
    expect(countFrames(held.stream)).toBe(want.length);
    expect(await decoded(dir, held.stream)).toEqual(want);
  });

  it('costs a few bytes per repeated frame', async () => {
    const dir = await tmpProject();
    const stream = await encode(dir, 'veryfast', 60);
    const held = holdFrames(stream, new Map([[2, 300]]));
    expect((held.stream.length - stream.length) / 300).toBeLessThan(20);
  });

  it('refuses a stream with B frames, whose frames could not be repeated in place', async () => {
    const dir = await tmpProject();
    const path = join(dir, 'b.h264');
    await runTool(tools.ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x96:r=30', '-frames:v', '10', '-c:v', 'libx264', '-bf', '3', path]);
    const stream = await readFile(path);
    expect(() => holdFrames(stream, new Map([[1, 2]]))).toThrow(/picture order count type 0/);
  });
});

describe('a chunk made with held frames (skip)', () => {
  it('shows the same frames as one filtered frame by frame: the logo and texts, drawn once over the joined parts, land on the same frames', async () => {
    const dir = await tmpProject();
    const [W, H, fps] = [160, 90, 10];
    // Three stills (2 s, crossfading over 0.5 s), a logo with transparency throughout, a caption on each still fading
    // in and out, and a title over the first second.
    const colours = ['red', 'green', 'blue'];
    for (const [k, c] of colours.entries()) execFileSync(tools.ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `color=${c}:s=${W}x${H},drawbox=x=${20 + 40 * k}:y=0:w=10:h=${H}:color=white:t=fill`, '-frames:v', '1', join(dir, `${k}.png`)]);
    execFileSync(tools.ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'color=yellow@0.6:s=40x40,format=rgba', '-frames:v', '1', join(dir, '3.png')]);
    await copyFile(bundledFonts()[0]!.path, join(dir, 'font0.ttf'));
    const item = (k: number): Segment<ItemMeta> => ({ st: k * 1500, d: 2000, m: { kind: 'image', input: k, ...(k ? { transition: 'crossfade', transitionMs: 500 } : {}) } });
    const text = (st: number, d: number, words: string, kind: TextMeta['kind']): Segment<TextMeta> => ({ st, d, m: { kind, text: words, position: kind === 'title' ? 'center' : 'bottom', color: 'white' } });
    const texts = [text(0, 1000, 'Sale', 'title'), ...[0, 1, 2].map((k) => text(k * 1500 + 250, 1500, `Item ${k}`, 'caption'))];
    const draft: LocalDraft = {
      d: 5000,
      t: [
        { tt: 0, sg: [0, 1, 2].map(item) },
        { tt: 0, sg: [{ st: 0, d: 5000, m: { kind: 'logo', input: 3, position: 'bottom-right', opacity: 1 } }] },
        { tt: 7, sg: texts },
      ],
    };
    await Promise.all(texts.map((t, k) => writeFile(join(dir, `t${k}.txt`), t.m.text)));
    const opts: ChunkOptions = {
      frame: { width: W, height: H, fps },
      media: (i) => ({ path: join(dir, `${i}.png`), width: i === 3 ? 40 : W, height: i === 3 ? 40 : H }),
      texts: new Map(texts.map((t, k) => [t, [{ runs: [{ file: `t${k}.txt`, text: t.m.text, font: 0, width: 2 }], width: 2 }]])),
      fonts: ['font0.ttf'],
    };
    const frames = (skip: boolean, from = 0, to = 50) => {
      const graph = chunkGraph(draft, { from, to }, { ...opts, skip });
      const raw = execFileSync(tools.ffmpeg, ['-v', 'error', ...graph.inputs, '-filter_complex', graph.script, '-map', `[${graph.out}]`, '-vsync', 'passthrough', '-f', 'rawvideo', '-'], { cwd: dir, maxBuffer: 1 << 26 });
      const size = (W * H * 3) / 2;
      const md5s = Array.from({ length: raw.length / size }, (_, k) => createHash('md5').update(raw.subarray(k * size, (k + 1) * size)).digest('hex'));
      return { graph, md5s };
    };
    const everyFrame = frames(false);
    expect(everyFrame.md5s).toHaveLength(50);
    // The whole timeline; a chunk that begins with a held still (its caption fully shown at frame 22); one that begins
    // and ends inside stills.
    for (const [from, to] of [[0, 50], [22, 50], [10, 40]] as const) {
      const held = frames(true, from, to);
      expect(held.md5s).toHaveLength(held.graph.made);
      expect(held.graph.made).toBeLessThan((to - from) * 0.8);
      // One logo overlay for the chunk, however many parts it has.
      expect(held.graph.script.match(/overlay=x=/g)).toHaveLength(1);
      expect(held.md5s.flatMap((md5, n) => Array<string>(1 + (held.graph.repeats.get(n) ?? 0)).fill(md5)), `frames ${from}–${to}`).toEqual(everyFrame.md5s.slice(from, to));
    }
  });
});
