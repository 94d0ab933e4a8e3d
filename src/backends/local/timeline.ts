import { NemoError } from '../../errors.js';
import type { ResolvedInput } from '../../recipe/recipe.types.js';
import { TrackType, type Draft, type Segment, type Track } from '../draft.js';
import type { EditState } from './interpret.js';
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
}

/**
 * Lays the edit out on a timeline: items one after another (overlapping by the crossfade), music under them,
 * captions and titles on text tracks, the logo on an overlay track. Pure; warnings say what could not be done.
 */
export function buildTimeline(state: EditState, inputs: TimelineInput[]): { draft: Draft; warnings: string[] } {
  const warnings: string[] = [];
  const byRole = (role: string) => inputs.filter((i) => i.input.role === role);
  const media = byRole('media').filter((i) => i.info.kind === 'image' || i.info.kind === 'video');
  if (state.reverse) media.reverse();
  const logo = byRole('logo')[0];
  const music = byRole('music')[0];
  const cues = byRole('captions')[0]?.info.cues ?? [];

  const items: Item[] = media.map((from) => ({
    from,
    kind: from.info.kind === 'video' ? 'video' : 'image',
    ms: from.info.kind === 'video' ? clipMs(from, state, warnings) : 0,
  }));
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

  // Stills share what the clips and cards leave of the asked length.
  const overlap = state.transition.type === 'crossfade' && items.length > 1 ? state.transition.ms : 0;
  const stills = items.filter((i) => i.kind === 'image');
  const fixed = items.reduce((sum, i) => sum + i.ms, 0);
  let stillMs = state.perItemMs ?? DEFAULT_IMAGE_MS;
  if (state.totalMs && stills.length) {
    stillMs = (state.totalMs + (items.length - 1) * overlap - fixed) / stills.length;
    if (stillMs < MIN_ITEM_MS) {
      stillMs = MIN_ITEM_MS;
      warnings.push(`the clips leave too little of ${state.totalMs / 1000} s for the images; the end is cut`);
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
  if (state.totalMs !== undefined) {
    if (total < state.totalMs - 1) {
      warnings.push(`the clips run ${(total / 1000).toFixed(1)} s, shorter than the ${state.totalMs / 1000} s asked; the video is ${(total / 1000).toFixed(1)} s`);
    } else total = state.totalMs;
  }
  const kept = placed.filter((p) => p.start < total - 1);
  kept.at(-1)!.end = total;

  const video: Segment[] = kept.map(({ item, start, end }, k) => {
    const st = Math.round(start);
    const meta: Segment['m'] = { kind: item.kind, input: item.from.input.index };
    if (k > 0 && fade) meta.transitionMs = Math.round(fade);
    if (item.kind === 'image' && state.motion !== 'none') meta.motion = state.motion;
    if (item.kind === 'video') Object.assign(meta, clipMeta(item.from, state));
    if (k === 0 && state.fadeInMs) meta.fadeInMs = state.fadeInMs;
    if (k === kept.length - 1 && state.fadeOutMs) meta.fadeOutMs = state.fadeOutMs;
    return { st, d: Math.round(end) - st, src: item.from.src, m: meta };
  });
  const d = video.at(-1)!.st + video.at(-1)!.d;
  const tracks: Track[] = [{ tt: TrackType.video, sg: video }];

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
    const volume = state.music.volume ?? (sounding.length && !state.mute ? 0.35 : 0.8);
    tracks.push({
      tt: TrackType.audio,
      sg: [{ st: 0, d, src: music.src, m: { kind: 'music', input: music.input.index, volume, fadeInMs: state.music.fadeInMs, fadeOutMs: Math.min(state.music.fadeOutMs, d / 3) } }],
    });
  } else if (state.music.on && !music) {
    warnings.push('the instructions ask for music, but no input has `role: music`; the video has no music');
  }
  if (!state.mute && sounding.length) {
    tracks.push({ tt: TrackType.audio, sg: sounding.map((s) => ({ st: s.st, d: s.d, src: s.src, m: { ...s.m, kind: 'clip', volume: 1 } })) });
  }

  if (state.captions.on ?? cues.length > 0) {
    const half = Math.round(fade / 2);
    const captions = video
      .map((s, k) => ({ s, k }))
      .filter(({ s }) => s.m.kind !== 'card')
      .map(({ s, k }, n): Segment => {
        const input = inputs.find((i) => i.src === s.src)!.input;
        const st = s.st + (k > 0 ? half : 0);
        const end = s.st + s.d - (k < video.length - 1 ? half : 0);
        const text = input.caption ?? cues[n] ?? prettyName(input.name);
        return { st, d: end - st, m: { kind: 'caption', text, position: state.captions.position, color: state.captions.color } };
      });
    tracks.push({ tt: TrackType.text, sg: captions });
  }

  for (const kind of ['title', 'text'] as const) {
    const sg = state.texts
      .filter((t) => t.kind === kind)
      .map((t): Segment => {
        const length = Math.min(t.at === 'all' ? d : (t.durationMs ?? 3000), d);
        const st = t.at === 'end' ? d - length : 0;
        return { st, d: length, m: { kind, text: t.text, position: t.position, color: t.color } };
      });
    if (sg.length) tracks.push({ tt: TrackType.text, sg });
  }
  return { draft: { d, t: tracks }, warnings };
}

function trimsOf(from: TimelineInput, state: EditState): { start: number; end: number } {
  const name = from.input.name.toLowerCase();
  const mine = state.trims.filter((t) => name === t.clip || name.startsWith(t.clip) || name.replace(/\.[^.]+$/, '') === t.clip);
  return {
    start: mine.filter((t) => t.from === 'start').reduce((s, t) => s + t.ms, 0),
    end: mine.filter((t) => t.from === 'end').reduce((s, t) => s + t.ms, 0),
  };
}

function clipMs(from: TimelineInput, state: EditState, warnings: string[]): number {
  const { start, end } = trimsOf(from, state);
  const left = (from.info.durationMs ?? 0) - start - end;
  if (left < MIN_ITEM_MS) {
    warnings.push(`${from.input.name}: trimming leaves less than ${MIN_ITEM_MS / 1000} s; kept ${MIN_ITEM_MS / 1000} s`);
  }
  return Math.max(MIN_ITEM_MS, left) / state.speed;
}

function clipMeta(from: TimelineInput, state: EditState): Segment['m'] {
  const meta: Segment['m'] = {};
  const { start } = trimsOf(from, state);
  if (start) meta.trimMs = start;
  if (state.speed !== 1) meta.speed = state.speed;
  return meta;
}

/** "01-red-sneakers.jpg" → "Red Sneakers": a caption people can read, from a file name. */
export function prettyName(name: string): string {
  return name
    .replace(/\.[^.]+$/, '')
    .replace(/^\d+[-_. ]+/, '')
    .replace(/[-_.]+/g, ' ')
    .trim()
    .replace(/\b\p{L}/gu, (c) => c.toUpperCase());
}
