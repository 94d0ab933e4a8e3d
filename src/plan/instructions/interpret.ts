import { suggest } from '../../suggest.js';
import { FAMILIES } from './families/index.js';
import { execAll, normalize, original, type Normalized } from './normalize.js';
import type { Context, RecipeWords, Rule } from './rules.js';
import { initialState, type EditState, type InstructionNote, type Unplaced } from './state.js';

/** Words that carry no instruction of their own ("turn these images into a promotional video"). */
const FILLER = new Set(
  `a an the these this those that it its it's them their they my our your into to in on at of for with and or then also please
  make create turn turning build produce generate give me us video videos film movie promo promotional product products
  image images photo photos picture pictures pics slide slides slideshow shot shots still stills footage file files all each
  every some just using use from as be is are was were should nice quick final finished ad clip clips look good great simple
  new one i want would place play playing but though however i'd i'll we'd you'd any stick slap throw crop reframe overlay hey hi hello u pls plz vid w possible thanks thank ok okay short teaser trailer highlight montage compilation recap spot vlog sequence resolution too well like can could you so by out up put add show have has let lets let's together combine combined
  between apply applied set change convert converted export render output version make it's i'm im we will need needs
  need please same rule only exactly about around slightly bit little more less very really also do does did get got
  into onto over under while when where there here what which who how both other another next first last one's
  effect effects style mode format resize resized scale frame frames size sized overall whole entire entire everything
  thing things way something either actually sorry oops called named entitled`.split(/\s+/),
);

/** Negations whose scope reaches a few words ahead: "no zoom", "don't want to see the hard cuts", "turn off the". */
const NEGATION = /(\bno|\binstead of|\bnot interested in|\bno need for|\bnot (?:really )?(?:a |much of a )?(?:big |huge )?fan of|\bnot|\bnon|\bwithout|\b\w+n't|\bdont|\bnever|\bneither|\bnor|\bdisable|\bturn off|\bswitch off|\bget rid of|\bremove|\bdrop|\bskip|\bavoid|\bstop|\bkill|\bmute|\blose|\bdelete|\bstrip|\bleave out|\bleave off|\bcut(?!\s+(?:to|at|down|from|between|in|out\s+to)\b))\b/g;
const SCOPE = /^(?:\s+[^\s,;.!?]+){0,4}\s*$/;
/** The last negation of a clause whose scope reaches its end ("no title and no logo": the second). */
function lastNegation(clause: string): RegExpExecArray | null {
  let last: RegExpExecArray | null = null;
  for (const m of clause.matchAll(NEGATION)) if (SCOPE.test(clause.slice(m.index + m[0].length))) last = m as RegExpExecArray;
  return last;
}
/** Between two things of one negated list ("no title or logo", "no music, logo or captions"); not "and": "no music and a logo". */
const LIST_JOIN = /^\s*,?\s*(?:or|nor)?\s*(?:an?\s+|the\s+|any\s+)?$/;
/**
 * Negations said after the thing: "transitions off", "music disabled", "transitions, leave them out", "the logo can
 * go", "music is not needed", "transitions: none".
 */
const NEGATION_AFTER =
  /^\s+(?:off|disabled|muted)\b|^\s*,?\s+(?:leave|keep|take)\s+(?:them|it|those|these|that)\s+out\b|^\s+(?:can|could|has\s+to|have\s+to|needs\s+to|must|should)\s+go\b(?!\s+(?:up|down|on|in|louder|quieter|faster|slower|to|at|for|with|under|over|back|from|between|first|last)\b)|^\s+(?:is|are)(?:\s+not|n't)\s+needed\b|^\s+not\s+needed\b|^\s*:\s*(?:none|off|no)\b/;
const SENTENCE_END = /[.;!?](?=\s|$)/g;
/**
 * A question about something rather than a request for it ("can you explain what a crossfade is?", "does it do
 * 4K?", "why is there a logo?"); "how about a crossfade?", "how do I make it vertical?", "is it possible to add
 * music?" and "can you add music?" ask for it.
 */
const QUESTION =
  /^\s*(?:(?:so|and|but|also|hmm|ok|okay|wait|hey|hi|hello|quick\s+q(?:uestion)?|question|out\s+of\s+curiosity|just\s+curious|curious|btw|by\s+the\s+way|fyi)[\s,:;–—-]+)*(?:(?:what|why|how|which|when|where|who)\b(?!\s+(?:about|not|if|to|do\s+i|do\s+we|can\s+i|can\s+we|would\s+i|should\s+i)\b|(?:'s|\s+is)\s+the\s+(?:best\s+|easiest\s+)?way\b)|(?:does|do|did|is|are|was|were|will|has|have)\s+(?:it|this|that|nemo-run|the\s+(?:tool|app|program)|there|you)\b(?!\s+(?:possible|ok|okay|alright)\b)|(?:can|could|would)\s+you\s+(?:explain|tell|describe|remind|show\s+me\s+how)\b|(?:can|could)\s+(?:it|nemo-run|(?:the|this)\s+(?:tool|app|program|thing))\s+(?:do|support|handle|read|understand|work|speak)\b)[^?]*\?$/;

/**
 * A question that asks what the tool can do, whatever its opening: "is it possible to add a crossfade, or is that a
 * premium feature?", "how would I make it vertical on my own phone, out of interest?".
 */
const CURIOUS =
  /(?:\b(?:or|and)\s+(?:is|does|would|will)\s+(?:that|it|this)\s+(?:a\s+)?(?:premium|paid|pro|extra|cost|need|require)\w*\b|[,\s](?:out\s+of\s+(?:interest|curiosity)|just\s+curious|for\s+future\s+reference)|\b(?:can|could)\s+(?:you|it|this)\s+(?:even|actually|really)\s+(?:do|handle|support|export|render|make)\b)[^?]*\?$|^\s*(?:idk|i\s+don't\s+know|not\s+sure)\s+(?:if|whether)\b/;

/**
 * A sentence about an earlier version that asks for nothing ("the square version you did last week got loads of
 * likes", "the last version had the title card up for 10 seconds and I liked that"): read as a question is.
 */
const EARLIER =
  /\b(?:the|our|my|your|that)\s+(?:last|previous|old|earlier|other)\s+(?:version|cut|edit|video|draft|reel)\b|\b(?:the|that)\s+(?:[a-z\d:-]+\s+)?(?:one|bit|part|section|moment)\s+(?:was|were|got|had|looked|made|slapped|went|worked|did|came|ran|hit|flopped|killed|popped)\b|\b(?:version|cut|edit|video|one)\s+(?:you|we)\s+(?:did|made|sent|posted|delivered)\b/;
/** What makes such a sentence a request after all: a verb that begins a clause ("…, now make it square"), or a wish. */
const REQUEST =
  /(?:^|[,;:]\s*|\b(?:please|pls|and|then|now|just|so)\s+)(?:make|add|put|use|change|set|cut|trim|remove|keep|turn|give|try|go|do|show|play)\b|\b(?:please|pls|let's|should|could|can|would|will|want|need|again|this\s+time)\b/;

/** What a sentence that asks for nothing is, said in its note; undefined for a request. */
function notARequest(sentence: string): string | undefined {
  if (QUESTION.test(sentence) || CURIOUS.test(sentence)) return 'a question';
  return EARLIER.test(sentence) && !REQUEST.test(sentence) ? 'about an earlier version' : undefined;
}

const RULES: Rule[] = FAMILIES.flatMap((f) => f.rules);
const VOCABULARY = [...new Set(FAMILIES.flatMap((f) => f.words))];

/** Interprets one instruction against the state (mutating it); returns what it did and what it could not place. */
export function interpretInstruction(instruction: string, state: EditState, words: RecipeWords): InstructionNote {
  const n = normalize(instruction);
  const placed = new Uint8Array(n.text.length);
  const unsupported: string[] = [];
  const ctx = contextFor(n, state, words, placed, unsupported);
  const did = [...n.respelled.map(({ word, meant }) => `read "${word}" as "${meant}"`), ...applyMatches(matchesOf(n.text), ctx)];
  const unplaced = leftovers(n.text, placed).map(({ word, at }): Unplaced => {
    const asWritten = word.startsWith('«') ? `"${ctx.quote(word.slice(1, -1))}"` : word.startsWith('⟨') ? original(n, at, at + word.length) : word;
    const guess = /^\p{L}{4,}$/u.test(word) ? suggest(word, VOCABULARY) : undefined;
    const suggestion = guess !== word ? guess : undefined;
    return { word: asWritten, index: n.map[at]!, ...(suggestion ? { suggestion } : {}) };
  });
  const guessed = n.respelled.map(({ word, meant, index }) => ({ word, index, suggestion: meant }));
  return { instruction, did, unsupported, notUnderstood: unplaced.map((u) => u.word), unplaced, guessed };
}

interface Match {
  r: Rule;
  m: RegExpExecArray;
}

/**
 * V8 runs a pattern's first match in its bytecode interpreter and compiles it to machine code only for the next one,
 * except on a subject of 1,000 characters or more, where it compiles at once; Latin-1 and wider text compile apart.
 * The rules are large alternations that the interpreter runs slowly: the seed's five instructions took 260 ms on first
 * use, and 80-115 ms with this. So the first text of each width runs every rule once over a blank line of that length.
 */
const compiled = new Set<boolean>();
function compileRules(wide: boolean): void {
  if (compiled.has(wide)) return;
  compiled.add(wide);
  const blank = ' '.repeat(999) + (wide ? '⟨' : ' ');
  for (const { re } of RULES) {
    re.test(blank);
    re.lastIndex = 0;
  }
}

const span = ({ m }: Match): [number, number] => [m.index, m.index + m[0].length];

/** Every match of every rule, best first: the longer match, then the higher priority, then the earlier. */
function matchesOf(text: string): Match[] {
  compileRules(/[^\x00-\xff]/.test(text));
  const found = RULES.flatMap((r) => execAll(r.re, text).filter((m) => m[0].trim()).map((m) => ({ r, m })));
  return found.sort((a, b) => b.m[0].length - a.m[0].length || b.r.priority - a.r.priority || a.m.index - b.m.index);
}

/**
 * Overlapping matches go to the best one; the chosen ones apply in the order of the words, so later words refine
 * earlier ones. A match that declines (a text's timing words with no text) gives way to the next best reading of
 * its words.
 */
function applyMatches(found: Match[], ctx: Context): string[] {
  const taken = new Uint8Array(ctx.n.text.length);
  const free = (f: Match) => !taken.subarray(...span(f)).some((v) => v === 1);
  const chosen = found.filter((f) => free(f) && (taken.fill(1, ...span(f)), true)).sort((a, b) => a.m.index - b.m.index);
  const did: string[] = [];
  const questions: [number, number, string][] = [];
  let sentence = -1;
  let asked: string | undefined;
  for (const first of chosen) {
    const [s, e] = span(first);
    if (ctx.consumed(s, e)) continue;
    // "It" and a bare "fade out" refer to what this sentence named.
    const start = s - ctx.before(s).length;
    const stop = e + ctx.after(e).length + 1;
    if (start !== sentence) {
      (sentence = start), (ctx.previousTopic = ctx.topic ?? ctx.previousTopic), (ctx.topic = undefined);
      asked = notARequest(ctx.n.text.slice(start, stop));
    }
    // A question is read for what it names ("it" in the next sentence), on a copy of the state: it changes nothing.
    if (asked && !questions.some(([a]) => a === start)) questions.push([start, stop, asked]);
    taken.fill(0, s, e);
    const state = ctx.state;
    if (asked) ctx.state = structuredClone(state);
    for (const f of [first, ...found.filter((f) => f !== first && overlaps(span(f), [s, e]) && free(f))]) {
      const what = f.r.apply(f.m, ctx);
      if (what === undefined) continue;
      ctx.consume(...span(f));
      taken.fill(1, ...span(f));
      if (what && !asked) did.push(what);
      break;
    }
    ctx.state = state;
  }
  for (const [start, stop, asked] of questions) did.push(`${asked}, not a request: "${ctx.original(start, stop)}" (nothing changed)`), ctx.consume(start, stop);
  return did;
}

/** What rules see of one instruction; `placed` marks the characters some rule has read. */
function contextFor(n: Normalized, state: EditState, words: RecipeWords, placed: Uint8Array, unsupported: string[]): Context {
  const text = n.text;
  const sentenceStart = (at: number) => Math.max(0, ...[...text.slice(0, at).matchAll(SENTENCE_END)].map((m) => m.index + 1));
  const sentenceEnd = (at: number) => {
    SENTENCE_END.lastIndex = at;
    const found = SENTENCE_END.exec(text);
    // (matchAll starts where the pattern's lastIndex is.)
    SENTENCE_END.lastIndex = 0;
    return found?.index ?? text.length;
  };
  // Where each thing negated so far ends: the next one of the same list is negated too, however far the negation
  // ("not interested in a title card or a logo").
  const negatedEnds: number[] = [];
  const clauseBefore = (start: number) => text.slice(sentenceStart(start), start).split(/,|\bthen\b|\bbut\b|\bexcept\b|\binstead\b(?!\s+of)|\bwith\b|\band\b(?=\s+(?:add|put|make|use|set))/).at(-1)!;
  return {
    state,
    n,
    words,
    quote: (i) => n.quotes[Number(i)] ?? '',
    negated: (start, end) => {
      const clause = clauseBefore(start);
      let before = lastNegation(clause);
      // "no Ken Burns on the logo": a negation governs the nearest thing named, not one past it; but all of a list
      // ("no title or logo").
      const from = before ? start - clause.length + before.index + before[1]!.length : start;
      const lastPlaced = placed.subarray(from, start).lastIndexOf(1);
      if (lastPlaced >= 0 && !LIST_JOIN.test(text.slice(from + lastPlaced + 1, start))) before = null;
      const after = NEGATION_AFTER.exec(text.slice(end));
      // The negation's own words are placed with what they negate.
      if (before) placed.fill(1, start - clause.length + before.index, start - clause.length + before.index + before[1]!.length);
      if (after) placed.fill(1, end, end + after[0].length);
      const listed = negatedEnds.some((e) => e <= start && LIST_JOIN.test(text.slice(e, start)));
      if (before || after || listed) negatedEnds.push(end);
      return Boolean(before || after || listed);
    },
    before: (start) => text.slice(sentenceStart(start), start),
    after: (end) => text.slice(end, sentenceEnd(end)),
    original: (start, end) => original(n, start, end),
    consume: (start, end) => placed.fill(1, start, end),
    consumed: (start, end) => placed.subarray(start, end).some((v) => v === 1),
    consumeWord: (re, start) => {
      const before = text.slice(sentenceStart(start), start);
      for (const found of before.matchAll(new RegExp(re.source, 'g'))) placed.fill(1, start - before.length + found.index, start - before.length + found.index + found[0].length);
    },
    unsupported: (message) => void (unsupported.includes(message) || unsupported.push(message)),
  };
}

function overlaps([a, b]: [number, number], [c, d]: [number, number]): boolean {
  return a < d && c < b;
}

/** The words no rule placed, with their offsets in the normalized text. */
function leftovers(text: string, placed: Uint8Array): { word: string; at: number }[] {
  const out: { word: string; at: number }[] = [];
  for (const m of text.matchAll(/«\d+»|⟨\d+⟩|[\p{L}\p{N}][\p{L}\p{N}'’#:./-]*/gu)) {
    if (placed.subarray(m.index, m.index + m[0].length).some((v) => v === 1)) continue;
    const word = m[0].replace(/[.:/-]+$/, '');
    if (!word || FILLER.has(word) || /^[\d.]+$/.test(word) || /^[\d.]+(?:x|%|p|fps)$/.test(word)) continue;
    out.push({ word, at: m.index });
  }
  return out;
}


/** Interprets the instructions in order; later ones refine earlier ones, as a person editing would. */
export function interpretInstructions(instructions: string[], words: RecipeWords): { state: EditState; notes: InstructionNote[] } {
  const state = initialState();
  const notes = instructions.map((text) => interpretInstruction(text, state, words));
  return { state, notes };
}
