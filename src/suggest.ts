import { closest, distance } from 'fastest-levenshtein';

/** The closest allowed word, when it is close enough to be a typo ("did you mean …?"). */
export function suggest(word: string, allowed: string[]): string | undefined {
  if (allowed.length === 0) return undefined;
  const guess = closest(word.toLowerCase(), allowed);
  return distance(word.toLowerCase(), guess.toLowerCase()) <= Math.max(2, Math.floor(word.length / 3)) ? guess : undefined;
}
