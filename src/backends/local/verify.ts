import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describeFree, freeBytes } from '../../atomic.js';
import { NemoError } from '../../errors.js';
import { imageInput, runTool, type FfmpegPaths } from './ffmpeg.js';

/**
 * Checks of finished files before they are renamed into place or filed in the cache. They are needed because the
 * bundled ffmpeg exits 0 when the disk fills, leaving a truncated file behind; each returns what is wrong, or
 * undefined when the file is whole.
 */

/** What a video or sound file should hold. */
export interface Expected {
  /** Exactly this many video frames (undefined: no video stream). */
  frames?: number;
  /** Frames per second, for the tolerance of one frame. */
  fps: number;
  /** The length in seconds, to one frame. */
  seconds: number;
  /** Whether it has a sound stream. */
  audio: boolean;
}

interface Measured {
  streams?: { codec_type?: string; nb_read_packets?: string; duration?: string }[];
  format?: { duration?: string };
}

/** Reads a whole media file's packets (no decoding) and says how it differs from what it should be. */
export async function mediaProblem(path: string, want: Expected, tools: FfmpegPaths, signal?: AbortSignal): Promise<string | undefined> {
  let json: Measured;
  try {
    const args = ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,nb_read_packets,duration:format=duration', '-of', 'json', path];
    const { stdout, stderr } = await runTool(tools.ffprobe, args, { signal });
    if (stderr.trim()) return `is damaged (${lastLine(stderr, path)})`;
    json = JSON.parse(stdout) as Measured;
  } catch (error) {
    if (error instanceof NemoError && error.code === 'E_FFMPEG_EXIT') return `cannot be read (${lastLine(error.message, path)})`;
    throw error;
  }
  const video = json.streams?.find((s) => s.codec_type === 'video');
  const audio = json.streams?.find((s) => s.codec_type === 'audio');
  const frame = 1 / want.fps;
  const near = (seconds: number, slack: number) => Math.abs(seconds - want.seconds) <= slack + 0.001;
  // WebM gives no stream lengths, only the container's, which may run on to the end of an Opus packet (20 ms).
  const length = Number(json.format?.duration);
  const slack = Math.max(frame, 0.025);
  if (want.frames !== undefined) {
    const frames = Number(video?.nb_read_packets ?? 0);
    if (frames !== want.frames) return `has ${frames} video frames instead of ${want.frames}`;
    // All there, but squeezed onto fewer times (frames on one time are dropped by players) is wrong too.
    const shown = Number(video?.duration);
    if (Number.isFinite(shown) && !near(shown, slack)) return `shows its frames over ${shown.toFixed(3)} s instead of ${want.seconds.toFixed(3)} s`;
  }
  if (want.audio && !Number(audio?.nb_read_packets)) return 'has no sound';
  const heard = Number(audio?.duration);
  if (want.audio && (Number.isFinite(heard) ? !near(heard, frame) : !near(length, slack))) {
    return `has ${(Number.isFinite(heard) ? heard : length).toFixed(3)} s of sound instead of ${want.seconds.toFixed(3)} s`;
  }
  if (!near(length, slack)) return `lasts ${length.toFixed(3)} s instead of ${want.seconds.toFixed(3)} s`;
  return undefined;
}

/** The last 12 bytes of every whole PNG: its IEND chunk (a PNG cut anywhere after its pixels still decodes). */
const PNG_END = Buffer.from('0000000049454e44ae426082', 'hex');

/** Checks a PNG: it ends with its end chunk and decodes without an error. */
export async function pngProblem(path: string, tools: FfmpegPaths, signal?: AbortSignal): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(12), 0, 12, Math.max(0, size - 12));
    if (bytesRead < 12 || !buffer.equals(PNG_END)) return `is cut short (${size} bytes, with no end chunk)`;
  } finally {
    await handle.close();
  }
  try {
    const { stderr } = await runTool(tools.ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-xerror', ...imageInput(path), '-f', 'null', '-'], { signal });
    return stderr.trim() ? `does not decode (${lastLine(stderr, path)})` : undefined;
  } catch (error) {
    if (error instanceof NemoError && error.code === 'E_FFMPEG_EXIT') return `does not decode (${lastLine(error.message, path)})`;
    throw error;
  }
}

/**
 * The E_OUTPUT error for a file that failed its check (`path`, the temporary file beside where it was going): what it
 * was for, what was wrong, and how full its disk is.
 */
export async function unverified(what: string, path: string, problem: string): Promise<NemoError> {
  const dir = dirname(path);
  const free = await freeBytes(dir);
  const kept = 'what was there before is left as it was';
  return new NemoError('E_OUTPUT', `${what} was not kept: the file ffmpeg wrote ${problem}`, {
    hint:
      free === undefined || free < FULL_BYTES
        ? `is the disk full? ${describeFree(free)} in ${dir}; ${kept}. Free some space and run again`
        : `${describeFree(free)} in ${dir}, so the disk is not full: this is a bug, please report it with the recipe; ${kept}`,
  });
}

/** Less free space than this after a failed write means the disk filled up. */
const FULL_BYTES = 64e6;

/** The last line a tool printed, without the temporary file's name. */
function lastLine(text: string, path: string): string {
  return text.trim().split('\n').at(-1)!.replace(`${path}: `, '').trim();
}
