// ESLint with typescript-eslint type-checked rules, as in the services the generator makes.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig({ ignores: ['dist/', 'node_modules/'] }, eslint.configs.recommended, {
  files: ['**/*.ts'],
  extends: [tseslint.configs.recommendedTypeChecked],
  languageOptions: {
    parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
  },
  rules: {
    // Handlers, transports and codecs implement Promise-returning interfaces; an async method without await is fine there.
    '@typescript-eslint/require-await': 'off',
    // A service with no published events yet has `never` event names in its messages.
    '@typescript-eslint/restrict-template-expressions': ['error', { allowNever: true }],
  },
});
