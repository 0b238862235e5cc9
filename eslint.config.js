// The repository's own lint: the rules the generated services use (typescript-eslint, type-checked).
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: [
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
      'generators/*/templates/**',
      'test/fixtures/**',
      'packages/**',
      'bench/**',
      '.try/**',
      'node_modules/**',
    ],
  },
  eslint.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNever: true }],
    },
  },
);
