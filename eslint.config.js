import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const PURE = ['src/data/**/*.ts', 'src/model/**/*.ts', 'src/demo/**/*.ts']

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'playwright-report'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/ui/**/*.{ts,tsx}', 'src/main.tsx'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: globals.browser },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // The UI never holds tensors: tfjs stays in the worker.
      'no-restricted-imports': [
        'error',
        { patterns: ['@tensorflow/*', '../model/tf', '../model/train*', '../worker/*.worker*'] },
      ],
    },
  },
  {
    // Pure code runs in Node tests and in the worker: no React, no DOM, no UI or worker code.
    files: PURE,
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'react',
            'react-dom',
            'react-*',
            'recharts',
            '../ui/*',
            '../worker/*',
            '**/ui/*',
            '**/worker/*',
          ],
        },
      ],
      'no-restricted-globals': ['error', 'document', 'window', 'navigator', 'localStorage', 'location'],
    },
  },
  {
    files: ['e2e/**/*.ts', 'bench/**/*.{ts,mjs,js}', '*.config.{ts,js}', 'src/**/*.test.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
)
