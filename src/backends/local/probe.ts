import { open, readFile } from 'node:fs/promises';
import { NemoError } from '../../errors.js';
import type { ResolvedInput } from '../../recipe/recipe.types.js';
import { imageInput, runTool, type FfmpegPaths } from './ffmpeg.js';
import { hasTimings, parseTimedCues } from './captions.js';
import { edgeMapFilters, edgeMapSize, profileOf, type SubjectProfile } from './framing.js';
import { orientationFilter, stillHeader, swapsSides } from './orientation.js';

/** Changes whenever MediaInfo does, so facts probed by an older version are not reused. */
export const PROBE_FORMAT = 6;

/** What the renderer needs to know about an input. */
export interface MediaInfo {
  kind: 'image' | 'video' | 'audio' | 'captions';
  /** Playable length; absent for still images (for an animated GIF: one loop). */
  durationMs?: number;
  /** The picture's size as people see it: after EXIF orientation, display rotation and non-square pixels. */
  width?: number;
  height?: number;
  hasAudio: boolean;
  /** Caption texts, in order (captions inputs only). */
  cues?: string[];
  /** When each of `cues` shows, from the file's timing lines (captions inputs whose every cue has readable times). */
  cueTimes?: { startMs: number; endMs: number }[];
  /** EXIF orientation of a JPEG (2–8) when it is not stored upright. */
  orientation?: number;
  /** Width of a stored pixel over its height, when not 1 (anamorphic video). */
  sar?: number;
  /** Field order of interlaced video: deinterlaced before fitting. */
  interlaced?: 'tff' | 'bff';
  /** Frames of an animated GIF: it plays, looping, instead of being held. */
  frames?: number;
  /** Where a clip's picture ends, when well before its sound does. */
  videoEndMs?: number;
  /** Sound channels (music and clips), for the downmix. */
  channels?: number;
  /** Where the picture's detail is (images, and clips from a few key frames), for framing it in another shape. */
  profile?: SubjectProfile;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  duration?: string;
  start_time?: string;
  nb_frames?: string;
  sample_aspect_ratio?: string;
  field_order?: string;
  channels?: number;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

interface ProbeJson {
  streams?: ProbeStream[];
  format?: { duration?: string; start_time?: string; format_name?: string };
}

/** Probes an input with ffprobe and decodes a little of it, so bad media is named before rendering starts. */
export async function probeInput(input: ResolvedInput, tools: FfmpegPaths, signal?: AbortSignal): Promise<MediaInfo> {
  const path = input.path!;
  if (input.kind === 'captions') {
    const cues = parseTimedCues(await readFile(path, 'utf8'));
    const info: MediaInfo = { kind: 'captions', hasAudio: false, cues: cues.map((c) => c.text) };
    if (hasTimings(cues)) info.cueTimes = cues.map(({ startMs, endMs }) => ({ startMs, endMs }));
    return info;
  }
  const bad = (what: string, hint: string, cause?: unknown) =>
    new NemoError('E_MEDIA', `${input.name}: ${what}`, { hint, cause });
  if (input.format === 'webp' && (await isAnimatedWebp(path))) {
    throw bad('is an animated WebP, which the bundled ffmpeg 4.1 cannot decode', 'convert it to a GIF or an MP4 first, e.g. `magick in.webp out.gif` (ImageMagick), or use a still WebP');
  }

  // An image is read as that one file, whatever its name (`pct%03d.jpg` is no numbered sequence).
  const source = input.kind === 'image' ? imageInput(path, input.format === 'gif') : ['-i', path];
  const damaged = () => bad('is damaged (it does not decode)', 'open and save the image again, or replace it');
  // A JPEG or PNG (by its bytes, whatever its name) whose header gives its size needs no ffprobe: its decode check
  // alone says the rest, unless ffmpeg reads it otherwise than the header says (then ffprobe decides).
  const header = input.kind === 'image' ? await stillHeader(path) : undefined;
  if (header?.width && header.height) {
    const { info, stderr } = await checkStill(input, source, { ...header, width: header.width, height: header.height }, tools, signal, damaged);
    if (readAsStored(stderr, { width: header.width, height: header.height })) return info;
  }
  let json: ProbeJson;
  try {
    json = JSON.parse((await runTool(tools.ffprobe, ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', ...source], { signal })).stdout);
  } catch (error) {
    if (error instanceof NemoError && error.code === 'E_FFMPEG_EXIT') throw bad('cannot be read as media', 'the file is damaged or not what its name says; export it again', error);
    throw error;
  }
  // Cover art in an MP3 or M4A is a one-picture "video" stream; it is neither a clip's picture nor a length.
  const video = json.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = json.streams?.find((s) => s.codec_type === 'audio');
  const hasAudio = Boolean(audio);
  const seconds = Number(json.format?.duration ?? video?.duration);
  const durationMs = Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined;
  const channels = audio?.channels;

  if (input.kind === 'image') {
    if (!video?.width || !video.height) throw bad('has no picture', 'the image is damaged; export it again');
    // ffmpeg 4.1 does not turn JPEGs by their EXIF orientation; newer ones say they do, as a display matrix, and
    // turn the picture themselves.
    const turned = rotationOf(video);
    const orientation = turned === 0 ? header!.orientation : 1;
    const stored = Math.abs(turned) % 180 === 90 ? { width: video.height, height: video.width } : { width: video.width, height: video.height };
    const { info } = await checkStill(input, source, { ...stored, type: header!.type, orientation }, tools, signal, damaged);
    const frames = Number(video.nb_frames);
    // An animated GIF is framed by its first picture.
    if (video.codec_name === 'gif' && frames > 1 && durationMs) return { ...info, frames, durationMs };
    return info;
  }
  if (input.kind === 'audio') {
    if (!hasAudio || !durationMs) throw bad('has no sound (no audio stream, or zero length)', 'use a music file that plays');
    await decodeCheck(tools, source, ['-t', '2', '-vn'], signal, () => bad('is damaged (its audio does not decode)', 'export the music again'));
    await endCheck(json, ['audio'], tools, path, signal, (what) => bad(`is damaged (${what})`, 'the file was cut short, e.g. by an interrupted copy or download; copy or export it again'));
    return { kind: 'audio', durationMs, hasAudio, channels };
  }
  if (!video?.width || !video.height) throw bad('has no video stream', 'use a clip with pictures, or give it `role: music` if it is sound only');
  if (!durationMs) throw bad('has zero length', 'export the clip again');
  const order = fieldOrder(video.field_order);
  const { interlaced: detected } = await decodeCheck(tools, source, ['-t', '1', '-an'], signal, () => bad('is damaged (its video does not decode)', 'export the clip again'), order === undefined);
  const ends = await endCheck(json, ['video', 'audio'], tools, path, signal, (what) => bad(`is damaged (${what})`, 'the file was cut short, e.g. by an interrupted copy or download; copy or export it again'));
  const sar = ratio(video.sample_aspect_ratio);
  // A quarter turn (a phone held upright) shows the coded picture on its side.
  const quarter = Math.abs(rotationOf(video)) % 180 === 90;
  const [w, h] = [Math.round(video.width * sar), video.height];
  const info: MediaInfo = { kind: 'video', durationMs, width: quarter ? h : w, height: quarter ? w : h, hasAudio, channels };
  if (Math.abs(sar - 1) > 0.01) info.sar = sar;
  const interlaced = order || detected;
  if (interlaced) info.interlaced = interlaced;
  const videoEnd = ends.get('video');
  if (videoEnd !== undefined && videoEnd < durationMs - 100) info.videoEndMs = videoEnd;
  const profile = await clipProfile(tools, path, info.width!, info.height!, (videoEnd ?? durationMs) / 1000, signal);
  if (profile) info.profile = profile;
  return info;
}

/** Key frames a clip's subject profile is averaged over, spread through the clip. */
const PROFILE_FRAMES = 6;

/**
 * A clip's subject profile, averaged over up to PROFILE_FRAMES key frames spread through it: one run that decodes
 * key frames only. ffmpeg turns the picture by its display matrix itself, and scaling to the displayed size (w×h)
 * squares its pixels. A clip whose key frames do not decode gets none (it is framed from the centre).
 */
async function clipProfile(tools: FfmpegPaths, path: string, w: number, h: number, seconds: number, signal: AbortSignal | undefined): Promise<SubjectProfile | undefined> {
  const gap = Math.max(0.1, seconds / PROFILE_FRAMES);
  const select = `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${gap.toFixed(3)})'`;
  const size = edgeMapSize(w, h);
  try {
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-skip_frame', 'nokey', '-i', path, '-an', '-sn', '-vf', `${select},${edgeMapFilters(w, h)}`, '-vsync', '0', '-frames:v', String(PROFILE_FRAMES)];
    return (await edgeMap(tools, args, size, signal)).profile;
  } catch (error) {
    if (error instanceof NemoError && error.code === 'E_FFMPEG_EXIT') return undefined;
    throw error;
  }
}

/**
 * True when ffmpeg read a still as its header says: the same size, and no display matrix or rotation in its
 * description. (ffmpeg 4.1 never turns a JPEG by its EXIF orientation; a newer one that does is caught here only if
 * it says so in the input's description, as ffprobe's path catches it only if it says so for the stream: untested
 * here.) `stderr` is ffmpeg's report at info level, whose input part reads `Stream #0:0: Video: mjpeg (…), 1600x1200`.
 */
function readAsStored(stderr: string, header: { width: number; height: number }): boolean {
  const read = stderr.split(/Output #0|Stream mapping/)[0]!;
  const size = /Stream #0:0\S*: Video: .*?, (\d+)x(\d+)/.exec(read);
  return Boolean(size && Number(size[1]) === header.width && Number(size[2]) === header.height && !/displaymatrix|rotate\s*:/.test(read));
}

/**
 * Decodes a still's first picture, failing with `damaged` when it does not decode, and makes it the upright picture's
 * edge map (its subject profile) in the same run. `stored` is the picture as decoded, before its EXIF orientation.
 */
async function checkStill(
  input: ResolvedInput,
  source: string[],
  stored: { type?: 'jpeg' | 'png'; width: number; height: number; orientation: number },
  tools: FfmpegPaths,
  signal: AbortSignal | undefined,
  damaged: () => NemoError,
): Promise<{ info: MediaInfo; stderr: string }> {
  // A truncated JPEG decodes with no more than a warning (ffmpeg fills in grey): its end marker tells.
  if (stored.type === 'jpeg' && !(await endsWithJpegEnd(input.path!))) throw damaged();
  const { orientation } = stored;
  const [width, height] = swapsSides(orientation) ? [stored.height, stored.width] : [stored.width, stored.height];
  const map = { filters: [orientationFilter(orientation), edgeMapFilters(width, height)].filter(Boolean).join(','), size: edgeMapSize(width, height) };
  const { profile, stderr } = await decodeCheck(tools, source, ['-frames:v', '1'], signal, damaged, false, map);
  return { info: { kind: 'image', width, height, hasAudio: false, ...(orientation !== 1 ? { orientation } : {}), ...(profile && { profile }) }, stderr };
}

/** Runs ffmpeg writing raw grey edge maps of `size` to stdout, and reads their profile; also returns ffmpeg's stderr. */
async function edgeMap(tools: FfmpegPaths, args: string[], [w, h]: [number, number], signal: AbortSignal | undefined): Promise<{ profile?: SubjectProfile; stderr: string }> {
  const { stdout, stderr } = await runTool(tools.ffmpeg, [...args, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { signal, encoding: 'latin1' });
  return { profile: profileOf(Buffer.from(stdout, 'latin1'), w, h), stderr };
}

/** The display rotation of a stream in degrees (a display matrix, or the older `rotate` tag); 0 when upright. */
function rotationOf(stream: ProbeStream): number {
  const matrix = stream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  return Math.round(matrix ?? Number(stream.tags?.rotate ?? 0)) || 0;
}

/** `4:3` → 1.333; 1 when absent, unknown (0:1) or malformed. */
function ratio(text: string | undefined): number {
  const [a, b] = (text ?? '').split(':').map(Number);
  return a && b && Number.isFinite(a / b) ? a / b : 1;
}

/** The field order ffprobe reports as interlaced, 'progressive' as false, undefined when it does not know. */
function fieldOrder(order: string | undefined): 'tff' | 'bff' | false | undefined {
  if (order === 'tt' || order === 'tb') return 'tff';
  if (order === 'bb' || order === 'bt') return 'bff';
  return order === 'progressive' ? false : undefined;
}

/** True when a WebP file is animated (its VP8X header has the animation flag): ffmpeg 4.1 cannot decode those. */
async function isAnimatedWebp(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer } = await handle.read(Buffer.alloc(21), 0, 21, 0);
    return buffer.toString('latin1', 12, 16) === 'VP8X' && (buffer[20]! & 0x02) !== 0;
  } finally {
    await handle.close();
  }
}

/**
 * Reads the last seconds of packets and returns where each kind of stream really ends, in ms from the start. For an
 * MP4/MOV/M4A, whose index (often at the front) announces every stream's length even when the data was cut off, it
 * fails when a stream's packets end well before that. Cheap: a seek, then a few seconds of packets.
 */
async function endCheck(
  json: ProbeJson,
  kinds: string[],
  tools: FfmpegPaths,
  path: string,
  signal: AbortSignal | undefined,
  fail: (what: string) => NemoError,
): Promise<Map<string, number>> {
  const ends = new Map<string, number>();
  const streams = (json.streams ?? []).filter((s) => kinds.includes(s.codec_type ?? '') && !s.disposition?.attached_pic);
  if (!streams.length) return ends;
  // Only an MP4/MOV index is trusted to announce lengths; other containers estimate them, so they are only measured.
  const trusted = Boolean(json.format?.format_name?.includes('mov'));
  const announced = streams.map((s) => Number(s.duration ?? json.format?.duration));
  const longest = Math.max(...announced.filter(Number.isFinite));
  // (ffprobe 4.1 reads nothing for an interval without an end.)
  const from = Math.max(0, longest - 3);
  const { stdout } = await runTool(
    tools.ffprobe,
    ['-v', 'error', '-read_intervals', `${from.toFixed(3)}%+${Math.ceil(longest - from + 60)}`, '-show_entries', 'packet=stream_index,pts_time,duration_time', '-of', 'csv=p=0', path],
    { signal },
  );
  const last = new Map<number, number>();
  for (const line of stdout.split('\n')) {
    const [index, pts, duration] = line.split(',').map(Number);
    if (index === undefined || !Number.isFinite(pts)) continue;
    last.set(index, Math.max(last.get(index) ?? 0, pts! + (Number.isFinite(duration) ? duration! : 0)));
  }
  const start = Number(json.format?.start_time ?? 0) || 0;
  const all = json.streams ?? [];
  streams.forEach((stream, k) => {
    const index = all.indexOf(stream);
    const length = announced[k]!;
    const end = last.has(index) ? last.get(index)! - start : undefined;
    if (trusted && Number.isFinite(length) && length > 0.5 && (end === undefined || end < length - Math.max(0.5, length * 0.05))) {
      const held = end === undefined ? 'nothing near its end' : `${end.toFixed(1)} s`;
      throw fail(`its ${stream.codec_type} announces ${length.toFixed(1)} s but holds ${held}`);
    }
    if (end !== undefined && !ends.has(stream.codec_type!)) ends.set(stream.codec_type!, Math.round(end * 1000));
  });
  return ends;
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

/**
 * Decodes part of a file; an error (besides harmless pixel-format notes) means the file is damaged. With `detect`,
 * ffmpeg's interlace detector watches the decoded frames and its verdict is returned when most are interlaced. With
 * `map`, the decoded picture goes through its filters to an edge map instead of nowhere, and its profile is returned.
 */
async function decodeCheck(
  tools: FfmpegPaths,
  source: string[],
  limit: string[],
  signal: AbortSignal | undefined,
  fail: () => NemoError,
  detect = false,
  map?: { filters: string; size: [number, number] },
): Promise<{ interlaced?: 'tff' | 'bff'; profile?: SubjectProfile; stderr: string }> {
  try {
    // The detector's verdict and the input's description (for a still's edge map) are info lines.
    const head = ['-hide_banner', '-nostdin', '-loglevel', `level+${detect || map ? 'info' : 'error'}`, '-xerror', ...source, ...limit];
    let stderr = '';
    let profile: SubjectProfile | undefined;
    if (map) {
      ({ profile, stderr } = await edgeMap(tools, [...head, '-vf', map.filters], map.size, signal));
    } else {
      ({ stderr } = await runTool(tools.ffmpeg, [...head, ...(detect ? ['-vf', 'idet'] : []), '-f', 'null', '-'], { signal }));
    }
    const lines = stderr.split('\n');
    // Only the level tag ffmpeg puts first (after its component's): a file named `a[error].jpg` is no error.
    if (lines.some((line) => /^(\[[^\]]*\] )?\[(error|fatal|panic)\] /.test(line) && !/deprecated pixel format/.test(line))) throw fail();
    const verdict = lines.find((l) => l.includes('Multi frame detection'))?.match(/TFF:\s*(\d+)\s*BFF:\s*(\d+)\s*Progressive:\s*(\d+)/);
    if (!verdict) return { profile, stderr };
    const [tff, bff, progressive] = verdict.slice(1).map(Number) as [number, number, number];
    // Only a clear majority counts: the detector also fires on sharp, still detail.
    if (tff + bff < 10 || tff + bff < 4 * progressive) return { profile, stderr };
    return { interlaced: tff >= bff ? 'tff' : 'bff', profile, stderr };
  } catch (error) {
    if (error instanceof NemoError && error.code === 'E_FFMPEG_EXIT') throw fail();
    throw error;
  }
}

/** The texts of an SRT or WebVTT file's cues, in order (their times: `parseTimedCues`). */
export function parseCues(text: string): string[] {
  return parseTimedCues(text).map((c) => c.text);
}
