import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFfmpeg, runTool } from '../../src/backends/local/ffmpeg.js';
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
