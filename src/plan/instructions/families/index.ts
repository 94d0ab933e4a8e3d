import type { Family } from '../rules.js';
import { captions } from './captions.js';
import { clips } from './clips.js';
import { fades } from './fades.js';
import { length } from './length.js';
import { logo } from './logo.js';
import { motion } from './motion.js';
import { music } from './music.js';
import { order } from './order.js';
import { references } from './references.js';
import { shape } from './shape.js';
import { text } from './text.js';
import { transitions } from './transitions.js';
import { unsupported } from './unsupported.js';

/** Every phrase family the interpreter knows, in the order `nemo-run instructions` prints them. */
export const FAMILIES: Family[] = [length, shape, music, captions, text, logo, transitions, fades, motion, clips, order, references, unsupported];
