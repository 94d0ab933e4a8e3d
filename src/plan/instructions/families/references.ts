import { rule, type Family } from '../rules.js';
import { describeCut } from './clips.js';
import { noLogo } from './logo.js';

/**
 * Taking away what "it" or "them" stands for: the last thing named in this sentence, or else in the one before ("Why
 * is there a logo? Take it off.").
 */
export const references: Family = {
  name: 'references',
  summary: 'taking away what "it" refers to: the logo, the music, the captions, a text or a part of the clip named just before',
  examples: ['why is there a logo? take it off', 'add the title "Hi". actually, remove it', 'the music: lose it'],
  words: [],
  rules: [
    rule(
      `\\b(?:take|get|turn|switch|leave|cut)\\s+(?:it|them|that|this)\\s+(?:off|out)\\b|\\b(?:remove|lose|drop|ditch|delete|kill|scrap|nix|axe|get\\s+rid\\s+of)\\s+(?:it|them|that|this)\\b(?!\\s+(?:part|bit|section|piece|moment|scene|clip|photo|image|second|minute|one))`,
      (_m, ctx) => {
        const { state } = ctx;
        switch (ctx.topic ?? ctx.previousTopic) {
          case 'logo':
            return noLogo(state);
          case 'music':
            state.music.on = false;
            return 'no music';
          case 'captions':
            state.captions.on = false;
            return 'no captions';
          case 'text':
            if (!ctx.text) return undefined;
            state.texts.splice(state.texts.indexOf(ctx.text), 1);
            return `no text "${ctx.text.text}"`;
          case 'clip': {
            const last = state.cuts.at(-1);
            if (last?.kind !== 'keep' || !last.fromMs || last.toMs === undefined) return undefined;
            last.kind = 'remove';
            return `${describeCut(last)} (not keep)`;
          }
          default:
            return undefined;
        }
      },
    ),
  ],
};
