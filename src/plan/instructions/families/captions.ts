import { COLOR, end, Q, rule, type Family } from '../rules.js';
import { addText } from './text.js';

const CAPTIONS = '(?:closed\\s+)?(?:captions?|subtitles?|subs|srt(?:\\s+file)?|vtt(?:\\s+file)?|cc)';

/** Captions under each item: on, off, where, what colour, and given words. */
export const captions: Family = {
  name: 'captions',
  summary: "captions under each item (from the input's caption, a captions file, or the file name), their place and colour",
  examples: ['with captions', 'caption each image', 'burn in the subtitles', 'captions at the top', 'yellow captions', 'add captions "STAR EDIT"', 'no captions'],
  words: ['captions', 'subtitles', 'caption'],
  rules: [
    rule(`\\b(?:(?:hard[- ]?code|burn(?:\\s+in)?|embed)\\s+(?:in\\s+)?(?:the\\s+|these\\s+)?)?(?:${COLOR}\\s+|bold\\s+|big\\s+|large\\s+|small\\s+)*${CAPTIONS}\\b(?:\\s+(?:into|onto|on)\\s+the\\s+video)?(?:(?:\\s*:\\s*|\\s+)${Q})?`, (m, ctx) => {
      // "a caption at the bottom saying Thanks": one text with given words, not captions under every item.
      if (/\b(?:caption|subtitle)$/.test(m[0]) && !/\b(?:captions|subtitles)\b/.test(m[0]) && /^(?:\s+(?:at|in|on)\s+the\s+\w+)?\s+(?:saying|(?:that|which)\s+(?:says|reads)|reading|:)\s/.test(ctx.after(end(m)))) {
        return addText(m, 'text', ctx);
      }
      ctx.topic = 'captions';
      if (ctx.negated(m.index, end(m))) {
        ctx.state.captions.on = false;
        return 'no captions';
      }
      ctx.state.captions.on = true;
      const color = new RegExp(COLOR).exec(m[0]);
      if (color) ctx.state.captions.color = color[1]!;
      if (m[2] !== undefined) ctx.state.captions.text = ctx.quote(m[2]);
      return `captions on${ctx.state.captions.text ? ` reading "${ctx.state.captions.text}"` : ''}${color ? ` in ${color[1]}` : ''}`;
    }),
    // "caption bottom" in an edit list.
    rule(`\\b${CAPTIONS}\\s+(top|bottom|center|centre|middle)\\b(?!\\s+of\\b)`, (m, ctx) => {
      ctx.topic = 'captions';
      ctx.state.captions.on = true;
      ctx.state.captions.position = m[1] === 'top' ? 'top' : m[1] === 'bottom' ? 'bottom' : 'center';
      return `captions at the ${ctx.state.captions.position}`;
    }),
    // "subtitles please, the line is 'Open late'": the words of the captions just named.
    rule(`\\b(?:the\\s+)?(?:line|text|words?|wording)\\s+(?:is|are|should\\s+be|reads?|says?|=|:)\\s*${Q}`, (m, ctx) => {
      if (ctx.topic !== 'captions') return undefined;
      ctx.state.captions.text = ctx.quote(m[1]!);
      return `captions reading "${ctx.state.captions.text}"`;
    }),
    rule(`\\bcaption\\s+(?:each|every|all(?:\\s+the)?)\\s+(?:photo|image|picture|slide|item|clip)s?\\b`, (_m, ctx) => {
      ctx.topic = 'captions';
      ctx.state.captions.on = true;
      return 'captions on';
    }),
    rule(`\\b${CAPTIONS}\\s+in\\s+${COLOR}`, (m, ctx) => {
      ctx.topic = 'captions';
      ctx.state.captions.on = true;
      ctx.state.captions.color = m[1]!;
      return `captions in ${m[1]}`;
    }),
  ],
};
