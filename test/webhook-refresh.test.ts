/**
 * Which Applications a push refreshes (e2e/controllers/applications.ts refreshedByPush), as
 * ArgoCD's git webhook decides it from `argocd.argoproj.io/manifest-generate-paths`
 * (util/app/path GetAppRefreshPaths + AppFilesHaveChanged). Expected values come from ArgoCD's
 * documented rule, written out here, not from the rendered Applications.
 */
import { describe, expect, it } from 'vitest';
import { refreshedByPush, refreshPaths } from '../e2e/controllers/applications.ts';
import type { KubeObject } from '../e2e/controllers/kube.ts';

const app = (annotation: string | undefined, ...paths: string[]): KubeObject => ({
  metadata: { name: 'x', annotations: annotation === undefined ? {} : { 'argocd.argoproj.io/manifest-generate-paths': annotation } },
  spec: paths.length === 1 ? { source: { path: paths[0] } } : { sources: paths.map((path) => ({ path })) },
});

describe('a push refreshes an Application (manifest-generate-paths)', () => {
  it('reads absolute entries as repository paths and joins relative ones to each source path', () => {
    expect(refreshPaths(app('/dist/production/api-svc', 'dist/production/api-svc'))).toEqual(['dist/production/api-svc']);
    expect(refreshPaths(app('.;../shared', 'argocd/apps'))).toEqual(['argocd/apps', 'argocd/shared']);
    expect(refreshPaths(app('/argocd/projects;/argocd/apps', 'argocd/projects', 'argocd/apps'))).toEqual(['argocd/projects', 'argocd/apps']);
    expect(refreshPaths(app(undefined, 'dist/staging/redis'))).toEqual([]);
  });

  it('refreshes when a changed file lies in one of its folders, not when it lies beside them', () => {
    const api = app('/dist/production/api-svc', 'dist/production/api-svc');
    expect(refreshedByPush(api, ['dist/production/api-svc/rollout-api-svc.yaml'])).toBe(true);
    expect(refreshedByPush(api, ['dist/staging/api-svc/deployment-api-svc.yaml', 'config/environments/staging.ts'])).toBe(false);
    // A sibling folder whose name starts with the same letters is another folder.
    expect(refreshedByPush(api, ['dist/production/api-svc-canary/service.yaml'])).toBe(false);
    const root = app('/argocd/projects;/argocd/apps', 'argocd/projects', 'argocd/apps');
    expect(refreshedByPush(root, ['argocd/apps/application-production-api-svc.yaml'])).toBe(true);
    expect(refreshedByPush(root, ['dist/production/api-svc/rollout-api-svc.yaml'])).toBe(false);
  });

  it('always refreshes an Application without the annotation, and every one when the push names no files', () => {
    expect(refreshedByPush(app(undefined, 'dist/staging/redis'), ['dist/production/api-svc/rollout-api-svc.yaml'])).toBe(true);
    expect(refreshedByPush(app('/dist/production/api-svc', 'dist/production/api-svc'), [])).toBe(true);
    expect(refreshedByPush(app('/dist/production/api-svc', 'dist/production/api-svc'))).toBe(true);
  });
});
