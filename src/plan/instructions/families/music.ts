import { end, NUM, rule, type Context, type Family } from '../rules.js';

/** Words that say what kind of music, not whether or how loud. */
const MOOD = '(?:soft|calm|upbeat|happy|chill|chilled|relaxing|relaxed|epic|cinematic|piano|acoustic|guitar|lo-?fi|jazz|jazzy|rock|pop|electronic|ambient|dramatic|energetic|gentle|royalty[- ]free|instrumental|corporate|inspiring|inspirational|uplifting|emotional|sad|fun|funky|classical|orchestral|trendy|catchy|summer|festive|holiday|christmas|dance|hip[- ]hop)';
const MUSIC = `(?:background\\s+|backing\\s+)?(?:${MOOD}\\s+){0,3}(?:background\\s+)?(?:music|bgm|soundtrack|song|tune|piano|instrumental|backing\\s+track|music\\s+track|audio\\s+track|background\\s+track)`;
const MUSIC_WORD = new RegExp(`\\b${MUSIC}\\b`, 'u');
const VOICE = '(?:voice|voices|dialogue|dialog|speech|talking|speaking|narration|voice-?over|vocals?|commentary|interview)';

function musicOn(ctx: Context): void {
  ctx.state.music.on = true;
  ctx.topic = 'music';
}

function volume(ctx: Context, fraction: number): string {
  musicOn(ctx);
  ctx.state.music.volume = Math.max(0, Math.min(1, fraction));
  return `music at ${Math.round(ctx.state.music.volume * 100)}%`;
}

function relative(ctx: Context, up: boolean): string {
  musicOn(ctx);
  const now = ctx.state.music.volume;
  if (now !== undefined) ctx.state.music.volume = Math.min(1, up ? now * 1.5 : now * 0.5);
  else ctx.state.music.gain *= up ? 1.5 : 0.5;
  return up ? 'music louder' : 'music quieter';
}

/** Music on, off, its level, and the clips' own sound. */
export const music: Family = {
  name: 'music and sound',
  summary: "the music input on or off, its level (absolute or relative), ducking under voices, and the clips' own sound",
  examples: ['with music', 'add background music', 'music at 35%', 'music.volume=0.2', 'turn the music down to 10%', 'make the music quieter', 'lower the music to half volume', 'no music', 'mute the music', 'mute the clips', 'replace the audio with the music', 'remove all audio', 'duck the music under my voice'],
  words: ['music', 'soundtrack', 'volume', 'quieter', 'louder', 'mute', 'audio', 'sound', 'duck', 'background music'],
  rules: [
    rule(`\\b${MUSIC}\\b`, (m, ctx) => {
      if (ctx.negated(m.index, end(m))) {
        ctx.state.music.on = false;
        ctx.topic = 'music';
        return 'no music';
      }
      musicOn(ctx);
      return 'music on';
    }),
    rule(`\\b(?:add|attach|combine|mix|overlay|put|use|include|with|lay|set)\\s+(?:(?:an?|the|some|this|my)\\s+)?(?:audio|sound)(?:\\s*(?:file|track|input))?\\b(?!\\s+(?:fade|level))`, (m, ctx) =>
      ctx.negated(m.index, end(m)) ? undefined : (musicOn(ctx), 'music on (the music input)')),
    rule(`\\b(?:replace|swap(?:\\s+out)?|change|substitute|switch)\\s+(?:the\\s+|its\\s+)?(?:[\\p{L}]+'s\\s+|original\\s+|clip\\s+|video\\s+)?(?:audio|sound|soundtrack)(?:\\s+with\\s+(?:the\\s+)?(?:[\\p{L}-]+\\s+){0,3}?(?:music|audio|song|track|input|file))?|\\b(?:${MUSIC})\\s+(?:replacing|instead\\s+of|in\\s+place\\s+of|over(?:riding)?)\\s+(?:the\\s+|its\\s+)?(?:original\\s+|clip'?s?\\s+|video'?s?\\s+|camera\\s+)?(?:own\\s+)?(?:audio|sound)\\b`, (_m, ctx) => {
      ctx.state.mute = true;
      musicOn(ctx);
      return "clips' own sound replaced by the music";
    }),
    rule(`\\b(?:mute|silence|turn\\s+off)\\s+(?:the\\s+|this\\s+|these\\s+|all\\s+(?:the\\s+)?)?(?:clips?|videos?|footage|audio|sound|original(?:\\s+(?:audio|sound))?|clips?'s?\\s+(?:audio|sound)|(?:video|clip)\\s+(?:audio|sound)|camera\\s+(?:audio|sound)|it|them)\\b|\\b(?:the\\s+)?(?:original|clip'?s?|video'?s?|camera)\\s+(?:own\\s+)?(?:audio|sound)\\s+(?:muted|silenced|off)\\b|\\b(?:the\\s+)?(?:clips?|video|footage)\\s+muted\\b`, (m, ctx) => {
      // "do NOT mute the clip", "never mute it": the clips keep their sound.
      ctx.state.mute = !ctx.negated(m.index, end(m));
      return ctx.state.mute ? "clips' own sound muted" : "clips' own sound kept";
    }),
    rule(`\\b(?:remove|strip|drop|kill|delete|take\\s+out|get\\s+rid\\s+of|cut|lose|ditch|scrap|(?<!\\b(?:watch|watches|watching|view|views|viewing|scroll|scrolls|scrolling)\\s+)without|no)\\s+(all\\s+(?:the\\s+)?|any\\s+)?(?:the\\s+|its\\s+)?(?:(?:original|clip|camera|video|clip'?s|video'?s|production|nat|natural|location|sync)\\s+)?(?:own\\s+)?(audio|sound)(?:\\s+(?:from|of)\\s+(?:the\\s+|this\\s+)?(?:video|clips?|footage|[\\w-]+\\.\\w{2,4}))?\\b`, (m, ctx) => {
      ctx.state.mute = true;
      // ("Without the clip audio" names the clips' sound alone.)
      if (m[1] || (/^(?:without|no)\b/.test(m[0]) && !/\b(?:original|clip|camera|video|production|nat|natural|location|sync)\b/.test(m[0]))) {
        ctx.state.music.on = false;
        return 'no sound at all (clips muted, no music)';
      }
      return "clips' own sound removed";
    }),
    // What the camera heard: "take the echoey pool sound off", "keep the wind noise off", "mute the crowd", "kill the
    // gym noise", "nat sound off" (not the music).
    rule(`\\b(?:take|turn|switch|keep|cut|get)\\s+(?:the\\s+|that\\s+|all\\s+the\\s+)?(?:(?!music|song|track|soundtrack)[\\p{L}-]+\\s+){0,2}?(?:noise|sound|audio)\\s+(?:off|out)\\b|\\b(?:mute|kill|silence|lose|drop)\\s+(?:the\\s+|all\\s+the\\s+)?(?:crowd|gym|room|street|traffic|ambient|ambience|nat|natural|location|camera)(?:\\s+(?:noise|sound|audio|chatter))?\\b|\\b(?:nat|natural|ambient|location|crowd|camera)\\s+(?:sound|audio|noise)\\s+(?:off|out|muted)\\b`, (m, ctx) => {
      if (ctx.negated(m.index, end(m))) return undefined;
      ctx.state.mute = true;
      return "clips' own sound muted";
    }),
    rule(`\\b(?:keep|preserve|retain|leave|just|only|use|with)\\s+(?:the\\s+)?(?:actual\\s+|real\\s+)?(?:original|clip'?s?|camera|video'?s?|natural|live)\\s*(?:own\\s+)?(?:audio|sound)\\b|\\b(?:keep|preserve|retain)\\s+(?:the\\s+)?(?:audio|sound)\\b|\\b(?:original|clip)\\s+(?:audio|sound)\\s+(?:on|too|as\\s+well)\\b`, (_m, ctx) => {
      ctx.state.mute = false;
      return "clips' own sound kept";
    }),
    rule(`\\bduck(?:ed|ing)?\\s+(?:the\\s+)?(?:${MUSIC}\\s+)?(?:under|below|beneath|for|when|while)?\\s*(?:my\\s+|the\\s+|a\\s+)?(?:${VOICE})?|\\b(?:under|below|beneath)\\s+(?:the\\s+)?(?:clip'?s?|clips'|original|video'?s?|camera)\\s+(?:audio|sound)\\b|\\bso\\s+(?:that\\s+)?(?:you\\s+can\\s+hear\\s+)?(?:my\\s+|the\\s+)?${VOICE}(?:\\s+(?:is|are|stays?)\\s+(?:clear|audible|heard))?|\\b(?:under|below|beneath|when|while|during)\\s+(?:i'm\\s+|i\\s+am\\s+|people\\s+are\\s+|someone\\s+is\\s+|they're\\s+|there\\s+is\\s+)?(?:my\\s+|the\\s+|a\\s+)?${VOICE}\\b`, (_m, ctx) => {
      ctx.state.mute = false;
      musicOn(ctx);
      ctx.state.music.gain = Math.min(ctx.state.music.gain, 0.5);
      return "music lowered under the clips' own sound";
    }),
    rule(`\\b(?:${MUSIC}|volume|level|audio)(?:\\s*[:=]\\s*|\\s+(?:volume\\s+|level\\s+)?(?:down\\s+|up\\s+)?(?:(?:to|at|of|=|:)\\s*)?)${NUM}%(?:\\s+(?:volume|level))?|\\b${NUM}%\\s+(?:music\\s+)?(?:volume|music|level)|\\b(?:volume|level)\\s+(?:\\w+\\s+){0,3}?(?:to|at)\\s+${NUM}%`, (m, ctx) =>
      volume(ctx, Number(m[1] ?? m[2] ?? m[3]) / 100)),
    rule(`(?:\\b(?:to|at|on|maybe|say)\\s+|(?<=[,;:(]\\s?))${NUM}%(?!\\s*(?:opacity|scale|size|transparen|saturation|brightness|contrast|zoom|speed))`, (m, ctx) =>
      ctx.topic === 'music' ? volume(ctx, Number(m[1]) / 100) : undefined),
    rule(`\\bto\\s+a\\s+(half|third|quarter|fifth|tenth)\\b(?!\\s+of\\b)`, (m, ctx) =>
      ctx.topic === 'music' || MUSIC_WORD.test(ctx.before(m.index)) ? volume(ctx, { half: 0.5, third: 0.33, quarter: 0.25, fifth: 0.2, tenth: 0.1 }[m[1]!]!) : undefined),
    rule(`\\b(?:to\\s+|at\\s+)?(half|full|quarter|double)\\s+(?:the\\s+)?volume\\b`, (m, ctx) => volume(ctx, { half: 0.5, full: 1, quarter: 0.25, double: 1 }[m[1]!]!)),
    rule(`\\b(?:${MUSIC}|volume)\\s+(?:volume\\s+)?(?:should\\s+be|is|at|on|=|:)?\\s*(low|quiet|soft|subtle|loud|high|full)\\b`, (m, ctx) => volume(ctx, /loud|high|full/.test(m[1]!) ? 1 : 0.2)),
    rule(`\\b(quiet|soft|low|subtle|gentle|faint|loud)\\s+(?:background\\s+)?(?:${MOOD}\\s+){0,2}(?:music|bgm|song)\\b`, (m, ctx) => volume(ctx, m[1] === 'loud' ? 1 : 0.2)),
    // "the music is way too loud", "the song's a bit too quiet": the other way.
    rule(`\\b(?:${MUSIC}|it)(?:\\s+is|\\s+are|'s)\\s+(?:(?:way|far|much|a\\s+bit|a\\s+little|slightly|kind\\s+of|really)\\s+)?too\\s+(loud|noisy|quiet|soft|low)\\b`, (m, ctx) =>
      /^it$/.test(m[0].split(/\s/)[0]!) && ctx.topic !== 'music' ? undefined : relative(ctx, /quiet|soft|low/.test(m[1]!))),
    rule(`\\b(?:make|turn|bring|keep|set|have)?\\s*(?:the\\s+)?(?:${MUSIC}|volume|audio)\\s+(?:(?:a\\s+)?(?:bit|little|lot|much)\\s+)?(down|up)\\b|\\b(?:${MUSIC}|volume)\\s+(?:[\\p{L}']+\\s+){0,3}?(quieter|softer|lower|louder|higher)\\b|\\b(lower|reduce|decrease|soften|raise|increase|boost|turn\\s+down|turn\\s+up|dial\\s+down|bring\\s+down)\\s+(?:the\\s+)?(?:${MUSIC}|volume)(?:\\s+(?:volume|level))?|\\b(drop)\\s+(?:the\\s+)?(?:${MUSIC}|volume)(?=\\s+(?:down|to\\s+\\d))`, (m, ctx) =>
      relative(ctx, /louder|higher|up|raise|increase|boost/.test((m[1] ?? m[2] ?? m[3] ?? m[4])!))),
    rule(`\\b(?:loop(?:ed|ing)?|repeat(?:ed|ing)?|replay(?:ed|ing)?)\\b(?:\\s+(?:it|the\\s+(?:music|audio|sound|song)|from\\s+(?:the\\s+)?start(?:ing)?))?(?:\\s+(?:till|until|to)\\s+(?:the\\s+)?(?:video\\s+)?ends?)?|\\b(?:till|until)\\s+(?:the\\s+)?video\\s+ends\\b`, (_m, ctx) => {
      musicOn(ctx);
      return 'music loops to the end';
    }),
    rule(`\\b(?:in|from)\\s+the\\s+audio\\s+input\\b|\\bthe\\s+connected\\s+audio\\s+input\\b`, () => ''),
  ],
};
