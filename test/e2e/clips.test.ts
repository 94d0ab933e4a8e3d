import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDraft } from '../../src/backends/draft.js';
import { findFfmpeg } from '../../src/backends/local/ffmpeg.js';
import { chunkGraph, type Chunk } from '../../src/backends/local/graph.js';

const { ffmpeg } = findFfmpeg(process.env);
const [W, H, FPS] = [64, 36, 30];
let clip: string;

/** Which of the clip's frames each output frame of `chunk` shows: the clip's frames carry their index in their luma. */
function shown(speed: number, chunk: Chunk, path = clip): number[] {
  const draft: LocalDraft = { d: 1000, t: [{ tt: 0, sg: [{ st: 0, d: 1000, src: 'clip.mp4', m: { kind: 'video', input: 0, speed } }] }] };
  const graph = chunkGraph(draft, chunk, {
    frame: { width: W, height: H, fps: FPS },
    media: () => ({ path, width: W, height: H, durationMs: 5000, videoEndMs: 5000 }),
    texts: new Map(),
    fonts: [],
  });
  const args = ['-v', 'error', ...graph.inputs, '-filter_complex', graph.script, '-map', `[${graph.out}]`, '-vsync', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'];
  const raw = execFileSync(ffmpeg, args);
  return Array.from({ length: raw.length / (W * H) }, (_, k) => Math.round(raw[k * W * H + (H / 2) * W + W / 2]! / 4));
}

describe('clips cut across chunks', () => {
  beforeAll(() => {
    clip = join(mkdtempSync(join(tmpdir(), 'nemo-run-test-')), 'clip.mp4');
    // 30 fps, frame N of luma 4N (lossless), for 60 frames.
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `color=black:s=${W}x${H}:r=30:d=2,format=gray,geq=lum='4*N',format=yuv420p`, '-c:v', 'libx264', '-qp', '0', clip]);
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

  it('keeps a clip whose picture starts after its sound (0.2 s later) in time with the sound: the first picture waits', () => {
    const late = join(clip, '..', 'late.mp4');
    execFileSync(ffmpeg, ['-v', 'error', '-itsoffset', '0.2', '-i', clip, '-f', 'lavfi', '-i', 'sine=d=2', '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', late]);
    // Its sound is mixed from 0 s; output frame k shows the picture of (k/30 - 0.2) s, the first one until then.
    const frames = shown(1, { from: 0, to: FPS }, late);
    frames.forEach((n, k) => expect(n, `frame ${k}: ${frames.join(' ')}`).toBe(Math.max(0, k - 6)));
  });
});
