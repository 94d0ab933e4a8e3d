import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFfmpeg } from '../../src/backends/local/ffmpeg.js';
import { runMain } from '../helpers/cli.js';
import { colourName, frameAt, regionMean, type Rect } from '../helpers/media.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const { ffmpeg } = findFfmpeg(process.env);

/**
 * A 640x360 photo: a plain blue background, a busy test pattern (the subject) at x 20–140, y 120–240, and a small
 * plain yellow block at x 560–600, y 150–210 that has too little detail to count as a subject.
 */
function subjectPhoto(file: string): void {
  execFileSync(ffmpeg, [
    '-v', 'error', '-f', 'lavfi', '-i', 'color=c=0x2040c0:s=640x360', '-f', 'lavfi', '-i', 'testsrc2=s=120x120',
    '-filter_complex', '[0][1]overlay=20:120,drawbox=x=560:y=150:w=40:h=60:color=yellow:t=fill', '-frames:v', '1', '-y', file,
  ]);
}

/** A JPEG's bytes with an EXIF APP1 segment saying its picture is stored turned (`orientation`, 1–8). */
function withOrientation(jpeg: Buffer, orientation: number): Buffer {
  // Big-endian TIFF: header, one IFD with the one Orientation entry (SHORT), no next IFD.
  const tiff = Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

/** How far the pixels of a rectangle stray from its mean colour, on average (0 for a plain area). */
function busyness(frame: Buffer, width: number, rect: Rect): number {
  const mean = regionMean(frame, width, rect);
  const [x, y, w, h] = rect;
  let sum = 0;
  for (let row = y; row < y + h; row++) {
    for (let col = x; col < x + w; col++) {
      const i = (row * width + col) * 3;
      for (let c = 0; c < 3; c++) sum += Math.abs(frame[i + c]! - mean[c]!);
    }
  }
  return sum / (w * h * 3);
}

const recipe = (input: string, size: string, output: string, words = 'a 1-second video') =>
  `inputs:\n  - ${input}\ninstructions:\n  - ${words}\nexport:\n  size: ${size}\n  quality: draft\n  output: out/${output}.mp4\n`;

/** Plans the recipe and returns the framing of its first item, as `plan --json` shows it. */
async function framingOf(dir: string, file: string): Promise<Record<string, unknown>> {
  const { code, stdout, stderr } = await runMain(['plan', file, '--json'], { cwd: dir });
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout).draft.t[0].sg[0].m.framing;
}

/** Renders recipes `<name>.yaml` (in one run) and returns the first frame of each `out/<name>.mp4`. */
async function render(dir: string, names: string[], width: number, height: number): Promise<Buffer[]> {
  const { code, stdout, stderr } = await runMain(names.map((n) => `${n}.yaml`), { cwd: dir });
  expect(code, `${stdout}\n${stderr}`).toBe(0);
  return Promise.all(names.map((n) => frameAt(join(dir, 'out', `${n}.mp4`), 0, width, height)));
}

describe('framing a picture cropped to another shape', () => {
  it('crops a wide photo to 9:16 where its subject is; a centred crop would lose it, and focus: right moves the window', async () => {
    const dir = await tmpProject();
    subjectPhoto(join(dir, 'shop.png'));

    // In a 90x160 frame the 640x360 photo is 284x160: a 90-wide window, 0.32 of it. The subject is at its left.
    await writeRecipe(dir, 'auto.yaml', recipe('shop.png', '90x160', 'auto'));
    // A centred crop is what `focus: center` pins.
    await writeRecipe(dir, 'centre.yaml', recipe('{ path: shop.png, focus: center }', '90x160', 'centre'));
    await writeRecipe(dir, 'right.yaml', recipe('{ path: shop.png, focus: right }', '90x160', 'right'));
    expect(await framingOf(dir, 'auto.yaml')).toEqual({ mode: 'cover', x: 0, y: 0, w: 0.3164, h: 1, by: 'subject' });
    expect(await framingOf(dir, 'centre.yaml')).toEqual({ mode: 'cover', x: 0.3418, y: 0, w: 0.3164, h: 1, by: 'pin' });
    expect(await framingOf(dir, 'right.yaml')).toEqual({ mode: 'cover', x: 0.6836, y: 0, w: 0.3164, h: 1, by: 'pin' });
    const [auto, centre, right] = await render(dir, ['auto', 'centre', 'right'], 90, 160);
    // The window shows x 0–202 of the photo: the pattern fills x 9–62, y 53–107 of the frame.
    const subject: Rect = [15, 60, 40, 40];
    expect(busyness(auto, 90, subject)).toBeGreaterThan(25);

    // The centred crop shows only the plain background there.
    expect(busyness(centre, 90, subject)).toBeLessThan(5);
    expect(colourName(regionMean(centre, 90, subject))).toBe('blue');

    // focus: right shows x 438–640: the yellow block, at x 54–72, y 67–93 of the frame.
    expect(colourName(regionMean(right, 90, [57, 70, 12, 20]))).toBe('yellow');
    expect(busyness(right, 90, subject)).toBeLessThan(5);
  }, 60_000);

  it('frames a clip by the subject of its key frames', async () => {
    const dir = await tmpProject();
    // 2 s of 320x180, a key frame every 10 frames: the moving pattern stays at the right (x 250–310).
    execFileSync(ffmpeg, [
      '-v', 'error', '-f', 'lavfi', '-i', 'color=c=0x2040c0:s=320x180:d=2', '-f', 'lavfi', '-i', 'testsrc2=s=60x60:d=2',
      '-filter_complex', '[0][1]overlay=250:60', '-g', '10', '-pix_fmt', 'yuv420p', '-y', join(dir, 'walk.mp4'),
    ]);
    await writeRecipe(dir, 'clip.yaml', recipe('walk.mp4', '90x160', 'clip'));
    expect(await framingOf(dir, 'clip.yaml')).toEqual({ mode: 'cover', x: 0.6836, y: 0, w: 0.3164, h: 1, by: 'subject' });
  });

  it('frames an upright phone photo (EXIF orientation 6) by its subject as seen, and a slow zoom keeps to the window', async () => {
    const dir = await tmpProject();
    subjectPhoto(join(dir, 'plain.jpg'));
    // Stored 640x360 and turned a quarter clockwise to be seen: 360x640, the pattern at the top (y 20–140), across x 119–239.
    await writeFile(join(dir, 'phone.jpg'), withOrientation(await readFile(join(dir, 'plain.jpg')), 6));
    await writeRecipe(dir, 'phone.yaml', recipe('phone.jpg', '160x90', 'phone', 'a 1-second video with a slow zoom'));
    expect(await framingOf(dir, 'phone.yaml')).toEqual({ mode: 'cover', x: 0, y: 0, w: 1, h: 0.3164, by: 'subject' });
    // 160 wide, the picture is 160x284; the window shows its top 90 rows: the pattern at x 53–106, y 9–62.
    const [first] = await render(dir, ['phone'], 160, 90);
    expect(busyness(first, 160, [60, 15, 40, 40])).toBeGreaterThan(25);
    // The zoom closes in on the middle of that window: the pattern is still there at the end.
    const last = await frameAt(join(dir, 'out', 'phone.mp4'), 0.95, 160, 90);
    expect(busyness(last, 160, [65, 25, 30, 30])).toBeGreaterThan(25);
  }, 60_000);
});
