// Lint: strict TypeScript rules plus the layering of DESIGN.md §2.
//   shared/      imports neither controller/ nor guestagent/
//   guestagent/  never imports controller/
//   controller/  never imports guestagent/
//   guestagent/datastores/<x> imports no other datastore folder except the *-common families
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([{ group: ['**/controller/**', '**/guestagent/**'], message: 'shared/ must not import controller/ or guestagent/.' }]) },
  },
  {
    files: ['guestagent/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([{ group: ['**/controller/**'], message: 'guestagent/ must not import controller/.' }]) },
  },
  {
    files: ['controller/**/*.ts'],
    rules: { 'no-restricted-imports': restrict([{ group: ['**/guestagent/**'], message: 'controller/ must not import guestagent/ (talk through shared/rpc contracts).' }]) },
  },
  ...['mysql', 'mariadb', 'postgresql'].map((name) => ({
    files: [`guestagent/datastores/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['**/controller/**'], message: 'guestagent/ must not import controller/.' },
        {
          group: ['mysql', 'mariadb', 'postgresql'].filter((other) => other !== name).map((other) => `**/datastores/${other}/**`),
          message: 'A datastore folder may import only its *-common family, never another datastore.',
        },
      ]),
    },
  })),
  {
    files: ['**/main.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
