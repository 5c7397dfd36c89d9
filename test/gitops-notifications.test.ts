/**
 * Every ArgoCD notification subscription the rendered Applications carry
 * (`notifications.argoproj.io/subscribe.<trigger>.<service>`) has its service, its trigger and the
 * trigger's templates configured in the ArgoCD install (terraform-bootstrap/cluster/argocd.tf), and
 * the service's Secret is rendered (issue 19 class 10: the annotations had no notification service).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../lib/synth/object-json.ts';
import { objects, renderPlatform } from './helpers.ts';

const ARGOCD_TF = readFileSync(join(import.meta.dirname, '..', 'terraform-bootstrap', 'cluster', 'argocd.tf'), 'utf8');

export function unservedSubscriptions(all: readonly KubeObject[], install: string): string[] {
  const problems = new Set<string>();
  for (const app of all.filter((o) => o.kind === 'Application')) {
    for (const key of Object.keys(app.metadata.annotations ?? {})) {
      const m = /^notifications\.argoproj\.io\/subscribe\.([a-z-]+)\.([a-z]+)$/.exec(key);
      if (!m) continue;
      const [, trigger, service] = m;
      if (!install.includes(`"service.${service}"`)) problems.add(`${key}: no "service.${service}" in the ArgoCD install`);
      const block = new RegExp(`"trigger\\.${trigger}"\\s*=\\s*yamlencode\\(\\[\\{[^]*?send\\s*=\\s*\\[([^\\]]*)\\]`).exec(install);
      if (!block) { problems.add(`${key}: no "trigger.${trigger}" in the ArgoCD install`); continue; }
      for (const template of block[1]!.split(',').map((t) => t.trim().replace(/"/g, '')).filter(Boolean)) {
        if (!install.includes(`"template.${template}"`)) problems.add(`${key}: trigger ${trigger} sends template ${template}, which is not defined`);
      }
    }
  }
  if (/service\.slack/.test(install) && !all.some((o) => o.kind === 'ExternalSecret' && o.metadata.name === 'argocd-notifications-secret')) {
    problems.add('no ExternalSecret renders argocd-notifications-secret (the Slack token)');
  }
  return [...problems].sort();
}

const all = objects('', renderPlatform());

describe('ArgoCD notifications', () => {
  it('every subscription has its service, trigger and templates', () => {
    expect(all.filter((o) => o.kind === 'Application' && Object.keys(o.metadata.annotations ?? {}).some((k) => k.startsWith('notifications.argoproj.io/'))).length).toBeGreaterThan(10);
    expect(unservedSubscriptions(all, ARGOCD_TF)).toEqual([]);
  });

  it('finds a planted instance: the install without its notification settings', () => {
    const without = ARGOCD_TF.replace(/"trigger\.on-health-degraded"/, '"trigger.renamed"');
    expect(unservedSubscriptions(all, without)).toEqual(expect.arrayContaining([
      'notifications.argoproj.io/subscribe.on-health-degraded.slack: no "trigger.on-health-degraded" in the ArgoCD install',
    ]));
  });
});
