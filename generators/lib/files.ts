/** Small file-system helpers the generators share. */
import { readFileSync } from 'node:fs';

/** The text of a file, or undefined when there is no such file. */
export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
