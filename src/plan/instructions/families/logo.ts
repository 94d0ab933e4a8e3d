import { end, NUM, Q, rule, type Family } from '../rules.js';
import type { Corner, EditState } from '../state.js';
import { addText } from './text.js';

/** No logo anywhere: not in a corner, nor as a card at either end. */
export function noLogo(state: EditState): string {
  Object.assign(state.logo, { corner: false, intro: false, outro: false });
  return 'no logo';
}

const LOGO = '(?:(?:channel|brand|company|our|my|the|a|an)\\s+)*(?:watermark\\s+logo|logo\\s+watermark|logo|watermark|brand\\s+mark)s?';

/** The logo input: in a corner, as a card at the start or end, as a watermark, or not at all. */
export const logo: Family = {
  name: 'logo',
  summary: 'the logo input in a corner (any corner), as a half-transparent watermark, as a card at the start or end, or off',
  examples: ['put the logo in the bottom-right corner', 'add a watermark', 'logo at the end', 'start with the logo', 'it ends with our logo', 'no logo', 'without watermark', 'a "DRAFT" watermark text'],
  words: ['logo', 'watermark', 'corner', 'opacity'],
  rules: [
    rule(`\\b(?:start(?:s|ing)?|open(?:s|ing)?|begin(?:s|ning)?)\\s+with\\s+${LOGO}\\b|\\b${LOGO}(?:\\s+(?:card|screen|slide))?\\s+(?:at|in)\\s+the\\s+(?:start|beginning)\\b`, (m, ctx) => {
      ctx.topic = 'logo';
      // "don't start with the logo"
      ctx.state.logo.intro = !ctx.negated(m.index, end(m));
      return ctx.state.logo.intro ? 'logo card at the start' : 'no logo card at the start';
    }),
    rule(`\\b(?:end(?:s|ing)?|finish(?:es|ing)?|clos(?:e|es|ing))\\s+with\\s+(?:${LOGO}|it(?=(?:\\s+(?:too|as\\s+well|again))?\\b)(?:\\s+(?:too|as\\s+well|again))?)\\b|\\b${LOGO}(?:\\s+(?:card|screen|slide))?\\s+at\\s+the\\s+end\\b`, (m, ctx) => {
      if (/with\s+it\b/.test(m[0]) && ctx.topic !== 'logo') return undefined;
      ctx.topic = 'logo';
      ctx.state.logo.outro = !ctx.negated(m.index, end(m));
      return ctx.state.logo.outro ? 'logo card at the end' : 'no logo card at the end';
    }),
    rule(`\\b${LOGO}(?:(?:\\s+(?:in|at|on|to|into))?\\s+(?:the\\s+)?(top|bottom|upper|lower)[- ]?(left|right)(?:[- ]hand)?(?:\\s+(?:corner|position|side))?|\\s+(?:in|at|on|into)\\s+(?:the\\s+|a\\s+)?corner)?`, (m, ctx) => {
      ctx.topic = 'logo';
      if (ctx.negated(m.index, end(m))) return noLogo(ctx.state);
      ctx.state.logo.corner = true;
      if (m[1]) ctx.state.logo.position = `${/top|upper/.test(m[1]) ? 'top' : 'bottom'}-${m[2]}` as Corner;
      if (/watermark/.test(m[0])) ctx.state.logo.opacity = Math.min(ctx.state.logo.opacity, 0.5);
      return `logo in the ${ctx.state.logo.position} corner${ctx.state.logo.opacity < 1 ? ` (${Math.round(ctx.state.logo.opacity * 100)}%)` : ''}`;
    }),
    // A watermark made of words is a text, and replaces the logo.
    rule(`\\b(?:(?:add|put|with|use)\\s+)?(?:an?\\s+)?(?:[\\p{L}-]+\\s+){0,2}?(?:${Q}\\s+)?(?:watermark\\s+text|text\\s+watermark|watermark\\s+(?=${Q}))`, (m, ctx) => {
      Object.assign(ctx.state.logo, { corner: false });
      const caps = /(?<![\p{L}])(\p{Lu}[\p{Lu}\d!?'-]+)(?![\p{L}])/u.exec(ctx.original(m.index, end(m)));
      const said = addText(m, 'text', ctx, undefined, m[1] !== undefined ? ctx.quote(m[1]) : caps?.[1]);
      ctx.text!.position = 'center';
      return `${said} as a watermark, instead of the logo`;
    }, 1),
    rule(`\\b(?:with\\s+|at\\s+)?${NUM}%\\s+(?:opacity|opaque|transparency|transparent)|\\b(semi[- ]?transparent|transparent|translucent|faint|subtle)\\b`, (m, ctx) => {
      const value = m[1] !== undefined ? Number(m[1]) / 100 : m[2] === 'transparent' ? 0.7 : 0.5;
      const opacity = /transparen/.test(m[0]) && m[1] !== undefined ? 1 - value : value;
      if (ctx.topic === 'logo') return (ctx.state.logo.opacity = opacity), `logo at ${Math.round(opacity * 100)}% opacity`;
      if (ctx.topic === 'text') return `text opacity: not supported, texts are opaque with an outline`;
      return undefined;
    }),
    rule(`\\b(?:at\\s+)?${NUM}%\\s+(?:scale|size)|\\b(?:small|smaller|tiny|large|larger|big|bigger)\\b`, (_m, ctx) =>
      ctx.topic === 'logo' ? 'logo size: the standard size (an eighth of the frame height)' : undefined, -1),
  ],
};
