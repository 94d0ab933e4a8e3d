import { basename } from 'node:path';
import { videoSpan } from '../display.js';
import type { Corner, EditState, Position, TransitionName } from '../plan/instructions/state.js';

/** Track types, as the cloud's drafts number them. */
export const TrackType = { video: 0, audio: 1, text: 7 } as const;
export type TrackType = (typeof TrackType)[keyof typeof TrackType];

/** Segment metadata; `kind` says what the segment is, the rest depends on it. */
export interface SegmentMeta {
  kind?: string;
  text?: string;
  volume?: number;
  [key: string]: unknown;
}

/** A piece of a track: `st` start and `d` duration in milliseconds. */
export interface Segment<M = SegmentMeta> {
  st: number;
  d: number;
  src?: string;
  m: M;
}

/** A track: `tt` its type, `sg` its segments. */
export interface Track<M = SegmentMeta> {
  tt: TrackType;
  sg: Segment<M>[];
}

/** A timeline in the cloud's short-key shape (`schemas/draft.schema.json`): `d` total ms, `t` tracks. */
export interface Draft<M = SegmentMeta> {
  d: number;
  t: Track<M>[];
}

/**
 * How an item of the main track comes in: `transition` over its overlap with the item before, which lasts
 * `transitionMs`. The first item may fade in from black and the last fade out to black.
 */
type Entry = { transition?: TransitionName; transitionMs?: number; fadeInMs?: number; fadeOutMs?: number };
/**
 * How a picture fills a frame of another shape: `cover` shows the window x, y, w, h (fractions of the upright
 * picture) cropped to fill the frame; `contain` shows all of it over a blurred copy. `by` says what placed the window.
 */
export type Framing = { mode: 'cover' | 'contain'; x: number; y: number; w: number; h: number; by: 'subject' | 'pin' | 'centre' };
export type ImageMeta = Entry & { kind: 'image'; input: number; motion?: Exclude<EditState['motion'], 'none'>; framing?: Framing };
export type ClipMeta = Entry & { kind: 'video'; input: number; trimMs?: number; speed?: number; framing?: Framing };
export type CardMeta = Entry & { kind: 'card'; input: number };
/** What the main video track shows, one item after another. */
export type ItemMeta = ImageMeta | ClipMeta | CardMeta;
export type LogoMeta = { kind: 'logo'; input: number; position: Corner; opacity: number };
export type MusicMeta = { kind: 'music'; input: number; volume: number; fadeInMs: number; fadeOutMs: number };
/** A clip's own sound, under its picture. */
export type SoundMeta = { kind: 'clip'; input: number; volume: number; trimMs?: number; speed?: number };
export type TextMeta = { kind: 'title' | 'text' | 'caption'; text: string; position: Position; color: string; fadeInMs?: number; fadeOutMs?: number };
/** How long a text fades in and out when its `fadeInMs`/`fadeOutMs` do not say, and the shortest fade it gets. */
export const TEXT_FADE_MS = 300;
export const TEXT_FADE_MIN_MS = 40;
/** A text's fade in, or its fade out, takes at most its time divided by this (40 %), so it is seen whole in between. */
export const TEXT_FADE_PARTS = 2.5;
/** The local backend's segments: one shape per kind, so each effect has a typed path from the timeline to ffmpeg. */
export type LocalMeta = ItemMeta | LogoMeta | MusicMeta | SoundMeta | TextMeta;
/** The draft the local backend lays out and renders. */
export type LocalDraft = Draft<LocalMeta>;

/** The segments of a local draft whose metadata passes `is`, typed by it. */
export function segmentsOf<M extends LocalMeta>(draft: LocalDraft, is: (m: LocalMeta) => m is M): Segment<M>[] {
  return draft.t.flatMap((t) => t.sg.filter((s): s is Segment<M> => is(s.m)));
}
export const isItem = (m: LocalMeta): m is ItemMeta => m.kind === 'image' || m.kind === 'video' || m.kind === 'card';
export const isLogo = (m: LocalMeta): m is LogoMeta => m.kind === 'logo';
export const isText = (m: LocalMeta): m is TextMeta => m.kind === 'title' || m.kind === 'text' || m.kind === 'caption';
export const isSound = (m: LocalMeta): m is MusicMeta | SoundMeta => m.kind === 'music' || m.kind === 'clip';

/**
 * One line for people: `Timeline (3 tracks): 1. Video: 5 images (0-30s) 2. BGM: music.mp3 (0-30s, 35%) 3. Captions: 5 (0-30s)`.
 * Works on local drafts and on whatever the cloud returns.
 */
export function summarizeDraft(draft: Draft): string {
  const tracks = (draft.t ?? []).filter((t) => t.sg?.length);
  const parts = tracks.map((track, i) => `${i + 1}. ${describeTrack(track)}`);
  return `Timeline (${tracks.length} track${tracks.length === 1 ? '' : 's'}): ${parts.join(' ')}`.trimEnd();
}

function describeTrack(track: Track): string {
  const sg = track.sg;
  const range = span(sg);
  const kinds = new Set(sg.map((s) => s.m?.kind));
  const name = (s: Segment) => String(s.m?.name ?? (s.src ? basename(s.src) : 'untitled'));
  if (track.tt === TrackType.video) {
    if (kinds.size === 1 && kinds.has('logo')) return `Logo: ${name(sg[0]!)} (${range})`;
    if (sg.length === 1) return `Video: ${name(sg[0]!)} (${range})`;
    return `Video: ${count(sg, 'image', 'image')}${count(sg, 'video', 'clip')}${count(sg, 'card', 'card')}`.replace(/, $/, '') + ` (${range})`;
  }
  if (track.tt === TrackType.audio) {
    if (kinds.size === 1 && kinds.has('clip')) return sg.length === 1 ? `Audio: ${name(sg[0]!)} (${range})` : `Audio: ${sg.length} clips (${range})`;
    if (kinds.has('music') || sg.length === 1) {
      const volume = sg[0]!.m?.volume;
      return `BGM: ${name(sg[0]!)} (${range}${typeof volume === 'number' ? `, ${Math.round(volume * 100)}%` : ''})`;
    }
    return `Audio: ${sg.length} clips (${range})`;
  }
  if (kinds.size === 1 && kinds.has('caption')) return `Captions: ${sg.length} (${range})`;
  const label = kinds.has('title') ? 'Title' : 'Text';
  return sg.length === 1 ? `${label}: "${sg[0]!.m?.text ?? ''}" (${range})` : `${label}: ${sg.length} (${range})`;
}

function count(sg: Segment[], kind: string, noun: string): string {
  const n = sg.filter((s) => (s.m?.kind ?? 'video') === kind).length;
  return n ? `${n} ${noun}${n === 1 ? '' : 's'}, ` : '';
}

function span(sg: Segment[]): string {
  const start = Math.min(...sg.map((s) => s.st));
  const end = Math.max(...sg.map((s) => s.st + s.d));
  return videoSpan(start, end);
}
