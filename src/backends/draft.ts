import { basename } from 'node:path';

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
export interface Segment {
  st: number;
  d: number;
  src?: string;
  m: SegmentMeta;
}

/** A track: `tt` its type, `sg` its segments. */
export interface Track {
  tt: TrackType;
  sg: Segment[];
}

/** A timeline in the cloud's short-key shape (`schemas/draft.schema.json`): `d` total ms, `t` tracks. */
export interface Draft {
  d: number;
  t: Track[];
}

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
  return `${secs(start)}-${secs(end)}s`;
}

function secs(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
