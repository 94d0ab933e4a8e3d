import type { Aspect, Format, Resolution } from '../../recipe/recipe.types.js';

/** Where text sits in the frame. */
export type Position = 'top' | 'center' | 'bottom';
/** A frame corner, for the logo. */
export type Corner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

/** A title or text the instructions asked for. */
export interface TextEdit {
  text: string;
  kind: 'title' | 'text';
  /** Where in time: the first seconds, the last seconds, or the whole video. */
  at: 'start' | 'end' | 'all';
  durationMs?: number;
  position: Position;
  color: string;
}

/** Everything the instructions asked for, refined instruction by instruction. */
export interface EditState {
  totalMs?: number;
  perItemMs?: number;
  aspect?: Aspect;
  resolution?: Resolution;
  format?: Format;
  fps?: number;
  /** `undefined`: use the music input if there is one. */
  music: { on?: boolean; volume?: number; fadeInMs: number; fadeOutMs: number };
  /** `undefined`: captions when a captions input exists. */
  captions: { on?: boolean; position: Position; color: string };
  texts: TextEdit[];
  /** `undefined`: a corner logo when a logo input exists. */
  logo: { corner?: boolean; position: Corner; opacity: number; intro: boolean; outro: boolean };
  transition: { type: 'crossfade' | 'cut'; ms: number };
  fadeInMs: number;
  fadeOutMs: number;
  motion: 'none' | 'kenburns' | 'zoom' | 'pan';
  /** Trims per clip, by a word of its file name. */
  trims: { clip: string; from: 'start' | 'end'; ms: number }[];
  mute: boolean;
  speed: number;
  reverse: boolean;
}

/** What one instruction became, for `plan` and warnings. */
export interface InstructionNote {
  instruction: string;
  did: string[];
  notUnderstood: string[];
}

/** The state before any instruction: the documented defaults. */
export function initialState(): EditState {
  return {
    music: { fadeInMs: 0, fadeOutMs: 1000 },
    captions: { position: 'bottom', color: 'white' },
    texts: [],
    logo: { position: 'bottom-right', opacity: 1, intro: false, outro: false },
    transition: { type: 'crossfade', ms: 500 },
    fadeInMs: 0,
    fadeOutMs: 0,
    motion: 'none',
    trims: [],
    mute: false,
    speed: 1,
    reverse: false,
  };
}

const WORD_NUMBERS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  twelve: 12, fifteen: 15, twenty: 20, thirty: 30, forty: 40, 'forty-five': 45, fifty: 50, sixty: 60, ninety: 90,
};
const NUM = `(\\d+(?:\\.\\d+)?|${Object.keys(WORD_NUMBERS).join('|')})`;
// "30s" needs its digit: "ones" and "tens" are not durations.
const SEC = `(?:seconds?|secs?|(?<=\\d)s)\\b`;
const COLORS = 'white|black|red|green|blue|yellow|orange|purple|pink|gray|grey|gold|cyan|magenta|navy|teal';
const COLOR = `(#[0-9a-f]{6}\\b|${COLORS})`;
const ITEM = '(?:photo|image|picture|pic|slide|item|shot|still)s?';

function num(word: string): number {
  return WORD_NUMBERS[word] ?? Number(word);
}

/** What a rule sees: the match, the state, the quoted strings and this instruction's new text item. */
interface RuleContext {
  state: EditState;
  quotes: string[];
  /** The text item this instruction added, which position, colour and timing words refine. */
  text?: TextEdit;
}

interface Rule {
  re: RegExp;
  /** Returns what it did, for the notes. */
  apply(m: RegExpExecArray, ctx: RuleContext): string;
}

const rule = (source: string, apply: Rule['apply']): Rule => ({ re: new RegExp(source, 'g'), apply });

/** The vocabulary, most specific first: each match is consumed so later rules do not see it. */
const RULES: Rule[] = [
  // Titles and text, with the quoted words.
  rule(`\\b(?:end|finish|close)\\s+(?:it\\s+|the video\\s+)?with\\s+(?:the\\s+)?(?:text\\s+|words\\s+)?«(\\d+)»`, (m, ctx) =>
    addText(ctx, { kind: 'text', at: 'end', position: 'center' }, m[1]!)),
  rule(`\\b(?:start|open|begin)\\s+(?:it\\s+|the video\\s+)?with\\s+(?:the\\s+|a\\s+)?(?:title\\s+|text\\s+)?«(\\d+)»`, (m, ctx) =>
    addText(ctx, { kind: 'title', at: 'start', position: 'center' }, m[1]!)),
  rule(
    `(?:\\b(?:add|put|show|use|with|include|display|overlay)\\s+)?(?:a\\s+|an\\s+|the\\s+)?(?:big\\s+|large\\s+|small\\s+|bold\\s+)?(title|heading|headline|banner|text|tagline|caption|subtitle|label)\\s+(?:of\\s+|saying\\s+|that says\\s+|reading\\s+)?«(\\d+)»`,
    (m, ctx) =>
      addText(ctx, /title|heading|headline|banner/.test(m[1]!) ? { kind: 'title', at: 'start', position: 'center' } : { kind: 'text', at: 'all', position: 'bottom' }, m[2]!),
  ),
  rule(`\\bfor\\s+the\\s+(first|last|final)\\s+(?:${NUM}\\s*[- ]?${SEC}|(second))`, (m, ctx) => {
    if (!ctx.text) return '';
    const seconds = m[3] ? 1 : num(m[2]!);
    ctx.text.at = m[1] === 'first' ? 'start' : 'end';
    ctx.text.durationMs = seconds * 1000;
    return `text for the ${m[1]} ${seconds} s`;
  }),
  rule(`\\bfor\\s+${NUM}\\s*[- ]?${SEC}`, (m, ctx) => {
    if (!ctx.text) return '';
    ctx.text.durationMs = num(m[1]!) * 1000;
    return `text for ${num(m[1]!)} s`;
  }),
  rule(`\\b(?:throughout|the whole (?:video|time)|the entire video|all the time)\\b`, (_m, ctx) => {
    if (!ctx.text) return '';
    ctx.text.at = 'all';
    return 'text for the whole video';
  }),
  rule(`\\bat\\s+the\\s+(start|beginning|end)\\b`, (m, ctx) => {
    if (!ctx.text) return '';
    ctx.text.at = m[1] === 'end' ? 'end' : 'start';
    return `text at the ${m[1]}`;
  }),

  // Logo.
  rule(`\\b(?:start|open|begin)\\s+with\\s+(?:the\\s+|our\\s+|a\\s+)?logo\\b|\\blogo\\s+(?:at|in)\\s+the\\s+(?:start|beginning)\\b`, (_m, ctx) => {
    ctx.state.logo.intro = true;
    return 'logo card at the start';
  }),
  rule(`\\b(?:end|finish|close)\\s+with\\s+(?:the\\s+|our\\s+|a\\s+)?logo\\b|\\blogo\\s+at\\s+the\\s+end\\b`, (_m, ctx) => {
    ctx.state.logo.outro = true;
    return 'logo card at the end';
  }),
  rule(
    `(?:\\b(?:put|place|add|show)\\s+)?(?:the\\s+|our\\s+|a\\s+)?logo\\s+(?:in|at|on|to|into)\\s+(?:the\\s+)?(top|bottom|upper|lower)[- ]?(left|right)(?:[- ]hand)?(?:\\s+corner)?`,
    (m, ctx) => {
      ctx.state.logo.corner = true;
      ctx.state.logo.position = `${/top|upper/.test(m[1]!) ? 'top' : 'bottom'}-${m[2]}` as Corner;
      return `logo in the ${ctx.state.logo.position} corner`;
    },
  ),
  rule(`\\b(?:add\\s+)?(?:the\\s+|our\\s+|a\\s+)?logo\\s+as\\s+(?:a\\s+)?watermark\\b|\\b(?:add\\s+)?(?:a\\s+)?watermark(?:\\s+(?:with|using)\\s+(?:the\\s+|our\\s+)?logo)?\\b`, (_m, ctx) => {
    ctx.state.logo.corner = true;
    ctx.state.logo.opacity = 0.5;
    return `logo as a watermark (${ctx.state.logo.position}, 50%)`;
  }),
  rule(`\\b(?:no|without|remove(?:\\s+the)?)\\s+(?:the\\s+)?logo\\b`, (_m, ctx) => {
    Object.assign(ctx.state.logo, { corner: false, intro: false, outro: false });
    return 'no logo';
  }),
  rule(`\\b(?:add|with|include|put|show|use)\\s+(?:the\\s+|our\\s+|a\\s+)?logo\\b`, (_m, ctx) => {
    ctx.state.logo.corner = true;
    return `logo in the ${ctx.state.logo.position} corner`;
  }),

  // Music.
  rule(`\\b(?:no|without|remove(?:\\s+the)?|drop(?:\\s+the)?)\\s+(?:background\\s+)?(?:music|bgm|soundtrack)\\b`, (_m, ctx) => {
    ctx.state.music.on = false;
    return 'no music';
  }),
  rule(`\\b(?:background\\s+)?(?:music|bgm|soundtrack)\\s+(?:volume\\s+)?(?:at|to)\\s+(\\d+)\\s*%|\\b(\\d+)\\s*%\\s+(?:music|bgm)(?:\\s+volume)?`, (m, ctx) => {
    ctx.state.music.on = true;
    ctx.state.music.volume = Math.min(100, Number(m[1] ?? m[2])) / 100;
    return `music at ${Math.round(ctx.state.music.volume * 100)}%`;
  }),
  rule(`\\b(quiet|soft|low|subtle|gentle|loud)\\s+(?:background\\s+)?(?:music|bgm)\\b`, (m, ctx) => {
    ctx.state.music.on = true;
    ctx.state.music.volume = m[1] === 'loud' ? 1 : 0.2;
    return `music at ${ctx.state.music.volume * 100}%`;
  }),
  rule(`\\bfade\\s+(?:the\\s+)?(?:background\\s+)?(?:music|bgm|soundtrack|audio)\\s+out\\b|\\bfade\\s+out\\s+(?:the\\s+)?(?:background\\s+)?(?:music|bgm|soundtrack|audio)\\b|\\b(?:music|bgm)\\s+fades?\\s+out\\b`, (_m, ctx) => {
    ctx.state.music.fadeOutMs = 3000;
    return 'music fades out over the last 3 s';
  }),
  rule(`\\bfade\\s+(?:the\\s+)?(?:background\\s+)?(?:music|bgm|soundtrack|audio)\\s+in\\b|\\bfade\\s+in\\s+(?:the\\s+)?(?:background\\s+)?(?:music|bgm|soundtrack|audio)\\b`, (_m, ctx) => {
    ctx.state.music.fadeInMs = 2000;
    return 'music fades in over 2 s';
  }),
  rule(`\\b(?:with|add|use|include|put|play)?\\s*(?:some\\s+|the\\s+|a\\s+)?(?:background\\s+)?(?:music|bgm|soundtrack)\\b`, (_m, ctx) => {
    ctx.state.music.on = true;
    return 'music on';
  }),

  // Captions.
  rule(`\\b(?:no|without|remove(?:\\s+the)?)\\s+(?:captions|subtitles)\\b`, (_m, ctx) => {
    ctx.state.captions.on = false;
    return 'no captions';
  }),
  rule(`\\b(?:captions?|subtitles?)\\s+(?:at|on|in)\\s+(?:the\\s+)?(top|bottom|center|centre|middle)\\b`, (m, ctx) => {
    ctx.state.captions.on = true;
    ctx.state.captions.position = position(m[1]!);
    return `captions at the ${ctx.state.captions.position}`;
  }),
  rule(`\\b${COLOR}\\s+(?:captions|subtitles)\\b|\\b(?:captions|subtitles)\\s+in\\s+${COLOR}`, (m, ctx) => {
    ctx.state.captions.on = true;
    ctx.state.captions.color = (m[1] ?? m[2])!;
    return `captions in ${ctx.state.captions.color}`;
  }),
  rule(`\\bcaption\\s+(?:each|every|all(?:\\s+the)?)\\s+${ITEM}|\\b(?:with|add|show|include|use)?\\s*(?:the\\s+)?(?:captions?|subtitles?)\\b`, (_m, ctx) => {
    ctx.state.captions.on = true;
    return 'captions on';
  }),

  // Music fades come before picture fades, so "fade out" alone means the picture.
  rule(`\\bfade\\s+in\\s*(?:and|/|&)\\s*(?:fade\\s+)?out(?:\\s+(?:from|to)\\s+black)?\\b`, (_m, ctx) => {
    ctx.state.fadeInMs = ctx.state.fadeOutMs = 1000;
    return 'fade in from black and out to black (1 s)';
  }),
  rule(`\\bfade\\s+(?:in\\s+)?from\\s+black\\b|\\bfade\\s+in\\b`, (_m, ctx) => {
    ctx.state.fadeInMs = 1000;
    return 'fade in from black (1 s)';
  }),
  rule(`\\bfade\\s+(?:out\\s+)?to\\s+black\\b|\\bfade\\s+out\\b`, (_m, ctx) => {
    ctx.state.fadeOutMs = 1000;
    return 'fade out to black (1 s)';
  }),

  // Transitions (a duration inside them is not the video's length).
  rule(`\\b(?:no\\s+transitions?|hard\\s+cuts?|straight\\s+cuts?|jump\\s+cuts?|just\\s+cuts?)\\b`, (_m, ctx) => {
    ctx.state.transition.type = 'cut';
    return 'hard cuts between items';
  }),
  rule(
    `\\b(?:${NUM}\\s*[- ]?${SEC}\\s+)?(?:smooth\\s+|quick\\s+|slow\\s+|soft\\s+)?(?:cross-?\\s?fades?|crossfading|dissolves?|fades?\\s+between|blend(?:s|ing)?\\s+between|transitions?)(?:\\s+(?:between|from\\s+one\\s+to\\s+the\\s+next)(?:\\s+(?:the|each|every|all))?(?:\\s+(?:photos|images|pictures|slides|clips|shots|items|them))?)?(?:\\s+of\\s+${NUM}\\s*[- ]?${SEC})?`,
    (m, ctx) => {
      ctx.state.transition.type = 'crossfade';
      const seconds = m[1] ?? m[2];
      if (seconds) ctx.state.transition.ms = num(seconds) * 1000;
      return `crossfade between items (${ctx.state.transition.ms / 1000} s)`;
    },
  ),

  // Motion.
  rule(`\\bken\\s*burns(?:\\s+effect)?\\b`, (_m, ctx) => {
    ctx.state.motion = 'kenburns';
    return 'Ken Burns motion on stills';
  }),
  rule(`\\b(?:slow\\s+|gentle\\s+|subtle\\s+)?zoom(?:s|ing)?(?:\\s+in|\\s+out)?\\b`, (_m, ctx) => {
    ctx.state.motion = 'zoom';
    return 'slow zoom on stills';
  }),
  rule(`\\b(?:slow\\s+|gentle\\s+|subtle\\s+)?pan(?:s|ning)?(?:\\s+across)?\\b`, (_m, ctx) => {
    ctx.state.motion = 'pan';
    return 'slow pan on stills';
  }),
  rule(`\\bno\\s+(?:motion|movement|zoom|pan)\\b|\\bstatic\\b`, (_m, ctx) => {
    ctx.state.motion = 'none';
    return 'no motion on stills';
  }),

  // Clips.
  rule(`\\b(?:trim|cut|remove|skip)\\s+(?:off\\s+)?the\\s+(first|last)\\s+(?:${NUM}\\s*[- ]?${SEC}|second)\\s+(?:of|from|off)\\s+(?:the\\s+)?([\\w.-]+)`, (m, ctx) => {
    const seconds = m[2] ? num(m[2]) : 1;
    ctx.state.trims.push({ clip: m[3]!, from: m[1] === 'first' ? 'start' : 'end', ms: seconds * 1000 });
    return `trim the ${m[1]} ${seconds} s of ${m[3]}`;
  }),
  rule(`\\bmute\\s+(?:the\\s+|all\\s+)?(?:clips?|videos?|footage|clip\\s+audio|original\\s+(?:audio|sound))\\b|\\b(?:no|without)\\s+(?:clip|original)\\s+(?:audio|sound)\\b`, (_m, ctx) => {
    ctx.state.mute = true;
    return "clips' own sound muted";
  }),
  rule(`\\bspeed\\s+(?:it\\s+|them\\s+|the\\s+(?:clips?|video|footage)\\s+)?up(?:\\s+(?:by\\s+)?(\\d+(?:\\.\\d+)?)\\s*x)?\\b|\\b(\\d+(?:\\.\\d+)?)\\s*x\\s+(?:speed|faster)\\b`, (m, ctx) => {
    ctx.state.speed = Math.min(4, Math.max(0.25, Number(m[1] ?? m[2] ?? 2)));
    return `clips at ${ctx.state.speed}x speed`;
  }),
  rule(`\\bslow\\s+motion\\b|\\bslow\\s+(?:it|them|the\\s+(?:clips?|video))\\s+down\\b`, (_m, ctx) => {
    ctx.state.speed = 0.5;
    return 'clips in slow motion (0.5x)';
  }),

  // Shape, size, format.
  rule(`\\b(?:vertical|portrait|9:16|9x16)\\b|\\b(?:for\\s+)?(?:tiktok|(?:instagram\\s+)?reels?|(?:youtube\\s+)?shorts|(?:instagram\\s+)?stories)\\b`, (m, ctx) =>
    setAspect(ctx, '9:16', m[0])),
  rule(`\\b(?:square|1:1|1x1)\\b|\\b(?:for\\s+(?:an?\\s+)?)?instagram\\s+post\\b`, (m, ctx) => setAspect(ctx, '1:1', m[0])),
  rule(`\\b(?:4:5|4x5)\\b`, (m, ctx) => setAspect(ctx, '4:5', m[0])),
  rule(`\\b(?:landscape|horizontal|widescreen|16:9|16x9)\\b|\\b(?:for\\s+)?youtube\\b`, (m, ctx) => setAspect(ctx, '16:9', m[0])),
  rule(`\\b(480|720|1080|1440|2160)p\\b|\\b(4k|uhd|2k|full\\s*hd|hd)\\b`, (m, ctx) => {
    const named: Record<string, Resolution> = { '4k': '2160p', uhd: '2160p', '2k': '1440p', hd: '720p' };
    ctx.state.resolution = m[1] ? (`${m[1]}p` as Resolution) : (named[m[2]!.replace(/\s/g, '')] ?? '1080p');
    return `resolution ${ctx.state.resolution}`;
  }),
  rule(`\\b(?:at\\s+)?(24|25|30|50|60)\\s*fps\\b`, (m, ctx) => {
    ctx.state.fps = Number(m[1]);
    return `${ctx.state.fps} fps`;
  }),
  rule(`\\b(?:as\\s+|to\\s+|into\\s+)?(?:an?\\s+)?(mp4|mov|webm)\\b`, (m, ctx) => {
    ctx.state.format = m[1] as Format;
    return `format ${m[1]}`;
  }),

  // Length.
  rule(`\\b${NUM}\\s*[- ]?${SEC}\\s+(?:per|each|for\\s+each|a|an)\\s+${ITEM}|\\beach\\s+${ITEM}\\s+(?:for\\s+)?${NUM}\\s*[- ]?${SEC}`, (m, ctx) => {
    ctx.state.perItemMs = num((m[1] ?? m[2])!) * 1000;
    ctx.state.totalMs = undefined;
    return `${ctx.state.perItemMs / 1000} s per image`;
  }),
  rule(`\\bhalf\\s+a\\s+minute\\b`, (_m, ctx) => setTotal(ctx, 30_000)),
  rule(`\\b${NUM}\\s*[- ]?(?:minutes?|mins?)\\b(?:\\s+long)?`, (m, ctx) => setTotal(ctx, num(m[1]!) * 60_000)),
  rule(`\\b(?:(?:cut|trim|shorten|make)\\s+(?:it|the\\s+video|everything)?\\s*(?:down\\s+)?to\\s+)?${NUM}\\s*[- ]?${SEC}(?:\\s+long)?`, (m, ctx) => setTotal(ctx, num(m[1]!) * 1000)),

  // Order.
  rule(`\\breverse(?:\\s+the)?\\s+order\\b|\\bin\\s+reverse(?:\\s+order)?\\b`, (_m, ctx) => {
    ctx.state.reverse = !ctx.state.reverse;
    return ctx.state.reverse ? 'items in reverse order' : 'items in the given order';
  }),
  rule(`\\bin\\s+(?:this|the\\s+given|the\\s+same|the\\s+listed)\\s+order\\b|\\bin\\s+order\\b`, (_m, ctx) => {
    ctx.state.reverse = false;
    return 'items in the given order';
  }),

  // Colours and positions left over refine this instruction's text.
  rule(`\\b(?:in|colou?red)\\s+${COLOR}|\\b${COLOR}(?=\\s+(?:text|letters|font|title))`, (m, ctx) => {
    if (!ctx.text) return '';
    ctx.text.color = (m[1] ?? m[2])!;
    return `text in ${ctx.text.color}`;
  }),
  rule(`\\b(?:at|on|in)\\s+the\\s+(top|bottom|center|centre|middle)\\b|\\b(centered|centred)\\b`, (m, ctx) => {
    if (!ctx.text) return '';
    ctx.text.position = position(m[1] ?? 'center');
    return `text at the ${ctx.text.position}`;
  }),
];

/** Words that carry no instruction of their own ("turn these images into a promotional video"). */
const FILLER = new Set(
  `a an the these this those that it its them their my our your into to in on at of for with and or then also please
  make create turn turning build produce generate give me us video videos film movie promo promotional product products
  image images photo photos picture pictures pics slides slideshow shot shots still stills footage file files all each every some just using use
  from as be is should nice quick short final finished ad clip clips logo look looks good great simple new one two three
  four five six seven eight nine ten i want would like can you so by out up put add show have has let lets let's
  together combine combined them between`.split(/\s+/),
);

/** Interprets one instruction against the state (mutating it); returns what it did and what it could not place. */
export function interpretInstruction(instruction: string, state: EditState): InstructionNote {
  const quotes: string[] = [];
  const masked = instruction
    .replace(/"([^"]*)"|“([^”]*)”|'([^']{2,})'(?!\w)/g, (_q, a, b, c) => `«${quotes.push(a ?? b ?? c) - 1}»`)
    .toLowerCase();
  const ctx: RuleContext = { state, quotes };
  const did: string[] = [];
  let rest = masked;
  for (const { re, apply } of RULES) {
    rest = rest.replace(re, (...args) => {
      const m = args.slice(0, -2) as unknown as RegExpExecArray;
      const what = apply(m, ctx);
      if (!what) return args[0] as string;
      did.push(what);
      return ' '.repeat((args[0] as string).length);
    });
  }
  const notUnderstood = rest
    .split(/[\s,;.!?()]+/)
    .map((w) => w.replace(/^[-:'"]+|[-:'"]+$/g, ''))
    .filter((w) => w && !FILLER.has(w) && !/^\d+$/.test(w))
    .map((w) => w.replace(/^«(\d+)»$/, (_m, i) => `"${quotes[Number(i)]}"`));
  return { instruction, did, notUnderstood };
}

/** Interprets the instructions in order; later ones refine earlier ones, as a person editing would. */
export function interpretInstructions(instructions: string[]): { state: EditState; notes: InstructionNote[] } {
  const state = initialState();
  const notes = instructions.map((text) => interpretInstruction(text, state));
  return { state, notes };
}

function addText(ctx: RuleContext, base: Pick<TextEdit, 'kind' | 'at' | 'position'>, quote: string): string {
  const text = ctx.quotes[Number(quote)] ?? '';
  ctx.text = { ...base, text, color: 'white', durationMs: base.at === 'all' ? undefined : 3000 };
  ctx.state.texts.push(ctx.text);
  return `${base.kind} "${text}" (${base.at === 'start' ? 'at the start' : base.at === 'end' ? 'at the end' : 'throughout'})`;
}

function setAspect(ctx: RuleContext, aspect: Aspect, words: string): string {
  ctx.state.aspect = aspect;
  return `aspect ${aspect} ("${words.trim()}")`;
}

function setTotal(ctx: RuleContext, ms: number): string {
  ctx.state.totalMs = ms;
  ctx.state.perItemMs = undefined;
  return `length ${ms / 1000} s`;
}

function position(word: string): Position {
  return word === 'top' ? 'top' : word === 'bottom' ? 'bottom' : 'center';
}
