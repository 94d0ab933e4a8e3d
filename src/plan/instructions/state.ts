import type { Aspect, Format, Resolution } from '../../recipe/recipe.types.js';

/** Where text sits in the frame; a lower third sits bottom-left. */
export type Position = 'top' | 'center' | 'bottom' | 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';
/** A frame corner, for the logo. */
export type Corner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

/**
 * How one item gives way to the next, besides a hard cut. Directions are where the edge or the picture moves: in a
 * `wipe-left` the edge sweeps from right to left over the old picture, in a `slide-left` the new picture comes in from
 * the right moving left. `fade-black` dips to black and back; `zoom` pushes into the old picture as the new one fades in.
 */
export const TRANSITIONS = ['crossfade', 'fade-black', 'wipe-left', 'wipe-right', 'wipe-up', 'wipe-down', 'slide-left', 'slide-right', 'slide-up', 'slide-down', 'zoom'] as const;
export type TransitionName = (typeof TRANSITIONS)[number];

/** A title, text, lower third or call to action the instructions asked for. */
export interface TextEdit {
  text: string;
  kind: 'title' | 'text';
  /** Where in time: the first seconds, the last seconds, the whole video, or from `startMs` on. */
  at: 'start' | 'end' | 'all' | 'time';
  startMs?: number;
  durationMs?: number;
  position: Position;
  color: string;
  fadeInMs?: number;
  fadeOutMs?: number;
  /** Where the words came from, when the instruction gave none. */
  from?: string;
}

/** A cut asked of the clips: `clip` names one by a word of its file name; without it, every clip. */
export interface ClipCut {
  clip?: string;
  /** `drop-*`: `ms` off that end; `keep`: only `fromMs`–`toMs`; `keep-end`: the last `ms`; `remove`: `fromMs`–`toMs` goes. */
  kind: 'drop-start' | 'drop-end' | 'keep' | 'keep-end' | 'remove';
  ms?: number;
  fromMs?: number;
  toMs?: number;
}

/** Everything the instructions asked for, refined instruction by instruction. */
export interface EditState {
  totalMs?: number;
  /** The length is an upper bound ("under a minute"): clips may come out shorter. */
  totalIsLimit?: boolean;
  perItemMs?: number;
  /** Which of the length and the time per item was said last, when both are: it wins where they disagree. */
  lengthSaidLast?: 'total' | 'perItem';
  aspect?: Aspect;
  /** Further shapes asked for beside the main one ("also a vertical version"): one more output each. */
  variants?: Aspect[];
  resolution?: Resolution;
  format?: Format;
  fps?: number;
  /** `on` undefined: use the music input if there is one. `gain` scales the default level ("quieter"). */
  music: { on?: boolean; volume?: number; gain: number; fadeInMs: number; fadeOutMs: number };
  /** `on` undefined: captions when a captions input exists. `text`: the same words under every item. */
  captions: { on?: boolean; position: Position; color: string; text?: string };
  texts: TextEdit[];
  /** `corner` undefined: a corner logo when a logo input exists. */
  logo: { corner?: boolean; position: Corner; opacity: number; intro: boolean; outro: boolean };
  transition: { type: TransitionName | 'cut'; ms: number };
  fadeInMs: number;
  fadeOutMs: number;
  motion: 'none' | 'kenburns' | 'zoom' | 'pan';
  cuts: ClipCut[];
  /** The clips' own sound is off. */
  mute: boolean;
  speed: number;
  order: 'given' | 'reverse';
}

/** The state before any instruction: the documented defaults. */
export function initialState(): EditState {
  return {
    music: { gain: 1, fadeInMs: 0, fadeOutMs: 1000 },
    captions: { position: 'bottom', color: 'white' },
    texts: [],
    logo: { position: 'bottom-right', opacity: 1, intro: false, outro: false },
    transition: { type: 'crossfade', ms: 500 },
    fadeInMs: 0,
    fadeOutMs: 0,
    motion: 'none',
    cuts: [],
    mute: false,
    speed: 1,
    order: 'given',
  };
}

/** A word of an instruction the interpreter could not place, with where it stands in the instruction. */
export interface Unplaced {
  word: string;
  /** Character offset in the instruction as written. */
  index: number;
  /** The nearest phrase the vocabulary knows, when one is close. */
  suggestion?: string;
}

/** An unplaced word as people read it: `song (did you mean "music"?)`. */
export function describeUnplaced(u: Unplaced): string {
  return u.suggestion ? `${u.word} (did you mean "${u.suggestion}"?)` : u.word;
}

/** What one instruction became, for `plan`, warnings and `--strict`. */
export interface InstructionNote {
  instruction: string;
  /** `file:line:col` of the instruction in its recipe, when known. */
  at?: string;
  did: string[];
  /** Asked for, understood, but not something the local backend can do (with what can). */
  unsupported: string[];
  notUnderstood: string[];
  /** The not-understood words with their places, for located errors. */
  unplaced: Unplaced[];
  /** Misspelt words read as the word they were meant to be (`suggestion`): a guess, which `--strict` refuses. */
  guessed: Unplaced[];
}
