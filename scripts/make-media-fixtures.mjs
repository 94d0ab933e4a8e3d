#!/usr/bin/env node
// Makes the small real-shaped test media in test/fixtures/media/real/ with the bundled ffmpeg and a few bytes of
// EXIF written here: the eight JPEG orientations, a phone-style rotated clip, an anamorphic clip, an interlaced clip,
// a clip whose picture ends before its sound, a truncated front-index MP4, animated GIF and WebP, loud 5.1 music and
// a tiny photo. Every picture is a pattern the tests can check by pixel regions.
// Usage: node scripts/make-media-fixtures.mjs [folder]   (default: test/fixtures/media/real)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const ffmpeg = process.env.NEMO_FFMPEG || require('@ffmpeg-installer/ffmpeg').path;
const out = process.argv[2] ?? new URL('../test/fixtures/media/real', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
const run = (...args) => execFileSync(ffmpeg, ['-hide_banner', '-v', 'error', '-y', ...args], { stdio: 'inherit' });

/** Four quadrants, red green / blue yellow, as seen upright: every rotation and mirror of it looks different. */
const quadrants = (w, h) =>
  `color=c=red:s=${w}x${h},drawbox=x=${w / 2}:y=0:w=${w / 2}:h=${h / 2}:color=lime:t=fill,` +
  `drawbox=x=0:y=${h / 2}:w=${w / 2}:h=${h / 2}:color=blue:t=fill,drawbox=x=${w / 2}:y=${h / 2}:w=${w / 2}:h=${h / 2}:color=yellow:t=fill`;

// What is stored for each EXIF orientation, so that applying the orientation shows the upright pattern.
const stored = { 1: 'null', 2: 'hflip', 3: 'hflip,vflip', 4: 'vflip', 5: 'transpose=0', 6: 'transpose=2', 7: 'transpose=3', 8: 'transpose=1' };
for (const [orientation, filter] of Object.entries(stored)) {
  const file = join(out, `orient-${orientation}.jpg`);
  // Upright the photo is a 90x120 portrait; stored sideways (5-8) it is 120x90.
  run('-f', 'lavfi', '-i', quadrants(90, 120), '-vf', filter, '-frames:v', '1', '-q:v', '3', file);
  writeFileSync(file, withOrientation(readFileSync(file), Number(orientation)));
}

// A phone portrait clip: coded landscape 160x90, a display matrix that turns it upright (90x160: red, green, blue
// in thirds from the top), with sound.
const thirds = (w, h) =>
  `color=c=red:s=${w}x${h}:r=25:d=2,drawbox=x=0:y=${h / 3}:w=${w}:h=${h / 3}:color=lime:t=fill,drawbox=x=0:y=${(2 * h) / 3}:w=${w}:h=${h / 3 + 1}:color=blue:t=fill`;
run('-f', 'lavfi', '-i', thirds(90, 159), '-f', 'lavfi', '-i', 'sine=f=440:d=2', '-vf', 'pad=90:160,transpose=2',
  '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '32k',
  join(out, 'rotated.tmp.mp4'));
// The display matrix is written on a stream copy; 4.1 reads it back as rotation -90, as it does for an iPhone's.
run('-i', join(out, 'rotated.tmp.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=270', join(out, 'rotated.mp4'));
rmSync(join(out, 'rotated.tmp.mp4'));

// Anamorphic: 120x90 coded with 4:3 pixels (a 16:9 picture): four vertical bands red, green, blue, yellow.
const bands = (w, h) =>
  `color=c=red:s=${w}x${h}:r=25:d=1,drawbox=x=${w / 4}:y=0:w=${w / 4}:h=${h}:color=lime:t=fill,` +
  `drawbox=x=${w / 2}:y=0:w=${w / 4}:h=${h}:color=blue:t=fill,drawbox=x=${(3 * w) / 4}:y=0:w=${w / 4}:h=${h}:color=yellow:t=fill`;
run('-f', 'lavfi', '-i', bands(120, 90), '-vf', 'setsar=4/3', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '30',
  '-pix_fmt', 'yuv420p', join(out, 'anamorphic.mp4'));

// Interlaced: a white bar moving fast over grey, fields woven from two moments, coded as top field first.
run('-f', 'lavfi', '-i', 'color=c=gray:s=160x120:r=50:d=1.2', '-f', 'lavfi', '-i', 'color=c=white:s=30x80:r=50:d=1.2',
  '-filter_complex', "[0][1]overlay=x='mod(n*8,160)':y=20,tinterlace=mode=interleave_top,setfield=tff",
  '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-flags', '+ildct+ilme', '-x264opts', 'tff=1', '-pix_fmt', 'yuv420p',
  join(out, 'interlaced.mp4'));

// One frame of picture and four seconds of sound (a music video's cover, a voice memo with a photo).
run('-f', 'lavfi', '-i', 'color=c=orange:s=160x90:r=25:d=0.04', '-f', 'lavfi', '-i', 'sine=f=330:d=4',
  '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '32k', join(out, 'one-frame.mp4'));

// A 4-second clip with its index at the front, cut after 60 % of its bytes: its start still plays.
const truncated = join(out, 'truncated.mp4');
run('-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=25:d=4', '-f', 'lavfi', '-i', 'sine=f=550:d=4', '-c:v', 'libx264', '-preset', 'veryfast',
  '-crf', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '32k', '-movflags', '+faststart', truncated);
truncateSync(truncated, Math.floor(statSync(truncated).size * 0.6));

// Animated GIF and WebP: four solid frames (red, green, blue, white) of 0.25 s each, looping.
const flicker = 'color=c=red:s=40x30:r=4:d=1,geq=' +
  "r='if(lt(N,1),255,if(lt(N,3),0,255))':g='if(between(N,1,1),255,if(eq(N,3),255,0))':b='if(gte(N,2),255,0)'";
run('-f', 'lavfi', '-i', flicker, '-loop', '0', join(out, 'animated.gif'));
run('-f', 'lavfi', '-i', flicker, '-c:v', 'libwebp_anim', '-loop', '0', '-lossless', '1', join(out, 'animated.webp'));

// Loud 5.1 music: a full-scale tone on every channel (downmixed as is, it clips).
run('-f', 'lavfi', '-i', "aevalsrc='0.99*sin(2*PI*220*t)|0.99*sin(2*PI*220*t)|0.99*sin(2*PI*220*t)|0.99*sin(2*PI*110*t)|0.99*sin(2*PI*220*t)|0.99*sin(2*PI*220*t)':c=5.1:s=48000:d=2",
  '-c:a', 'aac', '-b:a', '96k', join(out, 'music-5.1.m4a'));

// A tiny photo: 16x12 pixels.
run('-f', 'lavfi', '-i', quadrants(16, 12), '-frames:v', '1', join(out, 'tiny.jpg'));
console.log(`fixtures written to ${out}`);

/** The JPEG with an EXIF APP1 segment holding only the Orientation tag, right after the start marker. */
function withOrientation(jpeg, orientation) {
  const tiff = Buffer.alloc(26);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // IFD0 right after the header
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  tiff.writeUInt32BE(0, 22); // no next IFD
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), app1, body, jpeg.subarray(2)]);
}
