import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDraft } from '../../src/backends/draft.js';
import { findFfmpeg } from '../../src/backends/local/ffmpeg.js';
import { chunkGraph, type Chunk } from '../../src/backends/local/graph.js';
import { runMain } from '../helpers/cli.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const { ffmpeg } = findFfmpeg(process.env);
const [W, H, FPS] = [64, 36, 30];
let clip: string;
const clipAt = new Map<number, string>();

/**
 * Which of the clip's frames each output frame of `chunk` shows, in a video of `d` ms that is the clip (2 s long):
 * the clip's frames carry their index in their luma.
 */
function shown(speed: number, chunk: Chunk, path = clip, d = 1000): number[] {
  const draft: LocalDraft = { d, t: [{ tt: 0, sg: [{ st: 0, d, src: 'clip.mp4', m: { kind: 'video', input: 0, speed } }] }] };
  const graph = chunkGraph(draft, chunk, {
    frame: { width: W, height: H, fps: FPS },
    media: () => ({ path, width: W, height: H, durationMs: 2000 }),
    texts: new Map(),
    fonts: [],
  });
  const args = ['-v', 'error', ...graph.inputs, '-filter_complex', graph.script, '-map', `[${graph.out}]`, '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'];
  const raw = execFileSync(ffmpeg, args, { maxBuffer: 16 << 20 });
  return Array.from({ length: raw.length / (W * H) }, (_, k) => Math.round(raw[k * W * H + (H / 2) * W + W / 2]! / 4));
}

describe('clips cut across chunks', () => {
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'nemo-run-test-'));
    // At 30, 25 and 24 fps, frame N of luma 4N (lossless), for 2 s.
    for (const rate of [30, 25, 24]) {
      const path = join(dir, `clip${rate}.mp4`);
      execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `color=black:s=${W}x${H}:r=${rate}:d=2,format=gray,geq=lum='4*N',format=yuv420p`, '-c:v', 'libx264', '-qp', '0', path]);
      clipAt.set(rate, path);
    }
    clip = clipAt.get(30)!;
  });
  afterAll(() => rmSync(join(clip, '..'), { recursive: true, force: true }));

  // Each chunk seeks to where its first frame is in the clip. Timed from the first picture after the seek, and seeking
  // to the millisecond above it, a chunk could start a source frame late or ahead of the sound, and skip or repeat one
  // at the cut (at half speed, a frame went missing; at double speed, the rest of the chunk ran a frame ahead).
  it.each([0.5, 2])('at %s× speed, a clip in two chunks shows the frames it shows in one, each at its time', (speed) => {
    // The cut is at a clip frame's own time (source frame 44 at 2×, 11 at 0.5×).
    const cut = 22;
    const whole = shown(speed, { from: 0, to: FPS });
    const parts = [...shown(speed, { from: 0, to: cut }), ...shown(speed, { from: cut, to: FPS })];
    expect(parts).toEqual(whole);
    // Output frame k is at k/30 s, and shows the clip's frame at that time times the speed (a slow clip's frames
    // each last two output frames).
    whole.forEach((n, k) => expect(n, `frame ${k}: ${whole.join(' ')}`).toBe(Math.floor(k * speed)));
  });

  // The picture shown at a chunk's first frame may be up to half a frame, and a source frame, before it, and a seek
  // drops every picture before its point: each chunk seeks half a second early, on its own frames' times. A 24 fps
  // clip has a picture exactly half way between two frames of a 30 fps video in every four: each goes to the later.
  it.each([25, 24])('a %s fps clip in a 30 fps video, cut anywhere, shows in two chunks the frames it shows in one', (rate) => {
    const whole = shown(1, { from: 0, to: 45 }, clipAt.get(rate), 1500);
    // Every picture up to the one at the last frame's time (44/30 s) shows.
    expect(new Set(whole).size).toBe(Math.round((44 / 30) * rate) + 1);
    for (const cut of [11, 17, 23, 29, 38, 41]) {
      const parts = [...shown(1, { from: 0, to: cut }, clipAt.get(rate), 1500), ...shown(1, { from: cut, to: 45 }, clipAt.get(rate), 1500)];
      expect(parts, `cut at ${cut}`).toEqual(whole);
    }
  });

  it('slowed down, a clip shows its last picture, and a chunk that starts on it renders it held (a seek past it crashed ffmpeg)', () => {
    // At 0.5×, 2 s of clip are 4 s of video: the last picture (59) shows for its own time, as each one does.
    expect(shown(0.5, { from: 0, to: 120 }, clip, 4000).slice(-4)).toEqual([58, 58, 59, 59]);
    // At 0.1×, 20 s of video: the last chunk starts on the clip's last picture (1.997 s into the 2 s clip).
    const whole = shown(0.1, { from: 0, to: 600 }, clip, 20_000);
    expect(shown(0.1, { from: 599, to: 600 }, clip, 20_000)).toEqual(whole.slice(599));
    expect(shown(0.1, { from: 540, to: 600 }, clip, 20_000)).toEqual(whole.slice(540));
  });

  it('keeps a clip whose picture starts after its sound (0.2 s later) in time with the sound: the first picture waits', () => {
    const late = join(clip, '..', 'late.mp4');
    execFileSync(ffmpeg, ['-v', 'error', '-itsoffset', '0.2', '-i', clip, '-f', 'lavfi', '-i', 'sine=d=2', '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', late]);
    // Its sound is mixed from 0 s; output frame k shows the picture of (k/30 - 0.2) s, the first one until then.
    const frames = shown(1, { from: 0, to: FPS }, late);
    frames.forEach((n, k) => expect(n, `frame ${k}: ${frames.join(' ')}`).toBe(Math.max(0, k - 6)));
  });

  /** A clip (`dir/clip.mp4`) with a flash and a beep together at 1, 2.5, 4 and 5 s (one frame; 30 ms of 1 kHz). */
  function flashAndBeepClip(dir: string): void {
    const at = [1, 2.5, 4, 5];
    const flashes = at.map((t) => `eq(n\\,${t * 30})`).join('+');
    const beeps = at.map((t) => `between(t\\,${t}\\,${t + 0.03})`).join('+');
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `color=black:s=${W}x${H}:r=30:d=6,drawbox=c=white:t=fill:enable='${flashes}'`, '-f', 'lavfi', '-i', `aevalsrc='0.8*sin(2*PI*1000*t)*(${beeps})':s=48000:d=6`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', join(dir, 'clip.mp4')]);
  }

  /** Renders `clip` (in `dir`) as a recipe's one input with `instruction`; returns the video and the tools' command lines. */
  async function render(dir: string, clip: string, instruction: string): Promise<{ video: string; stderr: string }> {
    await writeRecipe(dir, 'av.yaml', `inputs:\n  - ${clip}\ninstructions:\n  - ${instruction}\nexport:\n  size: ${W}x${H}\n  fps: 30\n  output: out/av.mp4\n`);
    const { code, stdout, stderr } = await runMain(['av.yaml', '--verbose'], { cwd: dir });
    expect(code, stdout).toBe(0);
    return { video: join(dir, 'out/av.mp4'), stderr };
  }

  /** A video's sound, mono at 48 kHz. */
  function soundOf(video: string): Float32Array {
    const pcm = execFileSync(ffmpeg, ['-v', 'error', '-i', video, '-ac', '1', '-ar', '48000', '-f', 'f32le', '-'], { maxBuffer: 16 << 20 });
    return new Float32Array(Uint8Array.from(pcm).buffer);
  }

  /** Renders `clip` as `render` does, and says when the flashes are seen and the beeps heard. */
  async function flashesAndBeeps(dir: string, clip: string, instruction: string): Promise<{ shownAt: number[]; heardAt: number[]; chunks: number }> {
    const { video, stderr } = await render(dir, clip, instruction);
    const luma = execFileSync(ffmpeg, ['-v', 'error', '-i', video, '-f', 'rawvideo', '-pix_fmt', 'gray', '-']);
    const lit = Array.from({ length: luma.length / (W * H) }, (_, k) => luma[k * W * H + (H / 2) * W + W / 2]! > 200);
    const shownAt = lit.flatMap((on, k) => (on && !lit[k - 1] ? [k / 30] : []));
    const samples = soundOf(video);
    const heardAt: number[] = [];
    for (let i = 0; i < samples.length; i++) if (Math.abs(samples[i]!) > 0.2) (heardAt.push(i / 48000), (i += 9600));
    return { shownAt, heardAt, chunks: new Set(stderr.match(/chunk\d+\.graph/g)).size };
  }

  it('keeps a trimmed clip\'s picture and sound together in the finished video, in each of its chunks', async () => {
    const dir = await tmpProject();
    flashAndBeepClip(dir);
    const { shownAt, heardAt, chunks } = await flashesAndBeeps(dir, 'clip.mp4', 'trim the first 0.5 seconds');
    // On two cores or more, the 5.5 s clip is two chunks: the flashes at 3.5 and 4.5 s are in the second.
    expect(chunks).toBe(availableParallelism() > 1 ? 2 : 1);
    // (The second chunk's picture ran a frame ahead of its sound: flashes at 3.467 and 4.467 s.)
    expect(shownAt).toEqual([0.5, 2, 3.5, 4.5]);
    expect(heardAt).toHaveLength(4);
    // Together to within half a frame (17 ms) and the beep's rise.
    heardAt.forEach((t, k) => expect(Math.abs(t - shownAt[k]!) * 1000, `${heardAt.join(' ')} / ${shownAt.join(' ')}`).toBeLessThan(25));
  });

  // Where a clip's streams start apart, its picture and sound keep the times the file gives them, as a player plays
  // it: the picture waited for nothing and was pulled ahead, and seeking to 0 dropped the sound's first 43 ms, so a
  // picture 0.1 s late came out 0.138 s late; a sound 0.3 s late was pulled to 0.03 s.
  it.each([
    { stream: 'picture', shift: ['-itsoffset', '0.1', '-i', 'clip.mp4', '-i', 'clip.mp4'], apart: -100 },
    { stream: 'sound', shift: ['-i', 'clip.mp4', '-itsoffset', '0.3', '-i', 'clip.mp4'], apart: 300 },
  ])('keeps a clip whose $stream starts later ($apart ms) as far apart as the file has them', async ({ shift, apart }) => {
    const dir = await tmpProject();
    flashAndBeepClip(dir);
    execFileSync(ffmpeg, ['-v', 'error', ...shift, '-map', '0:v', '-map', '1:a', '-c', 'copy', 'shifted.mp4'], { cwd: dir });
    const { shownAt, heardAt } = await flashesAndBeeps(dir, 'shifted.mp4', 'a 5-second video');
    expect(heardAt.length).toBeGreaterThanOrEqual(3);
    heardAt.forEach((t, k) => expect(Math.abs((t - shownAt[k]!) * 1000 - apart), `${heardAt.join(' ')} / ${shownAt.join(' ')}`).toBeLessThan(25));
  });

  it('plays a clip whose sound\'s clock runs 2 % slow through, with no silence put in to match its times', async () => {
    const dir = await tmpProject();
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `color=gray:s=${W}x${H}:r=30:d=12`, '-f', 'lavfi', '-i', 'sine=f=440:d=12', '-c:v', 'libx264', '-c:a', 'aac', 'plain.mp4'], { cwd: dir });
    execFileSync(ffmpeg, ['-v', 'error', '-i', 'plain.mp4', '-itsscale:a', '1.02', '-i', 'plain.mp4', '-map', '0:v', '-map', '1:a', '-c', 'copy', 'drift.mp4'], { cwd: dir });
    const samples = soundOf((await render(dir, 'drift.mp4', 'a 10-second video')).video);
    // The longest run of silence before the end (the tone crosses zero every 1.1 ms; its last 0.2 s of times have no
    // sound): filling the gaps in its times put 93 ms of silence at 5 s.
    let run = 0;
    let longest = 0;
    for (const v of samples.subarray(0, 9.5 * 48000)) (run = Math.abs(v) < 1e-4 ? run + 1 : 0), (longest = Math.max(longest, run));
    expect(longest / 48).toBeLessThan(20);
  });
});
