import { end, NUM, rule, T, type Family } from '../rules.js';
import { perItem } from './length.js';

/** Movement on stills: Ken Burns, zoom, pan, or none. */
export const motion: Family = {
  name: 'motion',
  summary: 'slow movement on stills (Ken Burns, zoom, pan) or none; "over 8 seconds" sets how long each still shows',
  examples: ['Ken Burns', 'slow zoom', 'a slow push-in', 'pan across the photos', 'no zoom', 'no motion'],
  words: ['ken burns', 'zoom', 'pan', 'motion', 'static'],
  rules: [
    rule(`\\b(?:(?:slow|slowly|gentle|gently|subtle|smooth|cinematic)\\s+)*(?:(ken\\s*burns)(?:\\s+(?:effect|zoom|style))?|(push[- ]?in|pull[- ]?out|zoom(?:s|ing|ed)?(?:\\s+(?:slowly|gently))?(?:\\s+(?:in|out|into|effect))?(?:\\s+(?:slowly|gently))?(?:\\s+(?:to|by)\\s+${NUM}%)?)|(pan(?:s|ning)?|drift(?:ing)?(?:\\s+panning)?|dolly)(?:\\s+(?:slowly|gently))?(?:\\s+(?:across|to\\s+the\\s+(?:left|right)|left|right|effect))?|((?<!slow[- ])(?:motion|movement)))\\b(?:\\s+(?:on|into|across|over|to|of)\\s+(?:each|every|all|the)\\s+(?:the\\s+)?(?:photo|image|picture|still|slide|clip)s?\\b)?`, (m, ctx) => {
      const kind = m[1] ? 'kenburns' : m[2] ? 'zoom' : m[4] ? 'pan' : undefined;
      const onOverlay = /^\s+on\s+(?:the\s+)?(?:logo|title|texts?|captions?)\b/.exec(ctx.after(end(m)));
      if (onOverlay && ctx.negated(m.index, end(m))) {
        ctx.consume(end(m), end(m) + onOverlay[0].length);
        return 'the logo and texts never move';
      }
      if (ctx.negated(m.index, end(m)) || /^static/.test(ctx.after(end(m)))) {
        ctx.state.motion = 'none';
        return 'no motion on stills';
      }
      ctx.state.motion = kind ?? (ctx.state.motion === 'none' ? 'kenburns' : ctx.state.motion);
      return { kenburns: 'Ken Burns motion on stills', zoom: 'slow zoom on stills', pan: 'slow pan on stills' }[ctx.state.motion];
    }),
    rule(`\\b(?:static|still\\s+images|no\\s+(?:motion|movement|animation))\\b`, (_m, ctx) => {
      ctx.state.motion = 'none';
      return 'no motion on stills';
    }, 1),
    rule(`\\b(?:movement|motion|zoom|pan|ken\\s*burns)\\s+(?:\\w+\\s+){0,2}?over\\s+${T}`, (m, ctx) => {
      perItem(ctx, Number(m[1]));
      return `${Number(m[1]) / 1000} s per still`;
    }, 1),
  ],
};
