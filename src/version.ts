import { readFileSync } from 'node:fs';

/** This package's version, as package.json says (sent to the cloud as X-Skill-Version). */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
