import { open, readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import { NemoError } from '../../errors.js';
import type { ResolvedInput } from '../../recipe/recipe.types.js';
import { imageInput, runTool, type FfmpegPaths } from './ffmpeg.js';
import { hasTimings, parseTimedCues } from './captions.js';
import { edgeMapFilters, edgeMapSize, MAP_LONG_SIDE, profileOf, type SubjectProfile } from './framing.js';
import { orientationFilter, stillHeader, swapsSides, toneMap } from './orientation.js';

/** Changes whenever MediaInfo does, so facts probed by an older version are not reused. */
export const PROBE_FORMAT = 10;

/** Sound whose loudest sample is quieter than this is silence (dither and hum included). */
const SILENT_DB = -60;

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
  /** Music whose loudest sample is below SILENT_DB: it would add nothing, and a warning says so. */
  silent?: boolean;
  /** Sound tracks, when more than one (a screen recording's microphone and desktop): only the first is mixed. */
  audioTracks?: number;
  /** The colour matrix of a clip's pictures, by its tag, or as players take an untagged one (BT.709 from 720 lines). */
  matrix?: 'bt709' | 'bt601';
  /** A clip's HDR transfer, by its tag (PQ, as HDR10; HLG, as a phone records): tone-mapped to SDR as it is fitted. */
  hdr?: 'pq' | 'hlg';
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
  color_space?: string;
  color_transfer?: string;
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
    const { info, asStored } = await checkStill(input, { source, ...header, width: header.width, height: header.height }, tools, signal, damaged);
    if (asStored) return info;
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
  const tracks = json.streams?.filter((s) => s.codec_type === 'audio').length ?? 0;
  const audioTracks = tracks > 1 ? { audioTracks: tracks } : {};

  if (input.kind === 'image') {
    if (!video?.width || !video.height) throw bad('has no picture', 'the image is damaged; export it again');
    // ffmpeg 4.1 does not turn JPEGs by their EXIF orientation; newer ones say they do, as a display matrix, and
    // turn the picture themselves.
    const turned = rotationOf(video);
    const orientation = turned === 0 ? header!.orientation : 1;
    const stored = Math.abs(turned) % 180 === 90 ? { width: video.height, height: video.width } : { width: video.width, height: video.height };
    const { info } = await checkStill(input, { source, ...stored, type: header!.type, orientation }, tools, signal, damaged);
    const frames = Number(video.nb_frames);
    // An animated GIF is framed by its first picture.
    if (video.codec_name === 'gif' && frames > 1 && durationMs) return { ...info, frames, durationMs };
    return info;
  }
  if (input.kind === 'audio') {
    if (!hasAudio || !durationMs) throw bad('has no sound (no audio stream, or zero length)', 'use a music file that plays');
    await decodeCheck(tools, source, ['-t', '2', '-vn'], signal, () => bad('is damaged (its audio does not decode)', 'export the music again'));
    const peakDb = await loudest(tools, source, signal);
    await endCheck(json, ['audio'], tools, path, signal, (what) => bad(`is damaged (${what})`, 'the file was cut short, e.g. by an interrupted copy or download; copy or export it again'));
    return { kind: 'audio', durationMs, hasAudio, channels, ...audioTracks, ...(peakDb !== undefined && peakDb < SILENT_DB ? { silent: true } : {}) };
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
  const info: MediaInfo = { kind: 'video', durationMs, width: quarter ? h : w, height: quarter ? w : h, hasAudio, channels, ...audioTracks };
  if (Math.abs(sar - 1) > 0.01) info.sar = sar;
  const matrix = matrixOf(video);
  if (matrix) info.matrix = matrix;
  const hdr = ({ smpte2084: 'pq', 'arib-std-b67': 'hlg' } as const)[video.color_transfer as 'smpte2084'];
  if (hdr) info.hdr = hdr;
  const interlaced = order || detected;
  if (interlaced) info.interlaced = interlaced;
  const videoEnd = ends.get('video');
  if (videoEnd !== undefined && videoEnd < durationMs - 100) info.videoEndMs = videoEnd;
  const profile = await clipProfile(tools, path, info, (videoEnd ?? durationMs) / 1000, signal);
  if (profile) info.profile = profile;
  return info;
}

/** A clip's colour matrix: its tag's, or for an untagged one what players take (BT.709 in HD); other matrices (BT.2020) are left to ffmpeg. */
function matrixOf(video: ProbeStream): MediaInfo['matrix'] {
  const tag = video.color_space ?? 'unknown';
  if (tag === 'bt709') return 'bt709';
  if (['smpte170m', 'bt470bg'].includes(tag)) return 'bt601';
  if (tag === 'unknown') return (video.height ?? 0) >= 720 || (video.width ?? 0) >= 1280 ? 'bt709' : 'bt601';
  return undefined;
}

/** Key frames a clip's subject profile is averaged over, spread through the clip. */
const PROFILE_FRAMES = 6;

/**
 * A clip's subject profile, averaged over up to PROFILE_FRAMES key frames spread through it: one run that decodes
 * key frames only. ffmpeg turns the picture by its display matrix itself, and scaling to the displayed size (w×h)
 * squares its pixels. A clip whose key frames do not decode gets none (it is framed from the centre).
 */
async function clipProfile(tools: FfmpegPaths, path: string, { width: w, height: h, hdr }: MediaInfo, seconds: number, signal: AbortSignal | undefined): Promise<SubjectProfile | undefined> {
  const gap = Math.max(0.1, seconds / PROFILE_FRAMES);
  const select = `select='isnan(prev_selected_t)+gte(t-prev_selected_t,${gap.toFixed(3)})'`;
  const size = edgeMapSize(w!, h!);
  // An HDR clip's detail is found as it will be shown: in PQ, what SDR can show sits in the lowest code values.
  // (At the map's size rounded up to even, as the tone map's 4:2:0 output needs.)
  const shown = hdr ? `scale=${size.map((n) => n + (n % 2)).join(':')}:flags=area,${toneMap(hdr)},` : '';
  try {
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-skip_frame', 'nokey', '-i', path, '-an', '-sn', '-vf', `${select},${shown}${edgeMapFilters(w!, h!)}`, '-vsync', '0', '-frames:v', String(PROFILE_FRAMES)];
    return await edgeMap(tools, args, size, signal);
  } catch (error) {
    if (error instanceof NemoError && error.code === 'E_FFMPEG_EXIT') return undefined;
    throw error;
  }
}

/** A still to decode: its ffmpeg input arguments, and its picture as stored (before its EXIF orientation). */
interface Still {
  source: string[];
  type?: 'jpeg' | 'png';
  reducible?: boolean;
  width: number;
  height: number;
  orientation: number;
}

/**
 * How far below its size a still is decoded for its edge map: 8-bit DCT JPEGs (see StillHeader.reducible) decode at
 * 1/2, 1/4 or 1/8 each way (ffmpeg's `-lowres`: every coefficient is still read, so damage still shows, but fewer
 * pixels are made), the furthest that keeps at least the map's pixels. 30 stills of 1600x1200 decode in 0.13 s
 * instead of 0.62 s.
 */
function reduction(still: Still): number {
  const [w, h] = edgeMapSize(still.width, still.height);
  let n = 0;
  while (still.reducible && n < 3 && Math.ceil(still.width / 2 ** (n + 1)) >= w && Math.ceil(still.height / 2 ** (n + 1)) >= h) n++;
  return n;
}

/** The still as ffmpeg decodes it for its edge map: its input arguments and stored size at its reduction. */
function reduced(still: Still): Still {
  const n = reduction(still);
  if (!n) return still;
  return { ...still, source: ['-lowres', String(n), ...still.source], width: Math.ceil(still.width / 2 ** n), height: Math.ceil(still.height / 2 ** n) };
}

/** A still's size as seen: as stored, turned by its EXIF orientation. */
function uprightSize({ width, height, orientation }: Still): [number, number] {
  return swapsSides(orientation) ? [height, width] : [width, height];
}

/** The facts of a still decoded as `still` says, with its edge map's profile. */
function stillInfo(still: Still, profile: SubjectProfile | undefined): MediaInfo {
  const [width, height] = uprightSize(still);
  const { orientation } = still;
  return { kind: 'image', width, height, hasAudio: false, ...(orientation !== 1 ? { orientation } : {}), ...(profile && { profile }) };
}

/**
 * Decodes a still's first picture, failing with `damaged` when it does not decode, and makes the upright picture's
 * edge map (its subject profile) in the same run; `asStored` says whether ffmpeg read it as `still` describes it.
 */
async function checkStill(input: ResolvedInput, still: Still, tools: FfmpegPaths, signal: AbortSignal | undefined, damaged: () => NemoError): Promise<{ info: MediaInfo; asStored: boolean }> {
  // A truncated JPEG decodes with no more than a warning (ffmpeg fills in grey): its end marker tells.
  if (still.type === 'jpeg' && !(await jpegIsWhole(input.path!))) throw damaged();
  const [decoded] = (await decodeStills([still], tools, signal)) ?? [];
  if (!decoded) throw damaged();
  return { info: stillInfo(still, decoded.profile), asStored: decoded.asStored };
}

/**
 * At most this many bytes of decoded pictures in one ffmpeg run: it holds every still's first picture until its graph
 * is set up, so it peaks at about this plus 30 MB (measured with 4:2:0 and 4:4:4 JPEGs and 8- and 16-bit RGBA PNGs).
 */
const BATCH_BYTES = 72e6;
/** And at most this many stills. */
const BATCH_STILLS = 32;
/** Batches decoded at once in this process, whichever plans they are for: two keep two cores busy. */
const batchRuns = pLimit(2);

/**
 * Probes JPEG and PNG stills (known by their bytes), a batch to an ffmpeg run rather than one run each: the 40
 * stills of the 2-minute bench job take two runs side by side (0.5 s), where a run per still took 2 s. Returns the
 * facts of those read as their headers say, by path; the others (damaged, read otherwise, gone, or not a JPEG or
 * PNG) are left to probeInput, which names what is wrong with each. A batch with one damaged still is left whole to
 * probeInput.
 */
export async function probeStills(inputs: ResolvedInput[], tools: FfmpegPaths, signal?: AbortSignal): Promise<Map<string, MediaInfo>> {
  const batches: { path: string; still: Still }[][] = [];
  let bytes = 0;
  // One header at a time: a header read takes a 256 kB buffer.
  for (const input of inputs.filter((i) => i.kind === 'image')) {
    const path = input.path!;
    const header = await stillHeader(path);
    if (!header.width || !header.height || (header.type === 'jpeg' && !(await jpegIsWhole(path).catch(() => false)))) continue;
    const still = { ...header, width: header.width, height: header.height, source: imageInput(path) };
    const { width, height } = reduced(still);
    const size = width * height * (header.bytesPerPixel ?? 4);
    const last = batches.at(-1);
    if (!last || last.length === BATCH_STILLS || bytes + size > BATCH_BYTES) {
      batches.push([]);
      bytes = 0;
    }
    batches.at(-1)!.push({ path, still });
    bytes += size;
  }
  const found = new Map<string, MediaInfo>();
  await Promise.all(
    batches.map((batch) =>
      batchRuns(async () => {
        const decoded = await decodeStills(batch.map((b) => b.still), tools, signal);
        decoded?.forEach(({ profile, asStored }, k) => asStored && found.set(batch[k]!.path, stillInfo(batch[k]!.still, profile)));
      }),
    ),
  );
  return found;
}

/**
 * Decodes the first picture of each still (at its reduction) in one ffmpeg run and makes each upright picture's edge
 * map, of the size for its full picture: each map is padded to the square any map fits in (MAP_LONG_SIDE) and the
 * maps are joined, so they come out in order as one stream. Undefined when any still does not decode (ffmpeg stops
 * at the first error); else, for each, its profile and whether ffmpeg read it as stored (see readAsStored).
 */
async function decodeStills(stills: Still[], tools: FfmpegPaths, signal: AbortSignal | undefined): Promise<{ profile?: SubjectProfile; asStored: boolean }[] | undefined> {
  const side = MAP_LONG_SIDE;
  const decoded = stills.map(reduced);
  const chains = stills.map((still, k) => {
    const filters = ['trim=end_frame=1', orientationFilter(still.orientation), edgeMapFilters(...uprightSize(still)), `pad=${side}:${side}:0:0`].filter(Boolean);
    return `[${k}:v]${filters.join(',')}[e${k}]`;
  });
  const graph = `${chains.join(';')};${stills.map((_, k) => `[e${k}]`).join('')}concat=n=${stills.length}:v=1:a=0[maps]`;
  let stdout: string;
  let stderr: string;
  try {
    // At info level, ffmpeg describes each input as it read it (in about 400 characters each, all kept).
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'level+info', '-xerror', ...decoded.flatMap((s) => s.source), '-filter_complex', graph, '-map', '[maps]'];
    ({ stdout, stderr } = await runTool(tools.ffmpeg, [...args, '-vsync', '0', '-frames:v', String(stills.length), '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { signal, encoding: 'latin1', stderrChars: 1 << 20 }));
  } catch (error) {
    if (error instanceof NemoError && error.code === 'E_FFMPEG_EXIT') return undefined;
    throw error;
  }
  const maps = Buffer.from(stdout, 'latin1');
  if (reportsError(stderr) || maps.length !== stills.length * side * side) return undefined;
  return stills.map((still, k) => {
    const [w, h] = edgeMapSize(...uprightSize(still));
    const map = Buffer.alloc(w * h);
    for (let y = 0; y < h; y++) maps.copy(map, y * w, (k * side + y) * side, (k * side + y) * side + w);
    return { profile: profileOf(map, w, h), asStored: readAsStored(stderr, k, decoded[k]!) };
  });
}

/**
 * True when ffmpeg read input `k` as its header says: the same size (at its reduction), and no display matrix or
 * rotation in its description. (ffmpeg 4.1 never turns a JPEG by its EXIF orientation; a newer one that does is
 * caught here only if it says so in the input's description, as ffprobe's path catches it only if it says so for the
 * stream: untested here.) `stderr` is ffmpeg's report at info level, whose part for input k runs from a line
 * `[info] Input #k, jpeg_pipe, from '…':` to the next input's, and has `[info]     Stream #k:0: Video: mjpeg (…),
 * 1600x1200`. Only line starts are read, so a file name (without a line break in it) cannot pass for another
 * input's part.
 */
function readAsStored(stderr: string, k: number, header: { width: number; height: number }): boolean {
  const lines = stderr.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`[info] Input #${k}, `));
  if (start < 0) return false;
  const end = lines.findIndex((line, i) => i > start && /^\[info\] (Input #\d+, |Stream mapping:|Output #)/.test(line));
  const read = lines.slice(start + 1, end < 0 ? undefined : end);
  const stream = new RegExp(`^\\[info\\] +Stream #${k}:0\\S*: Video: .*?, (\\d+)x(\\d+)`);
  const size = read.map((line) => stream.exec(line)).find(Boolean);
  return Boolean(size && Number(size[1]) === header.width && Number(size[2]) === header.height && !read.some((line) => /displaymatrix|rotate\s*:/.test(line)));
}

/** Runs ffmpeg writing raw grey edge maps of `size` to stdout, and reads their profile. */
async function edgeMap(tools: FfmpegPaths, args: string[], [w, h]: [number, number], signal: AbortSignal | undefined): Promise<SubjectProfile | undefined> {
  const { stdout } = await runTool(tools.ffmpeg, [...args, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { signal, encoding: 'latin1' });
  return profileOf(Buffer.from(stdout, 'latin1'), w, h);
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

/** True when a JPEG file holds its picture whole (see jpegEnd). */
async function jpegIsWhole(path: string): Promise<boolean> {
  return jpegEnd(await readFile(path)) !== undefined;
}

/**
 * Where a JPEG's picture ends: just after its end-of-image marker (FF D9), found by following its segments and scans
 * from the start; undefined when the data stops before it (a truncated file). Whatever follows is not the picture's
 * and is allowed: the video of a Pixel or Samsung motion photo, a maker's trailer, a second picture, padding.
 */
export function jpegEnd(data: Buffer): number | undefined {
  if (data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 1 < data.length) {
    // Junk between segments is skipped to the next marker, as decoders do.
    if (data[at] !== 0xff) {
      at = data.indexOf(0xff, at);
      if (at < 0) return undefined;
      continue;
    }
    const marker = data[at + 1]!;
    if (marker === 0xd9) return at + 2;
    // Fill bytes, and markers without a length (restarts, TEM).
    if (marker === 0xff) at += 1;
    else if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) at += 2;
    else if (at + 3 >= data.length) return undefined;
    else at += 2 + data.readUInt16BE(at + 2);
    // A scan's coded data runs to the next marker: FF 00 is a coded FF, and restarts sit inside it.
    while (marker === 0xda) {
      at = data.indexOf(0xff, at);
      if (at < 0 || at + 1 >= data.length) return undefined;
      const next = data[at + 1]!;
      if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7)) break;
      at += 2;
    }
  }
  return undefined;
}

/**
 * Decodes part of a file; an error (besides harmless pixel-format notes) means the file is damaged. With `detect`,
 * ffmpeg's interlace detector watches the decoded frames and its verdict is returned when most are interlaced.
 */
async function decodeCheck(
  tools: FfmpegPaths,
  source: string[],
  limit: string[],
  signal: AbortSignal | undefined,
  fail: () => NemoError,
  detect = false,
): Promise<{ interlaced?: 'tff' | 'bff' }> {
  try {
    // The detector's verdict is an info line.
    const head = ['-hide_banner', '-nostdin', '-loglevel', `level+${detect ? 'info' : 'error'}`, '-xerror', ...source, ...limit];
    const { stderr } = await runTool(tools.ffmpeg, [...head, ...(detect ? ['-vf', 'idet'] : []), '-f', 'null', '-'], { signal });
    if (reportsError(stderr)) throw fail();
    const verdict = stderr.match(/Multi frame detection.*?TFF:\s*(\d+)\s*BFF:\s*(\d+)\s*Progressive:\s*(\d+)/);
    if (!verdict) return {};
    const [tff, bff, progressive] = verdict.slice(1).map(Number) as [number, number, number];
    // Only a clear majority counts: the detector also fires on sharp, still detail.
    if (tff + bff < 10 || tff + bff < 4 * progressive) return {};
    return { interlaced: tff >= bff ? 'tff' : 'bff' };
  } catch (error) {
    if (error instanceof NemoError && error.code === 'E_FFMPEG_EXIT') throw fail();
    throw error;
  }
}

/**
 * The loudest sample of a sound, in dB, decoded through (up to 10 minutes: about 0.15 s for 4 minutes of MP3) as a
 * player plays it, past a damaged frame or two (the damage check above is of its start only); undefined when ffmpeg
 * gives no figure.
 */
async function loudest(tools: FfmpegPaths, source: string[], signal: AbortSignal | undefined): Promise<number | undefined> {
  const { stderr } = await runTool(tools.ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'info', ...source, '-t', '600', '-vn', '-af', 'volumedetect', '-f', 'null', '-'], { signal }).catch((error: unknown) => {
    if (signal?.aborted) throw error;
    return { stderr: '' };
  });
  const peak = /max_volume: (-inf|-?[\d.]+) dB/.exec(stderr)?.[1];
  return peak === undefined ? undefined : peak === '-inf' ? -Infinity : Number(peak);
}

/**
 * True when ffmpeg's report (with level tags) has an error line, besides harmless pixel-format notes. Only the level
 * tag ffmpeg puts first (after its component's) counts: a file named `a[error].jpg` is no error.
 */
function reportsError(stderr: string): boolean {
  return stderr.split('\n').some((line) => /^(\[[^\]]*\] )?\[(error|fatal|panic)\] /.test(line) && !/deprecated pixel format/.test(line));
}

/** The texts of an SRT or WebVTT file's cues, in order (their times: `parseTimedCues`). */
export function parseCues(text: string): string[] {
  return parseTimedCues(text).map((c) => c.text);
}
