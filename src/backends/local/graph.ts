import { even } from '../../plan/export-settings.js';
import { isItem, isLogo, isText, segmentsOf, TEXT_FADE_MIN_MS, TEXT_FADE_MS, TEXT_FADE_PARTS, type ItemMeta, type LocalDraft, type LogoMeta, type Segment, type TextMeta } from '../draft.js';
import { imageInput } from './ffmpeg.js';
import { chooseFraming, type Framing } from './framing.js';
import { GraphBuilder, hold, sec, type Frame } from './graph-builder.js';
import { orientationFilter, toneMap } from './orientation.js';
import { stillCrossfade, TRANSITION_FILTERS } from './transitions.js';

export type { Frame };

/** The media a segment's `m.input` points to, with what probing found (see MediaInfo). */
export interface SourceMedia {
  path: string;
  /** The displayed size: after orientation, rotation and non-square pixels. */
  width?: number;
  height?: number;
  durationMs?: number;
  orientation?: number;
  sar?: number;
  interlaced?: 'tff' | 'bff';
  frames?: number;
  videoEndMs?: number;
  matrix?: 'bt709' | 'bt601';
  hdr?: 'pq' | 'hlg';
  audioTracks?: number;
}

/** One ffmpeg run's worth of video: frames [from, to) of the timeline. */
export interface Chunk {
  from: number;
  to: number;
}

/** A text line drawn by drawtext, in runs of one font each; words go through files, never through the filter graph. */
export interface TextLine {
  runs: { file: string; text: string; font: number; width: number }[];
  /** The line's width in ems (the runs' widths added up). */
  width: number;
}

/** The arguments and filter script of one chunk's ffmpeg run (output options excluded). */
export interface ChunkGraph {
  inputs: string[];
  script: string;
  /** The label of the finished video stream. */
  out: string;
  /** The chunk's frames. */
  frames: number;
  /** The frames the graph makes: fewer than `frames` when held frames are left to the stream (see ChunkOptions.skip). */
  made: number;
  /** With `skip`: after the made frame at each key, how many times it is repeated (see holdFrames). */
  repeats: Map<number, number>;
  /**
   * The made frames that should be key frames: the poster's (see ChunkOptions.poster) and, with `skip`, each still
   * that begins two seconds or more after the last one forced (x264 adds its own every `-g` made frames; the copies
   * within a held still decode in microseconds when a player seeks).
   */
  keys: number[];
}

const ms2f = (ms: number, fps: number) => Math.round((ms * fps) / 1000);

/** Total frames of a draft. */
export function frameCount(draft: LocalDraft, fps: number): number {
  return ms2f(draft.d, fps);
}

/** The main video track's items (images, clips, logo cards), one after another. */
export function mainTrack(draft: LocalDraft): Segment<ItemMeta>[] {
  return segmentsOf(draft, isItem);
}

/** An item of the main track and the frames [from, to) it is on screen. */
interface Span {
  seg: Segment<ItemMeta>;
  index: number;
  from: number;
  to: number;
}

function spans(draft: LocalDraft, fps: number): Span[] {
  return mainTrack(draft).map((seg, index) => ({ seg, index, from: ms2f(seg.st, fps), to: ms2f(seg.st + seg.d, fps) }));
}

/**
 * Cuts the timeline into up to `parts` chunks of similar work. Cuts fall only where a single item is on screen, never
 * inside a crossfade, so every chunk can be rendered and encoded on its own. A frame of a picture at rest (a still
 * without motion, a logo card, shown alone) is encoded once for its whole run, so it weighs a tenth of a frame that
 * changes (a transition, a clip, motion): each chunk takes about an even share of the weight, cut in the middle of
 * the rest nearest its share where there is one within a chunk. A changed still then re-encodes the two chunks
 * that share it, side by side on two encoders, one transition each; cut by frames alone, the promo's chunks began at
 * transitions, and one held both of a still's.
 */
export function splitChunks(draft: LocalDraft, fps: number, parts: number, animated: (input: number) => boolean = () => false, minFrames = 2 * fps): Chunk[] {
  const total = frameCount(draft, fps);
  const count = Math.max(1, Math.min(parts, Math.floor(total / minFrames)));
  const all = spans(draft, fps);
  // A cut at f splits the intervals around it; only one strictly inside an overlap would split a crossfade.
  const inCrossfade = (f: number) => all.filter((s) => s.from < f && s.to > f).length > 1;
  // Where each picture at rest shows with no other item: [from, to).
  const rests = all.flatMap((s, i): [number, number][] => {
    const from = Math.max(s.from, ...all.slice(0, i).map((o) => o.to));
    const to = Math.min(s.to, ...all.slice(i + 1).map((o) => o.from));
    const { m } = s.seg;
    return (m.kind === 'card' || (m.kind === 'image' && !m.motion && !animated(m.input))) && to > from ? [[from, to]] : [];
  });
  // The weight of the frames before each frame.
  const before = new Float64Array(total + 1).fill(1);
  for (const [from, to] of rests) before.fill(0.1, from + 1, to + 1);
  before[0] = 0;
  for (let f = 1; f <= total; f++) before[f]! += before[f - 1]!;
  const middles = rests.map(([from, to]) => Math.floor((from + to) / 2));
  const cuts: number[] = [0];
  // No chunk shorter than a quarter of the average: a cut that would make one is left out.
  const least = Math.max(1, Math.floor(total / count / 4));
  const free = (f: number) => f >= cuts.at(-1)! + least && f <= total - least;
  for (let k = 1; k < count; k++) {
    const [share, chunk] = [(before[total]! * k) / count, before[total]! / count];
    // The middle of a rest whose weight before it is nearest the share, within 3/4 of a chunk's (the promo's are a
    // transition and a rest apart, 1.1 chunks); else the frame there.
    const off = (f: number) => Math.abs(before[f]! - share);
    const middle = middles.filter((f) => free(f) && off(f) <= 0.75 * chunk).sort((a, b) => off(a) - off(b))[0];
    const ideal = middle ?? before.findIndex((w) => w >= share);
    for (let delta = 0; delta < total; delta++) {
      const candidate = [ideal - delta, ideal + delta].find((f) => free(f) && !inCrossfade(f));
      if (candidate !== undefined) {
        cuts.push(candidate);
        break;
      }
    }
  }
  cuts.push(total);
  return cuts.slice(0, -1).map((from, k) => ({ from, to: cuts[k + 1]! }));
}

/**
 * The frames of a poster's six thumbnails: in each sixth of the video, the frame nearest its middle where one picture
 * shows, clear of transitions and of the fades from and to black (the middle itself when the sixth has none). Each
 * is made a key frame (see ChunkOptions.poster), so a thumbnail decodes that frame alone.
 */
export function posterFrames(draft: LocalDraft, fps: number): number[] {
  const total = frameCount(draft, fps);
  const all = spans(draft, fps);
  const fades = pictureFades(draft, fps);
  const clear = (f: number) => f >= fades.inEnd && f < fades.outStart && all.filter((s) => s.from <= f && f < s.to).length === 1;
  return Array.from({ length: 6 }, (_, k) => {
    const [from, to] = [Math.floor((k * total) / 6), Math.floor(((k + 1) * total) / 6)];
    const middle = Math.min(total - 1, Math.floor(((k + 0.5) * total) / 6));
    for (let d = 0; d < to - from; d++) for (const f of [middle - d, middle + d]) if (f >= from && f < to && clear(f)) return f;
    return middle;
  });
}

/** Options for one chunk's graph. */
export interface ChunkOptions {
  frame: Frame;
  media: (index: number) => SourceMedia;
  /** The text files for each text segment, line by line. */
  texts: Map<Segment<TextMeta>, TextLine[]>;
  /** The font files, by the index runs name them with. */
  fonts: string[];
  /**
   * Frames at rest are made once and their repeats left to the encoded stream (skipped frames, see h264.ts), rather
   * than repeated in the graph and encoded again and again.
   */
  skip?: boolean;
  /** Frames of the timeline that are made key frames, so that the poster's thumbnails each decode one frame alone. */
  poster?: number[];
}

/**
 * A run of frames rendered alike: frames at rest (one still on screen with its texts and logo fully shown, nothing
 * fading) are composed once and held; the frames between, where something changes, are filtered one by one.
 */
interface Run {
  from: number;
  to: number;
  /** The still shown, when the run is at rest. */
  still?: Span;
}

/** When a text shows, in seconds, and how long it takes to fade in and out. */
function textTimes(seg: Segment<TextMeta>): { a: number; b: number; fadeIn: number; fadeOut: number } {
  const [a, b] = [seg.st / 1000, (seg.st + seg.d) / 1000];
  // A text fades in and out over 0.3 s, or over what the instructions asked ("fade in the title over 2 seconds"), or
  // a caption over what fits in the transitions at its ends (see buildTimeline).
  const fade = (ms: number | undefined) => Math.max(TEXT_FADE_MIN_MS / 1000, Math.min((ms ?? TEXT_FADE_MS) / 1000, (b - a) / TEXT_FADE_PARTS));
  return { a, b, fadeIn: fade(seg.m.fadeInMs), fadeOut: fade(seg.m.fadeOutMs) };
}

/**
 * How the video fades in from black and out to black: the frames before `inEnd` and from `outStart` on change, and
 * the fade filters, drawn over everything (logo and texts included), make the first and the last frame black.
 */
function pictureFades(draft: LocalDraft, fps: number): { inEnd: number; outStart: number; filters: string[] } {
  const main = mainTrack(draft);
  const [fadeIn, fadeOut] = [(main[0]?.m.fadeInMs ?? 0) / 1000, (main.at(-1)?.m.fadeOutMs ?? 0) / 1000];
  // (A fade out as long as the video starts on its first frame.)
  const last = (frameCount(draft, fps) - 1) / fps;
  const out = Math.min(fadeOut, last);
  const filters = [...(fadeIn ? [`fade=t=in:st=0:d=${fadeIn}`] : []), ...(out > 0 ? [`fade=t=out:st=${(last - out).toFixed(6)}:d=${out.toFixed(6)}`] : [])];
  return { inEnd: Math.ceil(fadeIn * fps), outStart: fadeOut ? Math.floor((last - out) * fps) : Infinity, filters };
}

/** True when an item shows one unchanging picture: a still without motion, or a logo card. */
function atRest(span: Span, opts: ChunkOptions): boolean {
  const { m } = span.seg;
  return m.kind === 'card' || (m.kind === 'image' && !m.motion && !((opts.media(m.input).frames ?? 1) > 1));
}

/** Cuts frames [chunk.from, chunk.to) into runs at rest and runs that change (see Run). */
function runsOf(draft: LocalDraft, chunk: Chunk, opts: ChunkOptions): Run[] {
  const { fps } = opts.frame;
  const items = spans(draft, fps).filter((s) => s.to > chunk.from && s.from < chunk.to);
  const [t0, t1] = [chunk.from / fps, chunk.to / fps];
  const texts = segmentsOf(draft, isText).map(textTimes).filter(({ a, b }) => a <= t1 && b >= t0);
  const logos = segmentsOf(draft, isLogo).filter((s) => s.st / 1000 <= t1 && (s.st + s.d) / 1000 >= t0);
  // The frames of the picture's fades (whole frames on either side of them).
  const fades = pictureFades(draft, fps);
  const runs: (Run & { key?: string })[] = [];
  for (let f = chunk.from; f < chunk.to; f++) {
    // What frame f shows, as a key: equal keys look the same; no key, it changes from frame to frame.
    const on = items.filter((s) => s.from <= f && f < s.to);
    let key: string | undefined;
    if (on.length === 1 && atRest(on[0]!, opts) && f >= fades.inEnd && f < fades.outStart) {
      const t = f / fps;
      // As drawText's enable and alpha have it: shown from a to b, fully after fading in and until fading out; and as
      // overlayLogo's enable has it (logoShown).
      const states = texts.map(({ a, b, fadeIn, fadeOut }) => (t < a || t > b ? '-' : t >= a + fadeIn && t <= b - fadeOut ? '+' : '~'));
      if (!states.includes('~')) key = `${on[0]!.index}${states.join('')}:${logos.map((s) => (logoShown(s, t) ? '+' : '-')).join('')}`;
    }
    const last = runs.at(-1);
    if (last && last.key === key) last.to = f + 1;
    else runs.push({ from: f, to: f + 1, key, still: key === undefined ? undefined : on[0] });
  }
  return runs;
}

/**
 * The ffmpeg inputs and filter script for frames [chunk.from, chunk.to) of a draft. Each run at rest is one frame
 * composed with its logo and texts, then held (with `skip`, made once and its logo and texts drawn after the join);
 * each run that changes is its items cut and joined by their transitions, with fades, logo and texts drawn frame by
 * frame at the timeline's own times. Each picture is decoded and fitted to the frame once.
 */
export function chunkGraph(draft: LocalDraft, chunk: Chunk, opts: ChunkOptions): ChunkGraph {
  const { fps } = opts.frame;
  const g = new GraphBuilder();
  const inputs: string[] = [];
  const addInput = (args: string[]) => {
    inputs.push(...args);
    return inputs.filter((a) => a === '-i').length - 1;
  };
  const ctx: Context = { g, opts, addInput, draft, placed: stacking(draft, opts), fades: pictureFades(draft, opts.frame.fps) };
  const repeats = new Map<number, number>();
  const keys: number[] = [];
  // Made frames so far, and the chunk's frame of the last key frame (a chunk starts with one).
  let made = 0;
  let key = chunk.from;
  // With skip, the logo and texts are drawn once over the joined made frames rather than part by part: each part's own
  // overlay and drawtexts had buffers that ffmpeg zeroes before the first frame (a chunk of the 2-minute benchmark:
  // 97 → 77 MB and 0.40 → 0.32 s before encoding, the same frames). The parts' times are lost in the join, so each
  // part's made frames are stamped back with the timeline frames they show.
  const { skip } = opts;
  const stamps: { made: number; frame: number }[] = [];
  const parts = runsOf(draft, chunk, opts).map((run) => {
    const frames = run.to - run.from;
    // A held frame is stamped with a time inside its run, where every text on it is fully shown.
    const mid = Math.floor((run.from + run.to - 1) / 2);
    const held = run.still && skip && frames >= 2;
    stamps.push({ made, frame: held ? mid : run.from });
    // (A held still's poster frame is the one made frame that all its frames repeat.)
    for (const f of opts.poster ?? []) if (f >= run.from && f < run.to) keys.push(held ? made : made + f - run.from);
    if (!run.still) return (made += frames), skip ? changing(ctx, run) : layers(ctx, changing(ctx, run), run.from, run.to);
    const still = g.add([stillFrame(ctx, run.still)], `settb=1/${fps},setpts=${mid}`, g.label('r'));
    const frame = skip ? still : layers(ctx, still, mid, mid + 1);
    if (!held) return (made += frames), hold(g, frame, frames, fps);
    if (run.from - key >= 2 * fps) (keys.push(made), (key = run.from));
    repeats.set(made++, frames - 1);
    return frame;
  });
  let video = parts.length === 1 ? parts[0]! : g.add(parts, `concat=n=${parts.length}:v=1:a=0`, g.label('c'));
  if (skip) {
    // Made frame N shows timeline frame N plus an offset that steps up where each part begins.
    const offsets = stamps.map((s) => s.frame - s.made);
    const steps = stamps.slice(1).flatMap((s, k) => (offsets[k + 1] !== offsets[k] ? [`+gte(N,${s.made})*${offsets[k + 1]! - offsets[k]!}`] : []));
    video = layers(ctx, g.add([video], `settb=1/${fps},setpts='N+${offsets[0]}${steps.join('')}'`, g.label('v')), chunk.from, chunk.to);
  }
  const out = g.add([video], `settb=1/${fps},setpts=N,format=yuv420p`, 'vout');
  // (A chunk begins with a key frame anyway.)
  const forced = [...new Set(keys)].filter((n) => n > 0).sort((a, b) => a - b);
  return { inputs, script: g.script(), out, frames: chunk.to - chunk.from, made, repeats, keys: forced };
}

/** What the parts of one chunk's graph share. */
interface Context {
  g: GraphBuilder;
  opts: ChunkOptions;
  addInput: (args: string[]) => number;
  draft: LocalDraft;
  /** Each text's font size, and how far it is moved to stack with the others (see stacking). */
  placed: Map<Segment<TextMeta>, Placed>;
  fades: ReturnType<typeof pictureFades>;
}

/** Frames [run.from, run.to) where something changes: the items on screen, cut and joined by their transitions. */
function changing(ctx: Context, run: Run): string {
  const { g, opts, draft } = ctx;
  const { fps } = opts.frame;
  const visible = spans(draft, fps).filter((s) => s.to > run.from && s.from < run.to);
  // Intervals between item boundaries: one item (a trim of its stream) or two (a transition).
  const bounds = [...new Set([run.from, run.to, ...visible.flatMap((s) => [s.from, s.to])])].filter((f) => f >= run.from && f <= run.to).sort((a, b) => a - b);
  const pieces: { a: number; b: number; active: Span[]; stills: boolean }[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [a, b] = [bounds[i]!, bounds[i + 1]!];
    const active = visible.filter((s) => s.from <= a && s.to >= b).slice(-2);
    // A crossfade between two pictures at rest is made from one frame of each (see stillCrossfade).
    const stills = active.length === 2 && (active[1]!.seg.m.transition ?? 'crossfade') === 'crossfade' && active.every((s) => atRest(s, opts));
    if (active.length) pieces.push({ a, b, active, stills });
  }
  // Each item the other pieces show becomes one stream of exactly its frames here, split among them.
  const streams = new Map<Span, { from: number; outlets: string[] }>();
  for (const span of new Set(pieces.flatMap((p) => (p.stills ? [] : p.active)))) {
    const from = Math.max(span.from, run.from);
    const frames = Math.min(span.to, run.to) - from;
    const label = atRest(span, opts) ? hold(g, stillFrame(ctx, span), frames, fps) : itemStream(ctx, span, from - span.from, frames);
    const uses = pieces.filter((p) => !p.stills && p.active.includes(span)).length;
    const outlets = uses === 1 ? [label] : Array.from({ length: uses }, () => g.label('s'));
    if (uses > 1) g.chains.push(`[${label}]split=${uses}${outlets.map((l) => `[${l}]`).join('')}`);
    streams.set(span, { from, outlets });
  }
  const cut = (span: Span, a: number, b: number) => {
    const stream = streams.get(span)!;
    return g.add([stream.outlets.shift()!], `trim=start_frame=${a - stream.from}:end_frame=${b - stream.from},setpts=PTS-STARTPTS`, g.label('p'));
  };
  const parts = pieces.map(({ a, b, active, stills }) => {
    if (active.length === 1) return cut(active[0]!, a, b);
    const [under, over] = active as [Span, Span];
    if (stills) return stillCrossfade(g, stillFrame(ctx, under), stillFrame(ctx, over), b - a, opts.frame);
    return TRANSITION_FILTERS[over.seg.m.transition ?? 'crossfade'](g, cut(under, a, b), cut(over, a, b), b - a, opts.frame);
  });
  const video = parts.length === 1 ? parts[0]! : g.add(parts, `concat=n=${parts.length}:v=1:a=0`, g.label('c'));
  // From here on, timestamps are the timeline's own, so fades and texts use global times. They are set from the frame
  // count on a 1/fps time base: overlays and concat may leave another time base, on which two frames can round to one
  // time (at 10 fps, two stills and a crossfade came out over 1.8 s instead of 2).
  return g.add([video], `settb=1/${fps},setpts=N+${run.from}`, g.label('v'));
}

/**
 * Draws the logos and texts shown during frames [from, to) over `video`, whose times are the timeline's, and fades
 * the whole picture in from and out to black where the video does (see pictureFades).
 */
function layers(ctx: Context, video: string, from: number, to: number): string {
  const { g, opts, draft } = ctx;
  const [t0, t1] = [from / opts.frame.fps, to / opts.frame.fps];
  const during = (s: Segment<unknown>) => s.st / 1000 < t1 && (s.st + s.d) / 1000 > t0;
  for (const seg of segmentsOf(draft, isLogo).filter(during)) video = overlayLogo(ctx, video, seg);
  const { fades, placed } = ctx;
  const draws = [...segmentsOf(draft, isText).filter(during).flatMap((seg) => drawText(seg, opts, placed.get(seg)!)), ...(from < fades.inEnd || to > fades.outStart ? fades.filters : [])];
  return draws.length ? g.add([video], draws.join(','), g.label('v')) : video;
}

/** A still's one frame, or a logo card's, decoded and fitted to the output frame once per chunk and shared. */
function stillFrame(ctx: Context, span: Span): string {
  const { g, opts, addInput } = ctx;
  const { width: W, height: H, fps } = opts.frame;
  const { m } = span.seg;
  return g.take(`${m.kind}:${m.input}`, () => {
    const media = opts.media(m.input);
    const i = addInput(imageInput(media.path));
    if (m.kind === 'card') {
      // The logo, centred on black.
      const bg = g.add([], `color=c=black:s=${W}x${H}:r=${fps}:d=${sec(1, fps)}`, g.label('bg'));
      const [w, h] = cardLogoBox(opts.frame);
      const logo = g.add([`${i}:v`], `${upright(media)}scale=w=${w}:h=${h}:force_original_aspect_ratio=decrease,format=rgba,${LOGO_BT709}`, g.label('lg'));
      return g.add([bg, logo], `overlay=(W-w)/2:(H-h)/2:eof_action=repeat,trim=end_frame=1,${NORM}`, g.label('cd'));
    }
    return g.add([fit(g, `${i}:v`, media, W, H, sourceFilters(media).join(',') || undefined, m.framing)], `${NORM},trim=end_frame=1`, g.label('st'));
  });
}

/**
 * Moves a clip's pictures 1 ms later, in microseconds, so one half way between two output frames (a 24 fps clip in a
 * 30 fps video has one in four) always goes to the later one: the seek's rounding (to a tick of the stream's time
 * base: 65 µs in a 30 fps MP4, 1 ms in an MKV or WebM, whose times are themselves rounded to the millisecond) would
 * otherwise send it either way, and a chunk would show it a frame apart from the chunks around it.
 */
const TIE_BIAS = 0.001;

/** Square pixels in the encoder's format. */
const NORM = 'setsar=1,format=yuv420p';

/**
 * Pictures are converted to BT.709 (limited range) as they are fitted to the frame, as the output is tagged (see
 * videoCodec): a JPEG's BT.601, a PNG's RGB and a clip's own matrix (see MediaInfo.matrix).
 * Players take an untagged HD video as BT.709, which showed photos' greens a sixth darker. Later conversions between
 * YUV formats keep the matrix.
 */
const TO_BT709 = 'out_color_matrix=bt709:out_range=tv';
/** A logo (RGBA) converted as pictures are, before an overlay would convert it by BT.601. */
const LOGO_BT709 = `scale=${TO_BT709},format=yuva420p`;

/** Frames [offset, offset + frames) of an item that moves (a clip, an animated GIF, a still with motion), fitted to the output frame. */
function itemStream(ctx: Context, span: Span, offset: number, frames: number): string {
  const { g, opts, addInput } = ctx;
  const { fps, width: W, height: H } = opts.frame;
  const { m } = span.seg;
  const media = opts.media(m.input);

  if (m.kind === 'video') {
    const speed = m.speed ?? 1;
    const start = (m.trimMs ?? 0) / 1000 + (offset / fps) * speed;
    // The picture shown at the chunk's first frame may be up to half a frame, and a source frame (or a gap in a
    // variable-rate clip), before it; and a seek drops every picture before its point. So the seek goes back half a
    // second of the clip, a whole number of output frames (`skip`), which are dropped: the chunk's frames then fall on
    // the same times, and show the same pictures, as in one run from the clip's start. A seek past a clip's last
    // picture leaves nothing to hold (and crashes ffmpeg 4.1's tpad), so it goes back at least to a second before the
    // clip ends.
    const end = (media.videoEndMs ?? media.durationMs ?? Infinity) / 1000 - 1;
    const skip = Math.min(Math.max(Math.ceil((0.5 * fps) / speed), Math.ceil(((start - end) * fps) / speed)), Math.floor((start * fps) / speed + 1e-9));
    const seek = Math.max(0, start - (skip * speed) / fps);
    // (Rounded down, to the microsecond ffmpeg reads: a picture exactly at the seek point is kept, never dropped.)
    const i = addInput(['-ss', (Math.floor(seek * 1e6) / 1e6).toFixed(6), '-t', (((frames + skip) / fps) * speed + 1).toFixed(3), '-i', media.path]);
    // Times are kept from the seek point (the sound keeps its own, see mixAudio), not from the first picture after
    // it: the picture would run up to a source frame ahead of the sound, and jump at each chunk's cut. The last
    // picture is cloned once first, so it gets its time when slowed (setpts does not move the stream's end); fps then
    // takes the picture nearest each output time from 0 on; the last picture is held past the clip's end, and the
    // frames before the chunk are dropped before the pictures are fitted.
    const hold = `tpad=stop_mode=clone:stop_duration=${sec(skip + frames + fps, fps)}`;
    const pre = [...sourceFilters(media), 'tpad=stop_mode=clone:stop=1', `settb=AVTB,setpts=PTS/${speed}+${TIE_BIAS}/TB`, `fps=${fps}:start_time=0`, hold, ...(skip ? [`trim=start_frame=${skip}`] : [])];
    return g.add([fit(g, `${i}:v`, media, W, H, pre.join(','), m.framing)], `${NORM},trim=end_frame=${frames},settb=1/${fps},setpts=N`, g.label('i'));
  }

  if (m.kind === 'image' && (media.frames ?? 1) > 1) {
    // An animated GIF plays, looping to fill its slot, like a clip without sound.
    const i = addInput(['-stream_loop', '-1', ...imageInput(media.path, true)]);
    return g.add([fit(g, `${i}:v`, media, W, H, `fps=${fps}`, m.framing)], `${NORM},trim=start_frame=${offset}:end_frame=${offset + frames},settb=1/${fps},setpts=N`, g.label('i'));
  }

  // A window moves over the fitted still with sub-pixel precision (perspective interpolates), so edges glide
  // instead of stepping back and forth by a pixel as zoompan's and crop's whole-pixel windows make them. Working at
  // the frame's own size keeps it about as fast as zoompan was; the closest view is enlarged 1.2x.
  const motion = m.kind === 'image' ? m.motion : undefined;
  const p = `(in+${offset})/${Math.max(1, span.to - span.from - 1)}`;
  const inward = span.index % 2 === 0;
  const along = inward ? p : `(1-${p})`;
  // The window is W/z by H/z of the still at (x, y): z grows from 1 to 1.2 (or shrinks), or stays 1.2 for a pan.
  const z = motion === 'pan' ? '1.2' : inward ? `(1+0.2*${p})` : `(1.2-0.2*${p})`;
  // Ken Burns and pan drift sideways; a plain zoom stays centred.
  const x = motion === 'zoom' ? `(W-W/${z})/2` : `(W-W/${z})*${along}`;
  const y = `(H-H/${z})/2`;
  const [x1, y1] = [`${x}+W/${z}`, `${y}+H/${z}`];
  const corners = `x0='${x}':y0='${y}':x1='${x1}':y1='${y}':x2='${x}':y2='${y1}':x3='${x1}':y3='${y1}'`;
  return g.add([hold(g, stillFrame(ctx, span), frames, fps)], `perspective=${corners}:interpolation=linear:eval=frame,${NORM}`, g.label('i'));
}

/**
 * What a source needs before it is fitted: EXIF orientation applied, fields woven into frames, non-square pixels
 * made square. (ffmpeg itself turns clips by their display matrix.)
 */
function sourceFilters(media: SourceMedia): string[] {
  const filters: string[] = [];
  const turn = orientationFilter(media.orientation);
  if (turn) filters.push(turn);
  if (media.interlaced) filters.push(`yadif=mode=0:parity=${media.interlaced}:deint=all`);
  if (media.sar && media.width && media.height) filters.push(`scale=${even(media.width)}:${even(media.height)}`, 'setsar=1');
  return filters;
}

/** A logo's EXIF orientation, applied before it is scaled (a logo saved by a phone camera), as a filter and a comma. */
function upright(media: SourceMedia): string {
  const turn = orientationFilter(media.orientation);
  return turn ? `${turn},` : '';
}

/** How many times a picture of w×h is enlarged when fitted to the frame, as fit does it (its framing, or the shapes'). */
export function upscaleOf(w: number, h: number, frame: Frame, framing?: Framing): number {
  const { mode } = framing ?? chooseFraming(undefined, { width: w, height: h }, frame);
  const [sx, sy] = [frame.width / w, frame.height / h];
  return mode === 'cover' ? Math.max(sx, sy) : Math.min(sx, sy);
}

/**
 * Fits a picture to W×H without stretching, as its framing says (see chooseFraming; without one, it is chosen from
 * the shapes alone): cover scales it to fill the frame and crops the overflow at the framing's window; contain shows
 * all of it over a blurred copy of itself.
 */
function fit(g: GraphBuilder, input: string, media: SourceMedia, W: number, H: number, pre?: string, framing?: Framing): string {
  const head = pre ? `${pre},` : '';
  // An HDR clip keeps its colours through each scale and is tone-mapped once cut to the size it is shown.
  const colours = media.hdr ? '' : `:${media.matrix ? `in_color_matrix=${media.matrix}:` : ''}${TO_BT709}`;
  // (A picture of odd sides is scaled to 4:4:4 for it: zscale takes no 4:2:0 at odd sides.)
  const tone = (format?: 'yuv444p') => (media.hdr ? `,${format ? 'format=yuv444p10le,' : ''}${toneMap(media.hdr, format)}` : '');
  const { mode, x, y, w, h } = framing ?? chooseFraming(undefined, { width: media.width ?? W, height: media.height ?? H }, { width: W, height: H });
  if (mode === 'cover') {
    // The window's place along the overflow, 0 (left or top) to 1, so rounding in the scale never pushes it out.
    const along = (start: number, size: number) => (size < 0.9999 ? Math.min(1, Math.max(0, start / (1 - size))) : 0.5);
    const [px, py] = [along(x, w), along(y, h)].map((v) => Number(v.toFixed(4)));
    const crop = px === 0.5 && py === 0.5 ? `crop=${W}:${H}` : `crop=${W}:${H}:(iw-ow)*${px}:(ih-oh)*${py}`;
    return g.add([input], `${head}scale=${W}:${H}:force_original_aspect_ratio=increase${colours},${crop},setsar=1${tone()}`, g.label('f'));
  }
  const [a, b] = [g.label('a'), g.label('b')];
  g.chains.push(`[${input}]${head}split=2[${a}][${b}]`);
  const [w4, h4] = [even(W / 4), even(H / 4)];
  // boxblur's radius must fit the chroma planes, a quarter of the small side.
  const radius = Math.max(1, Math.min(8, Math.floor(Math.min(w4, h4) / 4) - 1));
  const bg = g.add([a], `scale=${w4}:${h4}:force_original_aspect_ratio=increase${colours},crop=${w4}:${h4}${tone()},boxblur=${radius}:2,scale=${W}:${H},eq=brightness=-0.1`, g.label('bg'));
  const fg = g.add([b], `scale=${W}:${H}:force_original_aspect_ratio=decrease${colours}${tone('yuv444p')}`, g.label('fg'));
  return g.add([bg, fg], `overlay=(W-w)/2:(H-h)/2,setsar=1`, g.label('f'));
}

function overlayLogo(ctx: Context, video: string, seg: Segment<LogoMeta>): string {
  const { g, opts, addInput } = ctx;
  const { input, opacity, position } = seg.m;
  const { size, margin, top, bottom } = logoBox(opts.frame);
  const media = opts.media(input);
  const logo = g.take(`logo:${input}:${opacity}`, () =>
    g.add(
      [`${addInput(imageInput(media.path))}:v`],
      `${upright(media)}scale=${size}:${size}:force_original_aspect_ratio=decrease,format=rgba${opacity < 1 ? `,colorchannelmixer=aa=${opacity}` : ''},${LOGO_BT709},trim=end_frame=1`,
      g.label('l'),
    ),
  );
  const x = position.endsWith('left') ? `${margin}` : `W-w-${margin}`;
  const y = position.startsWith('top') ? `${top}` : `H-h-${bottom}`;
  // From st up to (not at) its end, as logoShown says.
  const enable = `gte(t,${seg.st / 1000})*lt(t,${(seg.st + seg.d) / 1000})`;
  return g.add([video, logo], `overlay=x=${x}:y=${y}:eof_action=repeat:enable='${enable}'`, g.label('v'));
}

/** The box a logo card's logo is fitted into: half the frame's width, 40 % of its height. */
const cardLogoBox = ({ width: W, height: H }: Frame): [number, number] => [even(W * 0.5), even(H * 0.4)];

/** The corner logo's largest side and its distances from the frame's sides, top and bottom, in pixels. */
function logoBox(frame: Frame): { size: number; margin: number; top: number; bottom: number } {
  const side = Math.min(frame.width, frame.height);
  const margin = Math.round(side * 0.04);
  // In a tall frame the logo keeps out of the platforms' zones as texts do.
  const { top, bottom } = frame.height / frame.width >= 1.5 ? safeMargins(frame) : { top: margin, bottom: margin };
  return { size: even(side * 0.18), margin, top, bottom };
}

/** True when the logo shows at time t (seconds): from its start up to its end, where an outro card may begin. */
function logoShown(seg: Segment<LogoMeta>, t: number): boolean {
  return t >= seg.st / 1000 && t < (seg.st + seg.d) / 1000;
}

/** Font size per text kind, as a share of the frame's short side. */
const TEXT_SIZE: Record<TextMeta['kind'], number> = { title: 0.1, caption: 0.055, text: 0.065 };

/** Splits text into lines of at most `maxChars` characters (drawtext does not wrap). */
export function wrapText(text: string, maxChars: number): string[] {
  return wrapMeasured(text, maxChars, (line) => [...line].length);
}

/** Characters of scripts written without spaces (Chinese, Japanese), with the marks they share (ー, 、, 「): a line may break after any. */
const SPACELESS = '\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}';
/**
 * A word's pieces: one such character with the opening brackets before it and the other punctuation and prolonged
 * sound marks after it (a line neither starts with 」 or ー nor ends with 「), or a run of others.
 */
const PIECES = new RegExp(`[\\p{Ps}\\p{Pi}]*[${SPACELESS}](?:(?![\\p{Ps}\\p{Pi}])[\\p{P}\\u30fc])*|[^${SPACELESS}]+`, 'gu');

/**
 * A word's pieces with brackets and punctuation standing alone (around a Latin word inside Japanese, 「Sale」) joined to
 * the piece they open or close.
 */
function bracketed(pieces: string[]): string[] {
  const joined: string[] = [];
  let opening = '';
  for (const piece of pieces) {
    if (/^[\p{Ps}\p{Pi}]+$/u.test(piece)) opening += piece;
    else if (/^[\p{Pe}\p{Pf}\p{Po}\u30fc]+$/u.test(piece) && joined.length && !opening) joined[joined.length - 1] += piece;
    else (joined.push(opening + piece), (opening = ''));
  }
  return opening ? [...joined, opening] : joined;
}

/**
 * Splits text into lines no wider than `max` by `measure`, breaking at spaces, and between any two characters of
 * scripts written without spaces (Chinese, Japanese). The pieces of one word join as they were written.
 */
export function wrapMeasured(text: string, max: number, measure: (line: string) => number): string[] {
  const pieces = text.trim().split(/\s+/).flatMap((word) => bracketed(word.match(PIECES) ?? [word]).map((piece, k) => ({ piece, spaced: k === 0 })));
  const lines: string[] = [];
  for (const { piece, spaced } of pieces) {
    const lastLine = lines.at(-1);
    const joined = lastLine === undefined ? piece : `${lastLine}${spaced ? ' ' : ''}${piece}`;
    if (lastLine !== undefined && measure(joined) <= max) lines[lines.length - 1] = joined;
    else lines.push(piece);
  }
  return lines.length ? lines : [''];
}

/** The share of the frame's width a line of text may take. */
const TEXT_WIDTH = 0.9;

/** The font size of a text of its kind in a frame. */
const kindSize = (seg: Segment<TextMeta>, frame: Frame) => Math.round(Math.min(frame.width, frame.height) * TEXT_SIZE[seg.m.kind]);

/**
 * How a text keeps clear of a corner logo in its band shown at the same time (a caption box covered a bottom-right
 * logo; in 9:16, any caption wider than 56 % of the frame did): the text's lines may be `width` pixels wide, and it
 * is moved `lift` pixels from its band's edge. Where the middle of the frame between the logo and its mirror is at
 * least 60 % of the width (16:9), the text keeps to it; where it is not (9:16, 1:1), or the text is set against the
 * logo's side, the text goes past the logo.
 */
function besideLogo(seg: Segment<TextMeta>, logos: Segment<LogoMeta>[], frame: Frame, media: (index: number) => SourceMedia): { width: number; lift: number } {
  const width = Math.round(frame.width * TEXT_WIDTH);
  const edge = band(seg);
  const logo = logos.find((l) => l.m.position.startsWith(edge) && l.st < seg.st + seg.d && seg.st < l.st + l.d);
  if (!logo || edge === 'center') return { width, lift: 0 };
  const box = logoBox(frame);
  // The logo as drawn: its picture fitted into the box's square.
  const { width: w = box.size, height: h = box.size } = media(logo.m.input);
  const scale = box.size / Math.max(w, h);
  // Clear of the logo by a caption box's border and as much again.
  const gap = Math.round(kindSize(seg, frame) * 0.6);
  const middle = frame.width - 2 * (box.margin + Math.round(w * scale) + gap);
  // A text set against the logo's side (a lower third under a bottom-left logo) starts where the logo is: it goes past.
  const side = (position: string) => position.split('-')[1];
  if (middle >= frame.width * 0.6 && side(seg.m.position) !== side(logo.m.position)) return { width: Math.min(width, middle), lift: 0 };
  return { width, lift: Math.max(0, box[edge] + Math.round(h * scale) + gap - safeMargins(frame)[edge]) };
}

/** How wide a text's lines may be, in pixels (see besideLogo). */
export function textWidth(seg: Segment<TextMeta>, draft: LocalDraft, frame: Frame, media: (index: number) => SourceMedia): number {
  return besideLogo(seg, segmentsOf(draft, isLogo), frame, media).width;
}

/** The text lines of a segment, and the font size they are set in, within `width` pixels; `measure` gives a line's width in ems. */
export function textLayout(seg: Segment<TextMeta>, frame: Frame, width: number, measure?: (line: string) => number): { size: number; lines: string[] } {
  const size = kindSize(seg, frame);
  const text = seg.m.text;
  // Without the fonts at hand, DejaVu Sans averages about 0.55 em per character.
  if (!measure) return { size, lines: wrapText(text, Math.max(8, Math.floor(width / (size * 0.55)))) };
  return { size, lines: wrapMeasured(text, width / size, measure) };
}

/**
 * The font size a text is drawn at: a word wider than a line may be (a web address, a long compound) makes the text
 * smaller until it fits, rather than run off both edges.
 */
function textSize(seg: Segment<TextMeta>, width: number, opts: ChunkOptions): number {
  const widest = Math.max(0, ...(opts.texts.get(seg) ?? []).map((line) => line.width));
  return Math.max(6, Math.min(kindSize(seg, opts.frame), Math.floor(width / widest)));
}

/** How far apart the lines of a text are, for its font size. */
const lineStep = (size: number) => Math.round(size * 1.45);

/** The band of the frame a text is placed in. */
const band = (seg: Segment<TextMeta>) => (seg.m.position.startsWith('top') ? 'top' : seg.m.position === 'center' ? 'center' : 'bottom');

/**
 * How many pixels each text is moved away from its band's edge (up from the bottom, down from the top and in the
 * centre), so that texts shown at the same time in the same band stack instead of being drawn over each other:
 * captions nearest the edge, then titles, then other texts; past a corner logo beside them in a narrow frame (see
 * besideLogo), and clear of a logo card's logo in the centre (see belowCard). A text keeps its place while it shows.
 */
function stacking(draft: LocalDraft, opts: ChunkOptions): Map<Segment<TextMeta>, Placed> {
  const texts = segmentsOf(draft, isText);
  const order = [...texts.filter((s) => s.m.kind === 'caption'), ...texts.filter((s) => s.m.kind !== 'caption')];
  const placed = new Map<Segment<TextMeta>, Placed>();
  // Each text's room beside the logos and its size, worked out once.
  const logos = segmentsOf(draft, isLogo);
  const beside = new Map(texts.map((t) => [t, besideLogo(t, logos, opts.frame, opts.media)]));
  const sizes = new Map(texts.map((t) => [t, textSize(t, beside.get(t)!.width, opts)]));
  // Two texts meet when they show together for more than a moment (cues may overlap by a few ms); a caption takes the
  // place of the caption before it.
  const meet = (x: Segment<TextMeta>, y: Segment<TextMeta>) => Math.min(x.st + x.d, y.st + y.d) - Math.max(x.st, y.st) > 50;
  const height = (o: Segment<TextMeta>) => (opts.texts.get(o)?.length ?? 0) * lineStep(sizes.get(o)!);
  const { height: H } = opts.frame;
  const { top, bottom } = safeMargins(opts.frame);
  order.forEach((seg, k) => {
    const under = order.slice(0, k).filter((o) => band(o) === band(seg) && !(o.m.kind === 'caption' && seg.m.kind === 'caption') && meet(o, seg));
    // In the centre each text is centred on its own height before it is moved: it goes half of both heights down.
    const past = (o: Segment<TextMeta>) => (band(seg) === 'center' ? (height(o) + height(seg)) / 2 : height(o)) + Math.round(sizes.get(o)! * 0.5);
    const clear = band(seg) === 'center' ? belowCard(seg, draft, opts, height(seg)) : beside.get(seg)!.lift;
    const lift = Math.max(clear, ...under.map((o) => placed.get(o)!.lift + past(o)));
    // Never past the frame's margins, however many texts stack (a second centred text over a logo card left it).
    const room = band(seg) === 'center' ? (H - height(seg)) / 2 - bottom : H - top - bottom - height(seg);
    placed.set(seg, { size: sizes.get(seg)!, lift: Math.round(Math.max(Math.min(lift, room), band(seg) === 'center' ? Math.min(clear, 0) : 0)) });
  });
  return placed;
}

/** A text's font size, and how many pixels it is moved from its band's edge. */
interface Placed {
  size: number;
  lift: number;
}

/**
 * How far a centred text of `height` pixels moves to clear the logo of a logo card shown at the same time (a title was
 * drawn over it): down below the logo, or up above it when it would not fit below inside the frame's safe margins,
 * or as far as those margins let it on the side with more room when it fits neither; 0 when there is no card.
 */
function belowCard(seg: Segment<TextMeta>, draft: LocalDraft, opts: ChunkOptions, height: number): number {
  const card = mainTrack(draft).find((item) => item.m.kind === 'card' && item.st < seg.st + seg.d && seg.st < item.st + item.d);
  if (!card) return 0;
  const { height: H } = opts.frame;
  const [boxW, boxH] = cardLogoBox(opts.frame);
  const { width: w = boxW, height: h = boxH } = opts.media(card.m.input);
  // Its height as stillFrame fits it into the box.
  const logo = h * Math.min(boxW / w, boxH / h);
  const away = Math.round((logo + height) / 2 + kindSize(seg, opts.frame) * 0.5);
  const { top, bottom } = safeMargins(opts.frame);
  // The room the centred text has to either side within the margins.
  const [below, above] = [(H - height) / 2 - bottom, (H - height) / 2 - top];
  if (away <= below) return away;
  if (away <= above) return -away;
  // As far as the margins let it, on the side with more room (above, in 9:16).
  return above > below ? -Math.max(0, Math.floor(above)) : Math.max(0, Math.floor(below));
}

/** The drawtext filters of a text at its size, moved `lift` pixels away from its band's edge (see stacking). */
function drawText(seg: Segment<TextMeta>, opts: ChunkOptions, { size, lift }: Placed): string[] {
  const lines = opts.texts.get(seg) ?? [];
  const step = lineStep(size);
  const { top: topSafe, bottom: bottomSafe, side } = safeMargins(opts.frame);
  const { position } = seg.m;
  const { a, b, fadeIn, fadeOut } = textTimes(seg);
  const color = colour(seg.m.color);
  const caption = seg.m.kind === 'caption';
  const border = Math.round(size * 0.3);
  const outline = `borderw=${Math.max(2, Math.round(size / 18))}:bordercolor=black@0.75`;
  const { width: W, height: H } = opts.frame;
  return lines.flatMap((line, j) => {
    const top = band(seg) === 'top' ? topSafe + lift + j * step : band(seg) === 'center' ? Math.round((H - lines.length * step) / 2) + lift + j * step : H - bottomSafe - lift - (lines.length - j) * step;
    const lineW = Math.round(line.width * size);
    // Corners (a lower third sits bottom-left) align to the side margin; the rest is centred.
    const left = position.endsWith('left') ? side : position.endsWith('right') ? W - side - lineW : Math.round((W - lineW) / 2);
    const several = line.runs.length > 1;
    // A caption's box goes behind the whole line: a box per run would overlap its neighbours' in darker stripes.
    // (drawbox cannot fade, so it shows while the words are more than half faded in.)
    const box = caption && several ? [`drawbox=x=${left - border}:y=${top - border}:w=${lineW + 2 * border}:h=${Math.round(size * 1.2) + 2 * border}:color=black@0.55:t=fill:enable='between(t,${a + fadeIn / 2},${b - fadeOut / 2})'`] : [];
    const look = caption ? (several ? 'borderw=0' : `box=1:boxcolor=black@0.55:boxborderw=${border}`) : outline;
    let offset = 0;
    // drawtext puts a text's top at y by its own tallest glyph, so runs of one line share a baseline instead (at the
    // height of DejaVu's tall letters, l and d): "now" beside an emoji rode 8 px high at 40 px.
    const y = several ? `${top + Math.round(size * 0.76)}-ascent` : `${top}`;
    // Each run is shaped and ordered by drawtext (fribidi); the runs of a right-to-left line go right to left.
    const runs = rightToLeft(line.runs.map((r) => r.text).join('')) ? [...line.runs].reverse() : line.runs;
    return [
      ...box,
      ...runs.map((run) => {
        // One centred run is placed by drawtext's own measure (exact, shaping included); others are laid side by side.
        const x = !several && !position.includes('-') ? '(w-text_w)/2' : `${left + Math.round(offset * size)}`;
        offset += run.width;
        return [
          `drawtext=fontfile=${opts.fonts[run.font]}:textfile=${run.file}:expansion=none`,
          `fontsize=${size}:fontcolor=${color}:${look}`,
          `x=${x}:y=${y}`,
          `alpha='min(1,min((t-${a})/${fadeIn},(${b}-t)/${fadeOut}))'`,
          `enable='between(t,${a},${b})'`,
        ].join(':');
      }),
    ];
  });
}

/** True when a line's first letter is of a right-to-left script (Arabic, Hebrew, Syriac, Thaana, N'Ko). */
export function rightToLeft(text: string): boolean {
  const first = text.match(/\p{L}/u)?.[0];
  return first !== undefined && /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u.test(first);
}

/**
 * How far texts and the logo keep from the top and bottom edges, in pixels. In a tall (9:16) frame the platforms
 * (TikTok, Reels, Shorts) lay their own buttons and captions over the bottom 12 % and their tabs over the top, so
 * ours stay clear of those zones.
 */
export function safeMargins(frame: Frame): { top: number; bottom: number; side: number } {
  const margin = Math.round(Math.min(frame.width, frame.height) * 0.07);
  if (frame.height / frame.width < 1.5) return { top: margin, bottom: margin, side: margin };
  return { top: Math.max(margin, Math.round(frame.height * 0.1)), bottom: Math.max(margin, Math.round(frame.height * 0.15)), side: margin };
}

/** Colour names pass through; `#rrggbb` becomes ffmpeg's `0xrrggbb`. */
function colour(value: string): string {
  return /^#[0-9a-f]{6}$/i.test(value) ? `0x${value.slice(1)}` : value;
}
