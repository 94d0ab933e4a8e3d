import { videoTime } from '../../../display.js';
import { end, ITEM, rule, T, type Context, type Family } from '../rules.js';
import type { EditState, TransitionName } from '../state.js';

const CUTS = '(?:hard|straight|jump|simple|plain)\\s+cuts?|cuts?\\s+only|just\\s+cuts';
/** Words that describe a transition without naming its kind. */
const ADJ = '(?:smooth|soft|gentle|quick|fast|slow|simple|subtle|cinematic|short|long|nice|clean|classic|basic|elegant|brief|snappy|fancy)';
/** A length said before the kind: "1-second wipe", "half-second slides" (the lexer leaves "half-second" as words). */
const PRE_LENGTH = `(?:${T}|half[- ]second)`;
const SIDE = '(?:left|right|top|bottom)';
/** Which way the edge or the picture moves: "left", "to the left", "in from the right", "from left to right". */
const DIR_AFTER = `\\s+(?:(?:in|out|across)\\s+)?(?:from\\s+(?:the\\s+)?${SIDE}(?:\\s+(?:side|edge))?(?:\\s+to(?:wards?)?\\s+(?:the\\s+)?${SIDE})?|from\\s+(?:above|below)|to(?:wards?)?\\s+the\\s+${SIDE}|(?:left|right|up|down)(?:wards?)?\\b)`;
const DIR_BEFORE = `(?:${SIDE}[- ]to[- ](?:the[- ])?${SIDE}|left|right|leftwards?|rightwards?|upwards?|downwards?)[\\s-]+`;
/** What a wipe is not about: "wipe the logo off". */
const NOT_A_WIPE = '(?!\\s+(?:the|a|an|this|that|all|it|them|off|away|out|clean|everything|my|our|your)\\b)';
/** After "slide in" only words that go on about the transition: not "each slide in yellow". */
const SLIDE_IN_ENDS = '(?=\\s*(?:$|[,.;!?]|(?:from|between|and|then|with|for|over|of|lasting|transitions?|effects?)\\b|⟨))';

/** Kinds that stand alone: "a wipe left", "dip to black", "slide in from the right", "crossfade". */
const FREE = [
  'cross[- ]?fad(?:e|es|ing)|cross[- ]?dissolv(?:e|es|ing)|dissolv(?:e|es|ing)',
  'blend(?:s|ing)?(?!\\s+(?:the|in|into|with)\\b)',
  `dip(?:s|ping)?(?:[- ]to[- ]|\\s+(?:through|into|via)\\s+)(?:black|white)(?:\\s+and\\s+back)?`,
  `fad(?:e|es|ing)\\s+(?:through|via|thru)\\s+(?:black|white)|fad(?:e|es|ing)\\s+(?:to|into)\\s+(?:black|white)\\s+and\\s+back(?:\\s+in)?`,
  `(?:${DIR_BEFORE})?wip(?:e|es|ed|ing)(?:\\s+(?:in|across))?(?:${DIR_AFTER}|${NOT_A_WIPE})`,
  `(?:${DIR_BEFORE})?slid(?:e|es|ing)[- ]ins?(?:${DIR_AFTER}|${SLIDE_IN_ENDS})`,
  `slid(?:e|es|ing)(?:\\s+(?:out|across))?${DIR_AFTER}|${DIR_BEFORE}slid(?:e|es|ing)`,
  `(?:push(?:es|ing)?|swip(?:e|es|ing))(?:\\s+(?:in|out|across))?${DIR_AFTER}|${DIR_BEFORE}(?:push|swipe)`,
  'whip[- ]?pans?',
].join('|');
/** Kinds that need "transition" or "between" to be one: "zoom between the photos", not "zoom in on each photo". */
const BOUND = [
  'fad(?:e|es|ing)(?:\\s+(?:out\\s+)?(?:to|into)\\s+(?:black|white))?|fade[- ]to[- ](?:black|white)|black\\s+fades?',
  'zoom(?:s|ing)?(?:[- ](?:in|out))?',
  'slid(?:e|es|ing)|push(?:es|ing)?|swip(?:e|es|ing)',
  'spin(?:s|ning)?|blur(?:s|red|ry)?|glitch(?:es|y)?|whip(?:[- ]?pans?)?|flash(?:es)?|cube|page[- ](?:turn|curl)s?|iris|circle|ripple|morph(?:ing)?|light[- ]leaks?|film[- ]burns?|pixel(?:ate|ated|ation)?|swirl',
].join('|');
const BETWEEN = `(?:\\s+(?:in\\s+)?(?:between|from\\s+one\\s+to\\s+the\\s+next)(?:\\s+(?:the|each|every|all|two))?(?:\\s+(?:first\\s+and\\s+second\\s+)?(?:${ITEM}|them|video\\s+segments?|photographs))?)`;
const POST_LENGTH = `(?:\\s+(?:of|lasting|for|over|in)\\s+(?:about\\s+|maybe\\s+|around\\s+|roughly\\s+)?${T})`;
const HEAD = `(?:(?:${ADJ}|${PRE_LENGTH})\\s+){0,3}`;

/** Kinds the render engine has no entry for, by the word that names them; they are shown as crossfades. */
const OTHER: [RegExp, string][] = [
  [/\bspin/, 'spin'], [/\bblur/, 'blur'], [/\bglitch/, 'glitch'], [/\bwhip/, 'whip'], [/\bflash/, 'flash'], [/\bcube\b/, 'cube'],
  [/\bpage[- ](?:turn|curl)/, 'page-turn'], [/\biris\b/, 'iris'], [/\bcircle\b/, 'circle'], [/\bripple/, 'ripple'], [/\bmorph/, 'morph'],
  [/\blight[- ]leak/, 'light-leak'], [/\bfilm[- ]burn/, 'film-burn'], [/\bpixel/, 'pixelate'], [/\bswirl/, 'swirl'], [/\bwhite\b/, 'dip-to-white'],
];

type Direction = 'left' | 'right' | 'up' | 'down';

/**
 * Which way a wipe or slide moves, from the words: "left", "to the left", "leftward", "right-to-left" say where it
 * goes; "from the right" and "in from the right" say where it comes from, so the move is the other way.
 */
function directionOf(words: string): Direction | undefined {
  const side = (s: string) => ({ left: 'left', right: 'right', top: 'up', bottom: 'down', up: 'up', down: 'down' } as Record<string, Direction>)[s]!;
  const away = (s: string) => ({ left: 'right', right: 'left', top: 'down', above: 'down', bottom: 'up', below: 'up' } as Record<string, Direction>)[s]!;
  const fromTo = /\b(left|right|top|bottom)(?:\s+side|\s+edge)?[\s-]+to(?:wards?)?[\s-]+(?:the[\s-]+)?(left|right|top|bottom)\b/.exec(words);
  if (fromTo) return side(fromTo[2]!);
  const from = /\bfrom\s+(?:the\s+)?(left|right|top|bottom|above|below)\b/.exec(words);
  if (from) return away(from[1]!);
  const to = /\b(left|right|up|down)(?:wards?)?\b|\bto(?:wards?)?\s+the\s+(left|right|top|bottom)\b/.exec(words);
  return to ? side(to[1] ?? to[2]!) : undefined;
}

/** The registry entry the words name; `undefined` when they name no kind ("smooth transitions"). */
function kindOf(words: string): { type?: TransitionName; other?: string } {
  const other = OTHER.find(([re]) => re.test(words))?.[1];
  if (other) return { type: 'crossfade', other };
  if (/\bblack\b/.test(words)) return { type: 'fade-black' };
  // A wipe or slide with no direction goes left, as a page turns.
  if (/\bwip/.test(words)) return { type: `wipe-${directionOf(words) ?? 'left'}` };
  if (/\b(?:slid|push|swip)/.test(words)) return { type: `slide-${directionOf(words) ?? 'left'}` };
  if (/\bzoom/.test(words)) return { type: 'zoom' };
  if (/\b(?:cross|dissolv|blend|fad)/.test(words)) return { type: 'crossfade' };
  return {};
}

/** The note for the transition the state holds now: the crossfade's words are the ones the corpus and tests know. */
function describe(t: EditState['transition']): string {
  if (t.type === 'cut') return 'hard cuts between items';
  return `${t.type === 'crossfade' ? 'crossfade' : `${t.type} transitions`} between items (${videoTime(t.ms)})`;
}

/** The words before a wipe or slide that make it a text's or the logo's movement, or a slide the noun. */
const NOT_BETWEEN_ITEMS = /(?:\b(?:title|text|caption|subtitle|logo|words?|headline|lower\s+third|name)s?\s+(?:(?:should|will|to|can|must)\s+)?|\b(?:each|every|per|first|last|next|this|that|one)\s+)$/;

const REPLACED = /\b(?:instead\s+of|rather\s+than|in\s+place\s+of)\s+(?:the\s+|an?\s+|any\s+|all\s+(?:the\s+)?)?$/;

/** "wipes instead of crossfades": the kind being replaced is read, and changes nothing. */
function replaced(m: RegExpExecArray, ctx: Context): boolean {
  if (!REPLACED.test(ctx.before(m.index))) return false;
  ctx.consumeWord(/\b(?:instead\s+of|rather\s+than|in\s+place\s+of)\b/, m.index);
  return true;
}

function apply(m: RegExpExecArray, ctx: Context): string | undefined {
  const words = m[0];
  if (replaced(m, ctx)) return '';
  // The kind is named before "between …": "fade transitions between slides" are not slides.
  const { type, other } = kindOf(words.replace(/\s+(?:in\s+)?(?:between|from\s+one\s+to\s+the\s+next)\b.*$/, ''));
  const moving = type !== undefined && /^(?:wipe|slide)-/.test(type);
  if (moving) {
    // "have the title slide in from the left", "each slide in …", "swipe up to buy", "slide in the logo".
    if (NOT_BETWEEN_ITEMS.test(ctx.before(m.index))) return undefined;
    const after = ctx.after(end(m));
    if (/^\s+(?:to|for)\s+(?!(?:the|a|an|each|every|all|next)\b|⟨)/.test(after) || /^\s+(?:the\s+|our\s+|my\s+)?(?:title|text|logo|caption|words)\b/.test(after)) return undefined;
  }
  const halfSecond = /\bhalf[- ]second\b/.test(words);
  const said = /⟨(\d+)⟩/.exec(words)?.[1] ?? (halfSecond ? '500' : undefined);
  // "3-second slides" are how long each slide shows; only a length no item would have makes them transitions.
  if (/^(?:⟨\d+⟩|half[- ]second)\s+(?:\S+\s+)?slides$/.test(words.trim()) && Number(said) >= 1000) return undefined;
  const t = ctx.state.transition;
  if (ctx.negated(m.index, end(m))) {
    // "no transitions", "no crossfades": hard cuts. "no wipes": the plain crossfade instead of the kind refused.
    if (type === undefined || (type === 'crossfade' && !other)) {
      t.type = 'cut';
      return 'hard cuts between items';
    }
    const name = other ?? type.replace(/-.*/, '');
    // (A kind shown as a crossfade, refused, leaves whatever was chosen: "wipe left", then "no spin transitions".)
    if (t.type !== 'cut' && (t.type === type || t.type.startsWith(`${name}-`))) t.type = 'crossfade';
    return `no ${name} transitions: ${describe(t)}`;
  }
  t.type = type ?? (t.type === 'cut' ? 'crossfade' : t.type);
  if (said) t.ms = Math.min(Number(said), 5000);
  const capped = said && Number(said) > 5000 ? ' (at most 5 s)' : '';
  return `${describe(t)}${capped}${other ? ` (a ${other} transition is shown as a crossfade)` : ''}`;
}

/** How one item gives way to the next: a kind from the render engine's registry (and its length), or hard cuts. */
export const transitions: Family = {
  name: 'transitions',
  summary:
    'crossfades, dips to black, wipes and slides (left, right, up or down; "slide in from the right" moves left; no direction: left), zoom transitions, their length, or hard cuts; other kinds (spin, glitch, …) are shown as crossfades',
  examples: [
    'crossfade',
    'dissolve',
    'fade between the photos',
    '1-second crossfades',
    'dip to black between the photos',
    'wipe left',
    'a 1-second wipe to the right',
    'slide in from the right',
    'slide up',
    'zoom transitions',
    'smooth transitions',
    'make the transitions faster',
    'no transitions',
    'turn off the transitions',
    'hard cuts',
  ],
  words: ['crossfade', 'dissolve', 'transition', 'transitions', 'cuts', 'fade between', 'wipe', 'slide', 'dip to black', 'zoom'],
  rules: [
    rule(`(?:${T}\\s+)?(?:${CUTS})\\b(?:\\s+between\\s+(?:the\\s+)?[\\p{L}]+)?`, (m, ctx) => {
      if (replaced(m, ctx)) return '';
      // ("No fades, just cuts", "no transitions, straight cuts": the cuts are what is wanted instead, unless their own
      // clause refuses them: "I don't want hard cuts".)
      const refused = /\b(?:no|not|don't|never|without)\b/.test(ctx.before(m.index).split(/[,;]/).at(-1)!);
      const off = ctx.negated(m.index, end(m)) && !m[0].startsWith('just') && (refused || ctx.state.transition.type !== 'cut');
      ctx.state.transition.type = off ? 'crossfade' : 'cut';
      return off ? `crossfade between items (${videoTime(ctx.state.transition.ms)}) instead of hard cuts` : 'hard cuts between items';
    }),
    rule(
      `${HEAD}(?:(?:${FREE})(?:\\s+(?:transitions?|effects?))?${BETWEEN}?|(?:(?:${BOUND})\\s+)?transitions?${BETWEEN}?|(?:${BOUND})${BETWEEN}|(?<=${PRE_LENGTH}\\s+(?:${ADJ}\\s+)?)slides\\b)${POST_LENGTH}?`,
      apply,
    ),
    // "make the transitions smoother", "faster wipes": the same kind, longer or shorter.
    rule(
      `\\b(?:make\\s+)?(?:the\\s+)?(?:\\w+\\s+)?(?:(transitions?|crossfades?|dissolves?|wipes?)\\s+(smoother|softer|longer|slower|shorter|quicker|faster|snappier)|(smoother|softer|longer|slower|shorter|quicker|faster|snappier)\\s+(transitions?|crossfades?|dissolves?|wipes?))\\b`,
      (m, ctx) => {
        const t = ctx.state.transition;
        const noun = m[1] ?? m[4]!;
        if (/^wipe/.test(noun)) t.type = t.type.startsWith('wipe-') ? t.type : 'wipe-left';
        else if (/^(?:cross|dissolve)/.test(noun) || t.type === 'cut') t.type = 'crossfade';
        t.ms = /smoother|softer|longer|slower/.test(m[2] ?? m[3]!) ? Math.max(1000, t.ms * 2) : Math.max(200, t.ms / 2);
        return describe(t);
      },
      1,
    ),
  ],
};
