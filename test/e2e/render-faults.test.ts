import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, lutimes, mkdir, readdir, readFile, rm, stat, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { checkOne } from '../../src/api.js';
import type { StepContext } from '../../src/backends/backend.js';
import type { Plan } from '../../src/plan/plan.types.js';
import { NemoError } from '../../src/errors.js';
import { runCli, spawnCli, testEnv } from '../helpers/cli.js';
import { probe } from '../helpers/media.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';
import { processes, processesWith, until } from '../helpers/wait.js';
import { findFfmpeg, runTool } from '../../src/backends/local/ffmpeg.js';
import { pngProblem } from '../../src/backends/local/verify.js';
import { InterruptedError } from '../../src/errors.js';

const tools = findFfmpeg(process.env);

/** A recipe for a tiny draft-quality render. */
function recipe(inputs: string[], instructions: string[], exportLines = 'size: 160x90\n  quality: draft'): string {
  return `inputs:\n${inputs.map((i) => `  - ${i}\n`).join('')}instructions:\n${instructions.map((i) => `  - ${JSON.stringify(i)}\n`).join('')}export:\n  ${exportLines}\n  output: out/\${name}.mp4\n`;
}

/** Video frames (packets counted) and the sound's length of a file. */
async function frames(file: string): Promise<{ frames: number; audio?: number }> {
  const { stdout } = await runTool(tools.ffprobe, ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,nb_read_packets,duration', '-of', 'json', file]);
  const streams = (JSON.parse(stdout) as { streams: { codec_type: string; nb_read_packets: string; duration?: string }[] }).streams;
  const audio = streams.find((s) => s.codec_type === 'audio');
  return { frames: Number(streams.find((s) => s.codec_type === 'video')?.nb_read_packets ?? 0), audio: audio ? Number(audio.duration) : undefined };
}

/** The partial files (`.name.<pid>.<random>.partial.ext`) in a folder. */
async function partials(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => n.includes('.partial'));
}

const mounts: string[] = [];
afterEach(() => {
  for (const dir of mounts.splice(0)) execFileSync('umount', ['-l', dir]);
});

/** Mounts a small tmpfs at `dir`; returns why it could not (not root, no mount rights), or undefined. */
function mountTmpfs(dir: string, bytes: number): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
    mounts.push(dir);
    return undefined;
  } catch (error) {
    return `a small tmpfs cannot be mounted here, so a full disk cannot be made (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
}

describe('the local backend under faults', () => {
  it('keeps a good old output byte for byte when the disk fills during the render, and says so (E_OUTPUT, the path, the free space)', async (ctx) => {
    const dir = await tmpProject();
    const out = join(dir, 'out');
    await mkdir(out);
    const why = mountTmpfs(out, 1024 * 1024);
    if (why) ctx.skip(why);
    await writeRecipe(dir, 'full.yaml', recipe(['media/blue.jpg'], ['a 1-second video']));
    expect((await runCli(['full.yaml'], { cwd: dir })).code).toBe(0);
    const before = await Promise.all(['full.mp4', 'full.poster.png'].map((f) => readFile(join(out, f))));

    // Now only a few pages are left, and the new video (a busy clip with its sound, a slow zoom) needs far more.
    execFileSync('mount', ['-o', 'remount,size=40k', out]);
    await writeRecipe(dir, 'full.yaml', recipe(['media/clip.mp4'], ['a 2-second video with a slow zoom'], 'size: 160x90\n  quality: high'));
    const { code, stdout } = await runCli(['full.yaml'], { cwd: dir });
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`✖ full: the video ${join(out, 'full.mp4')} was not kept: the file ffmpeg wrote .*\\[E_OUTPUT\\]`));
    expect(stdout).toMatch(new RegExp(`hint: is the disk full\\? \\d+\\.\\d MB free in ${out}; what was there before is left as it was`));
    const after = await Promise.all(['full.mp4', 'full.poster.png'].map((f) => readFile(join(out, f))));
    expect(after[0]!.equals(before[0]!)).toBe(true);
    expect(after[1]!.equals(before[1]!)).toBe(true);
    expect(await readdir(out)).toEqual(['full.mp4', 'full.poster.png']);
  });

  it('never stamps a run up to date when its poster was cut short by a full disk', async (ctx) => {
    const dir = await tmpProject();
    const out = join(dir, 'out');
    await mkdir(out);
    // Room for the 1-second video (about 35 kB) but not for its poster (about 700 kB of busy frames).
    const why = mountTmpfs(out, 96 * 1024);
    if (why) ctx.skip(why);
    // An MP4's poster is laid out during the render and copied into place; a WebM's is taken from the video by
    // ffmpeg, which exits 0 on a full disk, so its PNG is checked.
    await writeRecipe(dir, 'poster.yaml', recipe(['media/clip.mp4'], ['a 1-second video', 'mute the clips']));
    await writeRecipe(dir, 'seek.yaml', recipe(['media/clip.mp4'], ['a 1-second video', 'mute the clips'], 'size: 160x90\n  quality: draft\n  format: webm').replace(/\.mp4\n$/, '.webm\n'));
    const first = await runCli(['poster.yaml'], { cwd: dir });
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/✖ poster: no space left on the disk to write \S+poster\.poster\.png.*\[E_OUTPUT\]/);
    const seek = await runCli(['seek.yaml'], { cwd: dir });
    expect(seek.code).toBe(1);
    expect(seek.stdout).toMatch(/✖ seek: the poster \S+seek\.poster\.png was not kept: the file ffmpeg wrote is cut short .*\[E_OUTPUT\]/);
    expect((await readdir(out)).sort()).toEqual(['poster.mp4', 'seek.webm']);

    execFileSync('mount', ['-o', 'remount,size=4m', out]);
    for (const name of ['poster', 'seek']) {
      const second = await runCli([`${name}.yaml`], { cwd: dir });
      expect(second.code, second.stdout).toBe(0);
      expect(second.stdout).not.toContain('up to date');
      expect((await probe(join(out, `${name}.poster.png`))).video).toMatchObject({ width: 1440, height: 540 });
    }
  });

  it('keeps a PNG only when its chunks run whole to its end chunk, with their CRCs, and its pixels inflate to its size', async () => {
    const dir = await tmpProject();
    const path = join(dir, 'whole.png');
    execFileSync(findFfmpeg(process.env).ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x240', '-frames:v', '1', path]);
    const png = await readFile(path);
    expect(await pngProblem(path)).toBeUndefined();
    const [end, half, quarter] = [png.subarray(-12), png.length >> 1, png.length >> 2];
    const cases: [string, Buffer, RegExp][] = [
      ['cut in its pixels', png.subarray(0, half), /^is cut short \(\d+ bytes, in its IDAT chunk\)$/],
      ['cut before its end chunk', png.subarray(0, png.length - 12), /^is cut short \(\d+ bytes, with no end chunk\)$/],
      // A full disk: a large write lost, the end chunk written after it.
      ['a write lost before its end chunk', Buffer.concat([png.subarray(0, quarter), png.subarray(half)]), /^is damaged \(the CRC of its IDAT chunk does not match\)$/],
      ['one byte changed', Buffer.from(png).fill(png[half]! ^ 1, half, half + 1), /^is damaged \(the CRC of its IDAT chunk does not match\)$/],
      ['bytes after its end', Buffer.concat([png, end]), /^has 12 bytes after its end chunk$/],
      ['not a PNG', Buffer.from('GIF89a'), /^is not a PNG/],
    ];
    // Whole chunks, CRCs right, but pixels that do not inflate, or inflate short of the header's size.
    const withPixels = (pixels: Buffer) => {
      const idat = Buffer.concat([Buffer.from('IDAT'), pixels]);
      const chunk = Buffer.alloc(idat.length + 8);
      chunk.writeUInt32BE(pixels.length, 0);
      idat.copy(chunk, 4);
      chunk.writeUInt32BE(crc32(idat), idat.length + 4);
      return Buffer.concat([png.subarray(0, 33), chunk, end]);
    };
    const deflated = deflateSync(Buffer.alloc(240 * (1 + 320 * 3)));
    cases.push(
      ['pixels cut short', withPixels(deflated.subarray(0, deflated.length >> 1)), /^does not decode \(its pixels: unexpected end of file\)$/],
      ['pixels for fewer rows', withPixels(deflateSync(Buffer.alloc(100 * (1 + 320 * 3)))), /^does not decode \(96100 bytes of pixels where its header makes 230640\)$/],
    );
    expect(await pngProblem((await writeFile(path, withPixels(deflated)), path))).toBeUndefined();
    for (const [what, bytes, problem] of cases) {
      await writeFile(path, bytes);
      expect(await pngProblem(path), what).toMatch(problem);
    }
  });

  it('names the folder and hints at freeing space when the temporary folder is full (ENOSPC)', async (ctx) => {
    const dir = await tmpProject();
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    const why = mountTmpfs(tmp, 4096);
    if (why) ctx.skip(why);
    await writeRecipe(dir, 'nospace.yaml', recipe(['media/blue.jpg', 'media/red.jpg'], ['a 1-second video with captions']));
    const { code, stdout } = await runCli(['nospace.yaml'], { cwd: dir, env: { TMPDIR: tmp } });
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`✖ nospace: no space left on the disk to write the temporary files in ${tmp}/nemo-run-\\d+-\\w+ \\[E_OUTPUT\\]`));
    expect(stdout).toMatch(new RegExp(`hint: free some space \\(\\d+\\.\\d MB free in ${tmp}\\) and run again`));
    expect(await readdir(tmp)).toEqual([]);
  });

  it('heals a poisoned cache: a cut chunk, a cut sound file and a garbage probe record are made again, the output exact', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'heal.yaml', recipe(['media/blue.jpg', 'media/red.jpg', '{ path: media/tone.mp3, role: music }'], ['a 2-second video with music']));
    expect((await runCli(['heal.yaml'], { cwd: dir })).code).toBe(0);
    const cache = join(dir, '.nemo-run', 'cache');
    const entries = (await readdir(cache)).filter((n) => !n.endsWith('.check'));
    const sizes = new Map(await Promise.all(entries.map(async (n) => [n, (await stat(join(cache, n))).size] as const)));
    const [chunk, sound, record] = ['.h264', '.m4a', '.json'].map((ext) => entries.find((n) => n.endsWith(ext))!);
    await truncate(join(cache, chunk!), Math.floor(sizes.get(chunk!)! / 2));
    await truncate(join(cache, sound!), Math.floor(sizes.get(sound!)! / 3));
    await writeFile(join(cache, record!), '{"kind":"video","durationMs":1e9,"hasAudio":true');

    const { code, stdout } = await runCli(['heal.yaml', '--force'], { cwd: dir });
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('a damaged cache entry is made again');
    const output = await frames(join(dir, 'out', 'heal.mp4'));
    expect(output.frames).toBe(60);
    expect(Math.abs(output.audio! - 2)).toBeLessThanOrEqual(1 / 30);
    for (const name of [chunk!, sound!, record!]) expect((await stat(join(cache, name))).size, name).toBe(sizes.get(name));
    // And the healed entries are trusted again: a third run finds every one whole.
    const third = await runCli(['heal.yaml', '--force'], { cwd: dir });
    expect(third.code).toBe(0);
    expect(third.stdout).not.toContain('damaged');
  });

  it('leaves no ffmpeg running after kill -9 of the CLI, and the next run removes the partial files and work folder it left', async () => {
    const dir = await tmpProject();
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    const env = { TMPDIR: tmp };
    await writeRecipe(dir, 'killed.yaml', recipe(['media/blue.jpg', 'media/red.jpg'], ['a 40-second video with a slow zoom'], 'resolution: 720p\n  quality: high'));
    const child = spawnCli(['killed.yaml'], { cwd: dir, env });
    await new Promise<void>((resolve) => child.stdout!.on('data', (c) => String(c).includes('render video') && resolve()));
    const cache = join(dir, '.nemo-run', 'cache');
    // Killed while ffmpeg renders into partial files.
    await until(async () => (await processesWith(dir)).length > 0 && (await partials(cache)).length > 0);
    child.kill('SIGKILL');
    await child.result;

    // The orphaned ffmpeg notices within two seconds that its parent is gone.
    await until(async () => (await processesWith(dir)).length === 0, 2000).catch(() => {});
    expect(await processesWith(dir)).toEqual([]);
    expect(await partials(cache)).not.toEqual([]);
    expect(await readdir(tmp)).toEqual([expect.stringMatching(new RegExp(`^nemo-run-${child.pid}-`))]);
    // A killed join leaves a partial output beside the old one: made here, as the killed run would have named it.
    await mkdir(join(dir, 'out'));
    const stale = join(dir, 'out', `.killed.mp4.${child.pid}.0badc0de.partial.mp4`);
    await writeFile(stale, 'half a video');
    await utimes(stale, new Date(Date.now() - 1000), new Date(Date.now() - 1000));

    // The recipe, now quick to finish, runs again in the same folder.
    await writeRecipe(dir, 'killed.yaml', recipe(['media/blue.jpg', 'media/red.jpg'], ['a 1-second video']));
    const again = await runCli(['killed.yaml'], { cwd: dir, env });
    expect(again.code, again.stdout).toBe(0);
    expect(await partials(cache)).toEqual([]);
    expect(await readdir(join(dir, 'out'))).toEqual(['killed.mp4', 'killed.poster.png']);
    expect(await readdir(tmp)).toEqual([]);
  });

  it("leaves other users' leftovers alone (a dead run's work folder in /tmp, a partial in the output folder) and renders", async (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip('only root can make files owned by another user');
    const dir = await tmpProject();
    const tmp = join(dir, 'tmp');
    const out = join(dir, 'out');
    await mkdir(tmp);
    await mkdir(out);
    const dead = spawnSync('true').pid!;
    const past = new Date(Date.now() - 60_000);
    // Another user's work folder of a run that is gone, private as mkdtemp makes it, with a private file in it.
    const work = join(tmp, `nemo-run-${dead}-x`);
    await mkdir(work, { mode: 0o700 });
    await writeFile(join(work, 'chunk0.mp4'), 'theirs', { mode: 0o700 });
    // Another user's partial output, a symlink named like a work folder, and one of ours that goes.
    const theirs = join(out, `.foreign.mp4.${dead}.0badc0de.partial.mp4`);
    await writeFile(theirs, 'theirs');
    const link = join(tmp, `nemo-run-${dead}-link`);
    await symlink(out, link);
    const ours = join(out, `.foreign.mp4.${dead}.0123abcd.partial.mp4`);
    await writeFile(ours, 'ours');
    for (const path of [join(work, 'chunk0.mp4'), theirs]) await chown(path, 65534, 65534);
    await chown(work, 65534, 65534);
    for (const path of [work, theirs, ours]) await utimes(path, past, past);
    await lutimes(link, past, past);

    await writeRecipe(dir, 'foreign.yaml', recipe(['media/blue.jpg'], ['a 1-second video']));
    const { code, stdout } = await runCli(['foreign.yaml'], { cwd: dir, env: { TMPDIR: tmp } });
    expect(code, stdout).toBe(0);
    expect((await readdir(tmp)).sort()).toEqual([`nemo-run-${dead}-link`, `nemo-run-${dead}-x`]);
    expect(await readFile(join(work, 'chunk0.mp4'), 'utf8')).toBe('theirs');
    expect((await readdir(out)).sort()).toEqual([`.foreign.mp4.${dead}.0badc0de.partial.mp4`, 'foreign.mp4', 'foreign.poster.png']);
  });

  it('renders when a leftover cannot be removed (a dead run\'s work folder on a read-only disk)', async (ctx) => {
    const dir = await tmpProject();
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    const dead = spawnSync('true').pid!;
    const work = join(tmp, `nemo-run-${dead}-ro`);
    await mkdir(work);
    const why = mountTmpfs(work, 64 * 1024);
    if (why) ctx.skip(why);
    await writeFile(join(work, 'chunk0.mp4'), 'stuck');
    const past = new Date(Date.now() - 60_000);
    await utimes(work, past, past);
    execFileSync('mount', ['-o', 'remount,ro', work]);

    await writeRecipe(dir, 'stuck.yaml', recipe(['media/blue.jpg'], ['a 1-second video']));
    const { code, stdout } = await runCli(['stuck.yaml'], { cwd: dir, env: { TMPDIR: tmp } });
    expect(code, stdout).toBe(0);
    expect(await readdir(tmp)).toEqual([`nemo-run-${dead}-ro`]);
  });

  it('removes its work folder on SIGINT, whenever it comes', async () => {
    const dir = await tmpProject();
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    await writeRecipe(dir, 'stopped.yaml', recipe(['media/blue.jpg', 'media/red.jpg', 'media/clip.mp4'], ['a 20-second video with a slow zoom'], 'resolution: 480p\n  quality: high'));
    for (const delay of [0, 150, 400, 900]) {
      const child = spawnCli(['stopped.yaml', '--force'], { cwd: dir, env: { TMPDIR: tmp } });
      await new Promise<void>((resolve) => child.stdout!.on('data', (c) => String(c).includes('render video') && resolve()));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGINT');
      expect((await child.result).code, `SIGINT ${delay} ms into the render`).toBe(130);
      expect(await readdir(tmp), `SIGINT ${delay} ms into the render`).toEqual([]);
    }
  });

  it('reads a JPEG named like an image sequence (pct%03d.jpg) and a logo named like a glob as the files they are', async () => {
    const dir = await tmpProject();
    await writeFile(join(dir, 'media', 'pct%03d.jpg'), await readFile(join(dir, 'media', 'blue.jpg')));
    await writeFile(join(dir, 'media', 'logo[1].png'), await readFile(join(dir, 'media', 'logo.png')));
    await writeRecipe(dir, 'pct.yaml', recipe(['"media/pct%03d.jpg"', '{ path: "media/logo[1].png", role: logo }'], ['a 1-second video']));
    const { code, stdout } = await runCli(['pct.yaml'], { cwd: dir });
    expect(code, stdout).toBe(0);
    expect((await frames(join(dir, 'out', 'pct.mp4'))).frames).toBe(30);
  });

  it('names an input removed after the recipe was checked, instead of a raw ENOENT', async () => {
    const dir = await tmpProject();
    const path = await writeRecipe(dir, 'gone.yaml', recipe(['media/blue.jpg', 'media/red.jpg'], ['a 1-second video']));
    const [plan] = (await checkOne(path, { cwd: dir })).plans as [Plan];
    await rm(join(dir, 'media', 'red.jpg'));
    const backend = new LocalBackend({ env: testEnv() });
    const step = plan.steps.find((s) => s.kind === 'probe' && plan.inputs[s.input!]!.name === 'red.jpg')!;
    const ctx = { plan, signal: new AbortController().signal, results: new Map(), progress: () => {}, log: () => {} } as unknown as StepContext;
    const error = await backend.runStep(step, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NemoError);
    expect(error).toMatchObject({ code: 'E_RECIPE_INPUT', message: `input ${join(dir, 'media', 'red.jpg')} was removed or renamed while the run was starting` });
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('probes a still again when it changed after the run probed it with the others: its old facts never go under its new content', async () => {
    const dir = await tmpProject();
    const path = await writeRecipe(dir, 'swap.yaml', recipe(['media/blue.jpg', 'media/red.jpg'], ['a 1-second video']));
    const [plan] = (await checkOne(path, { cwd: dir })).plans as [Plan];
    const ctx = { plan, signal: new AbortController().signal, results: new Map(), progress: () => {}, log: () => {} } as unknown as StepContext;
    const step = (name: string) => plan.steps.find((s) => s.kind === 'probe' && plan.inputs[s.input!]!.name === name)!;
    const backend = new LocalBackend({ env: testEnv() });
    // The first still's probe probes both; then red.jpg becomes a photo turned by its EXIF (stored 120x90, seen 90x120).
    await backend.runStep(step('blue.jpg'), ctx);
    await writeFile(join(dir, 'media', 'red.jpg'), await readFile(join(dir, 'media', 'real', 'orient-6.jpg')));
    const turned = { width: 90, height: 120, orientation: 6 };
    expect(await backend.runStep(step('red.jpg'), ctx)).toMatchObject(turned);
    // What the cache keeps for the next run is the same.
    expect(await new LocalBackend({ env: testEnv() }).runStep(step('red.jpg'), ctx)).toMatchObject(turned);
  });
});

describe('runTool', () => {
  it('runs 20 tools at once under one signal without a MaxListenersExceededWarning, and stops them all on abort', async () => {
    const warnings: Error[] = [];
    const heard = (warning: Error) => warnings.push(warning);
    process.on('warning', heard);
    try {
      const controller = new AbortController();
      const runs = Array.from({ length: 20 }, () => runTool(tools.ffprobe, ['-version'], { signal: controller.signal }));
      expect(await Promise.all(runs)).toHaveLength(20);
      // Endless encodes, all stopped by one abort.
      const stop = new AbortController();
      const endless = Array.from({ length: 20 }, () => runTool(tools.ffmpeg, ['-v', 'error', '-re', '-f', 'lavfi', '-i', 'anullsrc', '-f', 'null', '-'], { signal: stop.signal }));
      const encoding = () => processes((p) => p.ppid === process.pid && p.command.includes('anullsrc'));
      // Aborted once all 20 are running.
      await until(async () => (await encoding()).length === 20);
      stop.abort();
      const ended = await Promise.allSettled(endless);
      expect(ended.every((r) => r.status === 'rejected' && r.reason instanceof InterruptedError)).toBe(true);
      expect(await encoding()).toEqual([]);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', heard);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
