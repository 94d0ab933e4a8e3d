/**
 * nemo-run as users get it: `npm pack`, then `npm install <tarball>` into a scratch project, then the installed bin,
 * an ESM import and TypeScript's view of the types.
 *
 * Offline and fast: the install runs with `--offline`, `--ignore-scripts`, an empty npm cache of its own and a
 * registry address nothing answers on, so it never reaches the internet. The tarball's dependencies are linked beforehand into the scratch project's
 * node_modules from this checkout's (npm keeps an installed package that satisfies the range), except ffprobe's
 * packages, which are copied so that one test can take their permissions away. Packing and installing take ~3 s.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, testEnv } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
let base: string;
let project: string;
let tarball: string;
let packed: string[];

function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: opts.cwd ?? project, encoding: 'utf8', env: testEnv(opts.env), timeout: 60_000 });
}

/** Runs an ES module in the scratch project, as a user's code importing 'nemo-run'. */
function runModule(name: string, code: string): SpawnSyncReturns<string> {
  writeFileSync(join(project, name), code);
  return run(process.execPath, [name]);
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'nemo-run-package-'));
  project = join(base, 'project');
  // Its own empty npm cache: nothing comes from (or goes to) the user's, and nothing could be fetched anyway.
  const offline = { npm_config_cache: join(base, 'npm-cache'), npm_config_registry: 'http://127.0.0.1:9/', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

  // The tarball of the built package (npm test builds first); --ignore-scripts: `prepare` would build again.
  const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', base], { cwd: ROOT, env: offline });
  expect(pack.status, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout);
  tarball = join(base, info.filename);
  packed = info.files.map((f: { path: string }) => f.path);

  mkdirSync(join(project, 'node_modules/@types'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true, type: 'module' }));
  for (const dep of Object.keys(pkg.dependencies)) {
    mkdirSync(dirname(join(project, 'node_modules', dep)), { recursive: true });
    if (dep.startsWith('@ffprobe-installer/')) continue;
    symlinkSync(join(ROOT, 'node_modules', dep), join(project, 'node_modules', dep));
  }
  cpSync(join(ROOT, 'node_modules/@ffprobe-installer'), join(project, 'node_modules/@ffprobe-installer'), { recursive: true });

  const install = run('npm', ['install', tarball, '--offline', '--no-package-lock', '--ignore-scripts'], { env: offline });
  expect(install.status, install.stderr).toBe(0);
  // Node's types, for the TypeScript test (npm would have removed them as extraneous before).
  symlinkSync(join(ROOT, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'));

  mkdirSync(join(project, 'recipes'));
  for (const image of ['red.jpg', 'blue.jpg']) copyFileSync(join(ROOT, 'test/fixtures/media', image), join(project, 'recipes', image));
  writeFileSync(
    join(project, 'recipes/tiny.yaml'),
    '# yaml-language-server: $schema=../node_modules/nemo-run/schemas/recipe.schema.json\nversion: 1\ninputs: [red.jpg, blue.jpg]\ninstructions: [make a 1-second video]\nexport: { resolution: 480p, quality: draft }\n',
  );
}, 120_000);

afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds the built entry, its types, the bin and the schemas, and no sources, tests or source maps', () => {
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'bin/nemo-run.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'schemas/recipe.schema.json', 'schemas/draft.schema.json']));
    expect(packed.filter((f) => /^(src|test|bench|recipes)\/|\.map$/.test(f))).toEqual([]);
    // main, types and the exports map point at files the tarball has.
    const targets = [pkg.main, pkg.types, pkg.exports['.'].types, pkg.exports['.'].default].map((p: string) => p.replace(/^\.\//, ''));
    for (const target of targets) expect(packed).toContain(target);
  });

  it('installs as a dependency whose bin (node_modules/.bin/nemo-run) runs and whose schema is where the README says', () => {
    expect(realpathSync(join(project, 'node_modules/nemo-run'))).toBe(join(project, 'node_modules/nemo-run'));
    const version = run(join(project, 'node_modules/.bin/nemo-run'), ['--version']);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout).toContain(pkg.version);

    const schema = join(project, 'node_modules/nemo-run/schemas/recipe.schema.json');
    expect(run(join(project, 'node_modules/.bin/nemo-run'), ['schema', '--path']).stdout).toBe(`${schema}\n`);
    expect(JSON.parse(run(join(project, 'node_modules/.bin/nemo-run'), ['schema']).stdout)).toEqual(JSON.parse(readFileSync(schema, 'utf8')));
    const validate = run(join(project, 'node_modules/.bin/nemo-run'), ['validate', 'recipes/tiny.yaml']);
    expect(validate.status, validate.stderr + validate.stdout).toBe(0);
  });

  it("is imported from ESM: check a file or an object, plan, and run with events", () => {
    const result = runModule(
      'use.mjs',
      `import { checkRecipe, checkRecipeObject, checkRecipes, planRecipe, runRecipes, describePlan, recipeSchemaPath, RecipeValidationError, ExitCode, VERSION } from 'nemo-run';
import schema from 'nemo-run/schemas/recipe.schema.json' with { type: 'json' };
const out = {};
const recipe = await checkRecipe('recipes/tiny.yaml');
const plan = planRecipe(recipe);
out.plan = { recipe: plan.recipe, size: [plan.export.width, plan.export.height], steps: plan.steps.map((s) => s.kind) };
out.notes = (await describePlan(plan)).notes.map((n) => n.did);
try {
  await checkRecipeObject({ inputs: ['nope.jpg'], instructions: ['make a 1-second video'] }, { dir: 'recipes' });
} catch (error) {
  out.invalid = { isValidation: error instanceof RecipeValidationError, exitCode: error.exitCode === ExitCode.invalid, errors: error.errors.map((e) => \`\${e.pos.file}:\${e.pos.line}:\${e.pos.col}: \${e.message}\`) };
}
const fromObject = await checkRecipeObject({ name: 'object', inputs: ['blue.jpg'], instructions: ['make a 1-second video'], export: { resolution: '480p', quality: 'draft' } }, { dir: 'recipes' });
out.checked = (await checkRecipes(['recipes/tiny.yaml', 'recipes/missing.yaml'])).problems.map((p) => p.error.code);
const events = [];
const reports = await runRecipes([recipe, fromObject], { concurrency: 2, onEvent: (e) => events.push(e.type) });
out.reports = reports.map((r) => ({ recipe: r.recipe, status: r.status, output: r.output }));
out.events = [...new Set(events)].sort();
out.schema = schema.$id === JSON.parse((await import('node:fs')).readFileSync(recipeSchemaPath, 'utf8')).$id && recipeSchemaPath.endsWith('/node_modules/nemo-run/schemas/recipe.schema.json');
out.version = VERSION;
console.log(JSON.stringify(out));
`,
    );
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.plan).toEqual({ recipe: 'tiny', size: [854, 480], steps: expect.arrayContaining(['probe', 'render']) });
    expect(out.notes.flat().join(' ')).toMatch(/1/);
    expect(out.invalid).toEqual({ isValidation: true, exitCode: true, errors: ['recipes/recipe.yaml:2:5: input not found: nope.jpg'] });
    expect(out.checked).toEqual(['E_RECIPE_READ']);
    expect(out.reports).toEqual([
      { recipe: 'tiny', status: 'ok', output: join(project, 'recipes/out/tiny.mp4') },
      { recipe: 'object', status: 'ok', output: join(project, 'recipes/out/object.mp4') },
    ]);
    expect(existsSync(join(project, 'recipes/out/object.poster.png'))).toBe(true);
    expect(out.events).toEqual(expect.arrayContaining(['recipe:start', 'step:start', 'step:done', 'recipe:done']));
    expect(out).toMatchObject({ schema: true, version: pkg.version });
  });

  it('has TypeScript types that tsc checks a user\'s code against', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['use.ts'] }),
    );
    writeFileSync(
      join(project, 'use.ts'),
      `import { checkRecipe, checkRecipeObject, planRecipe, runRecipes, NemoError, type Recipe, type RecipeReport, type RunEvent, type Plan, type RecipeSpec } from 'nemo-run';

const spec: RecipeSpec = { inputs: ['red.jpg'], instructions: ['make a 1-second video'], export: { format: 'mp4', aspect: '9:16' } };
const recipe: Recipe = await checkRecipe('recipes/tiny.yaml', { strict: true, backend: 'local' });
const other: Recipe = await checkRecipeObject(spec, { dir: 'recipes' });
const plan: Plan = planRecipe(recipe);
const width: number = plan.export.width;
const onEvent = (event: RunEvent): void => {
  if (event.type === 'step:progress') console.log(event.fraction.toFixed(2));
  if (event.type === 'recipe:done') console.log(event.report.status);
};
const reports: RecipeReport[] = await runRecipes([recipe, other], { concurrency: 1, onEvent, signal: AbortSignal.timeout(60_000) });
const failed: string[] = reports.filter((r) => r.status !== 'ok').map((r) => r.error?.code ?? '');
try { await checkRecipe('x.yaml'); } catch (error) { if (error instanceof NemoError) console.log(error.code, error.hint, error.exitCode); }
// @ts-expect-error the backend is 'local' or 'nemo'
await checkRecipe('x.yaml', { backend: 'cloud' });
// @ts-expect-error an aspect the schema does not have
const wrong: RecipeSpec = { inputs: [], instructions: [], export: { aspect: '2:1' } };
console.log(width, failed, wrong);
`,
    );
    const tsc = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it.runIf(process.getuid?.() === 0 && existsSync('/usr/bin/setpriv'))(
    'installed by root with ffprobe 0744, says to another user that ffprobe is not executable for them, and how to fix it',
    () => {
      const ffprobe = (JSON.parse(run(process.execPath, ['--input-type=module', '-e', "import f from '@ffprobe-installer/ffprobe'; console.log(JSON.stringify(f.path))"], { cwd: join(project, 'node_modules/nemo-run') }).stdout) as string);
      expect(ffprobe.startsWith(join(project, 'node_modules/'))).toBe(true);
      chmodSync(ffprobe, 0o744);
      const work = join(base, 'nobody');
      mkdirSync(work, { mode: 0o777 });
      chmodSync(work, 0o777);
      chmodSync(base, 0o755);
      chmodSync(project, 0o755);
      cpSync(join(project, 'recipes'), work, { recursive: true });
      rmSync(join(work, 'out'), { recursive: true, force: true });
      rmSync(join(work, '.nemo-run'), { recursive: true, force: true });
      const asNobody = run(
        '/usr/bin/setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(project, 'node_modules/nemo-run/bin/nemo-run.js'), 'tiny.yaml'],
        { cwd: work, env: { HOME: work, XDG_CACHE_HOME: join(work, '.cache'), XDG_CONFIG_HOME: join(work, '.config') } },
      );
      expect(asNobody.status, asNobody.stderr + asNobody.stdout).toBe(1);
      const said = asNobody.stdout + asNobody.stderr;
      expect(said).toContain(`${ffprobe} is there but this user (uid 65534) may not run it: its mode is 0744 and it belongs to uid 0; @ffprobe-installer/ffprobe installed it without execute permission for this user [E_FFMPEG_MISSING]`);
      expect(said).toContain(`hint: its owner can fix it for everyone: \`sudo chmod a+rx '${ffprobe}'\``);
      expect(said).not.toContain('npm ci');
      chmodSync(ffprobe, 0o755);
    },
  );
});
