import { readFileSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { AJV_OPTIONS, COMPILED_SCHEMA, readRecipeSchema, schemaKey } from '../../src/recipe/validate.js';
import { errorLines, runMain } from '../helpers/cli.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const fixture = (name: string) => `test/fixtures/invalid/${name}.yaml`;

describe('nemo-run validate', () => {
  it('ships a recipe schema that JSON Schema 2020-12 accepts (runs do not check it again)', () => {
    const ajv = new Ajv2020({ strict: true, strictRequired: false });
    expect(ajv.validateSchema(readRecipeSchema()), ajv.errorsText()).toBe(true);
    expect(ajv.validateSchema({ type: 'objekt' })).toBe(false);
  });

  it('compiles the schema to code at build time that finds the same errors, with the same details, as ajv at run time', async () => {
    const compiled = createRequire(import.meta.url)(`../../dist/recipe/${COMPILED_SCHEMA}`) as ValidateFunction & { schemaKey: string };
    // Compiled from the schema as it is (a run compiles it itself when the key differs).
    expect(compiled.schemaKey).toBe(schemaKey(readFileSync('schemas/recipe.schema.json', 'utf8')));
    const runtime = new Ajv2020(AJV_OPTIONS).compile(readRecipeSchema());
    // The fixtures that are YAML but not recipes, and a recipe.
    const recipes = [fixture('typos'), fixture('types'), fixture('inputs'), 'recipes/promo.yaml'].map((path) => parse(readFileSync(path, 'utf8')));
    let errors = 0;
    for (const data of recipes) {
      expect(compiled(data)).toBe(runtime(data));
      expect(compiled.errors).toEqual(runtime.errors);
      errors += runtime.errors?.length ?? 0;
    }
    expect(errors).toBeGreaterThan(recipes.length);
  });

  it('accepts recipes/promo.yaml', async () => {
    const { code, stdout } = await runMain(['validate', 'recipes/promo.yaml']);
    expect(stdout).toContain('recipes/promo.yaml: valid (7 inputs, 5 instructions, backend local)');
    expect(code).toBe(0);
  });

  it.each([
    [
      'typos',
      [
        'test/fixtures/invalid/typos.yaml:1:1: the recipe is missing the required key "instructions" [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/typos.yaml:4:1: unknown key "instrutions" [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/typos.yaml:7:3: unknown key "reslution" in export [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/typos.yaml:8:11: export.aspect must be one of 16:9, 9:16, 1:1, 4:5 (got "16:10") [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/typos.yaml:9:11: export.format must be one of mp4, mov, webm (got "avi") [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/typos.yaml:10:8: export.fps must be >= 1 (got 0) [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/typos.yaml:11:12: export.quality must be one of draft, standard, high (got "ultra") [E_RECIPE_SCHEMA]',
      ],
    ],
    [
      'types',
      [
        'test/fixtures/invalid/types.yaml:1:10: version must be 1 (got 2) [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/types.yaml:5:37: inputs[1].role must be one of media, logo, music, captions (got "background") [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/types.yaml:6:5: inputs[2] needs a `path` or a `url` [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/types.yaml:7:15: instructions must be an array (got "make a video") [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/types.yaml:9:8: export.fps must be an integer (got "thirty") [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/types.yaml:10:11: export.output uses the unknown variable ${nam} [E_RECIPE_SCHEMA]',
      ],
    ],
    ['syntax', ['test/fixtures/invalid/syntax.yaml:5:5: this double quote is never closed [E_RECIPE_YAML]']],
    [
      'inputs',
      [
        'test/fixtures/invalid/inputs.yaml:3:5: input not found: ../media/missing.jpg [E_RECIPE_INPUT]',
        'test/fixtures/invalid/inputs.yaml:4:5: "../media/nothing-*.png" matches no file [E_RECIPE_INPUT]',
        'test/fixtures/invalid/inputs.yaml:5:5: unsupported file: .jpg file with content of an unknown type [E_RECIPE_INPUT]',
        'test/fixtures/invalid/inputs.yaml:6:13: a logo must be an image, but this is audio [E_RECIPE_INPUT]',
        'test/fixtures/invalid/inputs.yaml:7:13: music must be audio, but this is image [E_RECIPE_INPUT]',
        'test/fixtures/invalid/inputs.yaml:8:12: URL inputs need the cloud backend (this recipe uses "local") [E_RECIPE_INPUT]',
      ],
    ],
    [
      'custom-tag',
      [
        'test/fixtures/invalid/custom-tag.yaml:3:5: custom tag tag:yaml.org,2002:js/function is not allowed [E_RECIPE_YAML]',
        'test/fixtures/invalid/custom-tag.yaml:4:5: custom tag !include is not allowed [E_RECIPE_YAML]',
      ],
    ],
    ['alias-bomb', ['test/fixtures/invalid/alias-bomb.yaml:1:1: Excessive alias count indicates a resource exhaustion attack [E_RECIPE_YAML]']],
    [
      'empty',
      [
        'test/fixtures/invalid/empty.yaml:2:1: the recipe is missing the required key "inputs" [E_RECIPE_SCHEMA]',
        'test/fixtures/invalid/empty.yaml:2:1: the recipe is missing the required key "instructions" [E_RECIPE_SCHEMA]',
      ],
    ],
  ])('reports every problem of %s.yaml with its position, and exits 2', async (name, expected) => {
    const { code, stderr } = await runMain(['validate', fixture(name)]);
    expect(errorLines(stderr)).toEqual(expected);
    expect(code).toBe(2);
  });

  it('says once, at its place, what a focus pin, a variable name or a variant may be', async () => {
    const dir = await tmpProject();
    await writeRecipe(
      dir,
      'r.yaml',
      'inputs:\n  - { path: media/blue.jpg, focus: middle }\n  - { path: media/red.jpg, focus: [2, 0.5] }\ninstructions:\n  - a 1-second video\nvars:\n  bad-key: 1\nexport:\n  variants:\n    - { aspect: "2:1" }\n',
    );
    const { code, stderr } = await runMain(['validate', 'r.yaml'], { cwd: dir });
    expect(code).toBe(2);
    expect(errorLines(stderr)).toEqual([
      'r.yaml:2:36: inputs[0].focus must be left, right, top, bottom, center or [x, y] (got "middle") [E_RECIPE_SCHEMA]',
      'r.yaml:3:35: inputs[1].focus must be left, right, top, bottom, center or [x, y] (got [2,0.5]) [E_RECIPE_SCHEMA]',
      'r.yaml:7:3: vars has a key that is not a name ("bad-key") [E_RECIPE_SCHEMA]',
      'r.yaml:10:17: export.variants[0].aspect must be one of 16:9, 9:16, 1:1, 4:5 (got "2:1") [E_RECIPE_SCHEMA]',
    ]);
  });

  it('shows the offending line, a caret under the spot, and a hint', async () => {
    const { stderr } = await runMain(['validate', fixture('typos')]);
    expect(stderr).toContain(
      [
        'test/fixtures/invalid/typos.yaml:7:3: unknown key "reslution" in export [E_RECIPE_SCHEMA]',
        '  7 |   reslution: 1080p',
        '    |   ^^^^^^^^^',
        '  hint: did you mean "resolution"?',
      ].join('\n'),
    );
    expect(stderr).toContain('hint: use one of: mp4, mov, webm');
  });

  it('checks several recipes at once and reports all of them', async () => {
    const { code, stdout, stderr } = await runMain(['validate', 'recipes/promo.yaml', fixture('syntax'), fixture('empty')]);
    expect(stdout).toContain('recipes/promo.yaml: valid');
    expect(errorLines(stderr)).toHaveLength(3);
    expect(code).toBe(2);
  });

  it('refuses files over 500 MB without reading them', async () => {
    const dir = await tmpProject();
    const big = await open(join(dir, 'media', 'huge.mp4'), 'w');
    await big.truncate(501 * 1024 * 1024); // sparse: no disk space used
    await big.close();
    const recipe = await writeRecipe(dir, 'big.yaml', 'inputs:\n  - media/huge.mp4\ninstructions:\n  - make a video\n');
    const { code, stderr } = await runMain(['validate', recipe], { cwd: dir });
    expect(errorLines(stderr)).toEqual(['big.yaml:2:5: the file is 501 MB; the limit is 500 MB [E_RECIPE_INPUT]']);
    expect(stderr).toContain('hint: compress it or trim it first');
    expect(code).toBe(2);
  });

  it('refuses a recipe file over 1 MiB before parsing it', async () => {
    const dir = await tmpProject();
    await writeFile(join(dir, 'huge.yaml'), `inputs: [media/blue.jpg]\ninstructions:\n${'  - make a video\n'.repeat(70_000)}`);
    const { code, stderr } = await runMain(['validate', 'huge.yaml'], { cwd: dir });
    expect(errorLines(stderr)[0]).toMatch(/^huge\.yaml:1:1: recipe is \d+ bytes; the limit is 1048576/);
    expect(code).toBe(2);
  });

  it('reports duplicate keys and tabs as YAML errors at their place', async () => {
    const dir = await tmpProject();
    await writeRecipe(dir, 'dup.yaml', 'inputs: [media/blue.jpg]\ninstructions: [a]\ninstructions: [b]\n');
    const { code, stderr } = await runMain(['validate', 'dup.yaml'], { cwd: dir });
    expect(errorLines(stderr)).toEqual(['dup.yaml:3:1: Map keys must be unique [E_RECIPE_YAML]']);
    expect(code).toBe(2);
  });

  it('expands globs in name order and accepts files by their content', async () => {
    const dir = await tmpProject();
    const recipe = await writeRecipe(
      dir,
      'ok.yaml',
      'inputs:\n  - media/*.jpg\n  - { path: media/tone.mp3, role: music }\n  - { path: media/captions.srt, role: captions }\ninstructions:\n  - make a video\n',
    );
    const { code, stdout, stderr } = await runMain(['validate', recipe], { cwd: dir });
    // blue.jpg, broken.jpg (its header is a JPEG's; decoding is checked before rendering), red.jpg; notes.jpg is text.
    expect(errorLines(stderr)).toEqual(['ok.yaml:2:5: notes.jpg: unsupported file: .jpg file with content of an unknown type [E_RECIPE_INPUT]']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
  });

  it('says how to convert an iPhone photo (HEIC), which it cannot read', async () => {
    const dir = await tmpProject();
    // The start of a HEIC file: an ISO box of type ftyp with the brand heic.
    await writeFile(join(dir, 'media', 'IMG_0001.HEIC'), Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic'), Buffer.alloc(64)]));
    const recipe = await writeRecipe(dir, 'phone.yaml', 'inputs:\n  - media/IMG_0001.HEIC\ninstructions:\n  - make a video\n');
    const { code, stderr } = await runMain(['validate', recipe], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('unsupported file: .heic file with heic content');
    expect(stderr).toContain('convert it to JPEG first (`magick photo.heic photo.jpg`');
  });

  it('reports an unreadable recipe path with a hint and exit 2', async () => {
    const { code, stderr } = await runMain(['validate', 'recipes/nope.yaml']);
    expect(stderr).toContain('cannot read recipes/nope.yaml: no such file');
    expect(code).toBe(2);
  });

  it('emits GitHub annotations under GitHub Actions', async () => {
    const { stderr } = await runMain(['validate', fixture('syntax')], { env: { GITHUB_ACTIONS: 'true' } });
    expect(stderr).toContain('::error file=test/fixtures/invalid/syntax.yaml,line=5,col=5::this double quote is never closed');
  });
});

describe('the command line', () => {
  it('shows the help for a bare call, and catches a mistyped command instead of reading it as a recipe', async () => {
    const bare = await runMain([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: nemo-run [options] [command]');
    const typo = await runMain(['validte', 'recipes/promo.yaml']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("error: unknown command 'validte'\n  hint: did you mean `nemo-run validate`?\n");
  });
});
