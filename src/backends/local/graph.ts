import type { Draft, Segment } from '../draft.js';
import { TrackType } from '../draft.js';
import { imageInput } from './ffmpeg.js';
import { orientationFilter } from './orientation.js';

/** Frame geometry of the output. */
export interface Frame {
  width: number;
  height: number;
  fps: number;
}

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
  frames: number;
}

const ms2f = (ms: number, fps: number) => Math.round((ms * fps) / 1000);
const sec = (frames: number, fps: number) => (frames / fps).toFixed(4);

/** Total frames of a draft. */
export function frameCount(draft: Draft, fps: number): number {
  return ms2f(draft.d, fps);
}

/** The main video track: the first video track that is not an overlay. */
export function mainTrack(draft: Draft): Segment[] {
  return draft.t.find((t) => t.tt === TrackType.video && t.sg.some((s) => s.m.kind !== 'logo'))?.sg ?? [];
}

interface Span {
  seg: Segment;
  index: number;
  from: number;
  to: number;
}

function spans(draft: Draft, fps: number): Span[] {
  return mainTrack(draft).map((seg, index) => ({ seg, index, from: ms2f(seg.st, fps), to: ms2f(seg.st + seg.d, fps) }));
}

/**
 * Cuts the timeline into up to `parts` chunks of similar length. Cuts fall only where a single item is on screen,
 * never inside a crossfade, so every chunk can be rendered and encoded on its own.
 */
export function splitChunks(draft: Draft, fps: number, parts: number, minFrames = 2 * fps): Chunk[] {
  const total = frameCount(draft, fps);
  const count = Math.max(1, Math.min(parts, Math.floor(total / minFrames)));
  const all = spans(draft, fps);
  // A cut at f splits the intervals around it; only one strictly inside an overlap would split a crossfade.
  const inCrossfade = (f: number) => all.filter((s) => s.from < f && s.to > f).length > 1;
  const cuts: number[] = [0];
  for (let k = 1; k < count; k++) {
    const ideal = Math.round((total * k) / count);
    for (let delta = 0; delta < total; delta++) {
      const candidate = [ideal - delta, ideal + delta].find((f) => f > cuts.at(-1)! && f < total && !inCrossfade(f));
      if (candidate !== undefined) {
        cuts.push(candidate);
        break;
      }
    }
  }
  cuts.push(total);
  return cuts.slice(0, -1).map((from, k) => ({ from, to: cuts[k + 1]! }));
}

/** Builds unique labels and collects the filter chains of one graph. */
class GraphBuilder {
  private n = 0;
  readonly chains: string[] = [];
  label(prefix: string): string {
    return `${prefix}${this.n++}`;
  }
  add(inputs: string[], filters: string, output: string): string {
    this.chains.push(`${inputs.map((i) => `[${i}]`).join('')}${filters}[${output}]`);
    return output;
  }
}

/** Options for one chunk's graph. */
export interface ChunkOptions {
  frame: Frame;
  media: (index: number) => SourceMedia;
  /** The text files for each text segment, line by line. */
  texts: Map<Segment, TextLine[]>;
  /** The font files, by the index runs name them with. */
  fonts: string[];
}

/**
 * The ffmpeg inputs and filter script for frames [chunk.from, chunk.to) of a draft: items fitted to the frame,
 * crossfades by alpha overlay (ffmpeg 4.1 has no xfade), logo and texts drawn at global times.
 */
export function chunkGraph(draft: Draft, chunk: Chunk, opts: ChunkOptions): ChunkGraph {
  const { fps } = opts.frame;
  const g = new GraphBuilder();
  const inputs: string[] = [];
  const addInput = (args: string[]) => {
    inputs.push(...args);
    return inputs.filter((a) => a === '-i').length - 1;
  };

  // Each item on screen in this chunk becomes one stream of exactly its frames here.
  const visible = spans(draft, fps).filter((s) => s.to > chunk.from && s.from < chunk.to);
  const streams = new Map<Span, { label: string; from: number; uses: number }>();
  for (const span of visible) {
    const from = Math.max(span.from, chunk.from);
    const to = Math.min(span.to, chunk.to);
    streams.set(span, { label: itemStream(g, span, from - span.from, to - from, span.to - span.from, opts, addInput), from, uses: 0 });
  }

  // Intervals between item boundaries: one item (a trim of its stream) or two (a crossfade).
  const bounds = [...new Set([chunk.from, chunk.to, ...visible.flatMap((s) => [s.from, s.to])])]
    .filter((f) => f >= chunk.from && f <= chunk.to)
    .sort((a, b) => a - b);
  const pieces: { a: number; b: number; active: Span[] }[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const [a, b] = [bounds[i]!, bounds[i + 1]!];
    const active = visible.filter((s) => s.from <= a && s.to >= b);
    if (active.length) pieces.push({ a, b, active: active.slice(-2) });
  }
  for (const piece of pieces) for (const s of piece.active) streams.get(s)!.uses++;
  const outlets = new Map<Span, string[]>();
  for (const [span, stream] of streams) {
    if (stream.uses <= 1) outlets.set(span, [stream.label]);
    else {
      const labels = Array.from({ length: stream.uses }, () => g.label('s'));
      g.chains.push(`[${stream.label}]split=${stream.uses}${labels.map((l) => `[${l}]`).join('')}`);
      outlets.set(span, labels);
    }
  }
  const cut = (span: Span, a: number, b: number) => {
    const stream = streams.get(span)!;
    const label = outlets.get(span)!.shift()!;
    return g.add([label], `trim=start_frame=${a - stream.from}:end_frame=${b - stream.from},setpts=PTS-STARTPTS`, g.label('p'));
  };
  const parts = pieces.map(({ a, b, active }) => {
    if (active.length === 1) return cut(active[0]!, a, b);
    const [under, over] = active as [Span, Span];
    const top = g.add([cut(over, a, b)], `format=yuva420p,fade=t=in:st=0:d=${sec(b - a, fps)}:alpha=1`, g.label('x'));
    return g.add([cut(under, a, b), top], 'overlay=eof_action=pass:format=yuv420,format=yuv420p', g.label('p'));
  });
  let video =
    parts.length === 1
      ? parts[0]!
      : g.add(parts, `concat=n=${parts.length}:v=1:a=0`, g.label('c'));

  // From here on, timestamps are the timeline's own, so fades and texts use global times. They are set from the frame
  // count on a 1/fps time base: the overlays and concat above may leave another time base, on which two frames can
  // round to one time (at 10 fps, two stills and a crossfade came out over 1.8 s instead of 2).
  const first = mainTrack(draft)[0];
  const last = mainTrack(draft).at(-1);
  const fades: string[] = [`settb=1/${fps},setpts=N+${chunk.from}`];
  if (first?.m.fadeInMs) fades.push(`fade=t=in:st=0:d=${Number(first.m.fadeInMs) / 1000}`);
  if (last?.m.fadeOutMs) fades.push(`fade=t=out:st=${(draft.d - Number(last.m.fadeOutMs)) / 1000}:d=${Number(last.m.fadeOutMs) / 1000}`);
  video = g.add([video], fades.join(','), g.label('v'));

  const t0 = chunk.from / fps;
  const t1 = chunk.to / fps;
  const during = (s: Segment) => s.st / 1000 < t1 && (s.st + s.d) / 1000 > t0;
  for (const track of draft.t) {
    for (const seg of track.sg.filter((s) => s.m.kind === 'logo' && during(s))) {
      video = overlayLogo(g, video, seg, opts, addInput);
    }
  }
  const draws = draft.t
    .filter((t) => t.tt === TrackType.text)
    .flatMap((t) => t.sg.filter(during))
    .flatMap((seg) => drawText(seg, opts));
  if (draws.length) video = g.add([video], draws.join(','), g.label('v'));
  const out = g.add([video], 'setpts=PTS-STARTPTS,format=yuv420p', 'vout');
  return { inputs, script: `${g.chains.join(';\n')}\n`, out, frames: chunk.to - chunk.from };
}

/** One item's frames [offset, offset + frames) of its `total`, fitted to the output frame. */
function itemStream(
  g: GraphBuilder,
  span: Span,
  offset: number,
  frames: number,
  total: number,
  opts: ChunkOptions,
  addInput: (args: string[]) => number,
): string {
  const { fps, width: W, height: H } = opts.frame;
  const { seg } = span;
  const media = opts.media(Number(seg.m.input));
  const norm = `setsar=1,format=yuv420p`;

  if (seg.m.kind === 'video') {
    const speed = Number(seg.m.speed ?? 1);
    const start = Number(seg.m.trimMs ?? 0) / 1000 + (offset / fps) * speed;
    // A seek past a clip's last picture leaves nothing to hold (and crashes ffmpeg 4.1's tpad): start at least a
    // second before its picture ends and skip what is not wanted, so the last frame is there to be held.
    const seek = media.videoEndMs !== undefined ? Math.max(0, Math.min(start, media.videoEndMs / 1000 - 1)) : start;
    const skip = Math.round(((start - seek) / speed) * fps);
    const i = addInput(['-ss', seek.toFixed(3), '-t', (((frames + skip) / fps) * speed + 1).toFixed(3), '-i', media.path]);
    const pre = [...sourceFilters(media), `setpts=(PTS-STARTPTS)/${speed}`, `fps=${fps}`].join(',');
    const fitted = fit(g, `${i}:v`, media, W, H, pre);
    const pad = `tpad=stop_mode=clone:stop_duration=${sec(skip + frames + fps, fps)}`;
    return g.add([fitted], `${norm},${pad},trim=start_frame=${skip}:end_frame=${skip + frames},setpts=N/${fps}/TB`, g.label('i'));
  }

  if (seg.m.kind === 'image' && media.frames && media.frames > 1) {
    // An animated GIF plays, looping to fill its slot, like a clip without sound.
    const i = addInput(['-stream_loop', '-1', ...imageInput(media.path, true)]);
    const fitted = fit(g, `${i}:v`, media, W, H, `fps=${fps}`);
    return g.add([fitted], `${norm},trim=start_frame=${offset}:end_frame=${offset + frames},setpts=N/${fps}/TB`, g.label('i'));
  }

  const i = addInput(imageInput(media.path));
  if (seg.m.kind === 'card') {
    // The logo, centred on black: flattened once, then held.
    const bg = g.add([], `color=c=black:s=${W}x${H}:r=${fps}:d=${sec(1, fps)}`, g.label('bg'));
    const logo = g.add([`${i}:v`], `scale=w=${even(W * 0.5)}:h=${even(H * 0.4)}:force_original_aspect_ratio=decrease,format=rgba`, g.label('lg'));
    const card = g.add([bg, logo], `overlay=(W-w)/2:(H-h)/2:eof_action=repeat,trim=end_frame=1`, g.label('cd'));
    return hold(g, card, frames, fps, norm);
  }

  const motion = seg.m.motion as string | undefined;
  const upright = sourceFilters(media).join(',') || undefined;
  if (!motion) return hold(g, fit(g, `${i}:v`, media, W, H, upright), frames, fps, norm);

  // A window moves over the fitted still with sub-pixel precision (perspective interpolates), so edges glide
  // instead of stepping back and forth by a pixel as zoompan's and crop's whole-pixel windows make them. Working at
  // the frame's own size keeps it about as fast as zoompan was; the closest view is enlarged 1.2x.
  const big = hold(g, fit(g, `${i}:v`, media, W, H, upright), frames, fps, norm);
  const p = `(in+${offset})/${Math.max(1, total - 1)}`;
  const inward = span.index % 2 === 0;
  const along = inward ? p : `(1-${p})`;
  // The window is W/z by H/z of the still at (x, y): z grows from 1 to 1.2 (or shrinks), or stays 1.2 for a pan.
  const z = motion === 'pan' ? '1.2' : inward ? `(1+0.2*${p})` : `(1.2-0.2*${p})`;
  // Ken Burns and pan drift sideways; a plain zoom stays centred.
  const x = motion === 'zoom' ? `(W-W/${z})/2` : `(W-W/${z})*${along}`;
  const y = `(H-H/${z})/2`;
  const [x1, y1] = [`${x}+W/${z}`, `${y}+H/${z}`];
  const corners = `x0='${x}':y0='${y}':x1='${x1}':y1='${y}':x2='${x}':y2='${y1}':x3='${x1}':y3='${y1}'`;
  return g.add([big], `perspective=${corners}:interpolation=linear:eval=frame,${norm}`, g.label('i'));
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

/** Repeats a one-frame stream for `frames` frames: the still is decoded and scaled once, not per frame. */
function hold(g: GraphBuilder, still: string, frames: number, fps: number, norm: string): string {
  // An exact time base: N/fps in a still's own 1/25 would round two frames onto one time.
  return g.add([still], `${norm},loop=loop=${frames - 1}:size=1:start=0,settb=1/${fps},setpts=N/${fps}/TB`, g.label('i'));
}

/** How many times a picture of w×h is enlarged when fitted to the frame (cover or contain, as fit decides). */
export function upscaleOf(w: number, h: number, frame: Frame): number {
  const ratio = w / h / (frame.width / frame.height);
  const cover = ratio > 0.77 && ratio < 1.3;
  const [sx, sy] = [frame.width / w, frame.height / h];
  return cover ? Math.max(sx, sy) : Math.min(sx, sy);
}

/**
 * Fits a picture to W×H without stretching: cover (crop the overflow) when the shapes are close,
 * otherwise contain over a blurred copy of itself, so nothing important is cut away.
 */
function fit(g: GraphBuilder, input: string, media: SourceMedia, W: number, H: number, pre?: string): string {
  const ratio = media.width && media.height ? media.width / media.height / (W / H) : 1;
  const head = pre ? `${pre},` : '';
  if (ratio > 0.77 && ratio < 1.3) {
    return g.add([input], `${head}scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},setsar=1`, g.label('f'));
  }
  const [a, b] = [g.label('a'), g.label('b')];
  g.chains.push(`[${input}]${head}split=2[${a}][${b}]`);
  const [w4, h4] = [even(W / 4), even(H / 4)];
  // boxblur's radius must fit the chroma planes, a quarter of the small side.
  const radius = Math.max(1, Math.min(8, Math.floor(Math.min(w4, h4) / 4) - 1));
  const bg = g.add([a], `scale=${w4}:${h4}:force_original_aspect_ratio=increase,crop=${w4}:${h4},boxblur=${radius}:2,scale=${W}:${H},eq=brightness=-0.1`, g.label('bg'));
  const fg = g.add([b], `scale=${W}:${H}:force_original_aspect_ratio=decrease`, g.label('fg'));
  return g.add([bg, fg], `overlay=(W-w)/2:(H-h)/2,setsar=1`, g.label('f'));
}

function overlayLogo(g: GraphBuilder, video: string, seg: Segment, opts: ChunkOptions, addInput: (args: string[]) => number): string {
  const { width: W, height: H } = opts.frame;
  const i = addInput(imageInput(opts.media(Number(seg.m.input)).path));
  const size = even(Math.min(W, H) * 0.18);
  const margin = Math.round(Math.min(W, H) * 0.04);
  const opacity = Number(seg.m.opacity ?? 1);
  const logo = g.add(
    [`${i}:v`],
    `scale=${size}:${size}:force_original_aspect_ratio=decrease,format=rgba${opacity < 1 ? `,colorchannelmixer=aa=${opacity}` : ''}`,
    g.label('l'),
  );
  const position = String(seg.m.position ?? 'bottom-right');
  // In a tall frame the logo keeps out of the platforms' zones as texts do.
  const tall = opts.frame.height / opts.frame.width >= 1.5;
  const { top, bottom } = tall ? safeMargins(opts.frame) : { top: margin, bottom: margin };
  const x = position.endsWith('left') ? `${margin}` : `W-w-${margin}`;
  const y = position.startsWith('top') ? `${top}` : `H-h-${bottom}`;
  const enable = `between(t,${seg.st / 1000},${(seg.st + seg.d) / 1000})`;
  return g.add([video, logo], `overlay=x=${x}:y=${y}:eof_action=repeat:enable='${enable}'`, g.label('v'));
}

/** Font size per text kind, as a share of the frame's short side. */
const TEXT_SIZE: Record<string, number> = { title: 0.1, caption: 0.055, text: 0.065 };

/** Splits text into lines of at most `maxChars` characters (drawtext does not wrap). */
export function wrapText(text: string, maxChars: number): string[] {
  return wrapMeasured(text, maxChars, (line) => [...line].length);
}

/**
 * Splits text into lines no wider than `max` by `measure`, breaking at spaces, and between any two characters of
 * scripts written without spaces (Chinese, Japanese).
 */
export function wrapMeasured(text: string, max: number, measure: (line: string) => number): string[] {
  const words = text.trim().split(/\s+/).flatMap((word) => word.match(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}][\p{P}]*|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+/gu) ?? [word]);
  const lines: string[] = [];
  let glued = false;
  for (const word of words) {
    const lastLine = lines.at(-1);
    const cjk = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(word);
    // Pieces of one spaceless word join without a space.
    const joined = lastLine === undefined ? word : `${lastLine}${glued && cjk ? '' : ' '}${word}`;
    if (lastLine !== undefined && measure(joined) <= max) lines[lines.length - 1] = joined;
    else lines.push(word);
    glued = cjk;
  }
  return lines.length ? lines : [''];
}

/** The text lines of a segment, and the font size they are set in; `measure` gives a line's width in ems. */
export function textLayout(seg: Segment, frame: Frame, measure?: (line: string) => number): { size: number; lines: string[] } {
  const size = Math.round(Math.min(frame.width, frame.height) * (TEXT_SIZE[String(seg.m.kind)] ?? 0.06));
  const text = String(seg.m.text ?? '');
  // Without the fonts at hand, DejaVu Sans averages about 0.55 em per character.
  if (!measure) return { size, lines: wrapText(text, Math.max(8, Math.floor((frame.width * 0.9) / (size * 0.55)))) };
  return { size, lines: wrapMeasured(text, (frame.width * 0.9) / size, measure) };
}

function drawText(seg: Segment, opts: ChunkOptions): string[] {
  const { size } = textLayout(seg, opts.frame);
  const lines = opts.texts.get(seg) ?? [];
  const step = Math.round(size * 1.45);
  const { top: topSafe, bottom: bottomSafe, side } = safeMargins(opts.frame);
  const position = String(seg.m.position ?? 'bottom');
  const [a, b] = [seg.st / 1000, (seg.st + seg.d) / 1000];
  // A text fades in and out over 0.3 s, or over what the instructions asked ("fade in the title over 2 seconds").
  const fade = (ms: unknown) => Math.max(0.04, Math.min(typeof ms === 'number' ? ms / 1000 : 0.3, (b - a) / 2.5));
  const [fadeIn, fadeOut] = [fade(seg.m.fadeInMs), fade(seg.m.fadeOutMs)];
  const color = colour(String(seg.m.color ?? 'white'));
  const caption = seg.m.kind === 'caption';
  const border = Math.round(size * 0.3);
  const outline = `borderw=${Math.max(2, Math.round(size / 18))}:bordercolor=black@0.75`;
  const { width: W, height: H } = opts.frame;
  return lines.flatMap((line, j) => {
    const top = position.startsWith('top') ? topSafe + j * step : position === 'center' ? Math.round((H - lines.length * step) / 2) + j * step : H - bottomSafe - (lines.length - j) * step;
    const lineW = Math.round(line.width * size);
    // Corners (a lower third sits bottom-left) align to the side margin; the rest is centred.
    const left = position.endsWith('left') ? side : position.endsWith('right') ? W - side - lineW : Math.round((W - lineW) / 2);
    const several = line.runs.length > 1;
    // A caption's box goes behind the whole line: a box per run would overlap its neighbours' in darker stripes.
    // (drawbox cannot fade, so it shows while the words are more than half faded in.)
    const box = caption && several ? [`drawbox=x=${left - border}:y=${top - border}:w=${lineW + 2 * border}:h=${Math.round(size * 1.2) + 2 * border}:color=black@0.55:t=fill:enable='between(t,${a + fadeIn / 2},${b - fadeOut / 2})'`] : [];
    const look = caption ? (several ? 'borderw=0' : `box=1:boxcolor=black@0.55:boxborderw=${border}`) : outline;
    let offset = 0;
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
          `x=${x}:y=${top}`,
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

function even(n: number): number {
  return Math.max(2, Math.round(n / 2) * 2);
}
