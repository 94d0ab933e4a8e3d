import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { crc32, inflate } from 'node:zlib';
import { dirname } from 'node:path';
import { describeFree, freeBytes } from '../../atomic.js';
import { NemoError } from '../../errors.js';
import { runTool, type FfmpegPaths } from './ffmpeg.js';
import { PNG_CHANNELS } from './orientation.js';

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

const PNG_SIGNATURE = Buffer.from('89504e470d0a1a0a', 'hex');

/**
 * Checks a PNG without decoding it in another process: from its signature its chunks follow each other to the end of
 * the file, each with its CRC, ending with IEND, and its pixels' stream inflates whole, to the size its header gives.
 * A write cut short by a full disk fails this even when a later, smaller write (the end chunk) got through.
 */
export async function pngProblem(path: string): Promise<string | undefined> {
  const png = await readFile(path);
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) return `is not a PNG (${png.length} bytes)`;
  const pixels: Buffer[] = [];
  let header: Buffer | undefined;
  for (let at = 8, type = ''; type !== 'IEND'; ) {
    if (at + 12 > png.length) return `is cut short (${png.length} bytes, with no end chunk)`;
    const end = at + 12 + png.readUInt32BE(at);
    type = png.toString('latin1', at + 4, at + 8);
    if (end > png.length) return `is cut short (${png.length} bytes, in its ${type} chunk)`;
    if (crc32(png.subarray(at + 4, end - 4)) !== png.readUInt32BE(end - 4)) return `is damaged (the CRC of its ${type} chunk does not match)`;
    if (type === 'IHDR') header = png.subarray(at + 8, end - 4);
    if (type === 'IDAT') pixels.push(png.subarray(at + 8, end - 4));
    if (type === 'IEND' && end !== png.length) return `has ${png.length - end} bytes after its end chunk`;
    at = end;
  }
  let size: number;
  try {
    size = (await promisify(inflate)(Buffer.concat(pixels))).length;
  } catch (error) {
    return `does not decode (its pixels: ${(error as Error).message})`;
  }
  // Rows of a filter byte and the pixels' bytes; an interlaced PNG (ffmpeg writes none) is only inflated.
  if (!header || header[12]) return undefined;
  const [width, height, depth, colour] = [header.readUInt32BE(0), header.readUInt32BE(4), header[8]!, header[9]!];
  const expected = height * (1 + Math.ceil((width * (PNG_CHANNELS[colour] ?? 4) * depth) / 8));
  return size === expected ? undefined : `does not decode (${size} bytes of pixels where its header makes ${expected})`;
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
