import { RecipeError } from '../../errors.js';
import type { Recipe } from '../../recipe/recipe.types.js';
import type { InstructionNote } from './state.js';

/**
 * `--strict`: every word an instruction's note could not place or read only as a guess (a misspelling), and every
 * request the local backend cannot do, as a located error (`file:line:col` of the word when the instruction is written on one line).
 */
export function strictErrors(recipe: Recipe, notes: InstructionNote[]): RecipeError[] {
  return notes.flatMap((note, i) => {
    const at = recipe.instructionAt[i];
    const pos = (index: number) => ({ file: recipe.file, line: at?.line ?? 1, col: (at?.col ?? 1) + (at?.inline ? index : 0) });
    const errors = note.unplaced.map(
      (u) =>
        new RecipeError('E_RECIPE_INSTRUCTION', `instructions[${i}]: "${u.word}" is not understood`, pos(u.index), {
          sourceLine: at?.sourceLine,
          length: at?.inline ? u.word.length : 1,
          hint: u.suggestion ? `did you mean "${u.suggestion}"? (\`nemo-run instructions\` lists the vocabulary)` : 'rephrase it with the vocabulary `nemo-run instructions` lists, or leave it out',
        }),
    );
    for (const u of note.guessed) {
      errors.push(
        new RecipeError('E_RECIPE_INSTRUCTION', `instructions[${i}]: "${u.word}" is read as "${u.suggestion}", a guess`, pos(u.index), {
          sourceLine: at?.sourceLine,
          length: at?.inline ? u.word.length : 1,
          hint: `write "${u.suggestion}" if that is what is meant (--strict takes no guesses)`,
        }),
      );
    }
    for (const message of note.unsupported) {
      errors.push(new RecipeError('E_RECIPE_INSTRUCTION', `instructions[${i}]: not done by the local backend: ${message}`, pos(0), { sourceLine: at?.sourceLine, hint: 'leave it out, or use a backend that can do it' }));
    }
    return errors;
  });
}
