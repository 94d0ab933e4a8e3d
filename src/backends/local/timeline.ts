import { NemoError } from '../../errors.js';
import type { ResolvedInput } from '../../recipe/recipe.types.js';
import { TEXT_FADE_MIN_MS, TEXT_FADE_MS, TEXT_FADE_PARTS, TrackType, type ItemMeta, type LocalDraft, type LocalMeta, type Segment, type TextMeta, type Track } from '../draft.js';
import type { ClipCut, EditState } from '../../plan/instructions/state.js';
import { chooseFraming, type Size } from './framing.js';
import type { MediaInfo } from './probe.js';

/** An input with what probing found, and the `src` the draft names it by. */
export interface TimelineInput {
  input: ResolvedInput;
  info: MediaInfo;
  src: string;
}

/** How long a still shows when nothing says otherwise. */
export const DEFAULT_IMAGE_MS = 4000;
/** How long a logo card at the start or end lasts. */
export const CARD_MS = 3000;
const MIN_ITEM_MS = 500;

interface Item {
  from: TimelineInput;
  kind: 'image' | 'video' | 'card';
  ms: number;
  /** Where a clip's piece starts in the clip. */
  trimMs?: number;
  /** The cue of an untimed captions file it shows: pictures and clip pieces take them in the inputs' order. */
  cue?: number;
}

/**
 * Lays the edit out on a timeline: items one after another (overlapping by their transitions), music under them,
 * captions and titles on text tracks, the logo on an overlay track. Each image and clip records how it fills the
 * `frame` (see chooseFraming). Pure; warnings say what could not be done.
 */
export function buildTimeline(state: EditState, inputs: TimelineInput[], frame: Size & { fps: number }): { draft: LocalDraft; warnings: string[] } {
  const warnings: string[] = [];
  const byRole = (role: string) => inputs.filter((i) => i.input.role === role);
  const media = byRole('media').filter((i) => i.info.kind === 'image' || i.info.kind === 'video');
  const logo = byRole('logo')[0];
  // Sound given no role is the music when no input has `role: music`; a video has one music track, and sound left over
  // is named.
  const sounds = inputs.filter((i) => i.info.kind === 'audio' && (i.input.role === 'music' || i.input.role === 'media'));
  const music = byRole('music')[0] ?? sounds[0];
  for (const extra of state.music.on === false ? [] : sounds.filter((s) => s !== music)) warnings.push(`${extra.src} is not used: a video has one music track, ${music!.src}`);
  const captionsFile = byRole('captions')[0];
  const cues = captionsFile?.info.cues ?? [];

  const clipNames = media.filter((m) => m.info.kind === 'video').map((m) => m.input.name);
  for (const cut of state.cuts) {
    if (cut.clip && clipNames.length && !clipNames.some((n) => names(cut, n))) warnings.push(`no clip is called ${cut.clip}; the cut applies to ${clipNames.join(', ')}`);
  }
  let cue = 0;
  const groups = media.map((from) => {
    const pieces: Item[] =
      from.info.kind === 'video'
        ? clipPieces(from, clipNames, state, warnings).map(([a, b]) => ({ from, kind: 'video', ms: (b - a) / state.speed, trimMs: a }))
        : [{ from, kind: 'image', ms: 0 }];
    return pieces.map((item) => ({ ...item, cue: cue++ }));
  });
  // Reversed by input; a clip's pieces keep their order.
  if (state.order === 'reverse') groups.reverse();
  const items: Item[] = groups.flat();
  if (state.cuts.length && !clipNames.length) {
    warnings.push('the instructions trim clips, but the inputs have no video clip; nothing was trimmed');
  }
  if (logo && state.logo.intro) items.unshift({ from: logo, kind: 'card', ms: CARD_MS });
  if (logo && state.logo.outro) items.push({ from: logo, kind: 'card', ms: CARD_MS });
  if ((state.logo.intro || state.logo.outro || state.logo.corner) && !logo) {
    warnings.push('the instructions ask for a logo, but no input has `role: logo`; add one to show it');
  }
  if (items.length === 0) {
    throw new NemoError('E_PLAN', 'there is nothing to show: no image or clip among the inputs', {
      hint: 'add images or clips as inputs (role: media, the default)',
    });
  }

  // Stills share what the clips and cards leave of the asked length. A transition is at most half of its shortest
  // item: one beside a clip of 0.6 s overlaps 0.3 s, and the stills take the rest.
  const stills = items.filter((i) => i.kind === 'image');
  const overlap = Math.min(state.transition.type !== 'cut' && items.length > 1 ? state.transition.ms : 0, ...items.filter((i) => i.kind !== 'image').map((i) => i.ms / 2));
  const fixed = items.reduce((sum, i) => sum + i.ms, 0);
  // A length and a time per item both hold when there are clips to fill the rest; with stills alone, the one said last.
  const clips = items.some((i) => i.kind === 'video');
  const both = state.totalMs !== undefined && state.perItemMs !== undefined;
  const totalMs = both && !clips && state.lengthSaidLast === 'perItem' ? undefined : state.totalMs;
  let stillMs = state.perItemMs ?? DEFAULT_IMAGE_MS;
  if (totalMs && stills.length && !(both && clips)) {
    stillMs = (totalMs + (items.length - 1) * overlap - fixed) / stills.length;
    if (stillMs < MIN_ITEM_MS) {
      stillMs = MIN_ITEM_MS;
      warnings.push(`the clips leave too little of ${totalMs / 1000} s for the images; the end is cut`);
    }
  }
  for (const item of stills) item.ms = stillMs;
  const fade = Math.min(overlap, ...items.map((i) => i.ms / 2));

  // Place items, then cut or note the length.
  let cursor = 0;
  const placed = items.map((item) => {
    const start = cursor;
    cursor = start + item.ms - fade;
    return { item, start, end: start + item.ms };
  });
  let total = placed.at(-1)!.end;
  if (totalMs !== undefined) {
    if (state.totalIsLimit && total <= totalMs) {
      // An upper bound that is already met.
    } else if (total < totalMs - 1) {
      warnings.push(`the clips run ${(total / 1000).toFixed(1)} s, shorter than the ${totalMs / 1000} s asked; the video is ${(total / 1000).toFixed(1)} s`);
    } else total = totalMs;
  }
  const kept = placed.filter((p, k) => k === 0 || p.start < total - 1);
  kept.at(-1)!.end = total;
  const left = placed.slice(kept.length).map((p) => (p.item.kind === 'card' ? 'the logo card' : p.item.from.input.name));
  if (left.length) warnings.push(`${left.join(', ')} did not fit in ${(total / 1000).toFixed(1)} s and ${left.length > 1 ? 'were' : 'was'} left out; ask for a longer video to show ${left.length > 1 ? 'them' : 'it'}`);

  const video: Segment<ItemMeta>[] = kept.map(({ item, start, end }, k) => {
    const st = Math.round(start);
    const input = item.from.input.index;
    const { info } = item.from;
    const framing = info.width && info.height ? { framing: chooseFraming(info.profile, { width: info.width, height: info.height }, frame, item.from.input.focus) } : {};
    const meta: ItemMeta =
      item.kind === 'image'
        ? { kind: 'image', input, ...(state.motion !== 'none' && { motion: state.motion }), ...framing }
        : item.kind === 'video'
          ? { kind: 'video', input, ...(item.trimMs && { trimMs: Math.round(item.trimMs) }), ...(state.speed !== 1 && { speed: state.speed }), ...framing }
          : { kind: 'card', input };
    const { type } = state.transition;
    if (k > 0 && fade && type !== 'cut') [meta.transition, meta.transitionMs] = [type, Math.round(fade)];
    if (k === 0 && state.fadeInMs) meta.fadeInMs = state.fadeInMs;
    if (k === kept.length - 1 && state.fadeOutMs) meta.fadeOutMs = state.fadeOutMs;
    return { st, d: Math.round(end) - st, src: item.from.src, m: meta };
  });
  const d = video.at(-1)!.st + video.at(-1)!.d;
  const tracks: Track<LocalMeta>[] = [{ tt: TrackType.video, sg: video }];

  const showLogo = logo && (state.logo.corner ?? !(state.logo.intro || state.logo.outro));
  if (logo && showLogo) {
    const cards = video.filter((s) => s.m.kind === 'card');
    const st = state.logo.intro && cards[0]?.st === 0 ? cards[0].d : 0;
    const end = state.logo.outro && cards.length ? cards.at(-1)!.st : d;
    tracks.push({
      tt: TrackType.video,
      sg: [{ st, d: end - st, src: logo.src, m: { kind: 'logo', input: logo.input.index, position: state.logo.position, opacity: state.logo.opacity } }],
    });
  }

  // Clips whose own sound plays under them (unless muted).
  const sounding = video.filter((s) => s.m.kind === 'video' && inputs.find((i) => i.src === s.src)?.info.hasAudio);
  if (state.music.on !== false && music) {
    if (music.info.silent) warnings.push(`${music.src} is silent (no sample louder than -60 dB), so the video's music is silence; check the file, or export the music again`);
    const volume = state.music.volume ?? Math.min(1, (sounding.length && !state.mute ? 0.35 : 0.8) * state.music.gain);
    tracks.push({
      tt: TrackType.audio,
      sg: [{ st: 0, d, src: music.src, m: { kind: 'music', input: music.input.index, volume, fadeInMs: state.music.fadeInMs, fadeOutMs: Math.min(state.music.fadeOutMs, d / 3) } }],
    });
  } else if (state.music.on && !music) {
    warnings.push('the instructions ask for music, but no input has `role: music`; the video has no music');
  }
  if (!state.mute && sounding.length) {
    tracks.push({ tt: TrackType.audio, sg: sounding.map((s) => ({ st: s.st, d: s.d, src: s.src, m: { kind: 'clip', input: s.m.input, volume: 1, ...(s.m.kind === 'video' && { trimMs: s.m.trimMs, speed: s.m.speed }) } })) });
  }

  const cueTimes = captionsFile?.info.cueTimes;
  if ((state.captions.on ?? cues.length > 0) && cueTimes?.length === cues.length && state.captions.text === undefined) {
    // A captions file with timings places its cues itself, clamped to the video's length.
    const sg = timedCaptions(cues, cueTimes, d, state, captionsFile!.input.name, warnings);
    if (sg.length) tracks.push({ tt: TrackType.text, sg });
    if (media.some((m) => m.input.caption)) warnings.push(`${captionsFile!.input.name} has timings, so its cues are the captions; the inputs' own \`caption:\` words are not shown`);
  } else if (state.captions.on ?? cues.length > 0) {
    const half = Math.round(fade / 2);
    // Between two pictures a caption fades in over the second half of their transition and out over the first half
    // of the next, ending half a frame before the transition does: it is whole from the first frame its picture is
    // alone on, so those frames are one picture, composed once and held (see graph.ts). A transition too short for
    // the shortest fade keeps the usual one.
    const fit = Math.min(TEXT_FADE_MS, Math.floor(fade) - half - halfFrameMs(frame.fps));
    const edge = fit >= TEXT_FADE_MIN_MS ? fit : undefined;
    const named: string[] = [];
    const captions = video
      .map((s, k) => ({ s, k }))
      .filter(({ s }) => s.m.kind !== 'card')
      .map(({ s, k }): Segment<TextMeta> => {
        const input = inputs.find((i) => i.src === s.src)!.input;
        const st = s.st + (k > 0 ? half : 0);
        const end = s.st + s.d - (k < video.length - 1 ? half : 0);
        const text = state.captions.text ?? input.caption ?? cues[kept[k]!.item.cue!] ?? prettyName(input.name);
        if (text === prettyName(input.name) && CAMERA_NAME.test(input.name)) named.push(input.name);
        const fades = edge === undefined ? {} : { ...(k > 0 ? { fadeInMs: edge } : {}), ...(k < video.length - 1 ? { fadeOutMs: edge } : {}) };
        return { st, d: end - st, m: { kind: 'caption', text, position: state.captions.position, color: state.captions.color, ...fades } };
      });
    tracks.push({ tt: TrackType.text, sg: captions });
    if (named.length) {
      // A batch of 300 photos is named by its count, its first few and its last, not line after line.
      const which = named.length > 5 ? `${named.length} inputs (${named.slice(0, 3).join(', ')} … ${named.at(-1)})` : named.join(', ');
      warnings.push(`the captions of ${which} come from camera file names ("${prettyName(named[0]!)}"); give those inputs a \`caption:\`, or add a captions file`);
    }
  }

  for (const kind of ['title', 'text'] as const) {
    const sg = state.texts
      .filter((t) => t.kind === kind)
      .map((t): Segment<TextMeta> => {
        const from = t.at === 'time' ? Math.min(t.startMs ?? 0, Math.max(0, d - 1000)) : 0;
        const length = Math.min(t.at === 'all' ? d : (t.durationMs ?? 3000), d - from);
        const st = t.at === 'end' ? d - length : from;
        if (t.at === 'time' && (t.startMs ?? 0) > from) warnings.push(`"${t.text}" was asked for at ${(t.startMs ?? 0) / 1000} s, after the video ends; it shows at ${from / 1000} s`);
        const meta: TextMeta = { kind, text: t.text, position: t.position, color: t.color };
        const longest = Math.floor(length / TEXT_FADE_PARTS);
        for (const [key, ms, way] of [['fadeInMs', t.fadeInMs, 'in'], ['fadeOutMs', t.fadeOutMs, 'out']] as const) {
          if (!ms) continue;
          meta[key] = Math.min(ms, longest);
          if (ms > longest) warnings.push(`"${t.text}" shows for ${seconds(length)} s, so it fades ${way} over ${seconds(longest)} s, not the ${seconds(ms)} s asked`);
        }
        return { st, d: length, m: meta };
      });
    if (sg.length) tracks.push({ tt: TrackType.text, sg });
  }
  return { draft: { d, t: tracks }, warnings };
}

/** How far a time may move when it is rounded to a frame: half a frame, rounded up, and at least 24 fps's 21 ms. */
const halfFrameMs = (fps: number) => Math.max(21, Math.ceil(500 / fps));

/** The cues of a timed captions file on the timeline: at their own times, cut at the video's end `d`. */
function timedCaptions(cues: string[], times: { startMs: number; endMs: number }[], d: number, state: EditState, file: string, warnings: string[]): Segment<TextMeta>[] {
  const sg: Segment<TextMeta>[] = [];
  const late: string[] = [];
  cues.forEach((text, n) => {
    const { startMs, endMs } = times[n]!;
    if (startMs >= d) return void late.push(`${n + 1} ("${text.length > 24 ? `${text.slice(0, 23)}…` : text}", ${seconds(startMs)} s)`);
    const end = Math.min(endMs, d);
    if (endMs > d) warnings.push(`${file}: cue ${n + 1} runs to ${seconds(endMs)} s, past the end of the ${seconds(d)} s video; it is cut at the end`);
    sg.push({ st: Math.round(startMs), d: Math.round(end) - Math.round(startMs), m: { kind: 'caption', text, position: state.captions.position, color: state.captions.color } });
  });
  if (late.length) {
    warnings.push(`${file}: ${late.length === 1 ? 'cue' : 'cues'} ${late.join(', ')} ${late.length === 1 ? 'starts' : 'start'} after the ${seconds(d)} s video ends; not shown`);
  }
  return sg;
}

const seconds = (ms: number) => String(Math.round(ms) / 1000);

/** True when a cut names this clip by a word of its file name. */
function names(cut: ClipCut, name: string): boolean {
  const lower = name.toLowerCase();
  return lower === cut.clip || lower.startsWith(cut.clip!) || lower.replace(/\.[^.]+$/, '') === cut.clip;
}

/** The parts of a clip that play, in clip milliseconds, after its trims and removed ranges (times as in the clip). */
function clipPieces(from: TimelineInput, clipNames: string[], state: EditState, warnings: string[]): [number, number][] {
  // A cut that names no clip, or a file that is not among the clips, applies to every clip.
  const appliesTo = (cut: ClipCut) => !cut.clip || names(cut, from.input.name) || !clipNames.some((n) => names(cut, n));
  const length = from.info.durationMs ?? 0;
  let [start, stop] = [0, length];
  const removed: [number, number][] = [];
  for (const cut of state.cuts.filter(appliesTo)) {
    if (cut.kind === 'drop-start') start += cut.ms!;
    else if (cut.kind === 'drop-end') stop -= cut.ms!;
    else if (cut.kind === 'keep-end') start = Math.max(start, stop - cut.ms!);
    else if (cut.kind === 'keep') [start, stop] = [Math.max(start, cut.fromMs!), cut.toMs === undefined ? stop : Math.min(stop, cut.toMs)];
    else removed.push([cut.fromMs!, cut.toMs!]);
  }
  if (stop > length + 1 || start >= length) warnings.push(`${from.input.name} is ${(length / 1000).toFixed(1)} s long; a trim asked for more than it has`);
  stop = Math.min(stop, length);
  let pieces: [number, number][] = [[start, stop]];
  for (const [a, b] of removed.sort((x, y) => x[0] - y[0])) {
    pieces = pieces.flatMap(([s, e]): [number, number][] => (b <= s || a >= e ? [[s, e]] : [[s, Math.max(s, a)], [Math.min(e, b), e]]));
  }
  // A clip shorter than that plays whole, as it is.
  if (length < MIN_ITEM_MS && start <= 0 && stop >= length && !removed.length) return [[0, length]];
  pieces = pieces.filter(([s, e]) => e - s >= MIN_ITEM_MS);
  if (!pieces.length) {
    const s = Math.max(0, Math.min(start, length - MIN_ITEM_MS));
    pieces = [[s, Math.min(length, s + MIN_ITEM_MS)]];
    warnings.push(`${from.input.name}: the trims leave less than ${MIN_ITEM_MS / 1000} s; kept ${((pieces[0]![1] - s) / 1000).toFixed(1)} s`);
  }
  return pieces;
}

/** Names cameras and phones give files (IMG_2042.JPG, DSC01234.jpg, PXL_20240101_…, VID_…): no words for a caption. */
const CAMERA_NAME = /^(img|dsc[nf]?|pxl|vid|mvimg|gopr|dji|p|photo|image|screenshot)?[_ -]?\d[\d_ -]*(\.\w+)?$/i;

/** "01-red-sneakers.jpg" → "Red Sneakers": a caption people can read, from a file name. */
export function prettyName(name: string): string {
  return name
    .replace(/\.[^.]+$/, '')
    .replace(/^\d+[-_. ]+/, '')
    .replace(/[-_.]+/g, ' ')
    .trim()
    .replace(/(^|[^\p{L}\p{N}'’])(\p{L})/gu, (_m, before: string, c: string) => before + c.toUpperCase());
}
