import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * The model/ modules with no tfjs behind them (plain data types, constants, pure functions): the only
 * ones the UI and the worker protocol may import, types included, so the UI bundle never carries tfjs
 * and the UI sees one plain-data contract. A new module goes here only if it imports no tfjs module.
 */
const TFJS_FREE_MODEL = [
  'config',
  'metrics',
  'results',
  'uncertainty',
  'runFile',
  'runFile.check',
  'explore.types',
  'scorers',
  'baselines',
  'cooccurrence',
  'weights',
  'modelFile',
]
const TFJS_FREE_ALTERNATION = TFJS_FREE_MODEL.map((m) => m.replace('.', '\\.')).join('|')
/** Forbids every model/ module but those, however deep the importing file sits. */
const MODEL_ALLOW_LIST = {
  regex: `(^|/)model/(?!(${TFJS_FREE_ALTERNATION})$)[^/]+$`,
  message: `The UI imports from model/ only its tfjs-free modules (${TFJS_FREE_MODEL.join(', ')}); move plain types there.`,
}
/** What pure code never imports: React, the DOM, UI or worker code. */
const PURE_PATTERNS = [
  'react',
  'react-dom',
  'react-*',
  'recharts',
  '../ui/*',
  '../worker/*',
  '**/ui/*',
  '**/worker/*',
]

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
      // The UI never holds tensors: tfjs stays in the worker. An allow-list, so a new tfjs module is out
      // by default: model/ as above, worker/ only through the protocol, demo/ only for its constants;
      // data/ is pure and tfjs-free throughout (its own rule below).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@tensorflow/*'], message: 'The UI never imports tfjs: it runs in the worker.' },
            MODEL_ALLOW_LIST,
            {
              regex: '(^|/)worker/(?!protocol$)[^/]+$',
              message: 'The UI talks to workers only through worker/protocol.',
            },
            {
              regex: '(^|/)demo/(?!cardOffers$)[^/]+$',
              message: 'The UI imports from demo/ only cardOffers.',
            },
          ],
        },
      ],
    },
  },
  {
    // Pure code runs in Node tests and in the worker: no React, no DOM, no UI or worker code.
    files: ['src/data/**/*.ts', 'src/model/**/*.ts', 'src/demo/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: PURE_PATTERNS }],
      'no-restricted-globals': ['error', 'document', 'window', 'navigator', 'localStorage', 'location'],
    },
  },
  {
    // data/ is what the UI may import freely, so it stays free of tfjs and of model/ as well.
    files: ['src/data/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...PURE_PATTERNS, '@tensorflow/*', '../model/*', '**/model/*'] },
      ],
    },
  },
  {
    // The allow-listed modules stay tfjs-free themselves: within model/ they import only each other.
    files: TFJS_FREE_MODEL.map((m) => `src/model/${m}.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: PURE_PATTERNS },
            { group: ['@tensorflow/*'], message: 'This module is on the UI allow-list: no tfjs.' },
            {
              regex: `^\\./(?!(${TFJS_FREE_ALTERNATION})$)`,
              message: `On the UI allow-list: import only ${TFJS_FREE_MODEL.join(', ')} from model/.`,
            },
          ],
        },
      ],
    },
  },
  {
    // The protocol is the UI's contract with the worker: it names only plain-data types.
    files: ['src/worker/protocol.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@tensorflow/*'] }, MODEL_ALLOW_LIST] }],
    },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: { globals: globals.serviceworker },
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
