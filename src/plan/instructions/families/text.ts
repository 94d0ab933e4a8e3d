import { videoTime } from '../../../display.js';
import { COLOR, DET, end, Q, rule, T, type Context, type Family } from '../rules.js';
import type { Position, TextEdit } from '../state.js';

const TITLE = '(?:titles?(?:\\s+(?:card|screen|frame|slide|text|slate)s?)?|heading|headline|intro\\s+(?:text|card|title|screen|slide)|opening\\s+(?:title|card|text|screen))';
const BARE_INTRO = '(?:intro|opening)';
const BARE_OUTRO = '(?:outro|ending|closing)';
const TEXT = '(?:text(?:\\s+overlay)?|overlay\\s+text|tagline|slogan|label|banner|words|message|caption\\s+text|credits(?:\\s+text)?|sticker\\s+text)';
const LOWER = '(?:lower[- ]?thirds?|name\\s+(?:tag|title|card|strap)|chyron)';
const CTA = '(?:call[- ]to[- ]action(?:\\s+(?:text|card|screen))?|cta(?:\\s+text)?|final\\s+(?:card|screen|slide)|end\\s+(?:card|screen|slate|title)|outro\\s+(?:card|text|screen)|closing\\s+(?:card|screen|text|title))';
/** Up to three describing words ("ten-second animated"), never a verb, preposition or another noun. */
const ADJ = `(?:(?!(?:with|and|or|to|for|of|in|at|on|from|as|the|a|an|video|clip|music|then|add|put|make|show|that|this|it|no|not|without|any)\\b)(?:${T}|[\\p{L}-]+)\\s+){0,3}?`;
const VERB = '(?:(?:end|finish|close|start|open|begin)\\s+(?:it\\s+|the\\s+video\\s+)?with|add|put|show|display|overlay|write|include|insert|place|type|use|with|have|create|make|change|update|set|edit|need|want|extend|lengthen|shorten)';
/** How the words follow a text's noun: "saying", "that says", "of", ":", "to" (change the headline to …). */
const SAYS = '(?:(?:that|which)\\s+(?:says|reads|shows)|saying|says|say|reading|reads|showing|of|with\\s+the\\s+(?:words?|text)|with\\s+name|with|:|to|for|as)';
const LENGTH = `(?:(?:\\s+(?:longer|shorter))?,?\\s+(?:to|be|is|last|lasts|for|of|at)?\\s*(?:exactly\\s+|about\\s+)?${T}(?:\\s+long)?)?`;

/**
 * "Make sure the text is readable", "the text is in the captions file", "captions from the text I attached": a text
 * spoken of, with no verb that asks for one, is not a new text (its words are left for the notes to name).
 */
function spokenOf(m: RegExpExecArray, ctx: Context): boolean {
  // ("The title is 'Summer Sale'" gives the words.)
  if (/^\s+(?:is|are|should\s+be|will\s+be|reads?|says?)\s*:?\s*«/u.test(ctx.after(end(m)))) return false;
  return (
    /^\s+(?:is|are|was|were|should|must|needs?|looks?|looked|reads?|read|seems?|seemed|has|have|had|can|could|will|would|gets?|got|i|we|you)\b/u.test(ctx.after(end(m))) ||
    /\b(?:make\s+sure|ensure|check|see\s+that|from|using)\s+$/u.test(ctx.before(m.index))
  );
}

/** "The title read well", "the title looked small": said of a title seen before, not a request for one. */
function opinion(m: RegExpExecArray, ctx: Context): boolean {
  return /^\s+(?:was|were|looked|looks|read|seemed|seems|had|got)\b/u.test(ctx.after(end(m)));
}

/** Gives a text a length: it shows for that long, from the start unless it was placed. */
export function lasting(t: TextEdit, ms: number): string {
  t.durationMs = ms;
  if (t.at === 'all') t.at = 'start';
  return `text for ${videoTime(ms)}`;
}

/** The text a sentence speaks of ("the words should be white"): the last one there, which later words refine. */
function spokenText(ctx: Context): string | undefined {
  const last = ctx.state.texts.at(-1);
  if (!last) return undefined;
  ctx.text = last;
  ctx.topic = 'text';
  return '';
}

type Kind = 'title' | 'text' | 'lower' | 'cta';
/** Where a text's words were named: a match, or an empty one where a fade named "the title". */
type At = Pick<RegExpExecArray, 'index' | 0>;
const LABEL: Record<Kind, string> = { title: 'title', text: 'text', lower: 'lower third', cta: 'call to action' };

/** The new text's defaults by what it was called. */
function base(kind: Kind): Pick<TextEdit, 'kind' | 'at' | 'position' | 'startMs' | 'durationMs'> {
  switch (kind) {
    case 'title':
      return { kind: 'title', at: 'start', position: 'center', durationMs: 3000 };
    case 'lower':
      return { kind: 'text', at: 'time', startMs: 1000, durationMs: 5000, position: 'bottom-left' };
    case 'cta':
      return { kind: 'text', at: 'end', position: 'center', durationMs: 3000 };
    default:
      return { kind: 'text', at: 'all', position: 'bottom' };
  }
}

/** Finds the words for a text: quotes near it, words after "saying", a name after "for", capitals before it. */
function wordsFor(m: At, kind: Kind, ctx: Context): { text?: string; upTo: number } {
  const e = m.index + m[0].length;
  const after = ctx.after(e);
  const direct = new RegExp(`^\\s*(?:${SAYS}\\s+)?${Q}`, 'u').exec(after);
  if (direct) return { text: ctx.quote(direct[1]!), upTo: e + direct[0].length };
  // A quote just before the noun: 'Add a "Subscribe!" text overlay'.
  const before = new RegExp(`${Q}\\s+(?:[\\p{L}-]+\\s+)?$`, 'u').exec(ctx.before(m.index));
  const quoteStart = before ? m.index - ctx.before(m.index).length + before.index : -1;
  if (before && !ctx.consumed(quoteStart, quoteStart + before[0].indexOf('»') + 1)) {
    ctx.consume(quoteStart, quoteStart + before[0].length);
    return { text: ctx.quote(before[1]!), upTo: e };
  }
  // Quotes later in the same sentence ("with name "A" and title "B"": a lower third takes them all).
  const later = [...after.matchAll(new RegExp(Q, 'gu'))].filter((q) => !ctx.consumed(e + q.index, e + q.index + q[0].length));
  const clause = after.split(/,\s*(?:then\s+|and\s+)?(?:add|put|make|set|use|fade|trim|cut|remove|speed|slow|end|start)\b|;/)[0]!;
  const inClause = later.filter((q) => q.index < clause.length);
  if (inClause.length) {
    const taken = kind === 'lower' ? inClause : inClause.slice(0, 1);
    const last = taken.at(-1)!;
    const upTo = e + last.index + last[0].length;
    // The quote, and the "saying" / "that says" before it.
    const lead = new RegExp(`(?:${SAYS}\\s+)?$`, 'u').exec(after.slice(0, last.index))!;
    ctx.consume(kind === 'lower' ? e : e + lead.index, upTo);
    return { text: taken.map((q) => ctx.quote(q[1]!)).join(' · '), upTo: e };
  }
  // Unquoted words after a colon, to the end of the clause: "Title: Q3 Results", "a call to action: Subscribe for more!".
  const colon = /^\s*:\s*(?!⟨)([^,;.!?«⟨]*[\p{L}\d][^,;.!?«⟨]*?)\s*(?=[,;.!?]|$)/u.exec(after);
  if (colon) {
    const s = e + colon[0].indexOf(colon[1]!);
    ctx.consume(e, s + colon[1]!.length);
    return { text: ctx.original(s, s + colon[1]!.length), upTo: e };
  }
  // Unquoted words after "saying" / "that says" / a lower third's "for", up to a comma or a place or time phrase.
  const said = new RegExp(`^(.*?\\b(?:${kind === 'lower' ? 'for|with\\s+name|showing|' : ''}(?:that|which)\\s+(?:says|reads)|saying|reading|say)\\s+)([^,;.!?«⟨]+?)(?=\\s+(?:at|in|on|for|over|during|from|until|with)\\s+(?:the\\s+)?(?:⟨|top|bottom|cent|middle|start|beginning|end|first|last|whole|entire|\\d)|\\s+and\\s+(?:add|put|make|fade|then)\\b|[,;.!?]|$)`, 'u').exec(clause);
  if (said) {
    const s = e + said[1]!.length;
    const words = ctx.original(s, s + said[2]!.length);
    const verb = /\S+(?:\s+(?:says|reads|name))?\s+$/.exec(said[1]!)!;
    ctx.consume(e + verb.index, s + said[2]!.length);
    // "that says who is asking" describes the words rather than giving them.
    if (!/^(?:who|what|where|when|which|how|why|something|the\s+name)\b/i.test(words)) return { text: words, upTo: e };
  }
  // Capitals just before the noun: "a large DRAFT watermark text".
  const caps = /(?:^|\s)(\p{Lu}[\p{Lu}\d!?'-]+(?:\s+\p{Lu}[\p{Lu}\d!?'-]+)*)\s+(?:[\p{L}-]+\s+)?$/u.exec(ctx.original(Math.max(0, m.index - 40), m.index) + ' ');
  if (caps && caps[1]!.length > 1) return { text: caps[1], upTo: e };
  return { upTo: e };
}

/** Adds a text of `kind`, with its words if the instruction gives them, else the recipe's; exported for fades and logos. */
export function addText(m: At, kind: Kind, ctx: Context, lengthMs?: number, given?: string): string {
  const e = m.index + m[0].length;
  if (given === undefined && ctx.negated(m.index, e)) {
    const [label, is] = kind === 'title' ? ['titles', (t: TextEdit) => t.kind === 'title'] : ['texts', () => true];
    ctx.state.texts = ctx.state.texts.filter((t) => !is(t));
    ctx.consume(m.index, e);
    return `no ${label}`;
  }
  // 'Put "Grand Opening" as a big title', 'put "Our Story" up front as the title': the quoted words already placed
  // become that title.
  const as = new RegExp(`${Q}\\s+(?:[\\p{L}-]+\\s+){0,3}?as\\s+(?:an?\\s+|the\\s+)?(?:[\\p{L}-]+\\s+){0,2}$`, 'u').exec(ctx.before(m.index));
  if (given === undefined && as && ctx.text?.text === ctx.quote(as[1]!)) {
    Object.assign(ctx.text, base(kind), lengthMs ? { durationMs: lengthMs } : {});
    ctx.consume(m.index, e);
    return `"${ctx.text.text}" as a ${LABEL[kind]}`;
  }
  const { text, upTo } = given === undefined ? wordsFor(m, kind, ctx) : { text: given, upTo: e };
  // "Change the title to 'X'", "make the intro 5 seconds long": "the" names a text that is already there.
  const existing = /\bthe\s/.test(m[0]) && !/^(?:add|put|insert|include|create|write|show|display|overlay|use|with|have|place|type)\b/.test(m[0]) ? [...ctx.state.texts].reverse().find((t) => isKind(t, kind)) : undefined;
  if (existing) {
    if (text) Object.assign(existing, { text, from: undefined });
    if (lengthMs) existing.durationMs = lengthMs;
    ctx.consume(m.index, upTo);
    Object.assign(ctx, { text: existing, topic: 'text' });
    return `the ${LABEL[kind]} "${existing.text}"${text ? ' (new words)' : ''}${lengthMs ? ` for ${lengthMs / 1000} s` : ''}`;
  }
  const edit: TextEdit = { ...base(kind), color: 'white', text: text ?? (kind === 'cta' ? ctx.words.cta : ctx.words.title) };
  if (/^(?:end|finish|close)\b/.test(m[0]) && edit.at !== 'end') Object.assign(edit, { kind: 'text', at: 'end', durationMs: edit.durationMs ?? 3000 });
  // "At the end, flash 'Full episode on Spotify'": a time said before the text, at the start of its sentence.
  const lead = /^\s*(?:and\s+)?(?:at|in)\s+the\s+(end|start|beginning|opening)\s*,?\s*(?:please\s+)?(?:(?:i|we)(?:\s+want|'d\s+like|\s+would\s+like)?\s+)?$/.exec(ctx.before(m.index));
  if (lead) {
    Object.assign(edit, lead[1] === 'end' ? { kind: 'text', at: 'end' } : { at: 'start' }, { durationMs: edit.durationMs ?? 3000 });
    ctx.consume(m.index - lead[0].length, m.index);
  }
  if (!text) edit.from = kind === 'cta' ? ctx.words.ctaFrom : ctx.words.titleFrom;
  if (lengthMs) edit.durationMs = lengthMs;
  ctx.consume(m.index, upTo);
  ctx.state.texts.push(edit);
  ctx.text = edit;
  ctx.topic = 'text';
  return `${kind === 'title' ? edit.kind : LABEL[kind]} "${edit.text}"${edit.from ? ` (words from ${edit.from})` : ''}${lead ? ` at the ${edit.at}` : ''}`;
}

/** True when an existing text is what `kind` names. */
function isKind(t: TextEdit, kind: Kind): boolean {
  if (kind === 'title') return t.kind === 'title';
  if (kind === 'lower') return t.position === 'bottom-left';
  if (kind === 'cta') return t.at === 'end';
  return t.kind === 'text';
}

/** Refines the current text, or declines when this instruction has none. */
function refine(ctx: Context, change: (t: TextEdit) => string): string | undefined {
  return ctx.text ? change(ctx.text) : undefined;
}

function place(word: string): Position {
  const w = word.replace(/upper/, 'top').replace(/lower/, 'bottom').replace(/centre|middle|centered|centred/, 'center').replace(/\s+|-hand/g, '-');
  return (/^(top|bottom)-(left|right)$/.test(w) || ['top', 'bottom', 'center'].includes(w) ? w : 'center') as Position;
}

/** Titles, on-screen texts, lower thirds and calls to action, with their place, timing and colour. */
export const text: Family = {
  name: 'titles and text',
  summary: 'titles, texts, lower thirds and calls to action; words in any quotes, after "saying", or from the recipe',
  examples: [
    'add the title "Summer Sale" for the first 3 seconds',
    "add a title that says 'Day One'",
    'put text “Link in bio” at the bottom',
    'write "The End" over the last 2 seconds',
    'add a lower third for Priya Sharma',
    'add a call-to-action at the end',
    'make the intro 5 seconds long',
    'text in yellow at the top, at 0:05',
  ],
  words: ['title', 'text', 'overlay', 'headline', 'tagline', 'lower third', 'intro', 'outro', 'call to action', 'end card', 'saying', 'top', 'bottom', 'center'],
  rules: [
    rule(`\\b(${VERB}\\s+)?${DET}?${ADJ}${TITLE}${LENGTH}`, (m, ctx) => (m[1] || !opinion(m, ctx) ? addText(m, 'title', ctx, lengthOf(m)) : spokenText(ctx)), 1),
    // "put a screen saying 'Subscribe'", "a card with 'Thank you'": a text on a card (at the end when the sentence says so).
    rule(`\\b(?:${VERB}\\s+)?(?:an?|the|one)\\s+(?:[\\p{L}-]+\\s+)?(?:card|screen|slide)\\b(?=\\s+(?:saying|reading|that\\s+(?:says|reads)|with)\\s+${Q})`, (m, ctx) => addText(m, 'text', ctx)),
    // "Open with a card reading 'Just Listed'", "close on a black screen with our number", "finish on an agent contact
    // card": a card at either end.
    rule(`\\b(open|start|begin|end|finish|close|wrap\\s+up)(?:s|es|ed|ing)?\\s+(?:it\\s+|the\\s+video\\s+)?(?:with|on)\\s+${DET}?(?:[\\p{L}-]+\\s+){0,2}?(?:card|screen|slide|frame|slate)\\b${LENGTH}`, (m, ctx) =>
      addText(m, /open|start|begin/.test(m[1]!) ? 'title' : 'cta', ctx, lengthOf(m)), 1),
    rule(`\\b(?:add|make|create|have|include|insert|put|extend|lengthen|shorten|change|update|want|need|with|and)\\s+${DET}?${ADJ}${BARE_INTRO}\\b(?!\\.\\w)${LENGTH}`, (m, ctx) => addText(m, 'title', ctx, lengthOf(m)), 1),
    rule(`\\b(?:add|make|create|have|include|insert|put|extend|lengthen|shorten|change|update|want|need|with|and|tack|stick|slap|pop|throw|append)(?:\\s+on)?\\s+${DET}?${ADJ}${BARE_OUTRO}\\b(?!\\.\\w)${LENGTH}`, (m, ctx) => addText(m, 'cta', ctx, lengthOf(m)), 1),
    rule(`\\b(${VERB}\\s+)?${DET}?${ADJ}${TEXT}${LENGTH}`, (m, ctx) => (m[1] || !spokenOf(m, ctx) ? addText(m, 'text', ctx, lengthOf(m)) : spokenText(ctx))),
    rule(`\\b(?:${VERB}\\s+)?${DET}?${ADJ}${LOWER}`, (m, ctx) => addText(m, 'lower', ctx), 1),
    rule(`\\b(?:${VERB}\\s+)?${DET}?${ADJ}${CTA}${LENGTH}`, (m, ctx) => addText(m, 'cta', ctx, lengthOf(m)), 1),
    // A verb and quoted words with no noun: 'write "The End"', 'put "SALE" at 0:03'.
    rule(`\\b(?:write|type|put|show|display|overlay|add|print|say|slap|stick|pop|throw|tack|flash)\\s+(?:(?:the|our|my|a|an)\\s+(?:(?!(?:title|heading|headline|intro|outro|opening|closing|text|captions?|subtitles?|banner|label|tagline|slogan|words|message|call|cta|end|lower|card|screen|overlay)\\b)[\\p{L}-]+\\s+){0,2}?)?${Q}`, (m, ctx) => addText(m, 'text', ctx, undefined, ctx.quote(m[1]!))),
    // Start and end texts: 'end with "Shop now"', 'start with "Hello"'.
    rule(`\\b(end|finish|close|start|open|begin)\\s+(?:it\\s+|the\\s+video\\s+)?with\\s+(?:the\\s+|a\\s+)?(?:title\\s+|text\\s+|words\\s+)?${Q}`, (m, ctx) =>
      addText(m, /end|finish|close/.test(m[1]!) ? 'cta' : 'title', ctx, undefined, ctx.quote(m[2]!))),

    // Where in time.
    // (Or bare after a text: 'text "Sale" center, first 5s'.)
    rule(`\\b(?:for|over|during|in|to|on|across)\\s+the\\s+(first|last|final|opening|closing)\\s+${T}|(?<=»[^.;]{0,40},\\s)(first|last|final|opening|closing)\\s+${T}`, (m, ctx) =>
      refine(ctx, (t) => {
        const [edge, ms] = m[1] ? [m[1], Number(m[2])] : [m[3]!, Number(m[4])];
        Object.assign(t, { at: /first|opening/.test(edge) ? 'start' : 'end', durationMs: ms });
        if (t.kind === 'title' && t.at === 'end') t.kind = 'text';
        return `text for the ${edge} ${videoTime(ms)}`;
      })),
    // A text given a length shows for that long, from the start unless it was placed.
    rule(`\\b(?:for|lasting|last|lasts|stays?\\s+(?:on\\s+)?(?:screen\\s+)?for|held\\s+for|keep\\s+(?:it|them)\\s+(?:up\\s+|on\\s+(?:screen\\s+)?)?for)\\s+(?:about\\s+|just\\s+|only\\s+|exactly\\s+)?${T}`, (m, ctx) =>
      refine(ctx, (t) => lasting(t, Number(m[1])))),
    rule(`\\b(?:fade|take|remove|hide)\\s+(?:it|the\\s+(?:text|title))\\s+(?:out\\s+|away\\s+|off\\s+)?after\\s+${T}|\\b(?:disappears?|goes\\s+away|ends?)\\s+after\\s+${T}`, (m, ctx) =>
      refine(ctx, (t) => {
        t.durationMs = Number(m[1] ?? m[2]) - (t.startMs ?? 0);
        if (t.at === 'all') t.at = 'start';
        return `text until ${videoTime(Number(m[1] ?? m[2]))}`;
      })),
    rule(`\\b(?:at|from|after|starting\\s+at)\\s+(?:the\\s+)?${T}(?:\\s+(?:mark|in|point))?|${T}\\s+in\\b`, (m, ctx) =>
      refine(ctx, (t) => {
        Object.assign(t, { at: 'time', startMs: Number(m[1] ?? m[2]) });
        t.durationMs ??= 3000;
        if (t.kind === 'title') t.kind = 'text';
        return `text from ${videoTime(t.startMs!)}`;
      })),
    // (Not what goes with transitions or music: "dissolves throughout".)
    rule(`(?<!\\b(?:dissolves?|crossfades?|fades?|transitions?|cuts|music|track|logo)\\s)\\b(?:throughout|the\\s+whole\\s+(?:video|time)|the\\s+entire\\s+video|all\\s+the\\s+time|the\\s+full\\s+video)\\b`, (_m, ctx) =>
      refine(ctx, (t) => ((t.at = 'all'), (t.durationMs = undefined), 'text for the whole video'))),
    rule(`\\b(?:at|in|to|towards?|on)\\s+the\\s+(start|beginning|begin|end|close|finish)(?:\\s+of\\s+the\\s+video)?\\b|\\bbefore\\s+the\\s+(?:\\w+\\s+){0,3}?(?:starts?|begins?|slideshow|video)\\b|\\bup\\s*front\\b`, (m, ctx) =>
      refine(ctx, (t) => {
        const atEnd = /end|close|finish/.test(m[1] ?? '');
        t.at = atEnd ? 'end' : 'start';
        t.durationMs ??= 3000;
        if (atEnd && t.kind === 'title') t.kind = 'text';
        return `text at the ${atEnd ? 'end' : 'start'}`;
      })),

    // Where in the frame, and how it looks.
    rule(`\\b(?:at|on|in|to|into|near|along)\\s+(?:the\\s+)?(top|bottom|upper|lower)[- ]?(left|right)(?:[- ]hand)?(?:\\s+(?:corner|position|side))?|\\b(?:at|on|in|to|near|along|across)\\s+(?:the\\s+)?(top|bottom|center|centre|middle)(?:\\s+of\\s+the\\s+(?:frame|screen|video|picture))?\\b|\\b(centered|centred|in\\s+the\\s+centre)\\b|\\bup\\s+(top)\\b|\\bdiagonally\\b|(?:^|(?<=[,;:»]\\s?))(?:the\\s+)?(top|bottom|center|centre|middle)\\s+of\\s+(?:the\\s+)?(?:frame|screen|video|picture)\\b`, (m, ctx) => {
      const where = m[1] ? place(`${m[1]} ${m[2]}`) : place(m[3] ?? m[6] ?? m[4] ?? m[5] ?? 'center');
      if (ctx.topic === 'text' && ctx.text) return (ctx.text.position = where), `text at the ${where}`;
      if (ctx.topic === 'captions') return (ctx.state.captions.position = where.startsWith('top') ? 'top' : where.startsWith('bottom') ? 'bottom' : 'center'), `captions at the ${ctx.state.captions.position}`;
      if (ctx.topic === 'logo' && m[1]) return (ctx.state.logo.position = where as typeof ctx.state.logo.position), `logo in the ${where} corner`;
      return refine(ctx, (t) => ((t.position = where), `text at the ${where}`));
    }),
    // Quoted words with a place on screen and no verb: 'the address "22 Harbour View" at the top of the screen'.
    rule(`${Q}(?=\\s+(?:(?:at|on|in|across|along)\\s+the\\s+(?:very\\s+)?(?:top|bottom|center|centre|middle|screen|frame)|on\\s+screen|cent(?:er|re)d|up\\s+top)\\b)`, (m, ctx) => addText(m, 'text', ctx, undefined, ctx.quote(m[1]!))),
    // "write something at the end thanking everyone", "write the names of the couple at the bottom": a text whose
    // words are not given (the recipe's, as for a title asked for without words; the note says so).
    rule(`(?<!\\b(?:we|i|they|he|she|it)\\s)\\b(?:write|put|add|pop)\\s+(?:up\\s+)?(?:something|some\\s+(?:text|words)|a\\s+(?:line|message|note)|the\\s+(?:names?|date|address|price|location)(?:\\s+of\\s+(?:the\\s+|our\\s+|my\\s+)?[\\p{L}-]+)?)\\b`, (m, ctx) => addText(m, 'text', ctx)),
    // "the intro was too long, make it 2 seconds": the title judged, and the time it is given.
    rule(`\\b(?:the\\s+)?(?:intro|title(?:\\s+card)?|opening\\s+(?:card|title))\\s+(?:is|was|feels|felt|looks|looked)\\s+(?:(?:way|a\\s+bit|a\\s+little|far|much|kind\\s+of|kinda)\\s+)?too\\s+(?:long|short)\\b(?:\\s*[,;:-]?\\s*(?:so\\s+|just\\s+|please\\s+)?make\\s+it\\s+(?:exactly\\s+|about\\s+|around\\s+|just\\s+|only\\s+)?${T}(?:\\s+long)?)?`, (m, ctx) => {
      const added = ctx.state.texts.some((t) => t.kind === 'title') ? '' : addText(m, 'title', ctx);
      ctx.text = ctx.state.texts.find((t) => t.kind === 'title');
      ctx.topic = 'text';
      return [added, m[1] ? lasting(ctx.text!, Number(m[1])) : ''].filter(Boolean).join('; ');
    }),
    // "hold 2 seconds": how long the text just named stays.
    rule(`\\bhold(?:s|ing)?\\s+(?:it\\s+|them\\s+)?(?:for\\s+)?${T}`, (m, ctx) => (ctx.topic === 'text' && ctx.text ? lasting(ctx.text, Number(m[1])) : undefined)),
    // A place said right after the words: "add text 'Sale' bottom".
    rule(`(?<=»\\s?,?\\s?)(top|bottom|center|centre|middle)\\b(?!\\s+(?:of|left|right)\\b)`, (m, ctx) =>
      ctx.topic === 'text' && ctx.text ? ((ctx.text.position = place(m[1]!)), `text at the ${ctx.text.position}`) : undefined),
    rule(`\\b(?:in|colou?red|colou?r\\s+(?:to|of|=|:)?|(?:should|must|to|will)\\s+be)\\s*${COLOR}|\\b${COLOR}(?=\\s+(?:text|letters|font|title|words))`, (m, ctx) =>
      refine(ctx, (t) => ((t.color = (m[1] ?? m[2])!), `text in ${t.color}`))),
    rule(`\\b(?:in\\s+)?(?:a\\s+)?(?:big|large|huge|small|tiny|bold)\\s+(?:font|letters|type)\\b`, (_m, ctx) => refine(ctx, () => '')),
  ],
};

function lengthOf(m: RegExpExecArray): number | undefined {
  const t = /⟨(\d+)⟩/.exec(m[0]);
  return t ? Number(t[1]) : undefined;
}
