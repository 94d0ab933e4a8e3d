import { open, readFile } from 'node:fs/promises';
import { NemoError } from '../../errors.js';
import type { ResolvedInput } from '../../recipe/recipe.types.js';
import { runTool, type FfmpegPaths } from './ffmpeg.js';

/** What the renderer needs to know about an input. */
export interface MediaInfo {
  kind: 'image' | 'video' | 'audio' | 'captions';
  /** Playable length; absent for images. */
  durationMs?: number;
  width?: number;
  height?: number;
  hasAudio: boolean;
  /** Caption texts, in order (captions inputs only). */
  cues?: string[];
}

interface ProbeJson {
  streams?: { codec_type?: string; width?: number; height?: number; duration?: string }[];
  format?: { duration?: string };
}

/** Probes an input with ffprobe and decodes a little of it, so bad media is named before rendering starts. */
export async function probeInput(input: ResolvedInput, tools: FfmpegPaths, signal?: AbortSignal): Promise<MediaInfo> {
  const path = input.path!;
  if (input.kind === 'captions') return { kind: 'captions', hasAudio: false, cues: parseCues(await readFile(path, 'utf8')) };
  const bad = (what: string, hint: string, cause?: unknown) =>
    new NemoError('E_MEDIA', `${input.name}: ${what}`, { hint, cause });

  let json: ProbeJson;
  try {
    json = JSON.parse((await runTool(tools.ffprobe, ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', path], { signal })).stdout);
  } catch (error) {
    if (error instanceof NemoError && error.code === 'E_FFMPEG_EXIT') throw bad('cannot be read as media', 'the file is damaged or not what its name says; export it again', error);
    throw error;
  }
  const video = json.streams?.find((s) => s.codec_type === 'video');
  const hasAudio = Boolean(json.streams?.some((s) => s.codec_type === 'audio'));
  const seconds = Number(json.format?.duration ?? video?.duration);
  const durationMs = Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;

  if (input.kind === 'image') {
    if (!video?.width || !video.height) throw bad('has no picture', 'the image is damaged; export it again');
    const damaged = () => bad('is damaged (it does not decode)', 'open and save the image again, or replace it');
    // A truncated JPEG decodes with no more than a warning (ffmpeg fills in grey): its end marker tells.
    if (input.format === 'jpg' && !(await endsWithJpegEnd(path))) throw damaged();
    await decodeCheck(tools, path, ['-frames:v', '1'], signal, damaged);
    return { kind: 'image', width: video.width, height: video.height, hasAudio: false };
  }
  if (input.kind === 'audio') {
    if (!hasAudio || !durationMs) throw bad('has no sound (no audio stream, or zero length)', 'use a music file that plays');
    await decodeCheck(tools, path, ['-t', '2', '-vn'], signal, () => bad('is damaged (its audio does not decode)', 'export the music again'));
    return { kind: 'audio', durationMs, hasAudio };
  }
  if (!video?.width || !video.height) throw bad('has no video stream', 'use a clip with pictures, or give it `role: music` if it is sound only');
  if (!durationMs) throw bad('has zero length', 'export the clip again');
  await decodeCheck(tools, path, ['-t', '1', '-an'], signal, () => bad('is damaged (its video does not decode)', 'export the clip again'));
  return { kind: 'video', durationMs, width: video.width, height: video.height, hasAudio };
}

/** True when the file's last bytes hold the JPEG end-of-image marker (FF D9); padding after it is allowed. */
async function endsWithJpegEnd(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 1024);
    const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
    return buffer.lastIndexOf(Buffer.from([0xff, 0xd9])) >= 0;
  } finally {
    await handle.close();
  }
}

/** Decodes part of a file; an error (besides harmless pixel-format notes) means the file is damaged. */
async function decodeCheck(tools: FfmpegPaths, path: string, limit: string[], signal: AbortSignal | undefined, fail: () => NemoError) {
  try {
    const { stderr } = await runTool(tools.ffmpeg, ['-v', 'error', '-xerror', '-i', path, ...limit, '-f', 'null', '-'], { signal });
    if (stderr.split('\n').some((line) => line.trim() && !/deprecated pixel format/.test(line))) throw fail();
  } catch (error) {
    if (error instanceof NemoError && error.code === 'E_FFMPEG_EXIT') throw fail();
    throw error;
  }
}

/** The texts of an SRT or WebVTT file's cues, in order (timings are not used: cue N captions item N). */
export function parseCues(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((block) => block.split('\n'))
    .filter((lines) => lines.some((l) => l.includes('-->')))
    .map((lines) => lines.slice(lines.findIndex((l) => l.includes('-->')) + 1).join(' ').replace(/<[^>]+>/g, '').trim())
    .filter(Boolean);
}
