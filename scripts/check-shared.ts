/**
 * Run before `npm test`: the suite reads the shared datasets and the peer's noise files (tests assert
 * behaviour on real data). Without them every such test would fail on its own with the same cause;
 * this names the cause and the fix once, before the build, instead of a hundred times.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, SHARED, SHARED_DATA, SHARED_PEER } from '../test/helpers';

const missing = [
  ...DATASETS.map((name) => join(SHARED_DATA, name, 'data.csv')),
  join(SHARED_PEER, 'noise'),
].filter((path) => !existsSync(path));

if (missing.length > 0) {
  const how = process.env.LABEL_LENS_SHARED
    ? `LABEL_LENS_SHARED is set to ${process.env.LABEL_LENS_SHARED}: point it at the folder that holds data/ and peer/`
    : 'the tests look for ../shared beside this checkout: clone next to it, or set LABEL_LENS_SHARED to the folder that holds data/ and peer/';
  console.error(`npm test: the shared datasets are not at ${SHARED} (${missing.length} missing, e.g. ${missing[0]}).\n${how}.`);
  process.exit(1);
}
