#!/usr/bin/env node
// bench/real-media: builds a larger set of real-world-shaped media (phone orientations and rotation, 4:3 pixels,
// interlacing, 5.1, truncation, huge and odd formats, refused types, hostile names) from real photos if given, else
// from ffmpeg's sources, renders each with nemo-run and checks the result automatically (pictures against an upright
// reference, sound peaks, exit codes and messages).
// Usage: npm run bench:media [-- --photos DIR]   (needs `npm run build`; writes bench/out/real-media.json)
//   DIR: real JPEG photos to build from, e.g. /usr/share/desktop-base after `apt-get install desktop-base`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findFfmpeg } from '../dist/backends/local/ffmpeg.js';

const root = new URL('..', import.meta.url).pathname;
const dir = join(root, 'bench', 'out', 'real-media');
const { ffmpeg } = findFfmpeg(process.env);
const photosArg = process.argv.indexOf('--photos');
rmSync(dir, { recursive: true, force: true });
mkdirSync(join(dir, 'm'), { recursive: true });
const m = (name) => join(dir, 'm', name);
const ff = (...args) => execFileSync(ffmpeg, ['-hide_banner', '-v', 'error', '-y', ...args]);

// The source photo: the first real JPEG given, else a generated 4000x3000 "photo".
const given = photosArg > 0 ? findJpegs(process.argv[photosArg + 1])[0] : undefined;
const photo = m('photo.jpg');
if (given) ff('-i', given, '-vf', 'scale=min(iw\\,4000):-2', '-q:v', '3', photo);
else ff('-f', 'lavfi', '-i', 'mandelbrot=s=4000x3000', '-frames:v', '1', '-q:v', '3', photo);

/** What each case makes and expects. */
const cases = [];
const add = (name, make, recipe, check) => cases.push({ name, make, recipe, check });
const still = (file) => ({ inputs: [file], instructions: ['a 1-second video with no motion'] });
const refused = (pattern) => (r) => r.code === 2 && pattern.test(r.stdout + r.stderr);
const rendered = (r) => r.code === 0;

// EXIF orientations: each stored turned, tagged to be shown upright; compared with the upright photo.
const stored = { 2: 'hflip', 3: 'hflip,vflip', 4: 'vflip', 5: 'transpose=0', 6: 'transpose=2', 7: 'transpose=3', 8: 'transpose=1' };
add('reference upright', () => ff('-i', photo, '-vf', 'scale=1200:-2', '-q:v', '3', m('upright.jpg')), still('m/upright.jpg'), rendered);
for (const [o, filter] of Object.entries(stored)) {
  add(`EXIF orientation ${o}`, () => {
    ff('-i', m('upright.jpg'), '-vf', filter, '-q:v', '3', m(`exif-${o}.jpg`));
    writeFileSync(m(`exif-${o}.jpg`), withOrientation(readFileSync(m(`exif-${o}.jpg`)), Number(o)));
  }, still(`m/exif-${o}.jpg`), (r) => r.code === 0 && similar(r.output, 'reference upright'));
}
// Clips: upright reference, phone rotation, 4:3 pixels.
const clip = (out, vf, extra = [], seconds = 2) => ff('-loop', '1', '-i', m('upright.jpg'), '-f', 'lavfi', '-i', `sine=d=${seconds}`, '-t', String(seconds), '-vf', vf, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', ...extra, out);
add('reference clip', () => clip(m('upright.mp4'), 'scale=640:-2'), still('m/upright.mp4'), rendered);
add('phone rotation (display matrix)', () => {
  clip(m('turned.tmp.mp4'), 'scale=640:-2,transpose=2');
  ff('-i', m('turned.tmp.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=270', m('rotated.mp4'));
}, still('m/rotated.mp4'), (r) => r.code === 0 && similar(r.output, 'reference clip'));
add('anamorphic (4:3 pixels)', () => clip(m('anamorphic.mp4'), 'scale=640:-2,scale=iw*3/4:ih,setsar=4/3'), still('m/anamorphic.mp4'), (r) => r.code === 0 && similar(r.output, 'reference clip', 12));
add('interlaced (tff)', () => ff('-f', 'lavfi', '-i', 'testsrc2=s=720x576:r=50:d=2', '-vf', 'tinterlace=mode=interleave_top,setfield=tff', '-c:v', 'libx264', '-flags', '+ildct+ilme', '-x264opts', 'tff=1', '-pix_fmt', 'yuv420p', m('interlaced.mp4')), still('m/interlaced.mp4'), rendered);
add('picture ends before sound', () => ff('-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=25:d=0.04', '-f', 'lavfi', '-i', 'sine=d=6', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', m('one-frame.mp4')), { inputs: ['m/one-frame.mp4'], instructions: ['make a video'] }, rendered);
add('truncated front-index MP4', () => {
  // Six seconds cut after 60 % of the bytes: the start still plays, only the end check can tell.
  clip(m('cut.mp4'), 'scale=640:-2', ['-movflags', '+faststart'], 6);
  truncateSync(m('cut.mp4'), Math.floor(statSync(m('cut.mp4')).size * 0.6));
}, still('m/cut.mp4'), (r) => r.code === 1 && /cut\.mp4: is damaged \(its \w+ announces/.test(r.stdout));
add('animated GIF', () => ff('-f', 'lavfi', '-i', 'testsrc2=s=200x150:r=10:d=1', m('anim.gif')), { inputs: ['m/anim.gif'], instructions: ['a 3-second video'] }, rendered);
add('animated WebP', () => ff('-f', 'lavfi', '-i', 'testsrc2=s=200x150:r=10:d=1', '-c:v', 'libwebp_anim', '-loop', '0', m('anim.webp')), still('m/anim.webp'), (r) => r.code === 1 && /animated WebP/.test(r.stdout));
add('5.1 music, loud', () => ff('-f', 'lavfi', '-i', "aevalsrc='0.99*sin(2*PI*220*t)|0.99*sin(2*PI*220*t)|0.99*sin(2*PI*220*t)|0.99*sin(2*PI*55*t)|0.99*sin(2*PI*330*t)|0.99*sin(2*PI*330*t)':c=5.1:s=48000:d=4", '-c:a', 'aac', m('surround.m4a')),
  { inputs: ['m/upright.mp4', '{ path: m/surround.m4a, role: music }'], instructions: ['a 2-second video with music at 100%'] }, (r) => r.code === 0 && peakDb(r.output) <= -0.9);
// Formats that already worked and must keep working.
add('huge JPEG 12000x8000', () => ff('-i', m('upright.jpg'), '-vf', 'scale=12000:8000', '-q:v', '5', m('huge.jpg')), still('m/huge.jpg'), rendered);
add('PNG 16-bit with alpha', () => ff('-i', m('upright.jpg'), '-vf', 'format=rgba64be', m('deep.png')), still('m/deep.png'), rendered);
add('grey JPEG', () => ff('-i', m('upright.jpg'), '-vf', 'format=gray', m('grey.jpg')), still('m/grey.jpg'), rendered);
add('WebP still', () => ff('-i', m('upright.jpg'), m('still.webp')), still('m/still.webp'), rendered);
add('tiny photo 64x64 in 1080p', () => ff('-i', m('upright.jpg'), '-vf', 'scale=64:64', m('tiny.jpg')), { ...still('m/tiny.jpg'), size: '1920x1080' }, (r) => r.code === 0 && /enlarged/.test(r.stdout));
const music = (file) => ({ inputs: ['m/upright.jpg', `{ path: m/${file}, role: music }`], instructions: ['a 1-second video with music'] });
const hasSound = (r) => r.code === 0 && peakDb(r.output) > -40;
add('MP3 with cover art', () => ff('-f', 'lavfi', '-i', 'sine=d=3', '-i', m('upright.jpg'), '-map', '0', '-map', '1', '-c:a', 'libmp3lame', '-c:v', 'mjpeg', '-disposition:v', 'attached_pic', m('cover.mp3')), music('cover.mp3'), hasSound);
add('M4A with cover art', () => ff('-f', 'lavfi', '-i', 'sine=d=3', '-i', m('upright.jpg'), '-map', '0', '-map', '1', '-c:a', 'aac', '-c:v', 'mjpeg', '-disposition:v', 'attached_pic', m('cover.m4a')), music('cover.m4a'), hasSound);
add('raw AAC', () => ff('-f', 'lavfi', '-i', 'sine=d=3', '-c:a', 'aac', '-f', 'adts', m('raw.aac')), music('raw.aac'), hasSound);
add('8 kHz mono WAV', () => ff('-f', 'lavfi', '-i', 'sine=d=3', '-ar', '8000', '-ac', '1', m('phone.wav')), music('phone.wav'), hasSound);
add('40-minute MP3', () => ff('-f', 'lavfi', '-i', 'sine=f=220:d=2400:sample_rate=8000', '-ac', '1', '-b:a', '8k', m('long.mp3')), { inputs: ['m/upright.jpg', '{ path: m/long.mp3, role: music }'], instructions: ['a 2-second video with music'] }, rendered);
add('VFR clip', () => ff('-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=30:d=2', '-vf', "select='not(mod(n\\,3))+lt(n\\,10)'", '-vsync', 'vfr', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', m('vfr.mp4')), still('m/vfr.mp4'), rendered);
add('HEVC 10-bit 4K60 .mov', () => ff('-f', 'lavfi', '-i', 'testsrc2=s=3840x2160:r=60:d=0.5', '-c:v', 'libx265', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le', '-tag:v', 'hvc1', m('hevc.mov')), still('m/hevc.mov'), rendered);
add('VP9 .webm, .mkv, MJPEG .avi, 1-second clip without sound', () => {
  ff('-f', 'lavfi', '-i', 'testsrc2=s=640x360:d=1', '-c:v', 'libvpx-vp9', '-deadline', 'realtime', m('vp9.webm'));
  ff('-f', 'lavfi', '-i', 'testsrc2=s=640x360:d=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', m('clip.mkv'));
  ff('-f', 'lavfi', '-i', 'testsrc2=s=640x360:d=1', '-c:v', 'mjpeg', m('cam.avi'));
}, { inputs: ['m/vp9.webm', 'm/clip.mkv', 'm/cam.avi'], instructions: ['make a video'] }, rendered);
add('HEIC refused', () => writeFileSync(m('phone.heic'), Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'), Buffer.alloc(64)])), still('m/phone.heic'), refused(/phone\.heic/));
add('SVG refused', () => writeFileSync(m('logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'), still('m/logo.svg'), refused(/logo\.svg/));
add('FLAC and Ogg refused', () => {
  ff('-f', 'lavfi', '-i', 'sine=d=1', m('song.flac'));
  ff('-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'libvorbis', m('song.ogg'));
}, { inputs: ['m/upright.jpg', '{ path: m/song.flac, role: music }', 'm/song.ogg'], instructions: ['a 1-second video'] }, refused(/song\.flac[\s\S]*song\.ogg/));
const odd = `it's "odd" $(touch pwned) 🙂.jpg`;
add('odd file name', () => ff('-i', m('upright.jpg'), m(odd)), still(JSON.stringify(`m/${odd}`)), (r) => r.code === 0 && !existsSync(join(dir, 'pwned')));

const results = [];
const outputs = new Map();
for (const c of cases) {
  const t0 = performance.now();
  let ok = false;
  let note = '';
  try {
    c.make();
    const name = `case${results.length}`;
    const yaml = `inputs:\n${c.recipe.inputs.map((i) => `  - ${i}\n`).join('')}instructions:\n${c.recipe.instructions.map((i) => `  - ${JSON.stringify(i)}\n`).join('')}export:\n  size: ${c.recipe.size ?? '320x180'}\n  quality: draft\n  output: out/${name}.mp4\n`;
    writeFileSync(join(dir, `${name}.yaml`), yaml);
    const run = spawnSync(process.execPath, [join(root, 'bin/nemo-run.js'), `${name}.yaml`], { cwd: dir, env: { ...process.env, CI: 'true' }, encoding: 'utf8' });
    const r = { code: run.status, stdout: run.stdout, stderr: run.stderr, output: join(dir, 'out', `${name}.mp4`) };
    outputs.set(c.name, r.output);
    ok = c.check(r);
    note = (r.stdout.match(/(warning|✖)[^\n]*/g) ?? []).join(' | ');
  } catch (error) {
    note = String(error.message ?? error).split('\n')[0];
  }
  const seconds = (performance.now() - t0) / 1000;
  results.push({ case: c.name, ok, seconds: Number(seconds.toFixed(2)), note });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(48)} ${seconds.toFixed(1).padStart(5)} s  ${note.slice(0, 110)}`);
}
writeFileSync(join(root, 'bench', 'out', 'real-media.json'), JSON.stringify({ photo: given ?? 'generated', results }, null, 2));
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;

/** True when the middle frame of a render looks like the named reference's: mean difference below `limit` (0–255). */
function similar(output, reference, limit = 8) {
  const frame = (file) => execFileSync(ffmpeg, ['-v', 'error', '-ss', '0.5', '-i', file, '-frames:v', '1', '-vf', 'scale=80:45', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const [a, b] = [frame(output), frame(outputs.get(reference))];
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length < limit;
}

function peakDb(file) {
  const { stderr } = spawnSync(ffmpeg, ['-hide_banner', '-i', file, '-vn', '-af', 'volumedetect', '-f', 'null', '-'], { encoding: 'utf8' });
  return Number(/max_volume: (-?[\d.]+) dB/.exec(stderr)[1]);
}

function findJpegs(folder) {
  if (!folder || !existsSync(folder)) return [];
  const found = [];
  for (const entry of readdirSync(folder, { recursive: true })) if (/\.jpe?g$/i.test(entry)) found.push(join(folder, entry));
  return found.sort();
}

/** The JPEG with an EXIF APP1 segment holding only the Orientation tag (as scripts/make-media-fixtures.mjs). */
function withOrientation(jpeg, orientation) {
  const tiff = Buffer.alloc(26);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(0x0112, 10);
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), app1, body, jpeg.subarray(2)]);
}
