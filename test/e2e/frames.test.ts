import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFfmpeg, runTool } from '../../src/backends/local/ffmpeg.js';
import { runMain } from '../helpers/cli.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const tools = findFfmpeg(process.env);

/** Packets of each kind counted one by one (not the header's claim), and each stream's length in seconds. */
async function measure(file: string): Promise<{ frames: number; video: number; audio?: number }> {
  const { stdout } = await runTool(tools.ffprobe, ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,nb_read_packets,duration', '-of', 'json', file]);
  const streams = (JSON.parse(stdout) as { streams: { codec_type: string; nb_read_packets: string; duration?: string }[] }).streams;
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  return { frames: Number(video?.nb_read_packets), video: Number(video?.duration), audio: audio ? Number(audio.duration) : undefined };
}

/** `count` different small stills (ffmpeg's test pattern, one second apart) in `dir/img`. */
async function stills(dir: string, count: number): Promise<void> {
  await mkdir(join(dir, 'img'));
  await runTool(tools.ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=64x36:r=1', '-frames:v', String(count), join(dir, 'img', 's%03d.jpg')]);
}

describe('exact frames on long, many-item timelines', () => {
  it.each([
    // 90 stills of 2494.44 ms under 0.5 s crossfades, captions, a title and music: 3 minutes at 30 fps.
    { stills: 90, fps: 30, seconds: 180, words: ['a 3-minute video with music and captions', 'add the title "Long" for the first 3 seconds'] },
    // 70 stills of 1428.57 ms with hard cuts at 25 fps: item edges fall between frames.
    { stills: 70, fps: 25, seconds: 100, words: ['a 100-second video with music', 'hard cuts'] },
  ])('$stills stills, $seconds s at $fps fps: every chunk carries exactly its frames, the video d × fps, the sound to a frame', async ({ stills: count, fps, seconds, words }) => {
    const dir = await tmpProject();
    await stills(dir, count);
    const yaml = `inputs:\n  - img/*.jpg\n  - { path: media/tone.mp3, role: music }\ninstructions:\n${words.map((w) => `  - ${JSON.stringify(w)}\n`).join('')}export:\n  size: 64x36\n  fps: ${fps}\n  quality: draft\n  output: out/\${name}.mp4\n`;
    await writeRecipe(dir, 'long.yaml', yaml);
    const { code, stdout } = await runMain(['long.yaml'], { cwd: dir });
    expect(code, stdout).toBe(0);

    const output = await measure(join(dir, 'out', 'long.mp4'));
    expect(output.frames).toBe(seconds * fps);
    expect(Math.abs(output.video - seconds)).toBeLessThan(1 / fps);
    expect(Math.abs(output.audio! - seconds)).toBeLessThanOrEqual(1 / fps);

    // The chunks in the cache are this render's only video pieces: several, and their frames add up exactly.
    const cache = join(dir, '.nemo-run', 'cache');
    const chunks = (await readdir(cache)).filter((n) => n.endsWith('.h264'));
    expect(chunks.length).toBeGreaterThan(4);
    const counts = await Promise.all(chunks.map(async (n) => (await measure(join(cache, n))).frames));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(seconds * fps);
  });

  it.each(['webm', 'mov'])('is exact as %s at 60 fps too (a WebM gives only the length of the whole file)', async (format) => {
    const dir = await tmpProject();
    await stills(dir, 12);
    const yaml = `inputs:\n  - img/*.jpg\n  - { path: media/tone.mp3, role: music }\ninstructions:\n  - a 20-second video with music\nexport:\n  size: 64x36\n  fps: 60\n  format: ${format}\n  quality: draft\n  output: out/\${name}.\${format}\n`;
    await writeRecipe(dir, 'short.yaml', yaml);
    const { code, stdout } = await runMain(['short.yaml'], { cwd: dir });
    expect(code, stdout).toBe(0);
    expect((await measure(join(dir, 'out', `short.${format}`))).frames).toBe(1200);
  });
});
