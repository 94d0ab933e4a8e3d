import { rule, type Family } from '../rules.js';

/** The order of the items. */
export const order: Family = {
  name: 'order',
  summary: 'items in the given order or reversed',
  examples: ['in this order', 'in the order I uploaded them', 'reverse the order', 'last one first'],
  words: ['order', 'reverse'],
  rules: [
    rule(`\\breverse(?:d)?(?:\\s+the)?(?:\\s+(?:photo|picture|image|slide|clip|item|running|shot))?\\s+(?:order|sequence)\\b|\\bthe\\s+reverse\\s+of\\s+the\\s+order\\b|\\b(?:photos|pictures|images|pics|slides|clips|order|them)\\s+(?:[\\p{L}']+\\s+){0,2}?the\\s+other\\s+way\\s+a?round\\b|\\bin\\s+reverse(?:d)?(?:\\s+order)?\\b|\\bin\\s+(?:the\\s+)?(?:opposite|backwards?|inverse)\\s+order\\b|\\breverse\\s+(?:the\\s+)?(?:photos|images|clips|slides|items)\\b|\\bbackwards\\s+order\\b`, (_m, ctx) => {
      ctx.state.order = ctx.state.order === 'reverse' ? 'given' : 'reverse';
      return ctx.state.order === 'reverse' ? 'items in reverse order' : 'items in the given order';
    }),
    // The order wanted, not a reversal of the one there: "play the photos backwards, last one first".
    rule(`\\b(?:photos|images|pictures|pics|clips|slides|items|them)\\s+backwards\\b|\\blast\\s+(?:one|photo|image|picture|pic|clip|slide|item)\\s+first\\b|\\b(?:from\\s+)?last[- ]to[- ]first\\b`, (_m, ctx) => {
      ctx.state.order = 'reverse';
      return 'items in reverse order';
    }),
    rule(`\\b(?:in|keep(?:\\s+(?:the\\s+)?[\\p{L}]+)?\\s+in)\\s+(?:this|the\\s+given|the\\s+same|the\\s+listed|the|my|their|original)\\s+order(?:\\s+(?:i|they|you|as|that)\\s+(?:[\\p{L}]+\\s+){0,3}?[\\p{L}]+)?\\b|\\bin\\s+order\\b`, (_m, ctx) => {
      ctx.state.order = 'given';
      return 'items in the given order';
    }),
    rule(`\\b(?:shuffle|randomi[sz]e|random\\s+order)\\b`, (_m, ctx) => (ctx.unsupported('shuffling: the local backend keeps a fixed order (as given, or reversed)'), '')),
  ],
};
