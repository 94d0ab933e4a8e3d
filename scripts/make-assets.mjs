#!/usr/bin/env node
// Makes the sample recipes' small assets from ffmpeg's own sources (nothing is downloaded).
// Usage: node scripts/make-assets.mjs [folder]   (default: recipes/assets)
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const ffmpeg = process.env.NEMO_FFMPEG || require('@ffmpeg-installer/ffmpeg').path;
const font = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans-Bold.ttf');
const out = process.argv[2] ?? new URL('../recipes/assets', import.meta.url).pathname;
mkdirSync(join(out, 'products'), { recursive: true });

const run = (...args) => execFileSync(ffmpeg, ['-hide_banner', '-v', 'error', '-y', ...args], { stdio: 'inherit' });

const products = [
  ['01-red-sneakers', '0xc0392b', '0xf5b7b1'],
  ['02-trail-runner', '0x27ae60', '0xabebc6'],
  ['03-city-backpack', '0x2c3e50', '0xaed6f1'],
  ['04-sport-watch', '0x8e44ad', '0xd7bde2'],
  ['05-water-bottle', '0xd68910', '0xfad7a0'],
];
for (const [name, dark, light] of products) {
  const label = name.replace(/^\d+-/, '').replace(/-/g, ' ').toUpperCase();
  // A "product shot": a gradient backdrop, a shape standing in for the product, and its name.
  run(
    '-f', 'lavfi', '-i', `color=c=${light}:s=1600x1200`,
    '-f', 'lavfi', '-i', `color=c=${dark}:s=640x480`,
    '-filter_complex',
    `[0]drawbox=x=0:y=800:w=1600:h=400:color=${dark}@0.35:t=fill,vignette[bg];` +
      `[bg][1]overlay=480:300,drawtext=fontfile=${font}:text='${label}':fontsize=72:fontcolor=white:x=(w-text_w)/2:y=520`,
    '-frames:v', '1', '-q:v', '4', join(out, 'products', `${name}.jpg`),
  );
}
// A logo with transparency: an opaque badge inside a transparent margin.
run(
  '-f', 'lavfi', '-i', 'color=c=0x1a5276:s=440x200',
  '-vf', `format=rgba,drawbox=x=0:y=0:w=440:h=200:color=white:t=8,drawtext=fontfile=${font}:text='NEMO':fontsize=110:fontcolor=white:x=(w-text_w)/2:y=(h-text_h)/2,pad=480:240:20:20:color=black@0`,
  '-frames:v', '1', join(out, 'logo.png'),
);
// Music: 32 s of a soft chord progression.
const chord = (f) => `0.12*sin(2*PI*${f}*t)+0.08*sin(2*PI*${f * 1.25}*t)+0.06*sin(2*PI*${f * 1.5}*t)`;
run(
  '-f', 'lavfi', '-i', `aevalsrc='(${chord(220)})*lt(mod(t,8),4)+(${chord(174.6)})*gte(mod(t,8),4)':s=44100:d=32`,
  '-af', 'volume=0.9,afade=t=in:d=0.5', '-ac', '2', '-c:a', 'libmp3lame', '-b:a', '96k', join(out, 'music.mp3'),
);
// A 6-second clip with its own sound.
run(
  '-f', 'lavfi', '-i', 'testsrc2=s=960x540:r=30:d=6',
  '-f', 'lavfi', '-i', 'sine=f=440:d=6',
  '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '28', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k', '-shortest',
  join(out, 'intro.mp4'),
);
console.log(`assets written to ${out}`);
