import { videoTime } from '../../../display.js';
import { end, NUM, rule, T, type Context, type Family } from '../rules.js';
import type { ClipCut } from '../state.js';

/** A clip named by its file ("of intro.mp4"); without one, the cut applies to every clip. */
const NAMED = '(?:\\s+(?:of|from|off|in)\\s+(?:the\\s+)?(?:clip\\s+|video\\s+|file\\s+)?([\\p{L}\\d_-]+\\.(?:mp4|mov|m4v|webm|mkv|avi))|\\s+(?:of|from|off|in)\\s+(?:the|this|that|each|every)\\s+(?:clip|video|footage|recording))?';
const REMOVE = /\b(?:trim(?:med)?|cut(?:\s+out|\s+off|\s+away)?|remove|delete|drop|skip|lose|ditch|scrap|nix|chop(?:\s+off)?|get\s+rid\s+of|take\s+out|strip|shave(?:\s+off)?|throw\s+away|discard|exclude|lift)\b/g;
const KEEP = /\b(?:keep(?:ing)?|extract|use|take|(?<!\b(?:the|this|that|my|our|your|each|every|of|a|in)\s+)clip|select|grab|just|only|want|isolate|standalone|export|create|make|from|trim(?:\s+\S+){0,3}\s+to|cut(?!\s+out)(?:\s+\S+){0,3}\s+(?:down\s+)?to|shorten(?:\s+\S+){0,3}\s+to)\b/g;

/**
 * Whether the sentence before `start` asks to remove or to keep, by its last verb; with none, "only" right after the
 * part (`end`) keeps it ("the first 20 seconds of the clip only").
 */
function intent(ctx: Context, start: number, end?: number): 'remove' | 'keep' | undefined {
  const before = ctx.before(start);
  const last = (re: RegExp) => Math.max(-1, ...[...before.matchAll(re)].map((m) => m.index + m[0].length));
  const [r, k] = [last(REMOVE), last(KEEP)];
  const only = end === undefined ? null : /^\s+only\b/.exec(ctx.after(end));
  if (r < 0 && k < 0 && only) return ctx.consume(end!, end! + only[0].length), 'keep';
  if (r < 0 && k < 0) return undefined;
  ctx.consumeWord(k >= r ? KEEP : REMOVE, start);
  return k >= r ? 'keep' : 'remove';
}

function cut(ctx: Context, c: ClipCut): string {
  ctx.state.cuts.push(c);
  ctx.topic = 'clip';
  return describeCut(c);
}

/** A cut as the notes say it: "trim the first 2 s of intro.mp4", "remove 1:23–2:45 of the clips". */
export function describeCut(c: ClipCut): string {
  const of = c.clip ? ` of ${c.clip}` : ' of the clips';
  switch (c.kind) {
    case 'drop-start':
      return `trim the first ${videoTime(c.ms!)}${of}`;
    case 'drop-end':
      return `trim the last ${videoTime(c.ms!)}${of}`;
    case 'keep-end':
      return `keep the last ${videoTime(c.ms!)}${of}`;
    case 'keep':
      return `keep ${videoTime(c.fromMs!)}–${c.toMs === undefined ? 'the end' : videoTime(c.toMs)}${of}`;
    default:
      return `remove ${videoTime(c.fromMs!)}–${videoTime(c.toMs!)}${of}`;
  }
}

/** The clip a match names, if any. */
function named(m: RegExpExecArray, group: number): string | undefined {
  return m[group]?.toLowerCase();
}

/** True when a text of this sentence owns the time words ("show the title for the first 3 seconds"). */
function forText(ctx: Context, start: number): boolean {
  return ctx.text !== undefined && ctx.topic === 'text' && !/\b(?:trim|cut|remove|delete|keep|clip|extract)\b/.test(ctx.before(start));
}

const EDGE = '(first|opening|beginning|start|head|last|final|closing|ending|end|tail)';

/** Trims, kept and removed ranges of the clips, their speed. */
export const clips: Family = {
  name: 'clips',
  summary: 'trims (first/last seconds, keep a range, remove a middle range; "of file.mp4" picks one clip), speed, slow motion',
  examples: ['trim the first 2 seconds of intro.mp4', 'remove the first 15 seconds', 'cut the last 3 seconds', 'trim 2 seconds off the end', 'keep only 0:20 to 0:30', 'trim from 1:30 to 2:45', 'remove from 1:23 to 2:45', 'delete everything after 10 seconds', 'extract 30 seconds starting at 2:15', 'speed up 2x', 'play everything at 1.5x', 'slow motion', 'half speed'],
  words: ['trim', 'cut', 'keep', 'remove', 'first', 'last', 'speed', 'faster', 'slower', 'slow motion', 'timelapse'],
  rules: [
    // "the first 5 seconds", "last 15 seconds (outro)", "first 30 seconds from video.mp4".
    // A bare number takes seconds: "the first 8 seconds and the last 4".
    rule(`\\b(?:the\\s+)?(first|opening|last|final|closing)\\s+(?:${T}|(\\d+(?:\\.\\d+)?)(?!\\s*(?:%|x\\b|fps|p\\b|[\\p{L}\\d])))${NAMED}`, (m, ctx) => {
      if (forText(ctx, m.index)) return undefined;
      const ms = m[2] ? Number(m[2]) : Number(m[3]) * 1000;
      const clip = named(m, 4);
      const head = /first|opening/.test(m[1]!);
      const want = intent(ctx, m.index, end(m));
      if (!want) return undefined;
      if (want === 'remove') return cut(ctx, { clip, kind: head ? 'drop-start' : 'drop-end', ms });
      return cut(ctx, head ? { clip, kind: 'keep', fromMs: 0, toMs: ms } : { clip, kind: 'keep-end', ms });
    }),
    rule(`${T}\\s+(?:off|from)\\s+(?:the\\s+)?${EDGE}(?:\\s+of\\s+(?:the\\s+)?(?:clip|video|footage|([\\p{L}\\d_-]+\\.\\w{2,4})))?`, (m, ctx) => {
      const head = /first|opening|beginning|start|head/.test(m[2]!);
      const want = intent(ctx, m.index);
      if (want === 'keep' && /from/.test(m[0])) return cut(ctx, head ? { clip: named(m, 3), kind: 'keep', fromMs: 0, toMs: Number(m[1]) } : { clip: named(m, 3), kind: 'keep-end', ms: Number(m[1]) });
      return cut(ctx, { clip: named(m, 3), kind: head ? 'drop-start' : 'drop-end', ms: Number(m[1]) });
    }),
    // "everything after 2:15", "drop everything before 0:25 and after 1:40".
    rule(`\\b(?:everything|anything|all|the\\s+rest|whatever\\s+comes)\\s+(after|past|beyond|before|until|up\\s+to)\\s+(?:the\\s+)?${T}(?:\\s+(?:mark|point))?(?:\\s+and\\s+(?:everything\\s+)?(after|past|beyond)\\s+(?:the\\s+)?${T})?`, (m, ctx) => {
      const keep = intent(ctx, m.index) === 'keep';
      const part = (after: boolean, ms: number): ClipCut => (after === keep ? { kind: 'drop-start', ms } : { kind: 'keep', fromMs: 0, toMs: ms });
      const first = cut(ctx, part(/after|past|beyond/.test(m[1]!), Number(m[2])));
      return m[4] ? `${first}; ${cut(ctx, part(true, Number(m[4])))}` : first;
    }),
    // Ranges: "from 1:30 to 2:45", "between 10 and 25 seconds", "3s to 5s", "from the start to 30 seconds".
    rule(`(?:\\b(?:the\\s+)?(?:part|portion|segment|section|bit|piece|stretch)\\s+)?(?:\\bfrom\\s+|\\bbetween\\s+)?(?:${T}|(?:the\\s+)?(?:start|beginning|0))\\s*(?:to|until|till|-|–|and|through|up\\s+to)\\s*(?:(?:the\\s+)?${T}(?:\\s+(?:mark|point))?|(?:the\\s+)?end)${NAMED}`, (m, ctx) => {
      const from = Number(m[1] ?? 0);
      const to = m[2] === undefined ? undefined : Number(m[2]);
      if (to !== undefined && to <= from) return undefined;
      const clip = named(m, 3);
      if (forText(ctx, m.index)) {
        Object.assign(ctx.text!, { at: 'time', startMs: from, durationMs: to === undefined ? undefined : to - from });
        return `text from ${videoTime(from)}${to === undefined ? '' : ` to ${videoTime(to)}`}`;
      }
      // "Remove from A to B" takes a middle range out, unless the sentence wants just that part.
      const out = /^\s+out\b/.exec(ctx.after(end(m)));
      // (Unless the sentence, or one after it, wants just that part: "I want just that middle portion".)
      const sentence = ctx.before(m.index) + m[0] + ctx.after(end(m));
      const justThat = /\b(?:only|keep)\b|\bjust\s+(?:keep|use|want|need|that|this|those)\b/.test(sentence) || /\b(?:standalone|extract|isolate)\b|\b(?:just|only|keep)\s+(?:that|this|those|the\s+(?:middle|part|portion|segment|section|bit|range))\b/.test(ctx.n.text);
      const remove =
        intent(ctx, m.index) === 'remove' &&
        (/\b(?:remove|delete|drop|cut\s+out|skip|take\s+out|get\s+rid\s+of|lose|ditch|scrap|chop(?:\s+out)?|kill|lift|cut\s+(?:the|that|this)\s+(?:bit|part|section|segment|portion|piece|stretch))\b/.test(ctx.before(m.index)) || out) &&
        !justThat;
      if (remove && out) ctx.consume(end(m), end(m) + out[0].length);
      if (remove && to !== undefined && from > 0) return cut(ctx, { clip, kind: 'remove', fromMs: from, toMs: to });
      return cut(ctx, { clip, kind: 'keep', fromMs: from, toMs: to });
    }),
    // "30 seconds starting at 2:15", "30 seconds from the start", "the first minute only".
    rule(`${T}\\s+(?:(?:of|from)\\s+(?:the\\s+)?(?:clip|video|footage|[\\p{L}\\d_-]+\\.\\w{2,4})\\s+)?(?:starting|beginning|from)\\s+(?:at\\s+)?${T}`, (m, ctx) =>
      keep(ctx, m.index, Number(m[2]), Number(m[2]) + Number(m[1]))),
    rule(`\\b(?:starting|beginning)\\s+(?:at|from)\\s+${T}\\s+(?:for|lasting)\\s+${T}`, (m, ctx) =>
      keep(ctx, m.index, Number(m[1]), Number(m[1]) + Number(m[2]))),
    rule(`(?:\\bto\\s+)?${T}\\s+from\\s+the\\s+(start|beginning|end)\\b`, (m, ctx) =>
      cut(ctx, m[2] === 'end' ? { kind: 'keep-end', ms: Number(m[1]) } : { kind: 'keep', fromMs: 0, toMs: Number(m[1]) })),

    // "so it starts at 0:12", "make it end at 1:00"; "have the clip start at 1:15" and "start the clip at 1:15" name
    // the clip, which says enough without a trim or keep verb.
    rule(`\\b(?:so\\s+(?:that\\s+)?(?:it|the\\s+(?:clip|video))\\s+|(?:it|the\\s+(?:clip|video))\\s+)?(start|begin|end|stop|finish)(?:s|es)?(\\s+it)?\\s+(?:at|from|by)\\s+${T}|\\b(start|begin|end|stop|finish)\\s+(?:the\\s+|this\\s+)?(?:clip|video|footage|recording)\\s+(?:at|from)\\s+${T}`, (m, ctx) => {
      const [verb, ms] = m[1] ? [m[1], m[3]] : [m[4]!, m[5]];
      // ("Stop it at 1:50" names its clip as "it".)
      if (forText(ctx, m.index) || (!/\bclip\b|video|footage|recording/.test(m[0]) && !m[2] && !intent(ctx, m.index))) return undefined;
      return /start|begin/.test(verb) ? cut(ctx, { kind: 'drop-start', ms: Number(ms) }) : cut(ctx, { kind: 'keep', fromMs: 0, toMs: Number(ms) });
    }),

    // "the crowd clip from 3:05 onwards".
    rule(`\\b(?:(?:clip|video|footage)\\s+)?from\\s+${T}\\s+(?:onwards?|on)\\b`, (m, ctx) => (forText(ctx, m.index) && !/clip|video|footage/.test(m[0]) ? undefined : cut(ctx, { kind: 'drop-start', ms: Number(m[1]) }))),
    // "start the clip forty seconds in".
    rule(`\\b(?:start|begin|pick\\s+up)\\s+(?:the\\s+(?:clip|video|footage)|it)\\s+${T}\\s+in\\b`, (m, ctx) => cut(ctx, { kind: 'drop-start', ms: Number(m[1]) })),
    // "let the clip run until 2:30".
    rule(`\\b(?:clip|video|footage|it)\\s+(?:run|play|go)\\s+(?:on\\s+)?(?:until|till|to|up\\s+to)\\s+${T}`, (m, ctx) => cut(ctx, { kind: 'keep', fromMs: 0, toMs: Number(m[1]) })),
    // Speed.
    rule(`\\b(?:at\\s+|to\\s+)?${NUM}%\\s+(?:of\\s+(?:the\\s+)?(?:original\\s+|normal\\s+)?)?(?:playback\\s+)?speed\\b`, (m, ctx) => setSpeed(ctx, Number(m[1]) / 100)),
    // "speed up by 50%", "slow it down by 25%".
    rule(`\\b(speed|slow)\\s+(?:it\\s+|them\\s+|the\\s+(?:\\w+\\s+)?(?:clips?|video|footage)\\s+)?(?:up|down)\\s+by\\s+${NUM}%`, (m, ctx) =>
      setSpeed(ctx, m[1] === 'speed' ? 1 + Number(m[2]) / 100 : 1 - Number(m[2]) / 100)),
    rule(`(?:\\b(?:at|to|by)\\s+|\\b(?:(?:increase|raise|boost|bump|set|change|up)\\s+(?:the\\s+)?)?(?:playback\\s+)?speed\\s+(?:(?:it|them|the\\s+(?:\\w+\\s+)?(?:clips?|video|vid|footage))\\s+)?(?:up\\s+)?(?:of\\s+|to\\s+|at\\s+|by\\s+|=\\s*)?)?\\b${NUM}x(?![\\p{L}\\d])(?:\\s+(?:the\\s+)?(?:speed|playback(?:\\s+speed)?|faster|slower|as\\s+(?:fast|quick(?:ly)?)|time[- ]?lapse|timelapse|slow(?:er)?\\s+motion|fast\\s+forward))?`, (m, ctx) => {
      if (/zoom|scale/.test(ctx.after(end(m)).slice(0, 12)) || paceOfOther(ctx, m.index)) return undefined;
      // "4x oversubscribed", "3x more sales", "3x faster than last year": a factor of something else.
      if (/^\s+(?:\p{L}+\s+)?than\b/u.test(ctx.after(end(m)))) return undefined;
      if (!/speed|playback|fast|slow|lapse|\b(?:at|to|by)\s/.test(m[0]) && /^\s+(?!(?:with|and|or|for|on|in|of|to|please|pls|then|but|so|as|the|a|an|all|everything|it|them|throughout|overall)\b)\p{L}/u.test(ctx.after(end(m)))) return undefined;
      let speed = Number(m[1]);
      // "2x slower", "slow it down 2x": a factor of slowness.
      if ((/slower/.test(m[0]) || /\bslow(?:\s+\S+){0,3}\s+down\s+(?:by\s+)?$/.test(ctx.before(m.index))) && speed > 1) speed = 1 / speed;
      return setSpeed(ctx, speed);
    }),
    rule(`\\b(?:speed(?:s|ing)?|sped)\\s+(?:[\\p{L}]+\\s+){0,3}?up\\b(?:\\s+by\\s+${NUM}(?!\\.?\\d|\\s*%|x))?|\\b(?:fast[- ]forward|time[- ]?lapse|timelapse|hyperlapse|faster\\s+playback|play\\s+(?:it\\s+)?(?:(a\\s+(?:bit|little|touch)\\s+|slightly\\s+)?(?:faster|quicker)))\\b`, (m, ctx) => {
      // "Don't speed anything up": as it is.
      if (ctx.negated(m.index, end(m))) return setSpeed(ctx, 1);
      // "Speed it up by 1.25"; "play a bit quicker"; a factor later in the sentence ("speed up the clip by 3x") says how much.
      if (m[1]) return setSpeed(ctx, Number(m[1]));
      if (m[2]) return setSpeed(ctx, 1.25);
      return /\d(?:\.\d+)?x(?![\p{L}\d])/u.test(ctx.after(end(m))) ? '' : setSpeed(ctx, ctx.state.speed > 1 ? ctx.state.speed : 2);
    }),
    rule(`\\bslow[- ]?(?:mo(?:tion)?|down)\\b(?:\\s+(?:everything|it|them)(?:\\s+down)?)?|\\bslow\\s+(?:everything|it\\s+all)\\s+down\\b|\\bslow\\s+(?:it|them|the\\s+(?:\\w+\\s+)?(?:clips?|video|footage))\\s+down\\b|\\b(?:even\\s+)?slower\\b`, (m, ctx) =>
      paceOfOther(ctx, m.index) ? undefined : setSpeed(ctx, ctx.state.speed < 1 ? ctx.state.speed : 0.5)),
    // "make the clip a little faster", "the video is way too slow".
    rule(
      `\\bmake\\s+(?:it|them|the\\s+(?:\\w+\\s+)?(?:clips?|video|vid|footage))\\s+((?:a\\s+)?(?:little|bit|touch|tad|slightly)\\s+)?(?:(?:a\\s+)?(?:bit|lot|much|more)\\s+)?(?:faster|quicker)\\b|\\b(?:clips?|video|vid|footage|it|its|it's)\\s+(?:is\\s+|are\\s+|feels?\\s+|seems?\\s+)?(?:way\\s+|much\\s+|a\\s+bit\\s+|kinda\\s+)?too\\s+slow\\b`,
      (m, ctx) => (ctx.negated(m.index, end(m)) ? undefined : setSpeed(ctx, ctx.state.speed > 1 ? ctx.state.speed : m[1] ? 1.25 : 1.5)),
    ),
    rule(`\\b(?:normal|regular|original|real[- ]time)\\s+speed\\b`, (_m, ctx) => setSpeed(ctx, 1)),
  ],
};

/** Keeps `fromMs`–`toMs` of the clips, placing the verb that asked ("extract", "keep only"). */
function keep(ctx: Context, start: number, fromMs: number, toMs: number): string {
  ctx.consumeWord(KEEP, start);
  return cut(ctx, { kind: 'keep', fromMs, toMs });
}

/** "Make the zoom on the pictures two times slower": the pace of a zoom, a transition or a fade, not the clips' speed. */
function paceOfOther(ctx: Context, start: number): boolean {
  return /\b(?:zoom|pan|ken\s*burns|transitions?|crossfades?|fades?|dissolves?|wipes?|slides?|text|title)\b(?![^,;]*\b(?:clips?|video|footage)\b)[^,;]*$/.test(ctx.before(start));
}

function setSpeed(ctx: Context, speed: number): string {
  ctx.state.speed = Math.min(100, Math.max(0.1, speed));
  ctx.topic = 'clip';
  return `clips at ${ctx.state.speed}x speed`;
}
