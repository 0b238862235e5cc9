import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GENERATORS = {
  app: path.join(REPO_ROOT, 'generators', 'app', 'index.js'),
  event: path.join(REPO_ROOT, 'generators', 'event', 'index.js'),
  subscription: path.join(REPO_ROOT, 'generators', 'subscription', 'index.js'),
  type: path.join(REPO_ROOT, 'generators', 'type', 'index.js'),
};
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');
