import type { Aspect, Resolution } from '../../../recipe/recipe.types.js';
import { end, NUM, rule, type Context, type Family } from '../rules.js';

const VERTICAL = '(?:vertical|portrait|upright|9\\s*:\\s*16|9x16|tik\\s*toks?|(?:instagram\\s+|ig\\s+|facebook\\s+|fb\\s+)?reels?|igtv|snapchat|youtube\\s+shorts?|yt\\s+shorts?|shorts|(?:instagram|ig|facebook|fb|snapchat|whatsapp)\\s+stor(?:y|ies)|stories|(?:for|as|into)\\s+(?:an?\\s+|my\\s+|our\\s+)?(?:instagram\\s+)?story|(?<!tell\\s)\\ban?\\s+(?:[\\w:]+\\s+)?story|(?:an?|as\\s+a|into\\s+a)\\s+short(?=\\s*(?:$|[.,;!?]|for\\b)))';
const SQUARE = '(?:square|1\\s*:\\s*1|1x1|instagram\\s+post|(?:for\\s+)?instagram(?!\\s+(?:reels?|stor(?:y|ies)|feed|portrait)))';
const FOUR_FIVE = '(?:4\\s*:\\s*5|4x5|instagram\\s+(?:feed|portrait))';
const WIDE = '(?:landscape|horizontal|widescreen|wide\\s*screen|16\\s*:\\s*9|16x9|youtube(?!\\s+shorts?)|desktop|tv)';
const SHAPES: [string, Aspect][] = [[VERTICAL, '9:16'], [FOUR_FIVE, '4:5'], [SQUARE, '1:1'], [WIDE, '16:9']];
const ANY_SHAPE = SHAPES.map(([s]) => s).join('|');
const SHORT_SIDES: Record<number, Resolution> = { 480: '480p', 720: '720p', 1080: '1080p', 1440: '1440p', 2160: '2160p' };

/** Words around a shape that make it the source, not the target. */
const SOURCE_BEFORE = [
  /\bfrom\s+(?:(?:an?|the|this|my|our|its)\s+)?(?:[\p{L}\d:]+\s+)?$/u, // "from 16:9", "from a landscape"
  new RegExp(`(?:${ANY_SHAPE})\\s+(?:or|and)\\s+(?:(?:an?|the)\\s+)?$`, 'u'), // "square or portrait": the first stands
];
const SOURCE_AFTER = [
  new RegExp(`^\\s*(?:[\\p{L}-]+\\s+){0,3}?(?:to|into|→|->)\\s+(?:(?:an?|the)\\s+)?(?:[\\p{L}-]+\\s+)?(?:${ANY_SHAPE})`, 'u'), // "this 16:9 video to 9:16"
  /^\s+(?:[\p{L}-]+\s+)?(?:recording|footage|source|original|input)\b/u, // "a 16:9 recording"
];

/** A shape word sets the target shape, unless the words around it make it the source. */
function setShape(m: RegExpExecArray, ctx: Context, aspect: Aspect): string {
  const [before, after] = [ctx.before(m.index), ctx.after(end(m))];
  if (SOURCE_BEFORE.some((re) => re.test(before)) || SOURCE_AFTER.some((re) => re.test(after))) return '';
  ctx.state.aspect = aspect;
  return `aspect ${aspect} ("${ctx.original(m.index, end(m))}")`;
}

/** Frame shape, resolution, frame rate and file format. */
export const shape: Family = {
  name: 'shape, size, rate, format',
  summary: 'the target shape (the source in "from A to B" is ignored), platforms, resolution, frame rate and format',
  examples: ['vertical', 'for TikTok / Reels / Shorts / stories', 'convert this 16:9 video to 9:16', 'square for an Instagram post', '4:5 for the Instagram feed', 'landscape for YouTube', '1080x1920', '720p', '4K', '29.97 fps', 'as webm'],
  words: ['vertical', 'portrait', 'square', 'landscape', 'horizontal', 'tiktok', 'reels', 'shorts', 'stories', 'youtube', 'instagram', 'resolution', 'fps', 'webm'],
  rules: [
    ...SHAPES.map(([words, aspect]) => rule(`\\b(?:for\\s+|as\\s+(?:an?\\s+)?|into\\s+(?:an?\\s+)?)?${words}\\b(?:\\s+(?:format|aspect(?:\\s+ratio)?|ratio|orientation|mode|version))?`, (m, ctx) => setShape(m, ctx, aspect))),
    rule(`\\b(\\d{3,4})\\s*[x×]\\s*(\\d{3,4})\\b(?:\\s+(?:resolution|pixels|px))?`, (m, ctx) => {
      const [w, h] = [Number(m[1]), Number(m[2])];
      const short = SHORT_SIDES[Math.min(w, h)];
      const ratio = w / h;
      const aspect = (['16:9', '9:16', '1:1', '4:5'] as const).find((a) => {
        const [x, y] = a.split(':').map(Number) as [number, number];
        return Math.abs(x / y - ratio) < 0.01;
      });
      if (short) ctx.state.resolution = short;
      if (aspect) ctx.state.aspect = aspect;
      return `${w}x${h}: ${[short && `resolution ${short}`, aspect && `aspect ${aspect}`].filter(Boolean).join(', ') || 'not a standard size; export.size sets exact sizes'}`;
    }),
    rule(`(?:\\b(?:reduce|downscale|upscale|scale|resize|render|output)\\s+(?:it\\s+|the\\s+video\\s+)?(?:down\\s+|up\\s+)?(?:to\\s+|in\\s+|at\\s+)?)?\\b(480|720|1080|1440|2160)\\s*p\\b|\\b(4k|uhd|ultra\\s+hd|2k|qhd|full\\s*hd|fhd|hd)\\b`, (m, ctx) => {
      const named: Record<string, Resolution> = { '4k': '2160p', uhd: '2160p', 'ultra hd': '2160p', '2k': '1440p', qhd: '1440p', hd: '720p' };
      ctx.state.resolution = m[1] ? (`${m[1]}p` as Resolution) : (named[m[2]!.replace(/\s+/g, ' ')] ?? '1080p');
      return `resolution ${ctx.state.resolution}`;
    }),
    rule(`\\b${NUM}\\s*(?:fps|frames?\\s+(?:per|a)\\s+second|frames?/s)\\b|\\bframe\\s*rate\\s+(?:of\\s+|to\\s+|at\\s+)?${NUM}`, (m, ctx) => {
      const fps = Number(m[1] ?? m[2]);
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
