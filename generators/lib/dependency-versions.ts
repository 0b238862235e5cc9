/**
 * Versions of the generated service's dependencies, kept in one JSON file
 * (`generators/app/dependency-versions.json`) so that they are bumped in one place.
 */
import { readFileSync } from 'node:fs';

const versions = JSON.parse(readFileSync(new URL('../app/dependency-versions.json', import.meta.url), 'utf8')) as Record<string, string>;

export default versions;
