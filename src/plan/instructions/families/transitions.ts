import { end, rule, secs, T, type Family } from '../rules.js';

const CUTS = '(?:hard|straight|jump|simple|plain)\\s+cuts?|cuts?\\s+only|just\\s+cuts';
const KIND = '(?:cross[- ]?fade|cross[- ]?dissolve|dissolve|fade|smooth|soft|gentle|quick|slow|simple|cinematic|flash|wipe(?:\\s+(?:left|right|up|down))?|slide|swipe|zoom|spin|blur|glitch|whip)';

/** How one item gives way to the next: crossfades (their length) or hard cuts. */
export const transitions: Family = {
  name: 'transitions',
  summary: 'crossfades between items (and their length), or hard cuts; other kinds are shown as crossfades',
  examples: ['crossfade', 'dissolve', 'fade between the photos', '1-second crossfades', 'smooth transitions', 'no transitions', 'turn off the transitions', 'hard cuts'],
  words: ['crossfade', 'dissolve', 'transition', 'transitions', 'cuts', 'fade between'],
  rules: [
    rule(`(?:${T}\\s+)?(?:${CUTS})\\b(?:\\s+between\\s+(?:the\\s+)?[\\p{L}]+)?`, (m, ctx) => {
      const off = ctx.negated(m.index, end(m));
      ctx.state.transition.type = off ? 'crossfade' : 'cut';
      return off ? `crossfade between items (${secs(ctx.state.transition.ms)}) instead of hard cuts` : 'hard cuts between items';
    }),
    rule(
      `(?:${T}\\s+)?(?:(?:${KIND})\\s+){0,2}(?:cross[- ]?fades?|cross[- ]?dissolves?|dissolves?|crossfading|transitions?|fades?\\s+between|blend(?:s|ing)?\\s+between)(?:\\s+(?:between|from\\s+one\\s+to\\s+the\\s+next)(?:\\s+(?:the|each|every|all|two))?(?:\\s+(?:first\\s+and\\s+second\\s+)?(?:photos|images|pictures|slides|clips|shots|items|segments|scenes|them|one|clip|video\\s+segments|photographs))?)?(?:\\s+(?:of|lasting|for|over)\\s+(?:about\\s+|maybe\\s+)?${T})?`,
      (m, ctx) => {
        if (ctx.negated(m.index, end(m))) {
          ctx.state.transition.type = 'cut';
          return 'hard cuts between items';
        }
        ctx.state.transition.type = 'crossfade';
        const ms = m[1] ?? m[2];
        if (ms) ctx.state.transition.ms = Math.min(Number(ms), 5000);
        const other = /flash|wipe|slide|swipe|zoom|spin|blur|glitch|whip/.exec(m[0]);
        return `crossfade between items (${secs(ctx.state.transition.ms)})${ms && Number(ms) > 5000 ? ' (at most 5 s)' : ''}${other ? ` (a ${other[0]} transition is shown as a crossfade)` : ''}`;
      },
    ),
    rule(`\\b(?:make\\s+)?(?:the\\s+)?(?:\\w+\\s+)?transitions?\\s+(smoother|softer|longer|slower|shorter|quicker|faster|snappier)\\b`, (m, ctx) => {
      ctx.state.transition.type = 'crossfade';
      ctx.state.transition.ms = /smoother|softer|longer|slower/.test(m[1]!) ? Math.max(1000, ctx.state.transition.ms * 2) : Math.max(200, ctx.state.transition.ms / 2);
      return `crossfade between items (${secs(ctx.state.transition.ms)})`;
    }, 1),
  ],
};
