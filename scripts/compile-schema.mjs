// Compiles the recipe schema to code at build time (`npm run build`), beside the validator that loads it: loading ajv
// and compiling the schema took 100 ms of every run. Options and file name come from src/recipe/validate.ts.
import { writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standalone from 'ajv/dist/standalone/index.js';
import { AJV_OPTIONS, COMPILED_SCHEMA, readRecipeSchema } from '../dist/recipe/validate.js';

const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true } });
const code = standalone.default(ajv, ajv.compile(readRecipeSchema()));
writeFileSync(new URL(`../dist/recipe/${COMPILED_SCHEMA}`, import.meta.url), code);
