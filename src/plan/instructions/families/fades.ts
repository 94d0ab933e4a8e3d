import { videoTime } from '../../../display.js';
import { end, rule, T, type Context, type Family } from '../rules.js';
import { addText } from './text.js';

const TARGET = '(?:it|them|everything|the\\s+(?:background\\s+)?(?:music|audio|sound|song|bgm|soundtrack)|music|audio|sound|(?:the\\s+)?(?:title(?:\\s+text)?|text|titles|captions?|logo|words)|(?:the\\s+)?(?:picture|video|image|images|photos|clip|footage|screen))';

type Target = 'music' | 'text' | 'picture';

function targetOf(word: string | undefined, ctx: Context): Target {
  if (!word || /^(?:it|them|everything)$/.test(word)) return ctx.topic === 'music' || ctx.topic === 'text' ? ctx.topic : 'picture';
  if (/music|audio|sound|song|bgm|soundtrack/.test(word)) return 'music';
  if (/title|text|caption|words|logo/.test(word)) return 'text';
  return 'picture';
}

/** Fades of the picture (from and to black), of the music, and of a text. */
export const fades: Family = {
  name: 'fades',
  summary: 'the picture fading in from / out to black, the music fading in or out, a text fading; "it" follows what was just named',
  examples: ['fade in from black', 'ease in from a black screen', 'fade out to black at the end', "don't fade in", 'fade in and out', 'fade the music out', 'a 0.5 second audio fade in and fade out', 'lower the music and fade it in and out', 'fade in the title over 2 seconds'],
  words: ['fade', 'fade in', 'fade out', 'black'],
  rules: [
    // The picture coming from or going to black with another verb: "ease in from a black screen", "go out to black".
    rule(`\\b(?:ease|come|open|rise|start|begin|go|dip|ease\\s+out|drift)(?:s|es)?\\s+(?:(in|up|out)\\s+)?(from|to|into)\\s+(?:a\\s+|the\\s+)?black(?:\\s+screen)?(?:\\s+(?:over|in|for)\\s+${T})?`, (m, ctx) => {
      const into = m[2] === 'from' ? 'in' : 'out';
      if (ctx.negated(m.index, end(m))) return undefined;
      ctx.state[into === 'in' ? 'fadeInMs' : 'fadeOutMs'] = Number(m[3] ?? 1000);
      ctx.topic = 'picture';
      return `picture fades ${into === 'in' ? 'in from black' : 'out to black'}${m[3] ? ` (${videoTime(Number(m[3]))})` : ''}`;
    }),
    // "have the music start quiet and fade in".
    rule(`\\b(?:start|begin)s?\\s+(?:out\\s+)?(?:quiet(?:ly)?|soft(?:ly)?|low|silent(?:ly)?)\\b`, (_m, ctx) => {
      if (ctx.topic !== 'music') return undefined;
      ctx.state.music.fadeInMs = Math.max(ctx.state.music.fadeInMs, 2000);
      return 'music fades in';
    }),
    rule(
      `(?:\\b(?:end|finish|close|start|open|begin)\\s+(?:it\\s+|the\\s+video\\s+)?with\\s+(?:an?\\s+)?)?(?:${T}\\s+)?(?:(?:background\\s+)?(audio|music|sound|text|title)\\s+)?\\b(?:fade(?:s|d)?|fading|swell(?:s|ing)?(?=[\\s-]+(?:in|up)\\b))(?:[\\s-]+(in|out|up|down|away))?(?:\\s+(${TARGET}))?(?:\\s+(in|out))?(?:\\s*(?:and|&|/|then)\\s*(?:fade\\s+)?(in|out)(?!\\s+(?:the|to|from)\\b))?(?:\\s+(?:(?:in\\s+)?from|(?:out\\s+)?to|into|through)\\s+black)?(?:\\s+(?:(?:over|for|of|in|during|lasting|to)\\s+)?(?:(?:the\\s+)?(?:last|final|first)\\s+)?(?:about\\s+)?${T})?(?:\\s+(?:at\\s+the\\s+(?:start|beginning|end)|when\\s+(?:starting|ending)))?`,
      (m, ctx) => {
        // "listeners loved the fade-outs": an opinion of an earlier cut.
        if (/\b(?:loved|liked|enjoyed|hated|disliked|love|like)\s+(?:the\s+|those\s+|these\s+|your\s+)?$/.test(ctx.before(m.index))) return undefined;
        const words = m[0];
        const dirs = new Set([m[3], m[5], m[6]].filter(Boolean).map((d) => (d === 'up' ? 'in' : d === 'down' || d === 'away' ? 'out' : d!)));
        if (/from\s+black|at the (?:start|beginning)|when starting/.test(words)) dirs.add('in');
        if (/to\s+black|at the end|when ending/.test(words)) dirs.add('out');
        // (Only the picture fades from or to black, whatever was named before: 'lower third "…", fade in from black'.)
        const target = m[2] ? targetOf(m[2], ctx) : /(?:from|to)\s+black/.test(words) ? 'picture' : targetOf(m[4], ctx);
        const ms = m[1] ?? m[7];
        if (!dirs.size && target === 'picture' && ctx.negated(m.index, end(m))) {
          Object.assign(ctx.state, { fadeInMs: 0, fadeOutMs: 0 });
          return 'no fades from or to black';
        }
        if (!dirs.size && target !== 'text') return undefined;
        // "don't fade in at the start", "keep the music but don't fade it out", "don't fade the title".
        if (ctx.negated(m.index, end(m))) {
          const faded = target === 'music' ? ctx.state.music : target === 'text' ? ctx.text : ctx.state;
          if (!faded) return undefined;
          const off = dirs.size ? [...dirs] : ['in', 'out'];
          for (const d of off) faded[d === 'in' ? 'fadeInMs' : 'fadeOutMs'] = 0;
          const what = target === 'text' ? `${ctx.text!.kind} "${ctx.text!.text}"` : target;
          return `${what} does not fade ${off.join(' or ')}`;
        }
        if (target === 'music') {
          ctx.state.music.on = true;
          ctx.topic = 'music';
          if (dirs.has('in')) ctx.state.music.fadeInMs = Number(ms ?? 2000);
          if (dirs.has('out')) ctx.state.music.fadeOutMs = Number(ms ?? 3000);
          return `music fades ${[...dirs].join(' and ')}${ms ? ` over ${videoTime(Number(ms))}` : ''}`;
        }
        if (target === 'text') {
          if (!ctx.text) addText({ index: end(m), 0: '' }, 'title', ctx);
          const t = ctx.text!;
          const fade = Number(ms ?? 500);
          if (!dirs.size || dirs.has('in')) t.fadeInMs = fade;
          if (!dirs.size || dirs.has('out')) t.fadeOutMs = fade;
          return `${t.kind} "${t.text}" fades ${dirs.size ? [...dirs].join(' and ') : 'in and out'}${ms ? ` over ${videoTime(fade)}` : ''}`;
        }
        if (dirs.has('in')) ctx.state.fadeInMs = Number(ms ?? 1000);
        if (dirs.has('out')) ctx.state.fadeOutMs = Number(ms ?? 1000);
        ctx.topic = 'picture';
        return `picture fades ${[...dirs].map((d) => (d === 'in' ? 'in from black' : 'out to black')).join(' and ')}${ms ? ` (${videoTime(Number(ms))})` : ''}`;
      },
    ),
  ],
};
