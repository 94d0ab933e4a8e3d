import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { guardedStream } from '../display.js';
import { ExitCode } from '../errors.js';
import { suggest } from '../suggest.js';
import { VERSION } from '../version.js';
import { withToolLog } from '../backends/local/ffmpeg.js';
import { isVerbose, type Io } from './io.js';
import { reportError } from './report.js';

/**
 * Parses the arguments, runs the command and returns the exit code; never exits the process itself.
 * Commands are imported when they run, so `--help` and `--version` stay quick.
 */
export async function main(argv: string[], raw: Io): Promise<number> {
  // Everything printed passes one gate: recipe text, file names and server replies cannot drive the terminal.
  const io: Io = { ...raw, stdout: guardedStream(raw.stdout), stderr: guardedStream(raw.stderr) };
  let code: number = ExitCode.ok;
  const program = new Command('nemo-run')
    .description('Turn declarative YAML recipes into finished videos.')
    .version(VERSION, '-v, --version', 'print the version, and the ffmpeg and ffprobe it uses')
    .option('--verbose', 'print each ffmpeg command line, and the last lines of a failing one (also DEBUG=nemo-run)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .addHelpText(
      'after',
      `
Examples:
  $ nemo-run recipes/promo.yaml              render a recipe (same as: nemo-run run …)
  $ nemo-run validate recipes/*.yaml         check recipes without running them
  $ nemo-run plan recipes/promo.yaml --json  show the steps and the timeline

Exit codes: 0 ok · 1 a run failed · 2 invalid recipe or usage · 3 the backend refused · 130 interrupted`,
    );

  const backendOption = () => new Option('-b, --backend <name>', 'override the recipes\' backend').choices(['local', 'nemo']);
  const strictOption = () => new Option('--strict', 'words the interpreter cannot place, and requests it cannot do, are errors (exit 2)');
  // `--set key=value` (again for each key) and `--data FILE`: the values a recipe's ${vars.key} and ${row.column} take.
  const setOption = () => new Option('--set <key=value>', 'a value for ${vars.key} in the recipes (repeatable)').argParser(collectVar).default(undefined);
  const dataOption = () => new Option('--data <file>', 'one video per row of this table (.csv, .json, .jsonl), instead of the recipes\' data:');
  const concurrencyOption = () =>
    new Option('-c, --concurrency <n>', 'the most steps running at once, across all recipes').argParser(positiveInt).default(availableParallelism());

  program
    .command('run', { isDefault: true })
    .description('run one or more recipes')
    .argument('<recipes...>', 'recipe files, folders or globs')
    .addOption(backendOption())
    .addOption(strictOption())
    .addOption(setOption())
    .addOption(dataOption())
    .addOption(concurrencyOption())
    .option('--json', 'print a machine-readable report on stdout')
    .option('-f, --force', 'render even when the output is up to date')
    .option('--preview', 'a small, fast render to a separate *.preview.* output')
    .option('--shard <i/n>', 'run only the i-th of n deterministic shares of the recipes and data rows (CI matrices)', parseShard)
    .addOption(new Option('--reporter <format>', 'also write a report').choices(['json', 'junit']))
    .option('--report-file <file>', 'where --reporter writes (default: stdout)')
    .option('-w, --watch', 'watch the recipes and their inputs, and run again on every change')
    .option('-o, --output <file>', 'write the video here instead of export.output (one recipe only)')
    .action(async (recipes: string[], opts) => {
      if (opts.watch && opts.output !== undefined) {
        io.stderr.write('error: -o/--output is for one run, not --watch\n  hint: set export.output in the recipe\n');
        code = ExitCode.invalid;
        return;
      }
      code = opts.watch
        ? await (await import('./commands/watch.js')).watchCommand(recipes, opts, io)
        : await (await import('./commands/run.js')).runCommand(recipes, opts, io);
    });

  program
    .command('watch')
    .description('run recipes, then again whenever a recipe or one of its inputs changes')
    .argument('<recipes...>', 'recipe files, folders or globs')
    .addOption(backendOption())
    .addOption(strictOption())
    .addOption(setOption())
    .addOption(dataOption())
    .addOption(concurrencyOption())
    .option('--preview', 'small, fast renders to separate *.preview.* outputs')
    .action(async (recipes: string[], opts) => {
      code = await (await import('./commands/watch.js')).watchCommand(recipes, opts, io);
    });

  program
    .command('validate')
    .description('check recipes and their inputs without running them')
    .argument('<recipes...>', 'recipe files, folders or globs')
    .addOption(backendOption())
    .addOption(strictOption())
    .addOption(setOption())
    .addOption(dataOption())
    .action(async (recipes: string[], opts) => {
      code = await (await import('./commands/validate.js')).validateCommand(recipes, opts, io);
    });

  program
    .command('instructions')
    .description('list the phrases the local backend understands, by family, with examples')
    .option('--markdown', 'as the Markdown table the README holds')
    .action(async (opts) => {
      code = await (await import('./commands/instructions.js')).instructionsCommand(opts, io);
    });

  program
    .command('plan')
    .description('show the steps a recipe compiles to')
    .argument('<recipe>', 'recipe file')
    .addOption(backendOption())
    .addOption(strictOption())
    .addOption(setOption())
    .addOption(dataOption())
    .option('--json', 'print the plan as JSON')
    .action(async (recipe: string, opts) => {
      code = await (await import('./commands/plan.js')).planCommand(recipe, opts, io);
    });

  program
    .command('schema')
    .description('print the recipe JSON Schema (for editors and other tools)')
    .option('--path', 'print where the schema file is instead, for a `$schema` modeline')
    .option('--draft', 'the timeline draft\'s schema instead')
    .action(async (opts) => {
      code = await (await import('./commands/schema.js')).schemaCommand(opts, io);
    });

  program
    .command('init')
    .description('write a starter recipe for the photos or clips in a folder (never overwrites a file)')
    .argument('[folder]', 'the folder with the media', '.')
    .action(async (folder: string) => {
      code = await (await import('./commands/init.js')).initCommand(folder, io);
    });

  program
    .command('still')
    .description("write one frame of a recipe's video as a PNG (thumbnails); runs the recipe first unless it is up to date")
    .argument('<recipe>', 'recipe file')
    .requiredOption('--at <time>', 'the time of the frame: 3s, 1.5, 500ms, 0:03')
    .option('-o, --output <file>', 'the PNG to write (default: beside the video, <output>.<time>s.png)')
    .addOption(backendOption())
    .addOption(setOption())
    .addOption(dataOption())
    .option('-f, --force', 'render even when the output is up to date')
    .action(async (recipe: string, opts) => {
      code = await (await import('./commands/still.js')).stillCommand(recipe, opts, io);
    });

  program
    .command('credits')
    .description('show the NemoVideo credit balance')
    .action(async () => {
      code = await (await import('./commands/cloud.js')).creditsCommand(io);
    });

  program
    .command('doctor')
    .description('check the set-up: ffmpeg, ffprobe, filters, fonts, state folders, cloud settings, a test render')
    .argument('[folder]', 'the recipes\' folder whose state folders to show', '.')
    .option('--json', 'print the findings as JSON')
    .action(async (folder: string, opts) => {
      code = await (await import('./commands/doctor.js')).doctorCommand(folder, opts, io);
    });

  program
    .command('state')
    .description("show the timeline of a NemoVideo session")
    .argument('<session-id>', 'the session id')
    .option('--json', 'print the draft as JSON')
    .action(async (sessionId: string, opts) => {
      code = await (await import('./commands/cloud.js')).stateCommand(sessionId, opts, io);
    });

  // Bare `nemo-run` gets the help; a mistyped command is not taken for a recipe path.
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return ExitCode.invalid;
  }
  const commands = program.commands.map((c) => c.name());
  // A bare word that is no command and no file (`nemo-run render x.yaml`) is a command mistyped, not a recipe.
  const word = argv[0]!;
  if (/^[a-z][a-z-]*$/i.test(word) && ![...commands, 'help'].includes(word) && !existsSync(resolve(io.cwd, word))) {
    const typo = suggest(word, commands) ?? (/^(render|build|make|start|exec|execute|go)$/i.test(word) ? 'run' : undefined);
    io.stderr.write(`error: unknown command '${word}'\n  hint: ${typo ? `did you mean \`nemo-run ${typo}\`?` : `the commands are ${commands.join(', ')}; a recipe is given by its path (recipe.yaml)`}\n`);
    return ExitCode.invalid;
  }

  if (argv.length === 1 && (argv[0] === '-v' || argv[0] === '--version')) {
    io.stdout.write(await (await import('./commands/doctor.js')).versionText(io.env));
    return ExitCode.ok;
  }
  // --verbose reaches the tools through the environment, read in one place (isVerbose), and their lines go to stderr.
  program.hook('preAction', () => {
    if (program.opts().verbose) io.env = { ...io.env, NEMO_RUN_VERBOSE: '1' };
  });
  const toolLine = (line: string) => {
    if (!isVerbose(io.env)) return;
    const token = io.env.NEMO_TOKEN;
    io.stderr.write(`debug: ${token ? line.split(token).join('[token]') : line}\n`);
  };

  try {
    await withToolLog(toolLine, () => program.parseAsync(argv, { from: 'user' }));
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.invalid;
    }
    return reportError(error, io);
  }
}

function parseShard(value: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (match && index === 0 && count >= 1) {
    throw new InvalidArgumentError('shards count from 1; for a 0-based job index (JOB_COMPLETION_INDEX, strategy.job-index) add 1, e.g. --shard $((JOB_COMPLETION_INDEX + 1))/' + count);
  }
  if (!match || count < 1 || index < 1 || index > count) throw new InvalidArgumentError('write i/n with 1 ≤ i ≤ n, e.g. 2/4');
  return { index, count };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

/** `--set key=value`, given once per key: the values gathered so far, with this one. */
function collectVar(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(value);
  if (!match) throw new InvalidArgumentError('write key=value, e.g. --set city=Lisbon (the key: letters, digits and _)');
  return { ...previous, [match[1]!]: match[2]! };
}
