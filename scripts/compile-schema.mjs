// Compiles the recipe schema to code at build time (`npm run build`), beside the validator that loads it: loading ajv
// and compiling the schema took 100 ms of every run. Options, file name and key come from src/recipe/validate.ts; the
// key lets a run tell a schema changed since the build.
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standalone from 'ajv/dist/standalone/index.js';
import { AJV_OPTIONS, COMPILED_SCHEMA, schemaKey } from '../dist/recipe/validate.js';

const text = readFileSync(new URL('../schemas/recipe.schema.json', import.meta.url), 'utf8');
const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true } });
const code = standalone.default(ajv, ajv.compile(JSON.parse(text)));
writeFileSync(new URL(`../dist/recipe/${COMPILED_SCHEMA}`, import.meta.url), `${code}\nmodule.exports.schemaKey = ${JSON.stringify(schemaKey(text))};\n`);
