// Lint TypeScript sources with the type-aware-free recommended rules; generated code is excluded.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'argocd/', 'imports/', '.tools/', '.build/', 'cdk8s.out/', 'tools/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
);
