/**
 * The interpreter's lexer: an instruction becomes a lower-case text in which quoted words are `«n»`, time
 * expressions are `⟨ms⟩`, percentages `n%` and speed factors `nx`, with a map back to the characters as written.
 */
export interface Normalized {
  /** The normalized text. */
  text: string;
  /** For each character of `text` (and one past its end), the offset in the instruction as written. */
  map: number[];
  /** The quoted words, in order: `«0»` is `quotes[0]`. */
  quotes: string[];
  /** The instruction as written. */
  source: string;
  /** Misspelt key words read as the words they were meant to be, with their offsets in the instruction as written. */
  respelled: { word: string; meant: string; index: number }[];
}

/**
 * The key words of the rules, for reading their misspellings ("subtitels", "transitons", "musci"): a word that is one
 * typing slip from exactly one of them, and no form of one (plural, -ed, -ing), is read as it. See `slip`.
 */
const KEY_WORDS = `music soundtrack captions subtitles transitions crossfade dissolve vertical horizontal landscape portrait
  square title watermark volume seconds minutes photos pictures images slides background instagram youtube tiktok speed
  faster slower reverse remove quieter louder resolution outro intro ending beginning opening bottom center centre
  corner duration widescreen audio overlay`.split(/\s+/);
/** Real words one slip from a key word. */
const NOT_SLIPS = new Set(['sides', 'tiles', 'shots', 'sorts', 'speedy', 'slider', 'revolution', 'bending', 'spending', 'lender']);
/** A word and its forms: "second", "seconds"; "title", "titles", "titled"; "remove", "removed", "removing". */
const forms = (word: string) =>
  [word, word.replace(/s$/, ''), word.replace(/es$/, '')].flatMap((b) => [b, `${b}s`, `${b}es`, `${b}d`, `${b}ed`, `${b.replace(/e$/, '')}ing`, `${b}er`, `${b}ers`, `${b}y`]);

const KNOWN = new Set(KEY_WORDS.flatMap(forms));

function respell(word: string): string | undefined {
  if (NOT_SLIPS.has(word) || KNOWN.has(word)) return undefined;
  const near = KEY_WORDS.filter((k) => slip(word, k));
  return near.length === 1 ? near[0] : undefined;
}

/**
 * One typing slip apart: two neighbouring letters swapped; from six letters, one letter missing or extra; from seven,
 * one letter wrong. (Shorter words have too many real neighbours: "shots", "sorts".)
 */
function slip(a: string, b: string): boolean {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2)) return true;
    return a.length >= 7 && a.slice(i + 1) === b.slice(i + 1);
  }
  if (Math.min(a.length, b.length) < 6 || Math.abs(a.length - b.length) > 1) return false;
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

const WORD_NUMBERS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20,
  thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
};
const TENS = 'twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety';
const DIGIT_WORDS = 'zero|one|two|three|four|five|six|seven|eight|nine|ten';
const UNIT_MS: [RegExp, number][] = [
  [/^(?:h|hrs?|hours?)$/, 3_600_000],
  [/^(?:m|mins?|minutes?)$/, 60_000],
  [/^(?:s|secs?|seconds?)$/, 1000],
  [/^(?:ms|msecs?|milliseconds?)$/, 1],
];
// ("1m" is a minute, but not in "1m views" or "$1m".)
const UNIT =
  '(?:hours?|hrs?|minutes?|mins?|milliseconds?|msecs?|ms|seconds?|secs?|s|h|m(?![\\p{L}])(?!\\s*(?:views|followers|subs|subscribers|users|people|downloads|plays|streams|likes|dollars|euros|pounds|sales|revenue|customers|members)\\b))';
const NUMBER = '\\d+(?:\\.\\d+)?';
/** One amount of time: "1.5 seconds", "30-second", "2 min". */
const AMOUNT = `(?<![$€£\\d.])(${NUMBER})\\s*-?\\s*(${UNIT})(?![\\p{L}\\d])`;
const ONE_AMOUNT = new RegExp(AMOUNT, 'gu');

function unitMs(unit: string): number {
  return UNIT_MS.find(([re]) => re.test(unit))?.[1] ?? 1000;
}

/**
 * Every match of a global pattern, found by the pattern itself. `matchAll` matches with a copy, whose compiled code V8
 * finds only while its compilation cache keeps it, and a full garbage collection empties that cache: the lexer's steps
 * took 20 ms again after each one (in watch mode, on every run), where its own patterns keep their code.
 */
export function execAll(re: RegExp, text: string): RegExpExecArray[] {
  const found: RegExpExecArray[] = [];
  re.lastIndex = 0;
  try {
    for (let m = re.exec(text); m; m = re.exec(text)) {
      found.push(m);
      // An empty match: go on from the next character, as matchAll does.
      if (!m[0]) re.lastIndex = m.index + (text.codePointAt(m.index)! > 0xffff ? 2 : 1);
    }
  } finally {
    re.lastIndex = 0;
  }
  return found;
}

/** Replaces every match, keeping the map from new characters to the instruction as written. */
function replace(n: Normalized, re: RegExp, fn: (...groups: string[]) => string): Normalized {
  let text = '';
  const map: number[] = [];
  let last = 0;
  for (const m of execAll(re, n.text)) {
    const start = m.index!;
    const out = fn(...(m as unknown as string[]));
    if (out === m[0]) continue;
    text += n.text.slice(last, start);
    map.push(...n.map.slice(last, start));
    text += out;
    for (let i = 0; i < out.length; i++) map.push(n.map[start]!);
    last = start + m[0].length;
  }
  text += n.text.slice(last);
  map.push(...n.map.slice(last));
  return { ...n, text, map };
}

/**
 * Quoted words: straight double, curly double and single quotes, German low-high quotes, guillemets, backticks,
 * single quotes that are not apostrophes (an apostrophe inside them stays: 'We're open'), and quotes said aloud, as
 * dictation types them ("says quote Summer in Lisbon end quote", "… unquote").
 */
const QUOTES =
  /"([^"]+)"|“([^”]+)”|‘([^’]+)’|«([^»]+)»|(?<![\p{L}\d])'((?:[^']|(?<=\p{L})'(?=\p{L}))+)'(?![\p{L}\d])|„([^“”]+)[“”]|`([^`]+)`|(?<!\p{L})[Qq]uote[,:]?\s+([^"“”«»]+?)[,.]?\s+(?:[Ee]nd(?:\s+of)?\s+quote|[Uu]nquote|[Cc]lose\s+quote)(?!\p{L})/gu;

/**
 * An email's parts that ask for nothing: the earlier message it quotes (from "On … wrote:" or "Original Message" on, and
 * lines that begin with ">"), the sign-off (on a line of its own or after the last sentence) with the name and signature
 * under it (up to a message it forwards, whose requests are the sender's), and the greeting.
 */
const EMAIL = [
  /^(?:On\s[^\n]{5,160}?\swrote:|-{2,}\s*Original Message\s*-{2,})[\s\S]*$/gim,
  /^>[^\n]*(?:\n|$)/gm,
  /(?:^|(?<=[.!?][ \t]))(?:[Bb]est(?: wishes| regards)?|[Kk]ind regards|[Ww]arm regards|[Rr]egards|[Tt]hanks|[Tt]hank you|[Mm]any thanks|[Cc]heers|[Aa]ll the best|[Ss]peak soon|[Tt]a)[ \t]*[,!.]?[ \t]*\n+[ \t]*\p{Lu}[\p{L}'.-]*(?:[ \t]+\p{Lu}[\p{L}'.-]*){0,3}[ \t]*(?:\n(?!-{2,} ?Forwarded message)[^\n]*)*/gmu,
  /^(?:hi|hello|hey|dear|good\s+(?:morning|afternoon))(?:[ \t]+[\p{L}.'-]+){0,3}[ \t]*,[ \t]*$/gimu,
];

/** A name in capitals after "called" or "named" is words, as a quote is: 'a title called Summer Sale', 'our podcast is called Slow Down'. */
const NAME = /(?<=\b(?:called|named|entitled)\s)\p{Lu}[\p{L}\d'&.-]*(?:\s+(?:(?:of|the|and|in|on|at|a|for|to|&)\s+)?\p{Lu}[\p{L}\d'&.-]*)*/gu;

const OFF = '(?:false|off|no|none|0|disabled)';
const ON = '(?:true|on|yes|1|enabled)';
/**
 * Settings written as keys and values, as a script or CI job writes them ("music=off", "fps: 25",
 * "music.volume=0.15", "per_item: 4s"), are read as the words they stand for.
 */
const SETTINGS: [RegExp, (...g: string[]) => string][] = [
  [new RegExp(`\\b(music|logo|watermark|captions|subtitles|transitions|crossfades?|fade[ _]in|fade[ _]out|title)\\s*[:=]\\s*${OFF}\\b`, 'g'), (_a, k) => `no ${k!.replace('_', ' ')}`],
  [new RegExp(`\\b(music|logo|watermark|captions|subtitles|transitions|crossfades?|fade[ _]in|fade[ _]out|loop)\\s*[:=]\\s*${ON}\\b`, 'g'), (_a, k) => `${k!.replace('_', ' ')}`],
  [/\b(?:fps|frame[ _]?rate)\s*[:=]\s*(\d+(?:\.\d+)?)\b/g, (_a, v) => `${v} fps`],
  [/\border\s*[:=]\s*(?:reversed?|backwards?)\b/g, () => 'reverse the order'],
  [/\b(?:audio|sound|clip[ _]audio)\s*[:=]\s*(?:muted|mute|off|none|false)\b|\bmute[ ._]?(?:clips?|audio)?\s*[:=]\s*(?:true|on|yes|1)\b/g, () => 'mute the clips'],
  [/\btrim[ ._](start|end)\s*[:=]\s*/g, (_a, e) => (e === 'start' ? 'start the clip at ' : 'end the clip at ')],
  [/\bmusic[ ._]volume\s*[:=]\s*(0?\.\d+|1(?:\.0+)?)(?![\d%])/g, (_a, v) => `music at ${Math.round(Number(v) * 100)}%`],
  [/\bmusic[ ._]volume\s*[:=]\s*(\d+(?:\.\d+)?)\s*%?/g, (_a, v) => `music at ${v}%`],
  [/\bmusic[ ._]fade[ _]?(in|out)\s*[:=]\s*/g, (_a, d) => `fade the music ${d} over `],
  [/\bper[ _]item\s*[:=]\s*([^\s,;]+)/g, (_a, v) => `${v} per item`],
  [/\btitle[ ._]text\s*[:=]\s*/g, () => 'the title '],
  [/\bspeed\s*:\s*(?=\d)/g, () => 'speed '],
  [/\b(title|text)[ ._]duration\s*[:=]\s*(\d+(?:\.\d+)?)(?![\d.]|\s*[\p{L}])/gu, (_a, k, v) => `the ${k} for ${v} seconds`],
  [/\b(title|text)[ ._]duration\s*[:=]\s*/g, (_a, k) => `the ${k} for `],
];

/** Words of chat, as they are meant. */
const CHAT: Record<string, string> = {
  thats: "that's", u: 'you', ur: 'your', pls: 'please', plz: 'please', plox: 'please', tt: 'tiktok', yt: 'youtube', thx: 'thanks',
  thnx: 'thanks', thanx: 'thanks', bc: 'because', cuz: 'because', coz: 'because', b4: 'before', gonna: 'going to', wanna: 'want to',
};

/** Words that may be misspelt key words (see respell). */
const LONG_WORD = /(?<![\p{L}\d'-])[a-z]{5,}(?![\p{L}\d'-])/gu;

/** The lexer's steps after quotes, case and misspellings, in order. */
const STEPS: [RegExp, (...g: string[]) => string][] = [
  ...SETTINGS,
  [/\u00a0|\t/g, () => ' '],
  // Chat: ticks and crosses, sound icons, arrows, "+", "@", "≤", "w/", abbreviations; other emoji say nothing here.
  // ("sooo", "plsss"; not "www" or "III".)
  [/([a-hj-vx-z])\1{2,}/g, (_a, c) => c!],
  [/[✅☑✔]\ufe0f?\s*/gu, () => ''],
  [/(?:[❌✖🚫]\ufe0f?|☐)\s*/gu, () => 'no '],
  [/\s*🔇/gu, () => ' muted'],
  [/✂\ufe0f?\s*(?=\d)/gu, () => 'cut out '],
  [/(?<=[\p{L}\d%])\s*(?:→|->|=>)\s*(?=\d)|\b(yt|youtube|tt|tiktok|ig|insta|instagram|landscape|horizontal|vertical|portrait|square|\d+:\d+)\s*(?:→|->|=>)\s*/gu, (_a, from) => (from ? `${from} to ` : ' to ')],
  [/\s*(?:→|->|=>)\s*/gu, () => ', then '],
  [/\s*\p{Extended_Pictographic}\ufe0f?/gu, () => ''],
  [/(?<=\S)\s+\+\s+(?=\S)|(?<=[\p{L}])\+(?=[\p{L}])/gu, () => ' and '],
  [/@\s*(?=\d)/g, () => 'at '],
  [/≤\s*|<\s*(?=\d+(?:\.\d+)?\s*(?:s|secs?|seconds?|m|mins?|minutes?)\b)/g, () => 'under '],
  [/¼/g, () => ' 1/4'],
  [/\bw\/o\b\s*/g, () => 'without '],
  [/\bw\/\s*|\bw\s+(?=(?:a|an|the|music|captions?|subs|subtitles|text|sound|audio|logo|my|our)\b)/g, () => 'with '],
  [/\b(do|does|did|is|are|was|were|ca|wo|should|would|could|have|has)nt\b/g, (_a, v) => `${v}n't`],
  [new RegExp(`\\b(?:${Object.keys(CHAT).join('|')})\\b`, 'g'), (w) => CHAT[w!]!],
  [/\bb\/c\b/g, () => 'because'],
  [/\b(an?)\s+min\b/g, (_a, d) => `${d} minute`],
  [/\b(?:lol|lmao|ngl|tbh|imo|imho|fr|rn|tho)\b[,.!]?/g, () => ''],
  // A shape said for the Instagram feed is the shape the feed gets ("square for the IG feed"), not the feed's 4:5.
  [/\b(square|vertical|landscape|horizontal|wide|1:1|9:16|16:9)\s+(?:for|on)\s+(?:the\s+|my\s+|our\s+)?(?:ig|insta|instagram)\s+(?:feed|grid)\b/g, (_a, s) => s!],
  [/\bmusic(?:\s+vol(?:ume)?)?\s+(?:at\s+)?(half|a\s+quarter|quarter|1\/4|a\s+third|third)\b/g, (_a, f) => `music at ${/half/.test(f!) ? 50 : /third/.test(f!) ? 33 : 25}%`],
  // Dictation: punctuation said aloud, "one point five", words heard apart ("sub titles", "an and card", "tick tock").
  [/\s*\b(?:comma)\b/g, () => ','],
  [/\s*(?<!\b(?:a|the|this|that|trial|time)\s)\b(?:period|full\s+stop|new\s+(?:line|paragraph)|next\s+line)\b(?!\s+of\b)/g, () => '.'],
  [new RegExp(`\\b(\\d+|${DIGIT_WORDS})\\s+point\\s+(\\d|${DIGIT_WORDS})\\b`, 'g'), (_a, a, b) => `${WORD_NUMBERS[a!] ?? a}.${WORD_NUMBERS[b!] ?? b}`],
  [/\btick\s*tock\b/g, () => 'tiktok'],
  [/\bsub\s+titles?\b/g, (w) => (w!.endsWith('s') ? 'subtitles' : 'subtitle')],
  [/\b(an?|the)\s+and\s+(card|screen|slate)\b/g, (_a, d, w) => `${d} end ${w}`],
  [/\b(instagram|insta|ig)\s+reals\b/g, (_a, i) => `${i} reels`],
  [/\blower\s+3rds?\b/g, () => 'lower third'],
  [/\binsta\b|(?<=\b(?:for|on|to)\s+)ig\b|\big(?=\s+(?:post|story|stories|reels?|feed|grid)\b)/g, () => 'instagram'],
  // Number words: "twenty-five", "ten-second", "five seconds".
  [new RegExp(`\\b(${TENS})[- ](one|two|three|four|five|six|seven|eight|nine)\\b`, 'g'), (_a, t, u) => String(WORD_NUMBERS[t!]! + WORD_NUMBERS[u!]!)],
  // "one" is a number only before a unit ("one minute"), not in "each one".
  [new RegExp(`\\b(${Object.keys(WORD_NUMBERS).filter((w) => w !== 'one' && w !== 'zero').join('|')})\\b|\\bone(?=[- ]?${UNIT}\\b)`, 'g'), (w) => String(WORD_NUMBERS[w!])],
  [/\b(\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b)/g, (_a, v) => `${v}%`],
  // Said aloud: "ten eighty p", "four k", "nine sixteen", and clock times after a word that sets a time ("starts at
  // one thirty", "from one oh five to two forty five").
  [/\b(10\s+80|7\s+20|4\s+80|14\s+40|21\s+60)\s*(?:p|pee)\b/g, (r) => `${r!.replace(/\D/g, '')}p`],
  [/\b([48])\s+k\b/g, (_a, k) => `${k}k`],
  [/\b(4k|8k|\d{3,4}p)(24|25|30|50|60)\b/g, (_a, r, f) => `${r} ${f} fps`],
  [new RegExp(`\\b(9\\s+16|16\\s+9|4\\s+5)\\b(?![\\d.]|\\s*(?:%|x\\b|fps|frames?|${UNIT}(?![\\p{L}])))`, 'gu'), (r) => r!.replace(/\s+/, 'x')],
  [new RegExp(`(?<=\\b(?:at|from|to|until|till|between|and|through)\\s)(one|\\d{1,2})\\s+(?:oh\\s+(\\d)|([1-5]\\d))\\b(?!\\.\\d|[\\d:]|\\s*(?:%|x\\b|fps|p\\b|k\\b|frames?|${UNIT}(?![\\p{L}])))`, 'gu'), (_a, m, oh, ss) =>
    `${m === 'one' ? 1 : m}:${oh ? `0${oh}` : ss}`],
  // Speed words: "x1.5", "1.25 speed", "play it back at 50%", "ramp the clip to 200%".
  [/(?<![\p{L}\d])x\s?(\d+(?:\.\d+)?)(?![\d.]|\s*(?:\d|[\p{L}]))/gu, (_a, v) => `${v}x`],
  [/\b(\d(?:\.\d+)?)\s+speed\b/g, (_a, v) => `${v}x speed`],
  [/\b(play(?:ed)?\s+(?:it\s+|the\s+(?:\w+\s+)?(?:clips?|video|footage)\s+)?(?:back\s+)?at|ramp(?:ed)?\s+(?:it|the\s+(?:\w+\s+)?(?:clips?|video|footage))\s+to)\s+(\d+(?:\.\d+)?)\s*%(?!\s*(?:speed|playback|of))/g, (_a, v, p) => `${v} ${p}% speed`],
  // Frame rates: "720p50", "29.97", "23.976", "deliver at 24".
  [/\b(\d{3,4})p(23\.976|24|25|29\.97|30|48|50|59\.94|60)\b/g, (_a, r, f) => `${r}p ${f} fps`],
  [/\b(23\.976|29\.97|59\.94)\b(?!\s*fps)/g, (_a, f) => `${f} fps`],
  [/\b((?:deliver(?:ed)?|render(?:ed)?(?:\s+it)?(?:\s+out)?|export(?:ed)?|conform(?:ed)?)\s+(?:at|to))\s+(24|25|30|48|50|60)(?!\.\d|\d|\s*(?:[\p{L}%]|:))/gu, (_a, v, f) => `${v} ${f} fps`],
  // Broadcast lengths: ":30 spot", ":60".
  [/(?<![\d:])[:](\d{2})\b(?=\s+(?:spot|ad|commercial|cut|version|promo|cutdown|edit))/g, (_a, v) => `${v} seconds`],
  // In and out points: "in point 0:15, out point 4:40".
  [/\b(in|out)[- ]point\s*(?:at\s+|[:=]\s*)?(?=\d)/g, (_a, w) => (w === 'in' ? 'start the clip at ' : 'end the clip at ')],
  // "trim 5 off the tail": a bare number off an end is seconds.
  [/\b(\d+(?:\.\d+)?)(?=\s+(?:off|from)\s+the\s+(?:head|tail|start|end|beginning)\b)/g, (_a, v) => `${v} seconds`],
  [/\b(?:half|1\/2)[- ]speed\b/g, () => '0.5x speed'],
  [/\b(?:quarter)[- ]speed\b/g, () => '0.25x speed'],
  [/\b(?:double|twice the)[- ](?:speed|time)\b|\btwice as fast\b/g, () => '2x speed'],
  [/\bspeeded\b/g, () => 'sped'],
  // "one and a half times as fast", "four times normal speed".
  [/\b(\d+|one) and a half times\b/g, (_a, v) => `${(Number(v) || 1) + 0.5} times`],
  [/\b(\d+(?:\.\d+)?)\s*(?:x|×|times)(?![\p{L}\d])(?:\s+(?:the\s+)?(?:normal|regular|original|usual|real[- ]time)(?=\s+speed\b))?/gu, (_a, v) => `${v}x`],
  // Sizes said in words: "1280 by 720".
  [/\b(\d{3,4})\s+by\s+(\d{3,4})\b/g, (_a, w, h) => `${w}x${h}`],
  // Aspect ratios are not times: 9:16 → 9x16.
  [/(?<![\d:])(16|9|1|4|5|21|3|2):(9|16|1|5|4|3)(?![\d:])/g, (_a, a, b) => `${a}x${b}`],
  // Times in a clip: 1:30, 00:01:00, 0:05.5.
  [/(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.(\d{1,3}))?(?![\d:])/g, (_a, a, b, c, frac) => {
    const [h, m, s] = c === undefined ? [0, Number(a), Number(b)] : [Number(a), Number(b), Number(c)];
    return `⟨${(h * 3600 + m * 60 + s) * 1000 + (frac ? Math.round(Number(`0.${frac}`) * 1000) : 0)}⟩`;
  }],
  // "half a minute", "a minute and a half", "an hour", "the first second", "second 20".
  [/\bhalf an? (minute|second|hour)\b/g, (_a, u) => `⟨${unitMs(u!) / 2}⟩`],
  [/\b(?:a|an|1) (minute|hour) and a half\b/g, (_a, u) => `⟨${unitMs(u!) * 1.5}⟩`],
  [/(\d)½/g, (_a, d) => `${d}.5`],
  [/½/g, () => '0.5'],
  [/\b(\d)\/(\d) of an? (minute|second|hour)\b/g, (_a, a, b, u) => `⟨${Math.round((Number(a) / Number(b)) * unitMs(u!))}⟩`],
  [/\bvol\b\.?/g, () => 'volume'],
  [/\bfull\s+(?:whack|blast)\b/g, () => 'full volume'],
  [/\b(?:a|one) (half|third|quarter|fifth|tenth) of (?:the |its |full |the full )*volume\b/g, (_a, f) => `${{ half: 50, third: 33, quarter: 25, fifth: 20, tenth: 10 }[f!]}% volume`],
  [/\b(\d)\/(\d{1,2}) (?:of (?:the |its |full |the full )*)?volume\b/g, (_a, a, b) => `${Math.round((Number(a) / Number(b)) * 100)}% volume`],
  // "two and a half seconds", "three-quarters of a minute", "a quarter of an hour".
  [new RegExp(`\\b(\\d+|one) and a half (${UNIT})(?![\\p{L}\\d])`, 'gu'), (_a, v, u) => `⟨${Math.round(((Number(v) || 1) + 0.5) * unitMs(u!))}⟩`],
  [/\b(?:(\d)[- ]quarters|(?:a|one)[- ]quarter) of an? (minute|second|hour)\b/g, (_a, q, u) => `⟨${(Number(q ?? 1) * unitMs(u!)) / 4}⟩`],
  // ("24 frames a second" is a rate, not a time.)
  [/(?<!\bframes?\s)\b(?:a|an) (minute|second|hour)\b/g, (_a, u) => `⟨${unitMs(u!)}⟩`],
  // "a minute twenty" (to "two ten"): the seconds of a whole minute, said after it.
  [/⟨(\d+)⟩ ([1-5]?\d)(?=\s+(?:to|and|through|until|till)\b|\s*[,.;]|\s*$)/g, (all, ms, sec) => (Number(ms) % 60_000 ? all! : `⟨${Number(ms) + Number(sec) * 1000}⟩`)],
  [/\b(first|last|final|next|1st) (minute|second|hour)\b/g, (_a, w, u) => `${w} ⟨${unitMs(u!)}⟩`],
  [/\b(?:second|sec) (\d+(?:\.\d+)?)\b/g, (_a, v) => `⟨${Number(v) * 1000}⟩`],
  // A unit said once for two numbers: "from 10 to 25 seconds", "between 3 and 5 s".
  [new RegExp(`\\b(${NUMBER})(\\s*(?:to|-|–|and|or|through)\\s*)(${NUMBER})\\s*(${UNIT})(?![\\p{L}\\d])`, 'gu'), (_a, x, sep, y, u) => `${x} ${u}${sep}${y} ${u}`],
  // Minutes with their seconds unnamed: "1m30", "1 min 45", "2 minutes and 10".
  [
    /\b(\d+)\s*(?:m|mins?|minutes?)\s*(?:and\s+)?(\d{1,2})(?!\.\d|[\d:])(?!\s*(?:[%x]|p\b|k\b|fps|frames?|photos?|pics?|pictures?|images?|slides?|clips?|items?|shots?|stills?|scenes?|videos?|s\b|secs?\b|seconds?\b|ms\b))/gu,
    (_a, m, sec) => `${m} minutes ${sec} seconds`,
  ],
  // Amounts of time, composed: "1 minute 30 seconds", "1m30s", "2 hours and 5 minutes".
  [new RegExp(`${AMOUNT}(?:\\s*(?:and\\s+)?${AMOUNT})*`, 'gu'), (all) => {
    // Amounts compose only from larger units to smaller ones: "10 seconds and 25 seconds" are two.
    let out = '';
    let ms = 0;
    let unit = Infinity;
    let last = 0;
    for (const m of execAll(ONE_AMOUNT, all!)) {
      const u = unitMs(m[2]!);
      if (u >= unit) (out += `⟨${Math.round(ms)}⟩${all!.slice(last, m.index)}`), (ms = 0);
      ms += Number(m[1]) * u;
      unit = u;
      last = m.index + m[0].length;
    }
    return `${out}⟨${Math.round(ms)}⟩`;
  }],
  [/⟨(\d+)⟩\s*(?:and\s+)?(?:a\s+)?half\b/g, (_a, v) => `⟨${Math.round(Number(v) * 1.5)}⟩`],
  // "no first 10s": a part of the clip crossed out.
  [/\bno\s+(?=(?:the\s+)?(?:first|last|opening|final)\s+≈?⟨)/g, () => 'cut '],
  // A hedge before an amount is part of it ("at about 25%", "down to around 0:45", "for roughly 3 seconds"), so
  // every rule that reads an amount reads a hedged one: `≈⟨3000⟩`, `≈25%` (see T and NUM).
  [/\b(?:about|around|roughly|approximately|approx\.?|circa|somewhere\s+around|give\s+or\s+take|like)\s+(?=⟨|\d)|~\s*(?=⟨|\d)/g, () => '≈'],
  // A part of the clip named first and judged after ("the first 8 seconds are junk, lose them", "the last 5
  // seconds of the clip are useless") is a cut of that part.
  // ("... are just me setting up, so cut those": any words, then a cut of "those".)
  [
    /\b((?:the\s+)?(?:first|opening|last|final)\s+≈?⟨\d+⟩(?:\s+(?:of|in)\s+(?:the|my|this)\s+(?:clip|video|vid|footage|recording))?)\s+(?:are|is|was|were)\s+(?:(?:just\s+|pretty\s+|kind\s+of\s+|kinda\s+|all\s+|really\s+)?(?:junk|useless|garbage|rubbish|trash|bad|not\s+(?:good|needed|usable)|unusable|boring|wasted|dead\s+air|filler|shaky|blurry|black)\b(?:\s*[,;:-]?\s*(?:so\s+|please\s+|just\s+)?(?:lose|cut|drop|remove|trim|ditch|delete|skip|chop|get\s+rid\s+of)\s+(?:them|it|those|that)(?:\s+(?:off|out))?)?|[^.;!?]{0,80}?[,;:-]?\s*(?:so\s+|please\s+|just\s+)*(?:lose|cut|drop|remove|trim|ditch|delete|skip|chop|get\s+rid\s+of)\s+(?:them|it|those|that)(?:\s+(?:off|out))?\b)/g,
    (_a, part) => `cut ${part}`,
  ],
  [/\bbg\b/g, () => 'background'],
  // Jargon: a lower third ("L3"), a super, a bumper, the head and the tail, in and out points.
  [/\bl3s?\b/g, () => 'lower third'],
  [/\bsupers?\b(?=\s*(?:at|on|in|:|«|saying|reading))/g, () => 'text'],
  [/\b(?:bumper|sting|ident)\b/g, () => 'card'],
  [/\bat the (head|tail)\b/g, (_a, w) => (w === 'head' ? 'at the start' : 'at the end')],
  [/\btxt\b/g, () => 'text'],
  [/\bthe very (end|start|beginning|top|bottom)\b/g, (_a, w) => `the ${w}`],
];

/** Normalizes one instruction (see `Normalized`). Pure. */
export function normalize(source: string): Normalized {
  const quotes: string[] = [];
  const respelled: Normalized['respelled'] = [];
  let n: Normalized = { text: source, map: [...Array(source.length + 1).keys()], quotes, source, respelled };
  n = replace(n, QUOTES, (_all, ...groups) => `«${quotes.push(groups.slice(0, 8).find((g) => g !== undefined)!.trim()) - 1}»`);
  n = replace(n, NAME, (name) => `«${quotes.push(name!) - 1}»`);
  for (const re of EMAIL) n = replace(n, re, () => '');
  // Lower case, one character for one, so the map stays true.
  n = { ...n, text: [...n.text].map((c) => (c.toLowerCase().length === c.length ? c.toLowerCase() : c)).join('') };
  n = listItems(n);
  n = replace(n, /[’`]/g, () => "'");
  n = replace(n, LONG_WORD, (word) => {
    const meant = respell(word!);
    const index = source.toLowerCase().indexOf(word!, (respelled.at(-1)?.index ?? -1) + 1);
    if (meant) respelled.push({ word: source.slice(index, index + word!.length), meant, index });
    return meant ?? word!;
  });
  for (const [re, fn] of STEPS) n = replace(n, re, fn);
  return corrected(n);
}

/**
 * An edit list ("1) cut 0:00-0:12  2) speed x1.5", "1 - square 2 - 60 sec max", "- mute clip - music 40%"): its items
 * are sentences. Numbers count as markers only in order from 1; else dashes and bullets, two or more of them.
 */
function listItems(n: Normalized): Normalized {
  const numbered: RegExpMatchArray[] = [];
  for (const m of n.text.matchAll(/(?:^|\s)(\d{1,2})(?:\s*[)]|\.(?!\d)|\s+-)\s+(?=[\p{L}\d])/gu)) if (Number(m[1]) === numbered.length + 1) numbered.push(m);
  const bullets = [...n.text.matchAll(/(?:^|\s)[-•*–]\s+(?=\p{L})/gu)];
  const markers = numbered.length >= 2 ? numbered : bullets.length >= 2 ? bullets : [];
  for (const m of markers.reverse()) n = splice(n, m.index!, m.index! + m[0].length, m.index ? '; ' : '', n.map[m.index!]!);
  return n;
}

/** An amount as the lexer writes it, by kind: a time, a percentage, a speed, a frame rate, a resolution. */
const AMOUNTS = /≈?⟨\d+⟩|≈?\d+(?:\.\d+)?(?:%|x(?![\p{L}\d])|\s*fps\b|p\b)/gu;
const kindOf = (amount: string) => (amount.includes('⟨') ? 't' : /fps$/.test(amount) ? 'fps' : amount.at(-1)!);
/**
 * A correction said in passing ("music at 50% - no wait, 25%", "each photo 3 seconds, sorry, 4 seconds", "speed it
 * up to 1.5x, actually make it 2x"). A strong correction followed by a whole instruction on the same thing ("cut 2:00
 * to 2:30, no wait, cut 2:10 to 2:30") replaces the instruction before it.
 */
const CORRECTION =
  /(?:\s*[,;:]|\s+[-–—]+|\.{2,}|…)?\s*\b((?:(?:no\s+wait|wait(?:\s+no)?|sorry|scratch\s+that|i\s+mean|correction|or\s+rather|oops|actually(?:\s+no)?|no\s+(?:actually|sorry)|err?m?)\b\s*[,:;.!]*\s*(?:[-–—]+\s*)?)+|no\b(?=\s*,?\s*(?:≈?⟨|\d)))\s*(?:no\s*,\s*)?(?:(?:make|change|set)\s+(?:it|that)\s+(?:to\s+)?|(?:it\s+should\s+be|it's|its)\s+)?/g;
const STRONG = /^(?:no\s+(?:wait|sorry)|wait|sorry|scratch|i\s+mean|correction|or\s+rather|oops)/;
const CONNECTORS = /^(?:\s|,|-|–|to|and|through|not|instead|please|then|the|of|at|for|seconds?|each|\.)*$/;
const WORD = /\p{L}{3,}/gu;

function corrected(n: Normalized): Normalized {
  for (const m of execAll(CORRECTION, n.text)) {
    const start = m.index!;
    const end = start + m[0].length;
    // (A correction that begins a sentence corrects the one before: "Music at 50%. Sorry, 30%.")
    const ends = [...n.text.slice(0, start).matchAll(/[.;!?…](?=\s|$)/g)].map((s) => s.index! + 1);
    const sentenceStart = Math.max(0, ...(n.text.slice(ends.at(-1) ?? 0, start).trim() ? ends : ends.slice(0, -1)));
    const stop = /[.;!?](?=\s|$)|,\s/.exec(n.text.slice(end + 1));
    const rhsEnd = stop ? end + 1 + stop.index : n.text.length;
    const rhs = n.text.slice(end, rhsEnd);
    const lhs = n.text.slice(sentenceStart, start);
    const olds = [...lhs.matchAll(AMOUNTS)];
    const news = [...rhs.matchAll(AMOUNTS)].map((a) => a[0]);
    // A bare number is of the kind, and in the unit, of the amount it corrects ("30 seconds, sorry I mean 45").
    const bare = /^\s*(\d+(?:\.\d+)?)\s*$/.exec(rhs)?.[1];
    const read = bare && olds.length ? inUnitOf(n, sentenceStart + olds.at(-1)!.index!, olds.at(-1)![0], Number(bare)) : undefined;
    if (read) news.push(read);
    if (!news.length || !olds.length) continue;
    if (read || CONNECTORS.test(rhs.replace(AMOUNTS, ''))) {
      // Only amounts: they take the places of the last amounts of their kinds before.
      const places = olds.slice(-news.length);
      if (places.length !== news.length || places.some((o, k) => kindOf(o[0]) !== kindOf(news[k]!))) continue;
      let out = splice(n, start, rhsEnd, '', 0);
      for (let k = places.length - 1; k >= 0; k--) {
        const at = sentenceStart + places[k]!.index!;
        out = splice(out, at, at + places[k]![0].length, news[k]!, n.map[end + Math.max(0, rhs.search(/\d/))]!);
      }
      return corrected(out);
    }
    // A whole instruction: it replaces the clause before when the correction is a strong one and both name the same
    // thing with an amount of the same kind.
    const clauseStart = Math.max(sentenceStart, ...[...lhs.matchAll(/[,;:](?=\s)/g)].map((c) => sentenceStart + c.index! + 1).filter((c) => c < start));
    const clause = n.text.slice(clauseStart, start);
    const shared = [...clause.matchAll(WORD)].some((w) => new RegExp(`\\b${w[0]}\\b`).test(rhs));
    if (!STRONG.test(m[1]!) || !shared || ![...clause.matchAll(AMOUNTS)].some((o) => kindOf(o[0]) === kindOf(news[0]!))) continue;
    return corrected(splice(n, clauseStart, end, '', 0));
  }
  return n;
}

/** `value` written as the amount `amount` at `at` is: in its unit as the instruction wrote it, for a time. */
function inUnitOf(n: Normalized, at: number, amount: string, value: number): string | undefined {
  if (!amount.includes('⟨')) return amount.replace(/\d+(?:\.\d+)?/, String(value));
  // (The amount may be a number or number words: "3 seconds", "seven seconds".)
  const unit = new RegExp(`(?:\\d\\s*-?\\s*|\\p{L}(?:\\s+|\\s*-\\s*))(${UNIT})(?![\\p{L}\\d])`, 'u').exec(n.source.slice(n.map[at], n.map[at + amount.length]).toLowerCase())?.[1];
  return unit ? `⟨${Math.round(value * unitMs(unit))}⟩` : undefined;
}

/** The text with [start, end) replaced by `text`, its characters mapped to `at` as written. */
function splice(n: Normalized, start: number, end: number, text: string, at: number): Normalized {
  return { ...n, text: n.text.slice(0, start) + text + n.text.slice(end), map: [...n.map.slice(0, start), ...Array<number>(text.length).fill(at), ...n.map.slice(end)] };
}

/** The text of the instruction as written between two offsets of the normalized text. */
export function original(n: Normalized, start: number, end: number): string {
  return n.source.slice(n.map[start], n.map[end]).trim();
}
