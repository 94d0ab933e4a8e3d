import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFfmpeg } from '../../src/backends/local/ffmpeg.js';
import { renderPoster } from '../../src/backends/local/render.js';
import { runMain, spawnCli } from '../helpers/cli.js';
import { colourName, frameAt, probe, regionDiff, regionMean, type Rect } from '../helpers/media.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';
import { processesWith, until } from '../helpers/wait.js';

const { ffmpeg } = findFfmpeg(process.env);

/** A recipe for a tiny draft-quality render. */
function recipe(inputs: string[], instructions: string[], exportLines = 'size: 160x90\n  quality: draft'): string {
  return `inputs:\n${inputs.map((i) => `  - ${i}\n`).join('')}instructions:\n${instructions.map((i) => `  - ${JSON.stringify(i)}\n`).join('')}export:\n  ${exportLines}\n  output: out/\${name}.mp4\n`;
}

async function render(dir: string, name: string, yaml: string, args: string[] = []) {
  await writeRecipe(dir, `${name}.yaml`, yaml);
  const result = await runMain([`${name}.yaml`, ...args], { cwd: dir });
  return { ...result, output: join(dir, 'out', `${name}.mp4`) };
}

describe('rendering with the local backend', () => {
  it('gives a short video a poster of six different moments, not key frames repeated', async () => {
    const dir = await tmpProject();
    const colours = ['red', 'green', 'blue', 'yellow', 'white', 'black'];
    // (ffmpeg's "green" is dark; its "lime" is the pure green colourName knows.)
    colours.forEach((c, k) => execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `color=${c === 'green' ? 'lime' : c}:s=160x90`, '-frames:v', '1', join(dir, `${k}.png`)]));
    await writeRecipe(dir, 'six.yaml', 'inputs:\n  - "*.png"\ninstructions:\n  - a 6-second video with hard cuts\nexport:\n  size: 160x90\n  fps: 10\n  output: out/six.mp4\n');
    const { code, stdout } = await runMain(['six.yaml'], { cwd: dir });
    expect(code, stdout).toBe(0);
    // The sheet is 3×2 thumbnails of 480x270, in the video's order.
    const sheet = execFileSync(ffmpeg, ['-v', 'error', '-i', join(dir, 'out/six.poster.png'), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 8 * 1024 * 1024 });
    const cells = colours.map((_, k) => colourName(regionMean(sheet, 1440, [(k % 3) * 480 + 200, Math.floor(k / 3) * 270 + 100, 80, 70])));
    expect(cells).toEqual(colours);
  });

  it('lays out a long video\'s poster from thumbnails taken off the chunks, each the middle of its sixth, as a poster of the finished video is', async () => {
    const dir = await tmpProject();
    // 20 stills of 1.5 s: a key frame every 2 s or more would have shown the still before for some thumbnails.
    const colours = ['red', 'green', 'blue', 'yellow', 'white', 'black'];
    for (let k = 0; k < 20; k++) execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `color=${colours[k % 6]!.replace('green', 'lime')}:s=160x90`, '-frames:v', '1', join(dir, `${String(k).padStart(2, '0')}.png`)]);
    await writeRecipe(dir, 'long.yaml', 'inputs:\n  - "*.png"\ninstructions:\n  - a 30-second video with hard cuts\nexport:\n  size: 160x90\n  fps: 10\n  output: out/long.mp4\n');
    const { code, stdout, stderr } = await runMain(['long.yaml', '--verbose'], { cwd: dir });
    expect(code, stdout).toBe(0);
    // The poster was laid out from thumbnails, with no seek in the finished video.
    expect(stderr).toContain('-skip_frame nokey -r 10 -f h264');
    expect(stderr).not.toContain('-noaccurate_seek');
    const pixels = (png: string) => execFileSync(ffmpeg, ['-v', 'error', '-i', png, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 8 * 1024 * 1024 });
    const cell = (k: number): Rect => [(k % 3) * 480 + 200, Math.floor(k / 3) * 270 + 100, 80, 70];
    const cells = (png: string) => Array.from({ length: 6 }, (_, k) => colourName(regionMean(pixels(png), 1440, cell(k))));
    // At 2.5, 7.5, ... 27.5 s: stills 1, 5, 8, 11, 15 and 18.
    const middles = [1, 5, 8, 11, 15, 18].map((k) => colours[k % 6]);
    expect(cells(join(dir, 'out/long.poster.png'))).toEqual(middles);
    // The middles of the sixths of 300 frames.
    const at = { frames: [25, 75, 125, 175, 225, 275], fps: 10 };
    await renderPoster(join(dir, 'out/long.mp4'), join(dir, 'seek.png'), at, findFfmpeg(process.env));
    expect(cells(join(dir, 'seek.png'))).toEqual(middles);
    // In the same colours as the video's frames (thumbnails read as BT.601 had the lime cell 9 levels off on average).
    for (let k = 0; k < 6; k++) expect(regionDiff(pixels(join(dir, 'out/long.poster.png')), pixels(join(dir, 'seek.png')), 1440, cell(k)), `cell ${k}`).toBeLessThan(3);
    // A sheet gone from the cache before the poster step: the poster is taken from the video instead.
    await renderPoster(join(dir, 'out/long.mp4'), join(dir, 'gone.png'), at, findFfmpeg(process.env), undefined, join(dir, 'no-sheet.png'));
    expect(cells(join(dir, 'gone.png'))).toEqual(middles);
  });

  it('renders stills, logo, music, captions and a title to an exact-length H.264/AAC MP4 with a poster', async () => {
    const dir = await tmpProject();
    const { code, stdout, output } = await render(
      dir,
      'promo',
      recipe(
        ['media/blue.jpg', 'media/red.jpg', '{ path: media/logo.png, role: logo }', '{ path: media/tone.mp3, role: music }'],
        ['turn these product images into a 2-second promotional video with music and captions', 'add the title "Sale" for the first second'],
      ),
    );
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('✔ promo → ');
    const media = await probe(output);
    expect(media.video).toMatchObject({ codec_name: 'h264', width: 160, height: 90, pix_fmt: 'yuv420p' });
    expect(media.audio).toMatchObject({ codec_name: 'aac' });
    expect(media.duration).toBeGreaterThan(2 - 1 / 30);
    expect(media.duration).toBeLessThan(2 + 1 / 30 + 0.03);
    expect(Number(media.video!.nb_frames)).toBe(60);
    const poster = await probe(join(dir, 'out', 'promo.poster.png'));
    expect(poster.video).toMatchObject({ codec_name: 'png', width: 1440, height: 540 });
    expect(await readdir(join(dir, 'out'))).toEqual(['promo.mp4', 'promo.poster.png']);
  });

  it('really draws captions, the title and the logo (regions differ from a render without them)', async () => {
    const dir = await tmpProject();
    const base = ['media/blue.jpg', '{ path: media/logo.png, role: logo }'];
    const size = 'size: 320x180\n  quality: standard';
    const plain = await render(dir, 'plain', recipe(base, ['make a 2-second video', 'no logo'], size));
    const dressed = await render(
      dir,
      'dressed',
      recipe(base, ['make a 2-second video with captions', 'add the title "BIG SALE" for the first second', 'put the logo in the top-left corner'], size),
    );
    expect([plain.code, dressed.code]).toEqual([0, 0]);
    const [a, b] = await Promise.all([frameAt(plain.output, 0.5, 320, 180), frameAt(dressed.output, 0.5, 320, 180)]);
    const [a2, b2] = await Promise.all([frameAt(plain.output, 1.5, 320, 180), frameAt(dressed.output, 1.5, 320, 180)]);
    const caption: [number, number, number, number] = [120, 150, 80, 14];
    const title: [number, number, number, number] = [110, 80, 100, 20];
    const logo: [number, number, number, number] = [14, 14, 24, 24];
    const untouched: [number, number, number, number] = [250, 10, 60, 40];
    expect(regionDiff(a, b, 320, caption)).toBeGreaterThan(20);
    expect(regionDiff(a, b, 320, title)).toBeGreaterThan(20);
    expect(regionDiff(a2, b2, 320, title)).toBeLessThan(3); // the title is gone after its second
    expect(regionDiff(a, b, 320, logo)).toBeGreaterThan(40);
    expect(regionDiff(a, b, 320, untouched)).toBeLessThan(3);
  });

  it('fades the whole picture in from black and out to black, logo and texts too: the first and last frames are black', async () => {
    const dir = await tmpProject();
    const { code, stdout, output } = await render(
      dir,
      'fades',
      recipe(
        ['media/blue.jpg', 'media/red.jpg', '{ path: media/logo.png, role: logo }'],
        ['a 3-second video with captions', 'add the title "Sale" for the first 2 seconds', 'put the logo in the top-left corner', 'fade in from black and fade out to black'],
        'size: 160x90\n  fps: 10\n  quality: standard',
      ),
    );
    expect(code, stdout).toBe(0);
    const raw = execFileSync(ffmpeg, ['-v', 'error', '-i', output, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 8 * 1024 * 1024 });
    const size = 160 * 90 * 3;
    const brightest = (k: number) => Math.max(...raw.subarray(k * size, (k + 1) * size));
    expect(raw.length / size).toBe(30);
    // Logo, title and captions are drawn over the picture, and fade with it (they were left at full strength).
    expect([brightest(0), brightest(29)].every((v) => v <= 12), `${brightest(0)} ${brightest(29)}`).toBe(true);
    expect(brightest(15)).toBeGreaterThan(200);
    // A fade out as long as the video starts on its first frame (a start before 0 failed the graph).
    const short = await render(dir, 'short', recipe(['media/blue.jpg'], ['a 1-second video', 'fade out to black'], 'size: 160x90\n  fps: 10'));
    expect(short.code, short.stdout).toBe(0);
  });

  it('has no audio stream when nothing makes sound, and the clip decides when mixed with stills', async () => {
    const dir = await tmpProject();
    const silent = await render(dir, 'silent', recipe(['media/blue.jpg', '{ path: media/tone.mp3, role: music }'], ['a 1-second video, no music']));
    expect(silent.code, silent.stderr).toBe(0);
    expect((await probe(silent.output)).audio).toBeUndefined();

    const mixed = await render(
      dir,
      'mixed',
      recipe(['media/clip.mp4', 'media/blue.jpg'], ['trim the first 1 second of clip.mp4', 'make it 3 seconds with a crossfade']),
    );
    expect(mixed.code, mixed.stderr).toBe(0);
    const media = await probe(mixed.output);
    expect(media.audio).toMatchObject({ codec_name: 'aac' });
    expect(Math.abs(media.duration - 3)).toBeLessThan(0.05);

    const muted = await render(dir, 'muted', recipe(['media/clip.mp4', 'media/blue.jpg'], ['make it 3 seconds', 'mute the clips']));
    expect(muted.code).toBe(0);
    expect((await probe(muted.output)).audio).toBeUndefined();
  });

  it('makes a text with a word too long for the frame smaller until it fits, rather than run off the edges', async () => {
    const dir = await tmpProject();
    const size = 'size: 180x320\n  quality: standard';
    const plain = await render(dir, 'plain', recipe(['media/blue.jpg'], ['a 1-second video'], size));
    const long = await render(dir, 'long', recipe(['media/blue.jpg'], ['a 1-second video', 'add the title "Sommerschlussverkauf"'], size));
    expect([plain.code, long.code]).toEqual([0, 0]);
    const [a, b] = await Promise.all([frameAt(plain.output, 0.5, 180, 320), frameAt(long.output, 0.5, 180, 320)]);
    // Drawn in the middle, and nothing within 4 pixels of either side (at its size it is 1.5 frames wide).
    expect(regionDiff(a, b, 180, [20, 140, 140, 40])).toBeGreaterThan(10);
    expect([regionDiff(a, b, 180, [0, 100, 4, 120]), regionDiff(a, b, 180, [176, 100, 4, 120])].every((d) => d < 1)).toBe(true);
  });

  it('lets an instruction change the shape: "vertical" renders 9:16', async () => {
    const dir = await tmpProject();
    const { code, output, stdout } = await render(dir, 'tall', recipe(['media/green-tall.png'], ['a 1-second vertical video'], 'resolution: 480p\n  quality: draft'));
    expect(code).toBe(0);
    expect(stdout).toContain('aspect');
    expect((await probe(output)).video).toMatchObject({ width: 480, height: 854 });
  });

  it('warns about words it cannot place, and --strict makes them an error (exit 2)', async () => {
    const dir = await tmpProject();
    const yaml = recipe(['media/blue.jpg'], ['make a 1-second video that sparkles with glitter']);
    const loose = await render(dir, 'loose', yaml);
    expect(loose.code).toBe(0);
    expect(loose.stdout).toMatch(/warning: loose\.yaml:\d+:\d+: not understood in "make a 1-second video that sparkles with glitter": sparkles, glitter \(understood: length 1 s\)/);
    const strict = await render(dir, 'strict', yaml, ['--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stdout + strict.stderr).toMatch(/strict\.yaml:\d+:\d+:? .*"sparkles" is not understood/);
    expect(existsSync(strict.output)).toBe(false);
  });

  it('draws any text safely: quotes, colons, brackets and percent signs cannot break the graph', async () => {
    const dir = await tmpProject();
    const hostile = `It's 50% off: [now]; \\\\ ok, %{pts} 'quoted' "too"`;
    const { code, stderr, output } = await render(
      dir,
      'hostile',
      `inputs:\n  - { path: media/blue.jpg, caption: ${JSON.stringify(hostile)} }\ninstructions:\n  - a 1-second video with captions\n  - 'add the title "x'':y;[z]" for the first second'\nexport:\n  size: 160x90\n  quality: draft\n  output: out/\${name}.mp4\n`,
    );
    expect(code, stderr).toBe(0);
    expect((await probe(output)).video).toMatchObject({ width: 160, height: 90 });
  });

  it.each([
    ['a truncated JPEG', 'media/broken.jpg', 'broken.jpg: is damaged (it does not decode)'],
    ['an MP3 with no sound in it', '{ path: media/empty.mp3, role: music }', 'empty.mp3: cannot be read as media'],
    ['a clip with no picture', 'media/sound-only.mp4', 'sound-only.mp4: has no video stream'],
  ])('names %s before rendering starts', async (_what, input, message) => {
    const dir = await tmpProject();
    const { code, stdout } = await render(dir, 'bad', recipe(['media/blue.jpg', input], ['a 2-second video']));
    expect(code).toBe(1);
    expect(stdout).toContain(`✖ bad: ${message} [E_MEDIA]`);
    expect(stdout).not.toContain('render video');
  });

  it('loops music that is shorter than the video, and fades it out', async () => {
    const dir = await tmpProject();
    const { code, output } = await render(dir, 'looped', recipe(['media/blue.jpg', '{ path: media/tone.mp3, role: music }'], ['a 5-second video with music']));
    expect(code).toBe(0);
    const { audio, duration } = await probe(output);
    expect(Number((audio as { duration?: string }).duration)).toBeGreaterThan(4.95);
    expect(Math.abs(duration - 5)).toBeLessThan(0.05);
  });

  it('plays sound in an MP4 container as music (an .m4a from yt-dlp, an audio-only .mp4); sound given no role is the music, and a second is named', async () => {
    const dir = await tmpProject();
    // An AAC song in a plain MP4 (brand isom, not M4A): file-type calls it mp4. Both were refused as "video".
    const song = (name: string) => execFileSync(ffmpeg, ['-v', 'error', '-i', join(dir, 'media/tone.mp3'), '-c:a', 'aac', '-f', 'mp4', join(dir, 'media', name)]);
    song('song.m4a');
    song('song.mp4');
    const named = await render(dir, 'named', recipe(['media/blue.jpg', 'media/song.m4a'], ['a 1-second video']));
    expect(named.code, named.stdout).toBe(0);
    expect((await probe(named.output)).audio).toMatchObject({ codec_name: 'aac' });
    const given = await render(dir, 'given', recipe(['media/blue.jpg', '{ path: media/song.mp4, role: music }', 'media/tone.mp3'], ['a 1-second video']));
    expect(given.code, given.stdout).toBe(0);
    expect((await probe(given.output)).audio).toMatchObject({ codec_name: 'aac' });
    expect(given.stdout).toContain('media/tone.mp3 is not used: a video has one music track, media/song.mp4');
  });

  it('keeps going when one recipe of several fails, and reports both in --json', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'good.yaml', recipe(['media/blue.jpg'], ['a 1-second video']));
    await writeRecipe(dir, 'bad.yaml', recipe(['media/broken.jpg'], ['a 1-second video']));
    const { code, stdout } = await runMain(['good.yaml', 'bad.yaml', '--json'], { cwd: dir });
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.ok).toBe(false);
    expect(report.recipes.map((r: { recipe: string; status: string }) => [r.recipe, r.status])).toEqual([
      ['good', 'ok'],
      ['bad', 'failed'],
    ]);
    expect(report.recipes[1].error).toMatchObject({ code: 'E_MEDIA' });
    expect(existsSync(join(dir, 'out', 'good.mp4'))).toBe(true);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('stops on %s within seconds: exit 130, no ffmpeg left, the old output untouched', async (signal) => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'long.yaml', recipe(['media/blue.jpg', 'media/red.jpg'], ['a 40-second video with a slow zoom'], 'resolution: 720p\n  quality: high'));
    const output = join(dir, 'out', 'long.mp4');
    await runMain(['validate', 'long.yaml'], { cwd: dir });
    execFileSync('mkdir', ['-p', join(dir, 'out')]);
    await writeFile(output, 'the previous render');
    const child = spawnCli(['long.yaml'], { cwd: dir });
    await new Promise<void>((resolve) => child.stdout!.on('data', (c) => String(c).includes('render video') && resolve()));
    // Stopped while ffmpeg renders.
    await until(async () => (await processesWith(dir)).length > 0);
    const asked = performance.now();
    child.kill(signal);
    const { code, stdout } = await child.result;
    expect(performance.now() - asked).toBeLessThan(5_000);
    expect(code).toBe(130);
    expect(stdout).toContain('long: cancelled');
    expect(await readFile(output, 'utf8')).toBe('the previous render');
    expect(await readdir(join(dir, 'out'))).toEqual(['long.mp4']);
    expect(await processesWith(dir)).toEqual([]);
  });

  // The bundled ffmpeg is 4.1; crossfades must also work where a newer system ffmpeg is used instead.
  it.runIf(existsSync('/usr/bin/ffmpeg') && existsSync('/usr/bin/ffprobe'))('renders crossfades and motion on the system ffmpeg too', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'newer.yaml', recipe(['media/blue.jpg', 'media/red.jpg', 'media/clip.mp4'], ['a 4-second video with crossfades and a slow zoom']));
    const env = { NEMO_FFMPEG: '/usr/bin/ffmpeg', NEMO_FFPROBE: '/usr/bin/ffprobe' };
    const { code, stderr } = await runMain(['newer.yaml'], { cwd: dir, env });
    expect(code, stderr).toBe(0);
    const media = await probe(join(dir, 'out', 'newer.mp4'));
    expect(media.video).toMatchObject({ width: 160, height: 90 });
    expect(Math.abs(media.duration - 4)).toBeLessThan(0.05);
  });
});
