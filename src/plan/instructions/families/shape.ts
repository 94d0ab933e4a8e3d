import type { Aspect, Resolution } from '../../../recipe/recipe.types.js';
import { end, NUM, rule, type Context, type Family, type ShapeRole } from '../rules.js';

const VERTICAL = '(?:vertical|portrait|upright|9\\s*:\\s*16|9x16|tik\\s*toks?|(?:instagram\\s+|ig\\s+|facebook\\s+|fb\\s+)?reels?|igtv|snapchat|youtube\\s+shorts?|yt\\s+shorts?|shorts|(?:instagram|ig|facebook|fb|snapchat|whatsapp)\\s+stor(?:y|ies)|stories|(?:for|as|into)\\s+(?:an?\\s+|my\\s+|our\\s+)?(?:instagram\\s+)?story|(?<!tell\\s)\\ban?\\s+(?:[\\w:]+\\s+)?story|(?:an?|as\\s+a|into\\s+a)\\s+short(?=\\s*(?:$|[.,;!?]|for\\b)))';
const SQUARE = '(?:square|1\\s*:\\s*1|1x1|instagram\\s+post|(?:for\\s+)?instagram(?!\\s+(?:reels?|stor(?:y|ies)|feed|portrait)))';
const FOUR_FIVE = '(?:4\\s*:\\s*5|4x5|(?:instagram|insta|ig)\\s+(?:feed|portrait))';
const WIDE = '(?:landscape|horizontal|widescreen|wide\\s*screen|16\\s*:\\s*9|16x9|youtube(?!\\s+shorts?)|desktop|tv)';
const SHAPES: [string, Aspect][] = [[VERTICAL, '9:16'], [FOUR_FIVE, '4:5'], [SQUARE, '1:1'], [WIDE, '16:9']];
const ANY_SHAPE = SHAPES.map(([s]) => s).join('|');
const SHORT_SIDES: Record<number, Resolution> = { 480: '480p', 720: '720p', 1080: '1080p', 1440: '1440p', 2160: '2160p' };

/** Words around a shape that make it the source, not the target. */
const SOURCE_BEFORE = [
  /\bfrom\s+(?:(?:an?|the|this|my|our|its)\s+)?(?:[\p{L}\d:]+\s+)?$/u, // "from 16:9", "from a landscape"
  new RegExp(`(?:${ANY_SHAPE})\\s+or\\s+(?:(?:an?|the)\\s+)?$`, 'u'), // "square or portrait": the first stands
];
const SOURCE_AFTER = [
  new RegExp(`^\\s*(?:(?!addition\\b|next\\b)[\\p{L}-]+\\s+){0,3}?(?:to|into|→|->)\\s+(?:(?:an?|the)\\s+)?(?:[\\p{L}-]+\\s+)?(?:${ANY_SHAPE})`, 'u'), // "this 16:9 video to 9:16"
  /^\s+(?:[\p{L}-]+\s+)?(?:recording|footage|source|original|input)\b/u, // "a 16:9 recording"
];
/** "Using portrait and landscape videos": shapes that describe the inputs. */
const INPUTS_BEFORE = new RegExp(`\\b(?:using|with|of|have|has|mixing|mixed|combining|combine)\\s+(?:(?:my|our|the|some|both|these|those|a\\s+mix\\s+of)\\s+)?(?:(?:${ANY_SHAPE})\\s*(?:,|and|or|&)\\s*)*$`, 'u');
const INPUTS_AFTER = new RegExp(`^(?:\\s*(?:,|and|or|&)\\s*(?:${ANY_SHAPE}))*\\s+(?:videos|clips|photos|images|pictures|shots|recordings|files|inputs)\\b`, 'u');

/*
 * More shapes beside the main one. A shape word changes the main video's shape ("make it vertical", "create a 9:16
 * version") unless the words say it is one more video:
 * - a marker of addition: "also", "plus", "in addition", "besides" just before it (with the words that lead to it: "I
 *   also need it in portrait", "also make a 15-second vertical cut"; not "also add captions for TikTok"), or "too",
 *   "as well", "in addition" just after it or after the list it starts ("square and vertical cuts too", "a square
 *   version for Instagram as well"; not "for TikTok with captions too"); "another", "one more", "an extra", "a
 *   second", "a separate" before it. "Make it … too" and "also make it …" change the one video: "it" is the video
 *   being made, unless a noun says it is another ("also make a vertical version").
 * - a list: shapes joined by "and", commas, "plus" or "as well as" ("in 16:9, 9:16 and 1:1", "both vertical and square
 *   versions", "for YouTube and TikTok"). The first of a list without a marker of addition is the main shape and the
 *   others are variants, so the list names every video made, once: after "make it vertical", "same video in 16:9,
 *   9:16 and 1:1" makes a 16:9 main video with 9:16 and 1:1 variants, not a fourth video. With a marker, every shape of
 *   the list is a variant ("plus a 1:1 for Instagram and a 9:16 for Reels").
 * - "in addition to the 16:9 one", "besides the square one" name the main video's shape.
 * A shape the main video has, or a variant already asked for, is not added twice; the note says so. "No vertical
 * version", "without a square cut", "the vertical version isn't needed" take a variant back. "Or" is a choice, not a
 * list: the first of "square or portrait" stands.
 */

/** Verbs that start another edit: "and add", "then make". */
const VERB = '(?:add|put|use|set|mute|make|turn|convert|change|switch|crop|reframe|resize|speed|slow|trim|cut|fade|remove|delete|drop|keep|lower|raise|increase|decrease|boost|include|insert|overlay|show|play|start|end|finish|apply|export|render|save|give|create|produce|generate)';
const CLAUSE_BREAK = `[;:]|\\b(?:and|then|but)\\s+(?=(?:also\\s+)?${VERB}\\b)`;
const BEFORE_BREAK = new RegExp(`,|${CLAUSE_BREAK}`, 'gu');
const BARE_MARKER = /^\s*(?:and\s+)?(?:also|plus|additionally|in\s+addition|besides)\s*[,;:]?\s*$/u;
/** Nouns after a shape that make it a video of its own: "a vertical version", "square cuts" (not "cut the first …"). */
const SHAPE_NOUN = '(?:versions?|cuts?(?!\\s+(?:(?:the|first|last|out|off|to|down|from|it|this)\\b|⟨|\\d))|cop(?:y|ies)|edits?|exports?|outputs?|renders?)';
const OUTPUT = '(?:versions?|cuts?|cop(?:y|ies)|edits?|exports?|outputs?|renders?|videos?|one)';
/**
 * Words that may stand between a marker and its shape: "also (need it in) portrait", "another (one in) 9:16", "also
 * (make a 15-second) vertical cut"; a verb takes an object or a preposition, so "also add captions for TikTok" is not one.
 */
const UP_TO_SHAPE = `(?:(?:i|we)\\s+(?:would\\s+like|'d\\s+like|need|want)\\s+)?(?:(?:please\\s+)?(?:make|create|export|render|save|produce|generate|give|get|do|need|want|have|include|deliver|provide|output|add)\\s+(?=(?:it|me|us|them|an?|the|one|some|in|as|at|for|into)\\s|$))?(?:(?:it|me|us|them)\\s+)?(?:(?:an?|the|one|some)\\s+(?:\\S+\\s+)?)?(?:${OUTPUT}\\s+)?(?:(?:in|as|at|for|into)\\s+)?$`;
/** Said just before a shape: one more video. `ALSO_BEFORE` gives way to "make it"; `ANOTHER_BEFORE` does not. */
const ALSO_BEFORE = new RegExp(`\\b(also|plus|additionally|in\\s+addition|besides)\\s*,?\\s+${UP_TO_SHAPE}|^\\s*(and)\\s+(?=(?:an?|one)\\s)${UP_TO_SHAPE}`, 'u');
const ANOTHER_BEFORE = new RegExp(`\\b(one\\s+more|another|extra|additional|separate|alternate|alternative|second)\\s+${UP_TO_SHAPE}`, 'u');
/** Said after a shape or the list it starts (with what that video is for): one more video. */
const LIST_ITEM = `(?:\\s*(?:,|and|&|plus|as\\s+well\\s+as))?\\s*(?:(?:an?|the|one)\\s+)?(?:(?:for|as|into|in)\\s+)?(?:${ANY_SHAPE})(?:\\s+${SHAPE_NOUN})?`;
const ALSO_AFTER = new RegExp(`^(?:${LIST_ITEM})*(?:\\s+${OUTPUT})?(?:\\s+(?:for|on|at|in)(?:\\s+[^\\s,;.!?]+){1,3}?)?\\s*,?\\s*(too\\b(?!\\s+(?!(?:please|pls|plz|thanks|for|and)\\b)\\p{L})|as\\s+well\\b(?!\\s+as\\s+(?!the|our|my|this|that))|also(?=\\s*(?:$|[,.;!?]|please))|in\\s+addition\\b|(?:besides|alongside|on\\s+top\\s+of)\\s+(?:the|our|my|this|that)\\b)`, 'u');
/** "Make it", "turn it": the words change the one video. */
const CHANGE_IT = /\b(?:make|turn|convert|change|switch|crop|reframe|resize|reformat|flip)\s+(?:it|this|that|everything|the\s+(?:video|clip|film|movie|aspect(?:\s+ratio)?|ratio|format|shape|orientation|frame))\b/u;
/** Before a shape: it is the main video's ("in addition to the 16:9 one"). */
const MAIN_BEFORE = /\b(?:in\s+addition\s+to|besides|as\s+well\s+as|alongside|on\s+top\s+of|apart\s+from)\s+(?:the|our|my|this|that)\s+(?:(?:original|main|usual)\s+)?$/u;
/** Joins a shape to the one before it in a list. */
const JOINED = /^\s*(?:,\s*(?:(?:and|&|plus)\s+)?|(?:and|&|\+|plus|as\s+well\s+as|along\s+with|together\s+with)\s+)(?:also\s+)?(?:(?:an?|the|one|another|in|at|as|for|into)\s+)*$/u;
/** Between two words for the same shape, what makes the second more than a restatement ("vertical for TikTok"). */
const NOT_SAME = new RegExp(`[;:.!?]|\\b(?:or|nor|not?|but|instead|rather|than|from|then|also|plus|another|too)\\b|\\b${VERB}\\b`, 'u');
/** A shape not wanted: "no vertical version", "without a square cut", "don't need a 4:5 one". */
const NOT_BEFORE = /(?:\b(?:no|not|nor|without|never|skip|drop|remove|forget(?:\s+about)?|no\s+need\s+for|instead\s+of|rather\s+than)|\b(?:don'?t|do\s+not|doesn'?t|does\s+not|won'?t|will\s+not)\s+(?:need|want|make|do|export|render|create|give\s+me)(?:\s+it)?)\s+(?:(?:a|an|the|any|that|this)\s+)?(?:(?:separate|extra|additional|second)\s+)?$/u;
const NOT_AFTER = /^\s*(?:(?:version|cut|one|copy)s?\s+)?(?:is|are)?\s*(?:not|n't)\s+(?:needed|necessary|required|wanted)\b/u;

/** The words of the clause before a shape ("also, a vertical version": the bare "also" counts with it). */
function clauseBefore(before: string): string {
  const starts = [0, ...[...before.matchAll(BEFORE_BREAK)].map((b) => b.index + b[0].length)];
  const [prev, from] = [starts.at(-2), starts.at(-1)!];
  return before.slice(prev !== undefined && BARE_MARKER.test(before.slice(prev, from)) ? prev : from);
}

/** What the shape word `m` names, and the words that said so (offsets in the normalized text) to place with it. */
function roleOf(m: RegExpExecArray, ctx: Context, aspect: Aspect): { role: ShapeRole; again?: boolean; words: [number, number][]; quote?: [number, number] } {
  const [start, stop] = [m.index, end(m)];
  const [before, after] = [ctx.before(start), ctx.after(stop)];
  const prev = ctx.shape && ctx.shape.end <= start ? ctx.shape : undefined;
  const gap = prev ? ctx.n.text.slice(prev.end, start) : '';
  // "no vertical or square versions": the negation reaches the whole list.
  if (prev?.role === 'not' && /^\s*(?:,|or|and|nor)\s*$/u.test(gap)) return { role: 'not', words: [[prev.end, start]] };
  if (SOURCE_BEFORE.some((re) => re.test(before)) || SOURCE_AFTER.some((re) => re.test(after)) || (INPUTS_BEFORE.test(before) && INPUTS_AFTER.test(after))) return { role: 'source', words: [] };
  const not = NOT_BEFORE.exec(before) ?? NOT_AFTER.exec(after);
  if (not) {
    const words: [number, number] = not.input === before ? [start - before.length + not.index, start] : [stop, stop + not[0].length];
    return { role: 'not', words: [words], quote: [Math.min(start, words[0]), Math.max(stop, words[1])] };
  }
  if (prev) {
    if (prev.aspect === aspect && !NOT_SAME.test(gap)) return { role: prev.role, again: true, words: [] };
    if (prev.role !== 'source' && prev.role !== 'not' && JOINED.test(gap)) return { role: 'variant', words: [[prev.end, start]] };
  }
  if (MAIN_BEFORE.test(before)) return { role: 'main', words: [] };
  const clause = clauseBefore(before);
  const at = start - clause.length;
  // The marker words are placed with the shape: the match's first group, where it stands in `clause` or `after`.
  const marker = (found: RegExpExecArray, from: number): [number, number] => {
    const word = found.slice(1).find((g) => g !== undefined)!;
    const i = from + found.index + found[0].indexOf(word, found[0].search(/\S/u));
    return [i, i + word.length];
  };
  const another = ANOTHER_BEFORE.exec(clause);
  if (another) return { role: 'variant', words: [marker(another, at)] };
  // ("And a square video" adds one only beside a shape already named: alone, it is the shape.)
  const also = ((found) => (found?.[2] && !ctx.shape && !ctx.state.aspect ? null : found))(ALSO_BEFORE.exec(clause));
  const alsoAfter = ALSO_AFTER.exec(after);
  const changesIt = CHANGE_IT.test(clause) && !new RegExp(`\\s${SHAPE_NOUN}$`, 'u').test(m[0]);
  if ((also || alsoAfter) && !changesIt) {
    const words: [number, number][] = [];
    if (also) words.push(marker(also, at));
    if (alsoAfter) words.push([stop + alsoAfter[0].length - alsoAfter[1]!.length, stop + alsoAfter[0].length]);
    return { role: 'variant', words };
  }
  return { role: 'main', words: [] };
}

/** "Filmed on my phone in 4K at 60fps", "my clips are 4K", "60 fps footage": a resolution or rate of the inputs, not the output's. */
const CAPTURED_BEFORE = /\b(?:filmed|shot|recorded|captured|taken)\b(?![^,;.!?]*\b(?:export|render|output|deliver|make|save|encode|upload|post|publish)\w*\b)[^,;.!?]*$|\b(?:footage|clips?|videos?|recordings?|source|originals?|camera|phone)\s+(?:is|are|was|were)\s+(?:all\s+)?(?:in\s+|at\s+)?$/u;
const CAPTURED_AFTER = /^\s+(?:[\p{L}-]+\s+)?(?:footage|source|recording|original|raw|camera|shoot|shots?)\b/u;

function describesInputs(m: RegExpExecArray, ctx: Context): boolean {
  if (!CAPTURED_BEFORE.test(ctx.before(m.index)) && !CAPTURED_AFTER.test(ctx.after(end(m)))) return false;
  ctx.consumeWord(/\b(?:filmed|shot|recorded|captured|taken)\b/u, m.index);
  return true;
}

/** "4:5 please, it's a portrait post": a bare "portrait" or "vertical" after a 4:5 of the same instruction says it again. */
function restated(m: RegExpExecArray, ctx: Context, aspect: Aspect): Aspect {
  const bare = /^(?:(?:for|as|into)\s+(?:an?\s+)?)?(?:vertical|portrait|upright)\b/u.test(m[0]);
  return aspect === '9:16' && bare && ctx.shape?.aspect === '4:5' && ctx.shape.end <= m.index ? '4:5' : aspect;
}

/** Applies a shape word as its role says; returns the note, or '' for a source or a restatement with nothing to say. */
function placeShape(m: RegExpExecArray, ctx: Context, aspect: Aspect): { note: string; role: ShapeRole } {
  const { role, again, words, quote = [m.index, end(m)] } = roleOf(m, ctx, aspect);
  for (const [s, e] of words) ctx.consume(s, e);
  // The note quotes the shape's words, with the negation that took it back ("no vertical version").
  const said = `"${ctx.original(...quote)}"`;
  const state = ctx.state;
  const variants = state.variants ?? [];
  const without = (a: Aspect) => {
    const left = variants.filter((v) => v !== a);
    if (left.length) state.variants = left;
    else delete state.variants;
  };
  let placed: ShapeRole = role;
  let note = '';
  if (role === 'main') {
    state.aspect = aspect;
    const was = variants.includes(aspect);
    if (was) without(aspect);
    note = `aspect ${aspect} (${said})${was ? `, so no ${aspect} variant besides it` : ''}`;
  } else if (role === 'variant' && again) {
    note = `${aspect} variant (${said})`;
  } else if (role === 'variant') {
    if (state.aspect === aspect) (placed = 'repeat'), (note = `${aspect} is already the main shape (${said}): no variant added`);
    else if (variants.includes(aspect)) (placed = 'repeat'), (note = `the ${aspect} variant is already asked for (${said})`);
    else (state.variants = [...variants, aspect]), (note = `adds a ${aspect} variant (${said})`);
  } else if (role === 'not' && !again) {
    const drops = variants.includes(aspect);
    if (drops) without(aspect);
    note = drops ? `drops the ${aspect} variant (${said})` : `no ${aspect} variant (${said})${state.aspect === aspect ? `; the main video stays ${aspect}` : ''}`;
  }
  ctx.shape = { end: end(m), aspect, role: placed };
  return { note, role: placed };
}

/** Frame shape, resolution, frame rate and file format. */
export const shape: Family = {
  name: 'shape, size, rate, format',
  summary: 'the target shape (the source in "from A to B" is ignored), more shapes beside it (one more video each: "also", "too", "plus", "another", a list of shapes; the first of a plain list is the main shape), platforms, resolution, frame rate and format',
  examples: ['vertical', 'for TikTok / Reels / Shorts / stories', 'convert this 16:9 video to 9:16', 'also a vertical version for TikTok', 'square and vertical cuts too', 'in 16:9, 9:16 and 1:1', 'no vertical version', 'square for an Instagram post', '4:5 for the Instagram feed', 'landscape for YouTube', '1080x1920', '720p', '4K', '29.97 fps', 'fps: 25', 'as webm'],
  words: ['vertical', 'portrait', 'square', 'version', 'landscape', 'horizontal', 'tiktok', 'reels', 'shorts', 'stories', 'youtube', 'instagram', 'resolution', 'fps', 'webm'],
  rules: [
    ...SHAPES.map(([words, aspect]) => rule(`\\b(?:for\\s+|as\\s+(?:an?\\s+)?|into\\s+(?:an?\\s+)?)?${words}\\b(?:\\s+(?:formats?|aspect(?:\\s+ratio)?|ratio|orientation|mode|${SHAPE_NOUN}))?`, (m, ctx) => placeShape(m, ctx, restated(m, ctx, aspect)).note)),
    rule(`\\b(\\d{3,4})\\s*[x×]\\s*(\\d{3,4})\\b(?:\\s+(?:resolution|pixels|px))?`, (m, ctx) => {
      const [w, h] = [Number(m[1]), Number(m[2])];
      const short = SHORT_SIDES[Math.min(w, h)];
      const ratio = w / h;
      const aspect = (['16:9', '9:16', '1:1', '4:5'] as const).find((a) => {
        const [x, y] = a.split(':').map(Number) as [number, number];
        return Math.abs(x / y - ratio) < 0.01;
      });
      // A size beside the main video's ("also a 1080x1920 version") adds its shape; variants keep the main resolution.
      const placed = aspect ? placeShape(m, ctx, aspect) : undefined;
      if (placed && placed.role !== 'main') return placed.role === 'variant' && placed.note ? `${placed.note}, at the main video's resolution` : placed.note;
      if (short) ctx.state.resolution = short;
      return `${w}x${h}: ${[short && `resolution ${short}`, aspect && `aspect ${aspect}`].filter(Boolean).join(', ') || 'not a standard size; export.size sets exact sizes'}`;
    }),
    rule(`(?:\\b(?:reduce|downscale|upscale|scale|resize|render|output)\\s+(?:it\\s+|the\\s+video\\s+)?(?:down\\s+|up\\s+)?(?:to\\s+|in\\s+|at\\s+)?)?\\b(480|720|1080|1440|2160)\\s*p\\b|\\b(4k|uhd|ultra\\s+hd|2k|qhd|full\\s*hd|fhd|hd)\\b`, (m, ctx) => {
      const named: Record<string, Resolution> = { '4k': '2160p', uhd: '2160p', 'ultra hd': '2160p', '2k': '1440p', qhd: '1440p', hd: '720p' };
      const resolution = m[1] ? (`${m[1]}p` as Resolution) : (named[m[2]!.replace(/\s+/g, ' ')] ?? '1080p');
      if (describesInputs(m, ctx)) return `${resolution} describes the inputs; the output's resolution is kept`;
      ctx.state.resolution = resolution;
      return `resolution ${resolution}`;
    }),
    rule(`\\b${NUM}\\s*(?:fps|frames?\\s+(?:per|a)\\s+second|frames?/s)\\b|\\bframe\\s*rate\\s+(?:(?:up|down)\\s+)?(?:of\\s+|to\\s+|at\\s+)?${NUM}`, (m, ctx) => {
      const fps = Number(m[1] ?? m[2]);
      if (describesInputs(m, ctx)) return `${fps} fps describes the inputs; the output's rate is kept`;
      if (fps < 1 || fps > 120) return `frame rate ${fps} is outside 1–120; kept ${ctx.state.fps ?? 'the export block'}`;
      ctx.state.fps = fps;
      return `${fps} fps`;
    }),
    rule(`\\b(?:as\\s+|to\\s+|into\\s+|in\\s+)?(?:an?\\s+)?(?<!\\.)(mp4|mov|webm)\\b(?!\\.)`, (m, ctx) => {
      ctx.state.format = m[1] as 'mp4' | 'mov' | 'webm';
      return `format ${m[1]}`;
    }),
    rule(`\\b(?:as\\s+|to\\s+|into\\s+)?(?:an?\\s+)?(?:animated\\s+)?(?<!\\.)gif\\b(?!\\.)`, (_m, ctx) => (ctx.unsupported('GIF output: the local backend writes mp4, mov or webm'), '')),
    // Platforms that name no shape, and where the video is for.
    rule(`\\b(?:for|on)\\s+(?:twitter|x|linkedin|facebook|the\\s+web|web|mobile|social(?:\\s+media)?|vimeo|whatsapp)(?:\\s+(?:upload|playback|streaming|sharing))?\\b`, () => ''),
  ],
};
