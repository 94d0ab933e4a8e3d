import type { Aspect } from '../../recipe/recipe.types.js';
import type { Normalized } from './normalize.js';
import type { EditState, TextEdit } from './state.js';

/** A time expression of the normalized text (`⟨ms⟩`, `≈⟨ms⟩` when hedged); its group is the milliseconds. */
export const T = '≈?⟨(\\d+)⟩';
/** Quoted words (`«n»`); its group is the index into the quotes. */
export const Q = '«(\\d+)»';
/** A decimal number, perhaps hedged (`≈25`). */
export const NUM = '≈?(\\d+(?:\\.\\d+)?)';
/** Determiners before a noun. */
export const DET = '(?:(?:a|an|the|some|my|our|your|this|that|these|those|all|every|each|all the|all of the)\\s+)';
/** Things shown one after another. */
export const ITEM = '(?:photo|image|picture|pic|slide|item|shot|screenshot|still|clip|segment|scene|card|frame|photograph|one)s?';
/** Colour words text may be set in. */
export const COLOR = '(#[0-9a-f]{6}\\b|white|black|red|green|blue|yellow|orange|purple|pink|gr[ae]y|gold|cyan|magenta|navy|teal)';

/** Recipe words used when an instruction asks for a text but gives none. */
export interface RecipeWords {
  title: string;
  /** Where the title words come from, for the notes ("the recipe's `title`"). */
  titleFrom: string;
  cta: string;
  ctaFrom: string;
}

export type Topic = 'music' | 'text' | 'logo' | 'captions' | 'picture' | 'clip';

/** What a rule sees while the instructions are applied in the order of their words. */
export interface Context {
  state: EditState;
  n: Normalized;
  words: RecipeWords;
  /** The last text this instruction added or named, which position, timing and colour words refine. */
  text?: TextEdit;
  /** What "it" and a bare "fade out" refer to: the last thing named in this sentence. */
  topic?: Topic;
  /** The topic the sentence before ended with, for "it" in a sentence that names nothing before it. */
  previousTopic?: Topic;
  /** The last shape word this instruction read and what it named, so the next one can restate it or join it in a list. */
  shape?: { end: number; aspect: Aspect; role: ShapeRole };
  /** The quoted words of `«n»`. */
  quote(index: string | number): string;
  /** True when a negation ("no", "without", "turn off", "don't want") governs the words at `start`..`end`. */
  negated(start: number, end: number): boolean;
  /** The normalized text from the start of the sentence to `start`. */
  before(start: number): string;
  /** The normalized text from `end` to the end of the sentence. */
  after(end: number): string;
  /** The instruction as written between two offsets of the normalized text. */
  original(start: number, end: number): string;
  /** Marks more of the text as placed, so no other rule reads it. */
  consume(start: number, end: number): void;
  /** Places the words matching `re` in the sentence before `start` (the verbs a rule read its meaning from). */
  consumeWord(re: RegExp, start: number): void;
  /** True when the range was already placed by an earlier rule. */
  consumed(start: number, end: number): boolean;
  /** Says that something asked for is not done by the local backend, and why. */
  unsupported(message: string): void;
}

/**
 * What a shape word names: the main video's shape, one more shape beside it (a variant), a variant that was already
 * there (`repeat`), the source ("from 16:9"), or a shape not wanted ("no vertical version").
 */
export type ShapeRole = 'main' | 'variant' | 'repeat' | 'source' | 'not';

/** A phrase pattern and what it does; `apply` returns a note, '' to place the words silently, or undefined to decline. */
export interface Rule {
  re: RegExp;
  apply(m: RegExpExecArray, ctx: Context): string | undefined;
  /** Breaks ties between overlapping matches before length does. */
  priority: number;
}

/** A family of phrasings: one file, its rules, and the examples `nemo-run instructions` prints. */
export interface Family {
  name: string;
  summary: string;
  examples: string[];
  /** Key words, for did-you-mean suggestions. */
  words: string[];
  rules: Rule[];
}

/** Builds a rule from a regular-expression source (case-insensitive text is already lower case). */
export function rule(source: string, apply: Rule['apply'], priority = 0): Rule {
  return { re: new RegExp(source, 'gu'), apply, priority };
}

/** The end offset of a match. */
export function end(m: RegExpExecArray): number {
  return m.index + m[0].length;
}
