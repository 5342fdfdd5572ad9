// turnstore's lint rules (npm run lint): ESLint's and typescript-eslint's recommended sets over
// src/, test/, bench/ and scripts/. Layout is Prettier's job (.prettierrc.json at the root).
// This file lives beside its own package so the linter stays out of the product's install; every
// pattern below is relative to the repository root.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const repositoryRoot = new URL('../..', import.meta.url).pathname;

export default tseslint
  .config(
    { ignores: ['**/dist/', '**/node_modules/', 'test/fixtures/', 'coverage/', '.bench-cache/'] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
      // The README's example scripts are plain ESM run by Node, which provides these.
      files: ['**/*.mjs'],
      languageOptions: {
        globals: {
          process: 'readonly',
          console: 'readonly',
          Buffer: 'readonly',
          URL: 'readonly',
          fetch: 'readonly',
          Request: 'readonly',
          Response: 'readonly',
          setTimeout: 'readonly',
        },
      },
    },
    {
      rules: {
        // A leading underscore marks a value left unused on purpose (a rest-destructured field, a callback's slot).
        '@typescript-eslint/no-unused-vars': [
          'error',
          { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
        ],
      },
    },
    {
      // Tests read JSON bodies of every shape; typing each one would say nothing the assertions do not.
      files: ['test/**/*.ts'],
      rules: { '@typescript-eslint/no-explicit-any': 'off' },
    },
  )
  .map((config) => ({ ...config, basePath: repositoryRoot }));
