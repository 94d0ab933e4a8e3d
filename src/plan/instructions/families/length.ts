import { videoTime } from '../../../display.js';
import { DET, end, ITEM, rule, T, type Context, type Family } from '../rules.js';
import { original } from '../normalize.js';
import { lasting } from './text.js';

// A length and a time per item can both hold: the stills take their time and the clips fill the rest. With stills
// alone they disagree, and the one said last wins (see timeline.ts).
function total(ctx: Context, ms: number, limit = false): string | undefined {
  // (No video is 0 s long: "0:00" is a moment.)
  if (ms <= 0) return undefined;
  Object.assign(ctx.state, { totalMs: ms, totalIsLimit: limit, lengthSaidLast: 'total' });
  return `length ${limit ? 'at most ' : ''}${videoTime(ms)}`;
}

/** The time per item; a word of pace ("snappier") gives way to a length said before it. */
export function perItem(ctx: Context, ms: number, pace = false): string {
  if (pace && ctx.state.totalMs !== undefined) return `${videoTime(ms)} per item where the length leaves room`;
  Object.assign(ctx.state, { perItemMs: ms, lengthSaidLast: 'perItem' });
  return `${videoTime(ms)} per item`;
}

const NOUN = '(?:video|version|clip|reel|edit|slideshow|slide\\s*show|montage|promo|teaser|trailer|ad|advert|commercial|story|short|film|movie|compilation|recap|highlights?|cut|spot|vlog|sequence)';
/** Time words that make a number a moment or a span of something else, not the length of the video (nor a hedged amount read without its hedge). */
const NOT_LENGTH = '(?<!\\b(?:at|after|before|from|over|for|every|until|till|by|in|of|first|last|final|next|starting|start|lasting|past|mark|and|between|to|off)\\s|≈)';

/** The video's total length, and how long each item shows. */
export const length: Family = {
  name: 'length',
  summary: 'the total length (an exact length or an upper bound) and the time per item',
  examples: ['a 30-second video', 'cut it down to 1:30', 'make it under a minute', '90 seconds or less', '1 minute 30 seconds long', 'about 45 seconds in total', '4 seconds per photo', 'make each one 6 seconds', 'a new slide every 8 seconds', 'the slides are too fast'],
  words: ['seconds', 'minute', 'long', 'length', 'duration', 'under', 'per', 'each'],
  rules: [
    rule(`\\b(?:make|cut|trim|shorten|edit|reduce|bring|get|keep|cap|limit|crop|condense|compress|turn)\\s+(?:(?:the|this|that|my|our)\\s+(?:\\w+\\s+)?(?:video|clip|whole\\s+thing|edit|slideshow|film|reel|runtime|running\\s+time|length|duration)|it|this|that|everything|them)?\\s*(?:down\\s+)?(?:to|at|into)\\s+(?:exactly\\s+|just\\s+|only\\s+)?(?:an?\\s+)?${T}(?!\\s*(?:from|of|off|starting|in\\b|(?:-|–|to|until|through)\\s*≈?⟨))(?:\\s+long)?`, (m, ctx) => total(ctx, Number(m[1]))),
    rule(`\\b(?:under|below|less\\s+than|at\\s+most|no\\s+(?:more|longer)\\s+than|max(?:imum)?(?:\\s+of)?|up\\s+to|within|shorter\\s+than|not\\s+exceed(?:ing)?)\\s+(?:an?\\s+)?${T}`, (m, ctx) => total(ctx, Number(m[1]), true)),
    rule(`${T},?\\s+(?:or\\s+(?:less|shorter|under)|max(?:imum)?|at\\s+most|tops|or\\s+so\\s+max|no\\s+(?:more|longer))\\b`, (m, ctx) => total(ctx, Number(m[1]), true)),
    rule(`(?:\\b(?:length|duration|runtime|running\\s+time)\\s*(?:of\\s+|to\\s+|is\\s+|should\\s+be\\s+|=|:)?\\s*)${T}`, (m, ctx) => total(ctx, Number(m[1]))),
    // "a 30-second promotional video": only the number is taken, so "vertical" in "a 6-second vertical video" is read too.
    rule(`${NOT_LENGTH}${T}(?=(?:\\s+long)?\\s+(?:(?!(?:of|for|with|and|to)\\b)[\\p{L}-]+\\s+){0,3}?${NOUN}\\b(?!\\.\\w))`, (m, ctx) => total(ctx, Number(m[1]))),
    rule(`${NOT_LENGTH}${T}\\s+long\\b`, (m, ctx) => total(ctx, Number(m[1]))),
    rule(`${NOT_LENGTH}${T}\\s+of\\s+(?:[\\p{L}-]+\\s+){0,2}?(?:${ITEM}|b-roll|content|highlights|action)\\b`, (m, ctx) => total(ctx, Number(m[1]))),
    // A bare length with nothing else to claim it ("30s promo" is caught above; "make it 30 seconds").
    rule(`\\b(?:make|have|keep|get)\\s+(?:it|this|him|her|(?:the|this|my)\\s+(?:\\w+\\s+)?(?:video|vid|clip|edit|slideshow|reel|film|thing|final\\s+cut))\\s+(?:exactly\\s+|about\\s+|around\\s+|just\\s+|only\\s+)?${T}(?:\\s+long)?|\\b(?:it|the\\s+video|this)\\s+should\\s+(?:be|last)\\s+(?:about\\s+|around\\s+)?${T}(?:\\s+long)?|(?<!\\bfor\\s)\\b(?:it's|just|only)\\s+${T}(?:\\s+long)?`, (m, ctx) => total(ctx, Number(m[1] ?? m[2] ?? m[3]))),
    // A bare length in a clause of its own; after a text of the same sentence ("title 'Hi', 3 seconds"), the text's.
    // A clause that is only an amount of time, as briefs list what they want ("Recap for Facebook. 45 seconds, photos in
    // order"): the text's when a text was just named, else the video's. Not a clock time ("00:00 – no fade in" is where
    // a review note was left), nor the time of the music or a clip.
    rule(`(?:^|(?<=[.,;:]\\s*))(?:exactly\\s+)?${T}(?:\\s+(?:long|total|in\\s+total))?(?=\\s*(?:[,.;!?]|$))`, (m, ctx) => {
      if (!/\p{L}/u.test(original(ctx.n, m.index, end(m))) || ['music', 'clip', 'captions'].includes(ctx.topic ?? '')) return undefined;
      return ctx.topic === 'text' && ctx.text ? lasting(ctx.text, Number(m[1])) : total(ctx, Number(m[1]));
    }),
    // "the teaser needs to be 15 seconds", "the whole reel comes in at 45 seconds", "wrap the video up at 30 seconds".
    rule(`\\b(?:${NOUN}|it|vid|thing)\\s+(?:\\w+\\s+){0,1}?(?:needs?\\s+to\\s+be|should\\s+be|must\\s+be|has\\s+to\\s+be|have\\s+to\\s+be|comes?\\s+in\\s+at|clocks?\\s+in\\s+at|come\\s+out\\s+at|up\\s+at)\\s+(?:exactly\\s+|just\\s+|only\\s+|under\\s+)?${T}(?!\\s*(?:from|of|off|into|in\\b|mark|starting))|\\b(?:finished|final|whole|complete|full)\\s+(?:${NOUN}|vid|thing)\\s+(?:at|to|is|=)\\s+(?:exactly\\s+|just\\s+)?${T}`, (m, ctx) => total(ctx, Number(m[1] ?? m[2]))),
    rule(`\\b(?:to|should|will|must|it|video)\\s+(?:last|run|play)\\s+(?:for\\s+)?(?:exactly\\s+|about\\s+|around\\s+|just\\s+)?${T}`, (m, ctx) => total(ctx, Number(m[1])), -1),
    rule(`${NOT_LENGTH}≈${T}`, (m, ctx) => total(ctx, Number(m[1]))),
    // "45 seconds total", "a minute and a half overall", "aim for 30 seconds".
    rule(`${T}\\s+(?:in\\s+)?(?:total|overall|altogether|all\\s+in|end\\s+to\\s+end)\\b|\\b(?:aim|aiming|target|targeting)\\s+(?:for\\s+)?(?:an?\\s+)?${T}`, (m, ctx) => total(ctx, Number(m[1] ?? m[2]))),
    // "shorter, 40 seconds max": the number says how much; alone, the word is not enough to act on.
    rule(`\\b(?:shorter|longer|tighter)\\b(?=.*⟨)`, () => ''),
    // Numbers that describe an input are not targets: "a 30 minute recording", "a sound of 20 seconds".
    rule(`\\b(?:of|from|with|using)\\s+(?:my|our|the|these|those|all\\s+(?:my|our|the))\\s+(?:[\\p{L}-]+\\s+){0,2}?(?:photos|images|pictures|pics|clips|videos|footage|shots|snaps)\\b`, () => ''),
    rule(`${T}\\s+(?:[\\p{L}-]+\\s+){0,1}?(?:recording|footage|song|track|audio|sound|file|input|original|source|raw|podcast|stream|interview|lecture|webinar)\\b|\\b(?:recording|footage|song|track|audio|sound|video|file|clip)\\s+(?:of|is|that's|that\\s+is|lasting|which\\s+is)\\s+(?:about\\s+)?${T}`, () => ''),

    rule(`${T}\\s+(?:per|each|for\\s+each|for\\s+every|a|an|every|on\\s+each|on\\s+every|apiece)\\s+(?:each\\s+)?${ITEM}`, (m, ctx) => perItem(ctx, Number(m[1]))),
    rule(`\\b(?:each|every|all)\\s+(?:[\\p{L}-]+\\s+)?${ITEM}\\s+(?:(?:should|to|will|must|can|is|are)\\s+)?(?:be\\s+)?(?:(?:shown|show(?:s|n)?|stays?|staying|lasts?|lasting|displayed|display|visible|remains?|appears?|on\\s+screen|up)\\s+){0,3}(?:for\\s+|to\\s+)?(?:about\\s+)?${T}`, (m, ctx) => perItem(ctx, Number(m[1]))),
    rule(`\\b(?:make|set|keep|give)\\s+(?:each|every)\\s+(?:[\\p{L}-]+\\s+)?(?:one|${ITEM})\\s+(?:to\\s+|at\\s+|last\\s+)?${T}(?:\\s+long|\\s+on\\s+screen)?`, (m, ctx) => perItem(ctx, Number(m[1]))),
    rule(`${T}\\s+(?:each|apiece)\\b`, (m, ctx) => perItem(ctx, Number(m[1]))),
    // "each dish on screen for 3 seconds": whatever the items are called, but not a text.
    rule(`\\beach\\s+(?!(?:caption|subtitle|title|text|logo|word|line|card)s?\\b)[\\p{L}-]+\\s+(?:on\\s+screen|shown|displayed|visible)\\s+for\\s+${T}`, (m, ctx) => perItem(ctx, Number(m[1]))),
    // "the photos each 5 second", "I want them to each be on screen for 2.5 seconds".
    rule(`\\b${ITEM}\\s+each\\s+(?:for\\s+)?${T}|\\beach\\s+(?:be\\s+|is\\s+|to\\s+be\\s+)?(?:on\\s+screen|shown|displayed|visible|up)\\s+(?:for\\s+)?${T}`, (m, ctx) => perItem(ctx, Number(m[1] ?? m[2]))),
    rule(`\\b(?:change|switch|transition|advance|move|cycle|rotate|flip)\\w*\\s+(?:\\w+\\s+)?every\\s+${T}|\\bevery\\s+${T}`, (m, ctx) => perItem(ctx, Number(m[1] ?? m[2]))),
    rule(`\\b(?:next|each|every|the)\\s+${ITEM}\\s+(?:\\w+\\s+)?for\\s+${T}`, (m, ctx) => perItem(ctx, Number(m[1]))),
    // "show each dish for 1.5 seconds": what each item shows, named by the user's own noun.
    rule(`\\b(?:show|display|hold|keep|feature)\\s+(?:each|every)\\s+(?:[\\p{L}-]+\\s+){1,2}?(?:for|on\\s+screen\\s+for)\\s+${T}`, (m, ctx) => perItem(ctx, Number(m[1]))),
    rule(`\\b${ITEM}\\s+(?:are|is)\\s+(?:\\w+\\s+){0,2}?too\\s+(fast|quick|short|slow|long)\\b`, (m, ctx) => {
      const slower = /fast|quick|short/.test(m[1]!);
      const after = ctx.after(end(m));
      if (new RegExp(`${T}`).test(after)) return 'items slower'; // a number later in the sentence sets it
      return perItem(ctx, Math.round((ctx.state.perItemMs ?? 4000) * (slower ? 1.5 : 0.67)));
    }),
    rule(`\\b(?:fast(?:er)?[- ]paced|snappier|quicker\\s+pace|pick\\s+up\\s+the\\s+pace|(?:fast|faster|quick|rapid)\\s+cuts)\\b`, (_m, ctx) => perItem(ctx, Math.round((ctx.state.perItemMs ?? 4000) * 0.6), true)),
    rule(`\\b(?:slow(?:er)?[- ]paced|slower\\s+pace|more\\s+time\\s+(?:on|for)\\s+${DET}?${ITEM})\\b`, (_m, ctx) => perItem(ctx, Math.round((ctx.state.perItemMs ?? 4000) * 1.5), true)),
  ],
};
