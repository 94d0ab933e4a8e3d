import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runMain } from '../helpers/cli.js';
import { frameAt, probe, regionDiff, type Rect } from '../helpers/media.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const FIXTURES = join(ROOT, 'test/fixtures/media');
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** An empty folder holding only the named fixtures (at the given relative paths). */
async function folderWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nemo-run-init-'));
  dirs.push(dir);
  for (const [to, from] of Object.entries(files)) {
    await mkdir(join(dir, to, '..'), { recursive: true });
    await copyFile(join(FIXTURES, from), join(dir, to));
  }
  return dir;
}

/** A tiny draft-quality recipe of the two coloured stills. */
function tiny(seconds: number, output = 'out/${name}.mp4', extra: string[] = []): string {
  return `inputs:\n  - media/red.jpg\n  - media/blue.jpg\n${extra.map((e) => `  - ${e}\n`).join('')}instructions:\n  - "a ${seconds}-second video"\n  - hard cuts\nexport:\n  size: 160x90\n  quality: draft\n  output: ${output}\n`;
}

describe('nemo-run init', () => {
  it('writes a promo recipe for photos, with the schema modeline, music, logo and captions, that validates; prints the next command', async () => {
    const dir = await folderWith({ 'photos/red.jpg': 'red.jpg', 'photos/blue.jpg': 'blue.jpg', 'logo.png': 'logo.png', 'music.mp3': 'tone.mp3', 'subs.srt': 'captions.srt' });
    const { code, stdout, stderr } = await runMain(['init'], { cwd: dir });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('wrote promo.yaml: a promo of 2 photos, a logo, music, captions');
    expect(stdout).toContain('next: nemo-run promo.yaml');
    const text = await readFile(join(dir, 'promo.yaml'), 'utf8');
    const modeline = /^# yaml-language-server: \$schema=(.+)$/m.exec(text)?.[1];
    expect(modeline).toBeDefined();
    expect(existsSync(join(dir, modeline!)) || existsSync(modeline!)).toBe(true);
    expect(text).toContain('  - photos/blue.jpg\n  - photos/red.jpg\n');
    expect(text).toContain('{ path: logo.png, role: logo }');
    expect(text).toContain('{ path: music.mp3, role: music }');
    expect(text).toContain('{ path: subs.srt, role: captions }');
    expect(text).toContain('turn these product images into an 8-second promotional video with music and captions');
    const validated = await runMain(['validate', 'promo.yaml'], { cwd: dir });
    expect(validated.code, validated.stderr + validated.stdout).toBe(0);
    const plan = await runMain(['plan', 'promo.yaml', '--json'], { cwd: dir });
    expect(JSON.parse(plan.stdout).notes.flatMap((n: { notUnderstood: string[] }) => n.notUnderstood)).toEqual([]);
  });

  it('writes a vertical reel recipe for clips, in the folder given, and never overwrites an existing file', async () => {
    const dir = await folderWith({ 'shoot/clip.mp4': 'clip.mp4', 'shoot/red.jpg': 'red.jpg' });
    const first = await runMain(['init', 'shoot'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('wrote shoot/reel.yaml: a vertical reel of 1 clip, 1 photo');
    expect(first.stdout).toContain('next: nemo-run shoot/reel.yaml');
    const text = await readFile(join(dir, 'shoot/reel.yaml'), 'utf8');
    expect(text).toContain('aspect: "9:16"');
    expect(text).toContain('  - clip.mp4\n  - red.jpg\n');
    const plan = await runMain(['plan', 'shoot/reel.yaml', '--json'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).export).toMatchObject({ aspect: '9:16', width: 1080, height: 1920 });

    await writeFile(join(dir, 'shoot/reel.yaml'), 'mine\n');
    const again = await runMain(['init', 'shoot'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('shoot/reel.yaml already exists; nothing was written');
    expect(await readFile(join(dir, 'shoot/reel.yaml'), 'utf8')).toBe('mine\n');
  });

  it('says which files it left out: formats nemo-run does not take, and sound beyond the music', async () => {
    const dir = await folderWith({ 'red.jpg': 'red.jpg', 'IMG_0001.HEIC': 'red.jpg', 'song.flac': 'tone.mp3', 'a.mp3': 'tone.mp3', 'b.mp3': 'tone.mp3' });
    const { code, stdout, stderr } = await runMain(['init'], { cwd: dir });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('a promo of 1 photo, music');
    expect(stderr).toContain('left out IMG_0001.HEIC, song.flac: nemo-run does not take these formats; convert them, then add them to the recipe: `magick IMG_0001.HEIC IMG_0001.jpg`, `ffmpeg -i song.flac song.m4a`');
    expect(stderr).toContain('left out b.mp3: a recipe takes one music and one captions file');
    const text = await readFile(join(dir, 'promo.yaml'), 'utf8');
    expect(text).toContain('{ path: a.mp3, role: music }');
    expect(text).not.toMatch(/HEIC|flac|b\.mp3/);
    // Run on a folder, the commands name the files from where init was run, so they run as printed.
    const shoot = await folderWith({ 'shoot/red.jpg': 'red.jpg', 'shoot/00001.MTS': 'red.jpg' });
    const sub = await runMain(['init', 'shoot'], { cwd: shoot });
    expect(sub.stderr).toContain('`ffmpeg -i shoot/00001.MTS -c copy shoot/00001.mp4`');
  });

  it('says so when the folder has no photos or clips (exit 2) and writes nothing', async () => {
    const dir = await folderWith({ 'music.mp3': 'tone.mp3' });
    const { code, stderr } = await runMain(['init', '.'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('no photos or clips in . or its subfolders');
    expect(existsSync(join(dir, 'promo.yaml'))).toBe(false);
    const missing = await runMain(['init', 'nowhere'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nowhere is not a folder');
  });
});

describe('run -o/--output', () => {
  it('writes the one recipe\'s video where -o says, instead of export.output', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'a.yaml', tiny(1));
    const { code, stdout, stderr } = await runMain(['a.yaml', '-o', 'elsewhere/clip.mp4'], { cwd: dir });
    expect(code, stdout + stderr).toBe(0);
    const media = await probe(join(dir, 'elsewhere/clip.mp4'));
    expect(media.video).toMatchObject({ width: 160, height: 90 });
    expect(media.duration).toBeCloseTo(1, 1);
    expect(existsSync(join(dir, 'out/a.mp4'))).toBe(false);
  });

  it('is refused with several recipes, and for an output the recipe could not write (exit 2)', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'a.yaml', tiny(1));
    await writeRecipe(dir, 'b.yaml', tiny(1));
    const watching = await runMain(['a.yaml', '--watch', '-o', 'x.mp4'], { cwd: dir });
    expect(watching.code).toBe(2);
    expect(watching.stderr).toContain('-o/--output is for one run, not --watch');
    const several = await runMain(['run', 'a.yaml', 'b.yaml', '--output', 'x.mp4'], { cwd: dir });
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('-o/--output names the output of one video; these recipes make 2');
    const wrongType = await runMain(['a.yaml', '-o', 'x.webm'], { cwd: dir });
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toContain('-o x.webm');
    expect(existsSync(join(dir, 'x.webm'))).toBe(false);
  });
});

describe('nemo-run still', () => {
  it('writes the frame at --at as a PNG of the video\'s size, prints its path, and refuses a time past the end', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'thumb.yaml', tiny(2));
    const { code, stdout, stderr } = await runMain(['still', 'thumb.yaml', '--at', '1.5s'], { cwd: dir });
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe(join('out', 'thumb.1.5s.png'));
    const png = await probe(join(dir, 'out/thumb.1.5s.png'));
    expect(png.video).toMatchObject({ codec_name: 'png', width: 160, height: 90 });
    // Hard cuts at 1 s: the first second is red, the second blue.
    const first = await runMain(['still', 'thumb.yaml', '--at', '0.5', '-o', 'first.png'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('used out/thumb.mp4'); // up to date: not rendered again
    // Each still is the video's frame at that time (hard cut at 1 s: red.jpg, then blue.jpg).
    const whole: Rect = [0, 0, 160, 90];
    const video = join(dir, 'out/thumb.mp4');
    const early = await frameAt(join(dir, 'first.png'), 0, 160, 90);
    const later = await frameAt(join(dir, 'out/thumb.1.5s.png'), 0, 160, 90);
    expect(regionDiff(early, await frameAt(video, 0.5, 160, 90), 160, whole)).toBeLessThan(2);
    expect(regionDiff(later, await frameAt(video, 1.5, 160, 90), 160, whole)).toBeLessThan(2);
    expect(regionDiff(early, later, 160, whole)).toBeGreaterThan(20);
    // The frame on screen at a time is the one that began at or before it (at 30 fps, frame 29 shows until 1 s), up to
    // the last frame (it was the next frame, and none after the last).
    for (const [at, like] of [['0.99', early], ['1.99', later]] as const) {
      const { code, stderr } = await runMain(['still', 'thumb.yaml', '--at', at, '-o', `at${at}.png`], { cwd: dir });
      expect(code, stderr).toBe(0);
      expect(regionDiff(await frameAt(join(dir, `at${at}.png`), 0, 160, 90), like, 160, whole)).toBeLessThan(2);
    }

    const late = await runMain(['still', 'thumb.yaml', '--at', '0:05'], { cwd: dir });
    expect(late.code).toBe(2);
    expect(late.stderr).toContain('--at 0:05: the video is 2 s long');
    expect(late.stderr).toContain('pick a time from 0 to 1.999 s');
    const bad = await runMain(['still', 'thumb.yaml', '--at', 'soon'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--at soon: not a time');
  });
});

describe('caption timings from .srt/.vtt', () => {
  it('places the cues at their own times, clamped to the video, and warns about cues past the end', async () => {
    const dir = await tmpProject();
    await writeFile(
      join(dir, 'media/late.vtt'),
      'WEBVTT\n\n00:00.200 --> 00:00.800\nEarly\n\n00:01.000 --> 00:03.000 align:start\nRuns <b>long</b>\n\n00:05.000 --> 00:06.000\nToo late\n',
    );
    await writeRecipe(dir, 'subs.yaml', tiny(2, 'out/${name}.mp4', ['{ path: media/late.vtt, role: captions }']));
    const plan = await runMain(['plan', 'subs.yaml', '--json'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    const track = JSON.parse(plan.stdout).draft.t.find((t: { tt: number }) => t.tt === 7);
    expect(track.sg.map((s: { st: number; d: number; m: { text: string } }) => [s.st, s.d, s.m.text])).toEqual([
      [200, 600, 'Early'],
      [1000, 1000, 'Runs long'],
    ]);
    const run = await runMain(['subs.yaml'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('late.vtt: cue 2 runs to 3 s, past the end of the 2 s video; it is cut at the end');
    expect(run.stdout).toContain('late.vtt: cue 3 ("Too late", 5 s) starts after the 2 s video ends; not shown');
    expect((await probe(join(dir, 'out/subs.mp4'))).duration).toBeCloseTo(2, 1);
  });

  it('uses the fixture .srt\'s times (0–1 s, 1–2 s) rather than one cue per item', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'srt.yaml', tiny(2, 'out/${name}.mp4', ['media/green-tall.png', '{ path: media/captions.srt, role: captions }']));
    const plan = await runMain(['plan', 'srt.yaml', '--json'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    const track = JSON.parse(plan.stdout).draft.t.find((t: { tt: number }) => t.tt === 7);
    expect(track.sg.map((s: { st: number; d: number; m: { text: string } }) => [s.st, s.d, s.m.text])).toEqual([
      [0, 1000, 'First cue'],
      [1000, 1000, 'Second cue'],
    ]);
  });
});
