import { execFileSync } from 'node:child_process';
import { chmod, copyFile, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFfmpeg, runTool } from '../../src/backends/local/ffmpeg.js';
import { chooseFraming, edgeMapFilters, edgeMapSize, profileOf } from '../../src/backends/local/framing.js';
import { headerOf, stillHeader } from '../../src/backends/local/orientation.js';
import { jpegEnd, probeInput, probeStills } from '../../src/backends/local/probe.js';
import { runMain } from '../helpers/cli.js';
import { colourName, combing, frameAt, peakDb, probe, regionDiff, regionMean, type Rect } from '../helpers/media.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

/** A recipe for a tiny draft-quality render. */
function recipe(inputs: string[], instructions: string[], exportLines = 'size: 160x90\n  quality: draft'): string {
  return `inputs:\n${inputs.map((i) => `  - ${i}\n`).join('')}instructions:\n${instructions.map((i) => `  - ${JSON.stringify(i)}\n`).join('')}export:\n  ${exportLines}\n  output: out/\${name}.mp4\n`;
}

async function render(dir: string, name: string, yaml: string, env: NodeJS.ProcessEnv = {}) {
  await writeRecipe(dir, `${name}.yaml`, yaml);
  const result = await runMain([`${name}.yaml`], { cwd: dir, env });
  return { ...result, output: join(dir, 'out', `${name}.mp4`) };
}

/**
 * Scrambles a JPEG's coded data from `skip` bytes after its start of scan, every `step` bytes, keeping its segments and
 * end marker where they are (no byte becomes or follows an FF): only decoding it shows the damage.
 */
function scramble(jpeg: Buffer, skip: number, step: number): void {
  for (let at = jpeg.indexOf(Buffer.from([0xff, 0xda])) + skip; at < jpeg.length - 10; at += step) if (jpeg[at] !== 0xff && jpeg[at - 1] !== 0xff) jpeg[at] = at % 2 ? 0xfe : 0;
  expect(jpegEnd(jpeg)).toBe(jpeg.length);
}

/** The colour names of small squares around points of a frame. */
function coloursAt(frame: Buffer, width: number, points: [number, number][]): string[] {
  return points.map(([x, y]) => colourName(regionMean(frame, width, [x - 3, y - 3, 6, 6] satisfies Rect)));
}

describe('real-world media', () => {
  it('shows JPEGs upright for all eight EXIF orientations, fitted by their displayed (portrait) shape', async () => {
    const dir = await tmpProject();
    const { code, stdout, output } = await render(dir, 'turned', recipe(['media/real/orient-*.jpg'], ['a 4-second video with hard cuts and no motion']));
    expect(code, stdout).toBe(0);
    // Upright, each photo is a 90x120 portrait: contained in 160x90 it is 68 wide, centred, over a blurred copy.
    const quadrants: [number, number][] = [[63, 22], [97, 22], [63, 67], [97, 67]];
    for (let k = 0; k < 8; k++) {
      const frame = await frameAt(output, k * 0.5 + 0.25, 160, 90);
      expect(coloursAt(frame, 160, quadrants), `orientation ${k + 1}`).toEqual(['red', 'green', 'blue', 'yellow']);
    }
  });

  it('shows a logo saved with an EXIF orientation upright, on its card and in the corner', async () => {
    const dir = await tmpProject();
    const { code, stdout, output } = await render(
      dir,
      'logo',
      recipe(['media/blue.jpg', '{ path: media/real/orient-6.jpg, role: logo }'], ['a 6-second video', 'put the logo in the top-left corner', 'end with the logo'], 'size: 320x180\n  quality: high'),
    );
    expect(code, stdout).toBe(0);
    // The card's logo is 90x120 upright, fitted into 160x72: 54x72, centred. The corner's is fitted into 32x32: 24x32 at 7,7.
    const frame = await frameAt(output, 5.5, 320, 180);
    expect(coloursAt(frame, 320, [[146, 72], [174, 72], [146, 108], [174, 108]])).toEqual(['red', 'green', 'blue', 'yellow']);
    const corner = await frameAt(output, 0.5, 320, 180);
    expect(coloursAt(corner, 320, [[13, 14], [25, 14], [13, 31], [25, 31]])).toEqual(['red', 'green', 'blue', 'yellow']);
  });

  it('fits a phone clip (coded landscape, display matrix upright) by its displayed portrait shape', async () => {
    const dir = await tmpProject();
    const { code, stdout, output } = await render(dir, 'phone', recipe(['media/real/rotated.mp4'], ['a 1-second video']));
    expect(code, stdout).toBe(0);
    const frame = await frameAt(output, 0.5, 160, 90);
    // The whole picture, red over green over blue, in the middle; not its middle third zoomed to fill the frame.
    expect(coloursAt(frame, 160, [[80, 10], [80, 45], [80, 80]])).toEqual(['red', 'green', 'blue']);
  });

  it('shows a PNG, a JPEG, a BT.709 clip and an untagged HD clip of one colour in that colour, and the logo in its own, in a video tagged BT.709', async () => {
    const dir = await tmpProject();
    const { ffmpeg } = findFfmpeg(process.env);
    const make = (args: string[], size = '320x180') => execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x00C800:s=${size}:d=1`, ...args]);
    make(['-frames:v', '1', join(dir, 'media/green.png')]);
    make(['-frames:v', '1', '-q:v', '1', join(dir, 'media/green.jpg')]);
    // As a phone writes it: BT.709, and tagged so.
    const bt709 = ['-vf', 'scale=out_color_matrix=bt709:out_range=tv,format=yuv420p', '-c:v', 'libx264', '-crf', '1'];
    make([...bt709, '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', join(dir, 'media/green.mp4')]);
    // Untagged, as players take an HD one.
    make([...bt709, join(dir, 'media/green-hd.mp4')], '1280x720');
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=64x64', '-frames:v', '1', join(dir, 'media/red-logo.png')]);
    const { code, stdout, output } = await render(
      dir,
      'colours',
      recipe(['media/green.png', 'media/green.jpg', 'media/green.mp4', 'media/green-hd.mp4', '{ path: media/red-logo.png, role: logo }'], ['a 4-second video with hard cuts', 'put the logo in the bottom-right corner'], 'size: 320x180\n  quality: high'),
    );
    expect(code, stdout).toBe(0);
    const { stdout: tags } = await runTool(findFfmpeg(process.env).ffprobe, ['-v', 'error', '-show_entries', 'stream=color_space,color_primaries,color_transfer,color_range', '-of', 'csv=p=0', output]);
    expect(tags.trim()).toBe('tv,bt709,bt709,bt709');
    // Decoded as the tags say (as players do): each item green within 4 of 200 (the photos were 601 in a video read
    // as 709, 166; the clip was 709 in an untagged one), and the logo red.
    for (const t of [0.5, 1.5, 2.5, 3.5]) {
      const frame = await frameAt(output, t, 320, 180);
      const [r, g, b] = regionMean(frame, 320, [60, 60, 80, 60]);
      expect([r, Math.abs(g - 200), b].every((v) => v < 4), `${t} s: ${r} ${g} ${b}`).toBe(true);
      const [lr, lg, lb] = regionMean(frame, 320, [288, 150, 12, 12]);
      expect(lr > 245 && lg < 6 && lb < 6, `logo at ${t} s: ${lr} ${lg} ${lb}`).toBe(true);
    }
  });

  it('tone-maps an HDR clip (HLG as a phone records, and PQ) to SDR: it shows as the same scene recorded in SDR does, filling or contained', async () => {
    const dir = await tmpProject();
    const { ffmpeg } = findFfmpeg(process.env);
    // One scene (a green and a lighter patch), as an SDR clip and as 10-bit HEVC clips in BT.2020 with each transfer,
    // converted through linear light as a camera's HDR pipeline would. The PQ one is tagged with its transfer alone.
    const scene = ['-f', 'lavfi', '-i', 'color=c=0x30A050:s=320x180:d=1,drawbox=x=160:y=0:w=160:h=180:color=0xC8D0B0:t=fill', '-vf'];
    const sdr = 'scale=out_color_matrix=bt709:out_range=tv,format=yuv420p';
    execFileSync(ffmpeg, ['-v', 'error', ...scene, sdr, '-c:v', 'libx264', '-crf', '1', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', join(dir, 'media/a-sdr.mp4')]);
    for (const [name, trc, tags] of [['b-hlg', 'arib-std-b67', ['-colorspace', 'bt2020nc', '-color_primaries', 'bt2020']], ['c-pq', 'smpte2084', []]] as const) {
      const hdr = `${sdr},zscale=rin=tv:min=bt709:tin=bt709:pin=bt709:t=linear:npl=100:p=bt2020,format=gbrpf32le,zscale=t=${trc}:m=bt2020nc:r=tv:npl=100,format=yuv420p10le`;
      execFileSync(ffmpeg, ['-v', 'error', ...scene, hdr, '-c:v', 'libx265', '-x265-params', 'log-level=error:lossless=1', ...tags, '-color_trc', trc, join(dir, `media/${name}.mp4`)]);
    }
    // Each is framed by its detail as it will be shown: the PQ clip's detail sits in its lowest code values, and its
    // edge map found none, so it was contained where the others fill the frame.
    await writeRecipe(dir, 'framed.yaml', recipe(['media/a-sdr.mp4', 'media/b-hlg.mp4', 'media/c-pq.mp4'], ['a 3-second video'], 'size: 180x320'));
    const plan = await runMain(['plan', 'framed.yaml', '--json'], { cwd: dir });
    const modes = JSON.parse(plan.stdout).draft.t[0].sg.map((s: { m: { framing: { mode: string; by: string } } }) => `${s.m.framing.mode} by ${s.m.framing.by}`);
    expect(new Set(modes).size, modes.join(', ')).toBe(1);
    // In 9:16 the 16:9 scene is contained over a blurred copy of itself, at odd sides (180x101).
    for (const [w, h] of [[320, 180], [180, 320]] as const) {
      const { code, stdout, output } = await render(dir, `hdr-${w}`, recipe(['media/a-sdr.mp4', 'media/b-hlg.mp4', 'media/c-pq.mp4'], ['a 3-second video with hard cuts', 'show the whole picture'], `size: ${w}x${h}\n  quality: high`));
      expect(code, stdout).toBe(0);
      const want = await frameAt(output, 0.5, w, h);
      // Untreated, the HLG clip's green came out grey (65 98 55 where the SDR clip shows 43 158 75), and its light
      // patch 129 132 114 for 197 204 171. Tone-mapped, the green is as in SDR and the light patch a little darker (the
      // curve rolls off from 30 % of SDR's white).
      for (const t of [1.5, 2.5]) {
        const got = await frameAt(output, t, w, h);
        expect(regionDiff(got, want, w, [0, 0, w, h]), `${w}x${h} at ${t} s: ${regionMean(got, w, [0, 0, w, h])} against ${regionMean(want, w, [0, 0, w, h])}`).toBeLessThan(8);
      }
    }
  });

  it('honours non-square pixels: a 120x90 clip with 4:3 pixels fills a 16:9 frame', async () => {
    const dir = await tmpProject();
    const { code, stdout, output } = await render(dir, 'wide', recipe(['media/real/anamorphic.mp4'], ['a 1-second video']));
    expect(code, stdout).toBe(0);
    const frame = await frameAt(output, 0.5, 160, 90);
    expect(coloursAt(frame, 160, [[5, 45], [20, 45], [45, 45], [60, 45], [100, 45], [140, 45], [155, 45]])).toEqual(['red', 'red', 'green', 'green', 'blue', 'yellow', 'yellow']);
  });

  it('deinterlaces a clip whose stream says it is interlaced', async () => {
    const dir = await tmpProject();
    const { code, stdout, output } = await render(dir, 'fields', recipe(['media/real/interlaced.mp4'], ['a 1-second video'], 'size: 160x120\n  quality: high'));
    expect(code, stdout).toBe(0);
    const [source, rendered] = await Promise.all([frameAt(join(dir, 'media/real/interlaced.mp4'), 0.5, 160, 120), frameAt(output, 0.5, 160, 120)]);
    expect(combing(source, 160, 120)).toBeGreaterThan(8);
    expect(combing(rendered, 160, 120)).toBeLessThan(combing(source, 160, 120) / 3);
  });

  it('probes a JPEG or PNG by its header and one decode, with no ffprobe; ffprobe still names what is no picture', async () => {
    const dir = await tmpProject();
    const tools = findFfmpeg(process.env);
    const still = (name: string, format: string, ffprobe: string) =>
      probeInput({ index: 0, name, path: join(dir, 'media', name), role: 'media', kind: 'image', format }, { ...tools, ffprobe });
    const none = join(dir, 'no-ffprobe');
    // Stored 120x90 with a big EXIF block before the frame header (orientation 6: a quarter turn).
    const padded = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe2, 0xff, 0xff]), Buffer.alloc(0xfffd), (await readFile(join(dir, 'media/real/orient-6.jpg'))).subarray(2)]);
    await writeFile(join(dir, 'media/padded.jpg'), padded);
    expect(await still('real/orient-6.jpg', 'jpg', none)).toMatchObject({ width: 90, height: 120, orientation: 6 });
    expect(await still('padded.jpg', 'jpg', none)).toMatchObject({ width: 90, height: 120, orientation: 6 });
    expect(await still('green-tall.png', 'png', none)).toMatchObject({ width: 240, height: 320 });
    // EXIF after the frame header, a JPEG named .png, a PNG named .jpg, and a name with ffmpeg's error tag in it.
    const jpeg = await readFile(join(dir, 'media/real/orient-6.jpg'));
    const segment = (marker: number) => {
      for (let at = 2; jpeg[at] === 0xff; at += 2 + jpeg.readUInt16BE(at + 2)) if (jpeg[at + 1] === marker) return jpeg.subarray(at, at + 2 + jpeg.readUInt16BE(at + 2));
      throw new Error(`no marker ${marker}`);
    };
    const [app1, sof] = [segment(0xe1), segment(0xc0)];
    const rest = Buffer.concat([jpeg.subarray(0, jpeg.indexOf(app1)), jpeg.subarray(jpeg.indexOf(app1) + app1.length)]);
    const late = Buffer.concat([rest.subarray(0, rest.indexOf(sof) + sof.length), app1, rest.subarray(rest.indexOf(sof) + sof.length)]);
    await writeFile(join(dir, 'media/late-exif.jpg'), late);
    await writeFile(join(dir, 'media/jpeg.png'), jpeg);
    await writeFile(join(dir, 'media/png.jpg'), await readFile(join(dir, 'media/green-tall.png')));
    await writeFile(join(dir, 'media/a[error].jpg'), jpeg);
    expect(await still('late-exif.jpg', 'jpg', none)).toMatchObject({ width: 90, height: 120, orientation: 6 });
    expect(await still('jpeg.png', 'png', none)).toMatchObject({ width: 90, height: 120, orientation: 6 });
    expect(await still('png.jpg', 'jpg', none)).toMatchObject({ width: 240, height: 320 });
    expect(await still('a[error].jpg', 'jpg', none)).toMatchObject({ width: 90, height: 120, orientation: 6 });
    expect((await still('real/orient-6.jpg', 'jpg', none)).profile).toEqual((await probeInput({ index: 0, name: 'o', path: join(dir, 'media/real/orient-6.jpg'), role: 'media', kind: 'image', format: 'jpg' }, tools)).profile);
    await expect(still('broken.jpg', 'jpg', none)).rejects.toThrow(/is damaged \(it does not decode\)/);
    await expect(still('notes.jpg', 'jpg', tools.ffprobe)).rejects.toThrow(/has no picture/);
  });

  it('takes a motion photo (a JPEG with its video after it) as its picture, and a JPEG cut short as damaged', async () => {
    const dir = await tmpProject();
    const tools = findFfmpeg(process.env);
    const input = (name: string) => ({ index: 0, name, path: join(dir, 'media', name), role: 'media' as const, kind: 'image' as const, format: 'jpg' });
    // As Pixel and Samsung phones write them: the picture, then an MP4 (they were refused as damaged).
    const jpeg = await readFile(join(dir, 'media/real/orient-6.jpg'));
    await writeFile(join(dir, 'media/PXL_MP.jpg'), Buffer.concat([jpeg, await readFile(join(dir, 'media/clip.mp4'))]));
    await writeFile(join(dir, 'media/cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.8)));
    const alone = await probeInput(input('real/orient-6.jpg'), tools);
    expect(await probeInput(input('PXL_MP.jpg'), tools)).toEqual(alone);
    expect((await probeStills([input('PXL_MP.jpg')], tools)).get(join(dir, 'media/PXL_MP.jpg'))).toEqual(alone);
    await expect(probeInput(input('cut.jpg'), tools)).rejects.toThrow(/is damaged \(it does not decode\)/);
    const { code, stdout, output } = await render(dir, 'motion', recipe(['media/PXL_MP.jpg'], ['a 1-second video'], 'size: 90x120\n  quality: draft'));
    expect(code, stdout).toBe(0);
    const [shown, upright] = await Promise.all([frameAt(output, 0.5, 90, 120), render(dir, 'still', recipe(['media/real/orient-6.jpg'], ['a 1-second video'], 'size: 90x120\n  quality: draft')).then((r) => frameAt(r.output, 0.5, 90, 120))]);
    expect(shown.equals(upright)).toBe(true);
  });

  it('probes many stills in one ffmpeg run, each with the facts it has alone; a damaged one, and its batch, are left to probeInput', async () => {
    const dir = await tmpProject();
    const tools = findFfmpeg(process.env);
    // An ffmpeg that notes each run (its -version check aside).
    const log = join(dir, 'runs.log');
    const counting = join(dir, 'ffmpeg');
    await writeFile(counting, `#!/bin/sh\n[ "$1" = -version ] || echo run >> '${log}'\nexec '${tools.ffmpeg}' "$@"\n`);
    await chmod(counting, 0o755);
    const runs = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
    // Twice over, under other names: ffmpeg's description of 24 inputs is longer than a failure's tail.
    const names = [...Array.from({ length: 8 }, (_, k) => `real/orient-${k + 1}.jpg`), 'green-tall.png', 'red.jpg', 'blue.jpg', 'real/tiny.jpg'];
    await Promise.all(names.map((name) => copyFile(join(dir, 'media', name), join(dir, 'media', `copy-${basename(name)}`))));
    const input = (name: string, index: number) => ({ index, name, path: join(dir, 'media', name), role: 'media' as const, kind: 'image' as const, format: name.split('.').pop()! });
    const stills = [...names, ...names.map((name) => `copy-${basename(name)}`)].map(input);
    const found = await probeStills([...stills, input('real/animated.gif', 24), input('broken.jpg', 25)], { ...tools, ffmpeg: counting, ffprobe: join(dir, 'no-ffprobe') });
    expect(await runs()).toBe(1);
    for (const still of stills) expect(found.get(still.path), still.name).toEqual(await probeInput(still, tools));
    expect(found.get(join(dir, 'media/real/orient-6.jpg'))).toMatchObject({ width: 90, height: 120, orientation: 6 });
    // A GIF is no JPEG or PNG, and a JPEG cut short (no end marker) is not decoded here.
    expect(found.size).toBe(stills.length);
    // Scrambled after its start of scan, with its end marker kept: ffmpeg stops at its first error, so none of the batch is known.
    const jpeg = await readFile(join(dir, 'media/real/orient-1.jpg'));
    scramble(jpeg, 40, 7);
    await writeFile(join(dir, 'media/scrambled.jpg'), jpeg);
    expect((await probeStills([stills[0]!, input('scrambled.jpg', 1), stills[1]!], tools)).size).toBe(0);
    await expect(probeInput(input('scrambled.jpg', 0), tools)).rejects.toThrow(/is damaged \(it does not decode\)/);
  });

  it('decodes a large JPEG at 1/8 for its edge map: damage anywhere still shows, and its subject is where a full decode puts it', async () => {
    const dir = await tmpProject();
    const tools = findFfmpeg(process.env);
    // A 1600x1200 photo, flat but for a detailed subject on its right: 1/8 (200x150) still holds its 128x96 map.
    const big = join(dir, 'big.jpg');
    execFileSync(tools.ffmpeg, [
      '-v', 'error', '-f', 'lavfi', '-i', 'color=c=0x2040c0:s=1600x1200', '-f', 'lavfi', '-i', 'testsrc2=s=300x300',
      '-filter_complex', '[0][1]overlay=1150:450', '-frames:v', '1', '-q:v', '3', big,
    ]);
    const log = join(dir, 'args.log');
    const logging = join(dir, 'ffmpeg');
    await writeFile(logging, `#!/bin/sh
[ "$1" = -version ] || echo "$@" >> '${log}'
exec '${tools.ffmpeg}' "$@"
`);
    await chmod(logging, 0o755);
    const input = (path: string, index = 0) => ({ index, name: basename(path), path, role: 'media' as const, kind: 'image' as const, format: 'jpg' });
    const found = (await probeStills([input(big)], { ...tools, ffmpeg: logging })).get(big);
    expect(await readFile(log, 'utf8')).toContain(`-lowres 3 -i ${big}`);
    expect(found).toMatchObject({ width: 1600, height: 1200 });
    // The map of the full picture, as it was made before: the same window in a portrait and a square frame.
    const [w, h] = edgeMapSize(1600, 1200);
    const full = execFileSync(tools.ffmpeg, ['-v', 'error', '-i', big, '-vf', edgeMapFilters(1600, 1200), '-f', 'rawvideo', '-pix_fmt', 'gray', '-']);
    const source = { width: 1600, height: 1200 };
    for (const frame of [{ width: 1080, height: 1920 }, { width: 1080, height: 1080 }]) {
      const window = chooseFraming(found!.profile, source, frame);
      expect(window).toEqual(chooseFraming(profileOf(full, w, h), source, frame));
      expect(window).not.toEqual(chooseFraming(undefined, source, frame));
    }
    // A lossless JPEG, which ffmpeg decodes only at its full size.
    const lossless = join(dir, 'lossless.jpg');
    execFileSync(tools.ffmpeg, ['-v', 'error', '-i', big, '-c:v', 'ljpeg', '-pix_fmt', 'bgr24', '-frames:v', '1', lossless]);
    expect((await probeStills([input(lossless)], tools)).get(lossless)).toMatchObject({ width: 1600, height: 1200, profile: expect.anything() });
    // Scrambled after its start of scan, its end marker kept: a reduced decode still reads every coefficient.
    const jpeg = await readFile(big);
    scramble(jpeg, 4000, 97);
    const scrambled = join(dir, 'scrambled.jpg');
    await writeFile(scrambled, jpeg);
    expect((await probeStills([input(scrambled)], tools)).size).toBe(0);
    await expect(probeInput(input(scrambled), tools)).rejects.toThrow(/is damaged \(it does not decode\)/);
  });

  it('reads how many bytes a still takes decoded from its header, and fills a batch by those bytes', async () => {
    const dir = await tmpProject();
    const tools = findFfmpeg(process.env);
    const still = async (name: string, pixFmt: string, size = '64x48') => {
      execFileSync(tools.ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=${size}`, '-frames:v', '1', '-pix_fmt', pixFmt, join(dir, name)]);
      return (await stillHeader(join(dir, name))).bytesPerPixel;
    };
    expect(await still('420.jpg', 'yuvj420p')).toBe(1.5);
    expect(await still('422.jpg', 'yuvj422p')).toBe(2);
    expect(await still('444.jpg', 'yuvj444p')).toBe(3);
    // (ffmpeg 4.1 writes no grey or 12-bit JPEG: a frame header of one component, and one of 12-bit 4:2:0.)
    const frame = (precision: number, components: number[]) =>
      Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0, 8 + 3 * components.length, precision, 0, 48, 0, 64, components.length, ...components.flatMap((hv, k) => [k + 1, hv, 0]), 0xff, 0xda]);
    expect(headerOf(frame(8, [0x11])).bytesPerPixel).toBe(1);
    expect(headerOf(frame(12, [0x22, 0x11, 0x11])).bytesPerPixel).toBe(3);
    expect(await still('grey.png', 'gray')).toBe(1);
    expect(await still('rgb.png', 'rgb24')).toBe(3);
    expect(await still('palette.png', 'pal8')).toBe(1);
    expect(await still('deep.png', 'rgba64be', '1500x1500')).toBe(8);
    // Five 16-bit RGBA pictures of 18 MB each decoded: four to a batch (72 MB), so two runs.
    const log = join(dir, 'runs.log');
    const counting = join(dir, 'ffmpeg');
    await writeFile(counting, `#!/bin/sh\n[ "$1" = -version ] || echo run >> '${log}'\nexec '${tools.ffmpeg}' "$@"\n`);
    await chmod(counting, 0o755);
    const inputs = await Promise.all(
      Array.from({ length: 5 }, async (_, index) => {
        const path = join(dir, `deep-${index}.png`);
        await copyFile(join(dir, 'deep.png'), path);
        return { index, name: basename(path), path, role: 'media' as const, kind: 'image' as const, format: 'png' };
      }),
    );
    expect((await probeStills(inputs, { ...tools, ffmpeg: counting })).size).toBe(5);
    expect((await readFile(log, 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  it('detects interlacing when the stream does not say (MJPEG in AVI), and not in progressive pictures', async () => {
    const dir = await tmpProject();
    const tools = findFfmpeg(process.env);
    const avi = (name: string, args: string[]) => {
      execFileSync(tools.ffmpeg, ['-v', 'error', ...args, '-c:v', 'mjpeg', '-q:v', '3', '-an', join(dir, name)]);
      return probeInput({ index: 0, name, path: join(dir, name), role: 'media', kind: 'video', format: 'avi' }, tools);
    };
    expect(await avi('woven.avi', ['-i', join(dir, 'media/real/interlaced.mp4')])).toMatchObject({ interlaced: 'tff' });
    expect((await avi('plain.avi', ['-f', 'lavfi', '-i', 'mandelbrot=s=160x120:r=25', '-t', '1'])).interlaced).toBeUndefined();
  });

  it('holds the last picture of a clip whose sound outlasts it (one frame, four seconds of sound), in every chunk', async () => {
    const dir = await tmpProject();
    const { code, stdout, output } = await render(dir, 'cover', recipe(['media/real/one-frame.mp4'], ['make a video']));
    expect(code, stdout).toBe(0);
    const media = await probe(output);
    expect(Math.abs(media.duration - 4)).toBeLessThan(0.05);
    expect(Number(media.video!.nb_frames)).toBe(120);
    expect(coloursAt(await frameAt(output, 3.5, 160, 90), 160, [[80, 45]])).toEqual(['orange']);
  });

  it('names a front-indexed MP4 that was cut short before rendering starts, though its start plays', async () => {
    const dir = await tmpProject();
    const { code, stdout } = await render(dir, 'cut', recipe(['media/real/truncated.mp4'], ['a 4-second video']));
    expect(code).toBe(1);
    expect(stdout).toMatch(/✖ cut: truncated\.mp4: is damaged \(its (video|audio) announces 4\.0 s but holds [^)]*\) \[E_MEDIA\]/);
    expect(stdout).not.toContain('render video');
  });

  it('names the inputs and shows ffmpeg\'s last lines when ffmpeg fails while rendering', async () => {
    const dir = await tmpProject();
    const real = findFfmpeg(process.env).ffmpeg;
    const crashing = join(dir, 'crashing-ffmpeg');
    // Probes pass through; a render prints a line and dies the way ffmpeg 4.1 did (SIGSEGV).
    await writeFile(crashing, `#!/bin/sh\ncase "$*" in *filter_complex_script*) echo "[h264 @ 0x1] something went wrong" >&2; kill -SEGV $$;; esac\nexec "${real}" "$@"\n`);
    await chmod(crashing, 0o755);
    const { code, stdout } = await render(dir, 'crash', recipe(['media/blue.jpg'], ['a 1-second video']), { NEMO_FFMPEG: crashing });
    expect(code).toBe(1);
    expect(stdout).toContain('✖ crash: making the video from 0.0 s to 1.0 s from blue.jpg: crashing-ffmpeg failed (SIGSEGV); its last lines:');
    expect(stdout).toContain('[h264 @ 0x1] something went wrong');
  });

  it('takes music with cover art (an M4A whose picture is one frame) as sound, not as a cut-short file', async () => {
    const dir = await tmpProject();
    const { ffmpeg } = findFfmpeg(process.env);
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=3', '-i', join(dir, 'media/blue.jpg'), '-map', '0', '-map', '1', '-c:a', 'aac', '-c:v', 'mjpeg', '-disposition:v', 'attached_pic', join(dir, 'cover.m4a')]);
    const { code, stdout, output } = await render(dir, 'covered', recipe(['media/blue.jpg', '{ path: cover.m4a, role: music }'], ['a 2-second video with music']));
    expect(code, stdout).toBe(0);
    expect((await probe(output)).audio).toMatchObject({ codec_name: 'aac' });
  });

  it('plays an animated GIF, looping to fill its slot', async () => {
    const dir = await tmpProject();
    const { code, stdout, output } = await render(dir, 'gif', recipe(['media/real/animated.gif'], ['a 2-second video with no motion']));
    expect(code, stdout).toBe(0);
    const colours = [];
    for (const t of [0.125, 0.375, 0.625, 0.875, 1.125, 1.625]) colours.push(...coloursAt(await frameAt(output, t, 160, 90), 160, [[80, 45]]));
    expect(colours).toEqual(['red', 'green', 'blue', 'white', 'red', 'blue']);
  });

  it('refuses an animated WebP with a clear message (ffmpeg 4.1 cannot decode it)', async () => {
    const dir = await tmpProject();
    const { code, stdout } = await render(dir, 'webp', recipe(['media/real/animated.webp'], ['a 2-second video']));
    expect(code).toBe(1);
    expect(stdout).toContain('animated.webp: is an animated WebP, which the bundled ffmpeg 4.1 cannot decode [E_MEDIA]');
    expect(stdout).toContain('convert it to a GIF or an MP4');
  });

  it('refuses formats outside the accepted types with the command that converts each (camcorder MTS, 3GP, Opus, AIFF, animated PNG)', async () => {
    const dir = await tmpProject();
    const { ffmpeg } = findFfmpeg(process.env);
    const clip = ['-f', 'lavfi', '-i', 'testsrc=s=160x90:d=1', '-f', 'lavfi', '-i', 'sine=d=1'];
    const make = (name: string, args: string[]) => execFileSync(ffmpeg, ['-v', 'error', '-y', ...args, join(dir, 'media', name)]);
    make('00001.MTS', [...clip, '-c:v', 'libx264', '-c:a', 'ac3', '-f', 'mpegts']);
    make('clip.3gp', [...clip, '-c:v', 'libx264', '-c:a', 'aac', '-ac', '1', '-ar', '8000']);
    make('note.opus', ['-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'libopus']);
    make('song.aiff', ['-f', 'lavfi', '-i', 'sine=d=1']);
    make('animation.png', ['-f', 'lavfi', '-i', 'testsrc=s=32x32:d=0.5', '-plays', '0', '-f', 'apng']);
    const { code, stdout: out, stderr } = await render(dir, 'formats', recipe(['media/00001.MTS', 'media/clip.3gp', 'media/note.opus', 'media/song.aiff', 'media/animation.png'], ['a 2-second video']));
    const stdout = out + stderr;
    expect(code, stdout).toBe(2);
    for (const [name, hint] of [['00001.MTS', '`ffmpeg -i clip.mts -c copy clip.mp4`'], ['clip.3gp', '`ffmpeg -i clip.3gp clip.mp4`'], ['note.opus', '`ffmpeg -i note.opus note.m4a`'], ['song.aiff', '`ffmpeg -i song.aiff song.m4a`'], ['animation.png', 'an animated PNG is not accepted']]) {
      const at = stdout.indexOf(`${name}`);
      expect(at, stdout).toBeGreaterThan(-1);
      expect(stdout.slice(at, at + 400), name).toContain(hint);
    }
  });

  it('says when a clip whose sound is used has several sound tracks (a screen recording\'s microphone and desktop): only the first is mixed', async () => {
    const dir = await tmpProject();
    const { ffmpeg } = findFfmpeg(process.env);
    const tones = ['-f', 'lavfi', '-i', 'testsrc=s=160x90:r=30:d=2', '-f', 'lavfi', '-i', 'sine=f=440:d=2', '-f', 'lavfi', '-i', 'sine=f=880:d=2'];
    execFileSync(ffmpeg, ['-v', 'error', '-y', ...tones, '-map', '0', '-map', '1', '-map', '2', '-c:v', 'libx264', '-c:a', 'aac', join(dir, 'media/recording.mov')]);
    const { code, stdout } = await render(dir, 'tracks', recipe(['media/recording.mov'], ['a 2-second video', 'keep the original sound']));
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('recording.mov has 2 sound tracks; only the first is used');
    // Muted, its sound is not used: nothing to say.
    const muted = await render(dir, 'muted', recipe(['media/recording.mov'], ['a 2-second video', 'mute the clips']));
    expect(muted.code, muted.stdout).toBe(0);
    expect(muted.stdout).not.toContain('sound tracks');
  });

  it('warns that music is silent (an export gone wrong), and not for music that starts quietly', async () => {
    const dir = await tmpProject();
    const { ffmpeg } = findFfmpeg(process.env);
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo', '-t', '3', join(dir, 'media/silent.mp3')]);
    // Three seconds of silence, then a tone: the old check decoded the first two seconds only.
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=mono,atrim=0:3', '-f', 'lavfi', '-i', 'sine=d=1:r=44100', '-filter_complex', '[0][1]concat=n=2:v=0:a=1', join(dir, 'media/late.mp3')]);
    const silent = await render(dir, 'silent', recipe(['media/blue.jpg', '{ path: media/silent.mp3, role: music }'], ['a 2-second video with music']));
    expect(silent.code, silent.stdout).toBe(0);
    expect(silent.stdout).toContain('silent.mp3 is silent (no sample louder than -60 dB)');
    const late = await render(dir, 'late', recipe(['media/blue.jpg', '{ path: media/late.mp3, role: music }'], ['a 2-second video with music']));
    expect(late.code, late.stdout).toBe(0);
    expect(late.stdout).not.toContain('is silent');
    // Two MP3s joined end to end (one bad frame where they meet, which players skip) are music as before.
    await writeFile(join(dir, 'media/joined.mp3'), Buffer.concat([await readFile(join(dir, 'media/late.mp3')), await readFile(join(dir, 'media/late.mp3'))]));
    const joined = await render(dir, 'joined', recipe(['media/blue.jpg', '{ path: media/joined.mp3, role: music }'], ['a 2-second video with music']));
    expect(joined.code, joined.stdout).toBe(0);
  });

  it('downmixes 5.1 music as players do: its front channels as loud as the same sound in stereo', async () => {
    const dir = await tmpProject();
    const { ffmpeg } = findFfmpeg(process.env);
    const tone = ['-f', 'lavfi', '-i', 'sine=f=440:d=3,volume=-12dB'];
    execFileSync(ffmpeg, ['-v', 'error', '-y', ...tone, '-af', 'pan=stereo|c0=c0|c1=c0', join(dir, 'media/stereo.m4a')]);
    execFileSync(ffmpeg, ['-v', 'error', '-y', ...tone, '-af', 'pan=5.1|c0=c0|c1=c0', join(dir, 'media/surround.m4a')]);
    const levels = [];
    for (const name of ['stereo', 'surround']) {
      const { code, stdout, output } = await render(dir, name, recipe(['media/blue.jpg', `{ path: media/${name}.m4a, role: music }`], ['a 2-second video with music at 100%']));
      expect(code, stdout).toBe(0);
      levels.push(await peakDb(output));
    }
    // The 5.1 file came out 7.7 dB quieter: its downmix was scaled so that all six channels at full scale fit.
    expect(Math.abs(levels[0]! - levels[1]!), levels.join(' ')).toBeLessThan(0.5);
  });

  it('mixes loud 5.1 music, alone and under a clip\'s sound, without clipping', async () => {
    const dir = await tmpProject();
    const alone = await render(dir, 'surround', recipe(['media/blue.jpg', '{ path: media/real/music-5.1.m4a, role: music }'], ['a 2-second video with music at 100%']));
    expect(alone.code, alone.stdout).toBe(0);
    expect(await peakDb(alone.output)).toBeLessThanOrEqual(-0.9);
    expect(await peakDb(alone.output)).toBeGreaterThan(-12);
    const under = await render(dir, 'under', recipe(['media/clip.mp4', '{ path: media/real/music-5.1.m4a, role: music }'], ['a 2-second video with music at 100%']));
    expect(under.code, under.stdout).toBe(0);
    expect(await peakDb(under.output)).toBeLessThanOrEqual(-0.9);
  });

  it('warns when a tiny photo is blown up many times, and not for one that fits', async () => {
    const dir = await tmpProject();
    const { code, stdout } = await render(dir, 'tiny', recipe(['media/real/tiny.jpg', 'media/blue.jpg'], ['a 2-second video']));
    expect(code, stdout).toBe(0);
    // Cropped to fill the frame (its framing is cover), a 16x12 photo is enlarged 160/16 = 10×.
    expect(stdout).toContain('warning: media/real/tiny.jpg is 16x12, shown 10× enlarged in a 160x90 frame, so it will look blurred; use a photo of at least 80x45');
    expect(stdout).not.toContain('blue.jpg is');
  });
});
