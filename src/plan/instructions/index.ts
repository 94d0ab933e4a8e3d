export { FAMILIES } from './families/index.js';
export { interpretInstruction, interpretInstructions } from './interpret.js';
export type { Family, RecipeWords } from './rules.js';
export * from './state.js';
