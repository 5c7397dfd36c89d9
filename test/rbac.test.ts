/**
 * RBAC for people (SSO groups) and ServiceAccounts, checked by evaluating the rendered Roles
 * and bindings (plus a model of the built-in ClusterRoles we bind) rather than by reading YAML.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { namespaceOf } from '../charts/context.ts';
import { assertNoWildcards } from '../lib/explicit-rbac.ts';
import { grants, isBinding, roleRules as rulesOf, type Rule, type Subject } from './rbac-model.ts';
import { objects, renderPlatform } from './helpers.ts';

const platform = loadConfig();
const all = objects('', renderPlatform(platform));
const prefix = platform.sso.groupsPrefix;
const groups = platform.sso.groups;
const ns = (env: string) => namespaceOf(platform, platform.environments.find((e) => e.name === env)!);

const roleRules = (kind: string, name: string, namespace?: string) => rulesOf(all, kind, name, namespace);

/** May `subject` `verb` `resource` (e.g. "secrets", "pods/exec") of `apiGroup` in `namespace`? */
function can(subject: Subject, verb: string, apiGroup: string, resource: string, namespace: string): boolean {
  const matches = (s: Subject) =>
    s.kind === subject.kind && s.name === subject.name && (s.kind !== 'ServiceAccount' || s.namespace === subject.namespace);
  return all.filter(isBinding).some((b) => (b.subjects ?? []).some(matches) && grants(all, b, verb, apiGroup, resource, namespace));
}

const group = (name: string): Subject => ({ kind: 'Group', name: `${prefix}${name}` });

describe('developers', () => {
  it('cannot read Secrets in production or staging', () => {
    for (const env of ['production', 'staging']) {
      for (const verb of ['get', 'list', 'watch']) expect(can(group(groups.developers), verb, '', 'secrets', ns(env)), `${verb} secrets in ${env}`).toBe(false);
    }
  });

  it('can read pods and logs in production, but neither exec nor change anything', () => {
    expect(can(group(groups.developers), 'list', '', 'pods', ns('production'))).toBe(true);
    expect(can(group(groups.developers), 'get', '', 'pods/log', ns('production'))).toBe(true);
    expect(can(group(groups.developers), 'create', '', 'pods/exec', ns('production'))).toBe(false);
    expect(can(group(groups.developers), 'patch', 'apps', 'deployments', ns('production'))).toBe(false);
  });

  it('can edit in development (where reading Secrets is part of edit)', () => {
    expect(can(group(groups.developers), 'patch', 'apps', 'deployments', ns('development'))).toBe(true);
    expect(can(group(groups.developers), 'get', '', 'secrets', ns('development'))).toBe(true);
  });
});

describe('on-call', () => {
  const onCall = group(groups.onCall);
  it('can read logs and restart Deployments and the Rollout in production, and neither exec nor read Secrets', () => {
    expect(can(onCall, 'create', '', 'pods/exec', ns('production'))).toBe(false);
    expect(can(onCall, 'get', '', 'pods/log', ns('production'))).toBe(true);
    expect(can(onCall, 'patch', 'apps', 'deployments', ns('production'))).toBe(true);
    expect(can(onCall, 'patch', 'argoproj.io', 'rollouts', ns('production'))).toBe(true);
    expect(can(onCall, 'get', '', 'secrets', ns('production'))).toBe(false);
    expect(can(onCall, 'delete', 'apps', 'deployments', ns('production'))).toBe(false);
  });

  it('has nothing extra where access.onCall is off', () => {
    expect(can(onCall, 'create', '', 'pods/exec', ns('staging'))).toBe(false);
  });
});

describe('viewers and admins', () => {
  it('viewers read everywhere but never Secrets', () => {
    for (const env of platform.environments) {
      expect(can(group(groups.viewers), 'list', 'apps', 'deployments', ns(env.name))).toBe(true);
      expect(can(group(groups.viewers), 'get', '', 'secrets', ns(env.name))).toBe(false);
    }
  });

  it('platform-admins are admin in development and staging only, read everywhere, and read cluster-scoped objects', () => {
    for (const env of ['development', 'staging']) expect(can(group(groups.platformAdmins), 'delete', 'apps', 'deployments', ns(env))).toBe(true);
    for (const namespace of [ns('production'), 'kube-system', 'argocd']) {
      expect(can(group(groups.platformAdmins), 'delete', 'apps', 'deployments', namespace), namespace).toBe(false);
      expect(can(group(groups.platformAdmins), 'get', '', 'secrets', namespace), namespace).toBe(false);
      expect(can(group(groups.platformAdmins), 'list', '', 'pods', namespace), namespace).toBe(true);
    }
    expect(can(group(groups.platformAdmins), 'list', '', 'nodes', '')).toBe(true);
  });

  it('bind groups with the sso.groupsPrefix, never a bare group name', () => {
    const subjects = all.filter(isBinding).flatMap((b) => b.subjects ?? []).filter((s) => s.kind === 'Group' && !s.name.startsWith('system:'));
    expect(subjects.length).toBeGreaterThan(5);
    expect(subjects.filter((s) => !s.name.startsWith('oidc:'))).toEqual([]);
  });
});

describe('our Roles', () => {
  const roles = all.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole');

  it('use no wildcard in API groups, resources or verbs', () => {
    expect(roles.length).toBeGreaterThanOrEqual(3);
    for (const role of roles) {
      for (const rule of (role as { rules?: Rule[] }).rules ?? []) {
        expect([...rule.apiGroups, ...rule.resources, ...rule.verbs].filter((x) => x.includes('*')), `${role.kind} ${role.metadata.name}`).toEqual([]);
      }
    }
  });

  it('never grant Secrets through flextime-view', () => {
    const view = roleRules('ClusterRole', 'flextime-view')!;
    expect(view.flatMap((r) => r.resources).filter((r) => r === 'secrets' || r.startsWith('secrets/'))).toEqual([]);
  });

  it('are refused when a rule uses a wildcard', () => {
    expect(() => assertNoWildcards([{ apiGroups: [''], resources: ['pods'], verbs: ['*'] }], 'ClusterRole x')).toThrow(
      "'rules[0].verbs' of ClusterRole x contains '*' (*); list exactly what is needed",
    );
  });

  it('bind cluster-admin only to the break-glass group', () => {
    const clusterAdmin = all.filter(isBinding).filter((b) => b.roleRef.name === 'cluster-admin');
    expect(clusterAdmin.map((b) => [b.kind, b.metadata.name, b.subjects])).toEqual([
      ['ClusterRoleBinding', 'sso-break-glass', [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `oidc:${groups.breakGlass}` }]],
    ]);
    expect(clusterAdmin[0]!.metadata.annotations?.description).toMatch(/^BREAK-GLASS: the only cluster-admin binding/);
  });
});

/**
 * What each ServiceAccount of an environment namespace may do through the Kubernetes API, as
 * "verb group/resource". No FlexTime workload calls the API, so every entry is empty; a new
 * ServiceAccount or a new binding must be added here, in review.
 */
const SERVICE_ACCOUNT_PERMISSIONS: Record<string, string[]> = {
  'api-svc': [],
  'scheduler-svc': [],
  redis: [],
  pgbouncer: [],
  'pgbouncer-ro': [],
  'flextime-backup': [],
  'flextime-restore-verify': [],
  pushgateway: [],
  // Reads PostgreSQL's statistics views over its own DB login; no Kubernetes API access.
  'postgres-exporter': [],
};

describe.each(platform.environments.map((e) => [e.name] as const))('ServiceAccounts in %s', (env) => {
  const namespace = ns(env);
  const accounts = all.filter((o) => o.kind === 'ServiceAccount' && o.metadata.namespace === namespace).map((o) => o.metadata.name!);

  it('are all listed in the permissions table', () => {
    expect(accounts.length).toBeGreaterThan(0);
    expect(accounts.filter((a) => !(a in SERVICE_ACCOUNT_PERMISSIONS))).toEqual([]);
  });

  it('have exactly the permissions the table lists', () => {
    const serviceAccountGroups = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
    for (const account of accounts) {
      const granted = all.filter(isBinding).filter((b) =>
        (b.subjects ?? []).some((s) =>
          (s.kind === 'ServiceAccount' && s.name === account && s.namespace === namespace) || (s.kind === 'Group' && serviceAccountGroups.includes(s.name)),
        ) && (b.kind === 'ClusterRoleBinding' || b.metadata.namespace === namespace),
      );
      const permissions = granted.flatMap((b) => {
        const rules = roleRules(b.roleRef.kind, b.roleRef.name, b.metadata.namespace);
        if (!rules) return [`${b.roleRef.kind} ${b.roleRef.name}`];
        return rules.flatMap((r) => r.verbs.flatMap((v) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${v} ${g ? `${g}/` : ''}${res}`))));
      });
      expect(permissions.sort(), account).toEqual(SERVICE_ACCOUNT_PERMISSIONS[account]);
    }
  });
});
