import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { NemoFake } from '../fakes/nemo-server.js';
import { ROOT } from './cli.js';
import { tmpProject, writeRecipe } from './tmp.js';

/** The video the fake serves as every render's result. */
export const FAKE_VIDEO = join(ROOT, 'test/fixtures/media/clip.mp4');

/** A fresh fake NemoVideo server for every test of the file that calls this at its top; the result is the current one. */
export function fakePerTest(): () => NemoFake {
  let fake: NemoFake;
  beforeEach(async () => {
    fake = await new NemoFake().start(FAKE_VIDEO);
  });
  afterEach(async () => {
    await fake.close();
  });
  return () => fake;
}

/** A project with the test media and the recipe as `shop.yaml`. */
export async function shopProject(recipe: string): Promise<string> {
  const dir = await tmpProject();
  await writeRecipe(dir, 'shop.yaml', recipe);
  return dir;
}
