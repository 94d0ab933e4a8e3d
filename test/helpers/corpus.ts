import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Segment } from '../../src/backends/draft.js';
import { buildTimeline, type TimelineInput } from '../../src/backends/local/timeline.js';
import { planRecipe } from '../../src/plan/planner.js';
import type { Recipe, ResolvedInput } from '../../src/recipe/recipe.types.js';
import { ROOT } from './cli.js';

/** The shared, labelled corpus of real instruction phrasings (`../shared/corpus/`, beside the project). */
export const CORPUS = join(ROOT, '..', 'shared', 'corpus');

/** One labelled row: the text and what a careful editor would put on the timeline. */
export interface CorpusRow {
  id: string;
  text: string;
  expect: Record<string, unknown>;
}

export function readCorpus(file: string): CorpusRow[] {
  const path = join(CORPUS, file);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CorpusRow);
}

const CLIP_S = 300;
const input = (index: number, name: string, role: ResolvedInput['role'], kind: ResolvedInput['kind']): ResolvedInput => ({ index, name, path: `/corpus/${name}`, role, kind });
const INPUTS: TimelineInput[] = [
  ...[1, 2, 3, 4, 5].map((i) => ({ input: input(i - 1, `photo-${i}.jpg`, 'media', 'image'), info: { kind: 'image' as const, width: 1280, height: 960, hasAudio: false }, src: `photo-${i}.jpg` })),
  { input: input(5, 'long-clip.mp4', 'media', 'video'), info: { kind: 'video', durationMs: CLIP_S * 1000, width: 320, height: 180, hasAudio: true }, src: 'long-clip.mp4' },
  { input: input(6, 'logo.png', 'logo', 'image'), info: { kind: 'image', width: 256, height: 256, hasAudio: false }, src: 'logo.png' },
  { input: input(7, 'music.mp3', 'music', 'audio'), info: { kind: 'audio', durationMs: 40_000, hasAudio: true }, src: 'music.mp3' },
];

/** Plans a one-instruction recipe over the corpus's assumed inputs and builds its timeline, as `plan --json` would. */
export function planOf(text: string) {
  const recipe: Recipe = {
    file: 'recipe.yaml', dir: '/corpus', name: 'corpus', backend: 'local', inputs: INPUTS.map((i) => i.input),
    instructions: [text], instructionAt: [], inputPatterns: [], export: { output: 'out/video.mp4' }, text: '',
  };
  const plan = planRecipe(recipe);
  const { draft } = buildTimeline(plan.edit!, INPUTS, plan.export);
  return { plan, draft };
}

const RATIO: Record<string, number> = { '16:9': 16 / 9, '9:16': 9 / 16, '1:1': 1, '4:5': 4 / 5 };
const SHORT: Record<string, number> = { '480p': 480, '720p': 720, '1080p': 1080, '1440p': 1440, '2160p': 2160 };
const near = (a: unknown, b: number, tol: number) => typeof a === 'number' && Math.abs(a - b) <= tol;

/** The scorer's checks (`../shared/tools/score-instructions.mjs`), ported: one label key against a plan. */
export function check(key: string, want: any, { plan, draft }: ReturnType<typeof planOf>): boolean | undefined {
  const e = plan.export;
  const D = draft.d;
  const segs = (tt?: number) => draft.t.filter((t) => tt === undefined || t.tt === tt).flatMap((t) => t.sg);
  const m = (s: Segment) => s.m as Record<string, any>;
  const text = segs(7);
  const video = segs(0).filter((s) => m(s).kind !== 'logo');
  const clips = video.filter((s) => m(s).kind === 'video');
  const clipAudio = segs(1).filter((s) => m(s).kind === 'clip' && (m(s).volume ?? 1) > 0);
  const music = segs(1).filter((s) => m(s).kind === 'music');
  const keptTo = (s: Segment) => (m(s).trimMs ?? 0) + s.d * (m(s).speed ?? 1);
  switch (key) {
    case 'duration_s': return near(D / 1000, want, 0.5);
    case 'aspect': return near(e.width / e.height, RATIO[want]!, 0.01);
    case 'aspect_any': return want.some((a: string) => near(e.width / e.height, RATIO[a]!, 0.01));
    case 'resolution': return Math.min(e.width, e.height) === SHORT[String(want).toLowerCase()];
    case 'fps': return e.fps === want;
    case 'music': return want === music.length > 0;
    case 'music_volume': return music.some((s) => near(m(s).volume, want, 0.05));
    case 'music_fade_in': return want === music.some((s) => (m(s).fadeInMs ?? 0) > 0);
    case 'music_fade_out': return want === music.some((s) => (m(s).fadeOutMs ?? 0) > 0);
    case 'music_fade_out_s': return music.some((s) => near((m(s).fadeOutMs ?? 0) / 1000, want, 0.5));
    case 'music_loop': return music.some((s) => s.st === 0 && near(s.d, D, 100));
    case 'captions': return text.some((s) => m(s).kind === 'caption');
    case 'title': return text.some((s) => m(s).kind === 'title');
    case 'title_text': return text.some((s) => String(m(s).text ?? '').toLowerCase().includes(String(want).toLowerCase()));
    case 'title_duration_s': return text.some((s) => m(s).kind === 'title' && near(s.d / 1000, want, 0.3));
    case 'text_overlay': return want === text.length > 0;
    case 'text_overlays': return want.every((w: string) => text.some((s) => String(m(s).text ?? '').toLowerCase().includes(w.toLowerCase())));
    case 'text_position': return text.some((s) => m(s).kind !== 'caption' && String(m(s).position ?? '').startsWith(String(want).split('-')[0]!));
    case 'text_when': return text.some((s) => m(s).kind !== 'caption' && (want === 'start' ? s.st === 0 && s.d < D : near(s.st + s.d, D, 100) && s.st > 0));
    case 'text_duration_s': return text.some((s) => m(s).kind !== 'caption' && near(s.d / 1000, want, 0.3));
    case 'end_card': return text.some((s) => s.st > 0 && near(s.st + s.d, D, 100)) || m(video.at(-1)!).kind === 'card';
    case 'logo': return want === segs(0).some((s) => m(s).kind === 'logo' || m(s).kind === 'card');
    case 'per_item_s': {
      const ds = video.filter((s) => m(s).kind === 'image').map((s) => s.d / 1000).sort((a, b) => a - b);
      return ds.length > 0 && near(ds[Math.floor(ds.length / 2)], want, 0.6);
    }
    case 'transition': return video.some((s) => (m(s).transitionMs ?? 0) > 0) === !['cut', 'none'].includes(want);
    case 'fade_in': return want === ((m(video[0]!).fadeInMs ?? 0) > 0);
    case 'order': {
      const idx = video.filter((s) => m(s).kind === 'image').map((s) => m(s).input as number);
      if (want === 'as_given') return idx.every((v, i) => i === 0 || v > idx[i - 1]!);
      if (want === 'reverse') return idx.every((v, i) => i === 0 || v < idx[i - 1]!);
      return undefined;
    }
    case 'speed': return clips.length > 0 && clips.every((s) => near(m(s).speed ?? 1, want, 0.05));
    case 'speed_faster': return clips.length > 0 && clips.every((s) => (m(s).speed ?? 1) > 1) === want;
    case 'mute': return want ? clipAudio.length === 0 : clipAudio.length > 0;
    case 'keep_original_audio': return want === clipAudio.length > 0;
    case 'trim_start_s': return clips.length > 0 && near((m(clips[0]!).trimMs ?? 0) / 1000, want, 0.3);
    case 'trim_end_s': return clips.length > 0 && near(keptTo(clips.at(-1)!) / 1000, want, 0.5);
    case 'trim_tail_s': return clips.length > 0 && near(keptTo(clips.at(-1)!) / 1000, CLIP_S - want, 0.5);
    case 'cut_ranges_s': return want.every(([a, b]: [number, number]) => clips.some((s) => near(keptTo(s) / 1000, a, 0.5)) && clips.some((s) => near((m(s).trimMs ?? 0) / 1000, b, 0.5)));
    default: return undefined;
  }
}

/** Scores rows: which label keys each gets wrong. */
export function score(rows: CorpusRow[]) {
  return rows.map((row) => {
    const result = planOf(row.text);
    const wrong = Object.entries(row.expect).filter(([k, v]) => check(k, v, result) === false).map(([k]) => k);
    return { row, wrong, notes: result.plan.notes![0]! };
  });
}
