/**
 * Workloads beyond the per-environment checks of workloads.test.ts: Redis, the rendered YAML,
 * secret stores, the PSS check itself, workload config errors and config variants.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { configError, find, objects, rawConfig, renderPlatform } from './helpers.ts';
import { podTemplate, violations, workloadKind } from './pod-model.ts';

const platform = loadConfig();
const files = renderPlatform(platform);
const ENVS = platform.environments.map((e) => e.name);



describe('Redis', () => {
  it('is absent from production, which uses the ElastiCache endpoint of its Terraform outputs over TLS', () => {
    expect(files.filter((f) => f.path.startsWith('dist/production/redis/'))).toEqual([]);
    expect(objects('dist/production/', files).filter((o) => o.kind === 'StatefulSet' && o.metadata.name === 'redis')).toEqual([]);
    const outputs = platform.aws.outputs.environments.production!;
    const settings = find('ConfigMap', 'flextime-settings', 'dist/production/', files).data as Record<string, string>;
    expect(settings).toMatchObject({ REDIS_HOST: outputs.redis_endpoint, REDIS_PORT: String(outputs.redis_port), REDIS_TLS: 'true' });
    const trigger = (find('ScaledObject', 'scheduler-svc', 'dist/production/', files).spec as { triggers: Array<{ metadata: Record<string, string> }> }).triggers[0]!;
    expect(trigger.metadata).toMatchObject({ address: `${outputs.redis_endpoint}:${outputs.redis_port}`, enableTLS: 'true' });
  });

  it.each(['development', 'staging'])('runs in %s as a StatefulSet with a PVC, AOF on, password from a file and an exporter', (envName) => {
    const prefix = `dist/${envName}/redis/`;
    const sts = find('StatefulSet', 'redis', prefix, files);
    const spec = sts.spec as { replicas: number; volumeClaimTemplates: Array<{ metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }> };
    const env = platform.environments.find((e) => e.name === envName)!;
    if (env.redis.mode !== 'in-cluster') throw new Error('in-cluster expected');
    expect(spec.replicas).toBe(1);
    expect(spec.volumeClaimTemplates[0]!.metadata.name).toBe('data');
    expect(spec.volumeClaimTemplates[0]!.spec.resources.requests.storage).toBe(env.redis.storage);
    const pod = podTemplate(sts)!;
    const redis = pod.spec.containers.find((c) => c.name === 'redis')!;
    expect(redis.args!.join(' ')).toContain('--appendonly yes');
    expect(redis.args![0]).toBe('/etc/redis/secret/auth.conf');
    expect(redis.volumeMounts).toContainEqual(expect.objectContaining({ name: 'data', mountPath: '/data' }));
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['redis', 'redis-exporter']);
    const es = find('ExternalSecret', 'redis-secrets', prefix, files).spec as { target: { template: { data: Record<string, string> } } };
    expect(es.target.template.data['auth.conf']).toBe('requirepass "{{ .REDIS_PASSWORD }}"\n');
    expect(find('PodDisruptionBudget', 'redis', prefix, files).spec).toMatchObject({ maxUnavailable: 1 });
    const settings = find('ConfigMap', 'flextime-settings', `dist/${envName}/`, files).data as Record<string, string>;
    expect(settings).toMatchObject({ REDIS_HOST: `redis.flextime-${envName}.svc.cluster.local`, REDIS_PORT: '6379', REDIS_TLS: 'false' });
  });
});

describe('rendered YAML', () => {
  it('quotes strings that YAML 1.1 (Kubernetes\' parser) would read as booleans', () => {
    const vpa = files.find((f) => f.path === 'dist/production/api-svc/verticalpodautoscaler-api-svc.yaml')!;
    expect(vpa.content).toContain('updateMode: "Off"');
    const redis = files.find((f) => f.path === 'dist/staging/redis/statefulset-redis.yaml')!;
    expect(redis.content).toContain('- --appendonly\n            - "yes"\n');
  });
});

describe('secret stores', () => {
  it('give each environment a store limited to its namespace and its own Secrets Manager prefix', () => {
    for (const env of ENVS) {
      const store = find('ClusterSecretStore', `aws-secrets-manager-${env}`, 'dist/cluster/secrets/', files);
      expect(store.apiVersion).toBe('external-secrets.io/v1');
      const spec = store.spec as { conditions: unknown; provider: { aws: { prefix: string; auth: unknown; service: string } } };
      expect(spec.conditions).toEqual([{ namespaces: [`flextime-${env}`] }]);
      expect(spec.provider.aws.prefix).toBe(`flextime/${env}/`);
      expect(spec.provider.aws.service).toBe('SecretsManager');
      expect(spec.provider.aws.auth).toEqual({ jwt: { serviceAccountRef: platform.aws.serviceAccounts.externalSecrets } });
    }
  });

  it('refuse the platform store to environment namespaces', () => {
    const spec = find('ClusterSecretStore', 'aws-secrets-manager', 'dist/cluster/secrets/', files).spec as { conditions: unknown };
    expect(spec.conditions).toEqual([{ namespaceSelector: { matchExpressions: [{ key: 'flextime.io/environment', operator: 'DoesNotExist' }] } }]);
  });
});

describe('the PSS check itself', () => {
  const deployment = () => structuredClone(find(workloadKind('production', 'api-svc'), 'api-svc', 'dist/production/', files));

  it('fails a workload whose readiness probe was removed', () => {
    const o = deployment();
    delete podTemplate(o)!.spec.containers[0]!.readinessProbe;
    expect(violations(podTemplate(o)!)).toEqual(['container api-svc readinessProbe']);
  });

  it('fails a workload whose memory limit was removed', () => {
    const o = deployment();
    delete podTemplate(o)!.spec.containers[0]!.resources!.limits!.memory;
    expect(violations(podTemplate(o)!)).toEqual(['container api-svc limits.memory']);
  });

  it('fails a workload that keeps capabilities or may escalate', () => {
    const o = deployment();
    const sc = podTemplate(o)!.spec.containers[0]!.securityContext!;
    sc.allowPrivilegeEscalation = true;
    sc.capabilities = { drop: [] };
    expect(violations(podTemplate(o)!)).toEqual(['container api-svc allowPrivilegeEscalation', 'container api-svc drop ALL']);
  });
});

describe('workload config errors', () => {
  const env = (c: ReturnType<typeof rawConfig>, name: string) => c.environments.find((e) => e.name === name)!;

  it('rejects a minimum above the maximum, naming the field', () => {
    const c = rawConfig();
    env(c, 'production').services['api-svc']!.replicas = { min: 5, max: 3 };
    expect(configError(c)).toContain('environments[production].services.api-svc.replicas.min = 5: min (5) must be <= max (3)');
  });

  it('rejects a queue target of zero', () => {
    const c = rawConfig();
    const scaling = c.services.find((s) => s.name === 'scheduler-svc')!.autoscaling;
    if (scaling.kind !== 'redis-queue') throw new Error('redis-queue expected');
    scaling.listLength = 0;
    expect(configError(c)).toContain('services[scheduler-svc].autoscaling.listLength = 0: must be > 0 (jobs waiting per replica)');
  });

  it('rejects an HPA service that could scale to zero', () => {
    const c = rawConfig();
    env(c, 'development').services['api-svc']!.replicas.min = 0;
    expect(configError(c)).toContain('environments[development].services.api-svc.replicas.min = 0: must be >= 1: api-svc scales with an HPA, which cannot scale to zero');
  });

  it('rejects a KEDA fallback above the maximum of an environment', () => {
    const c = rawConfig();
    env(c, 'development').services['scheduler-svc']!.replicas.max = 1;
    expect(configError(c)).toContain(
      'environments[development].services.scheduler-svc.replicas.max = 1: must be >= the KEDA fallback of scheduler-svc (services.scheduler-svc.autoscaling.fallback.replicas = 2)',
    );
  });

  it('rejects CPU requests over the namespace quota, naming the quota field and each workload', () => {
    const c = rawConfig();
    env(c, 'staging').quota.requestsCpu = '2';
    expect(configError(c)).toContain(
      'environments[staging].quota.requestsCpu = "2": workloads need 3.97 CPU of requests.cpu at max replicas plus rolling-update surge (api-svc 8 × 100m, scheduler-svc 5 × 500m, redis 1 × 100m+10m, pgbouncer 3 × 50m+10m, pushgateway 1 × 10m, postgres-exporter 2 × 10m, flextime-backup 1 × 100m, flextime-restore-verify 1 × 250m); raise the quota or lower replicas/resources',
    );
  });

  it('rejects a secret the catalog does not define', () => {
    const c = rawConfig();
    c.services.find((s) => s.name === 'api-svc')!.secrets = ['DATABASE_URL', 'STRIPE_KEY'];
    expect(configError(c)).toContain("services[api-svc].secrets[1] = \"STRIPE_KEY\": unknown secret 'STRIPE_KEY'; allowed: DATABASE_URL, REDIS_PASSWORD, JWT_SIGNING_KEY, OIDC_CLIENT_SECRET");
  });

  it('rejects a queue-scaled service without the Redis password KEDA needs', () => {
    const c = rawConfig();
    c.services.find((s) => s.name === 'scheduler-svc')!.secrets = ['DATABASE_URL'];
    expect(configError(c)).toContain(`services[scheduler-svc].secrets = ["DATABASE_URL"]: must include 'REDIS_PASSWORD': KEDA authenticates to the Redis queue with it`);
  });

  it('rejects an undigested Redis image where digests are required', () => {
    const c = rawConfig();
    const redis = env(c, 'staging').redis;
    if (redis.mode !== 'in-cluster') throw new Error('in-cluster expected');
    redis.image = 'ghcr.io/flextime/redis:7.4.1-alpine';
    expect(configError(c)).toContain("environments[staging].redis.image = \"ghcr.io/flextime/redis:7.4.1-alpine\": image 'ghcr.io/flextime/redis:7.4.1-alpine' must be pinned by digest (repo@sha256:…) in staging");
  });

  it('rejects a Redis maxmemory at or above its memory limit', () => {
    const c = rawConfig();
    const redis = env(c, 'development').redis;
    if (redis.mode !== 'in-cluster') throw new Error('in-cluster expected');
    redis.maxMemory = '512Mi';
    expect(configError(c)).toContain('environments[development].redis.maxMemory = "512Mi": must be below resources.limits.memory (512Mi)');
  });
});

describe('config variants', () => {
  it('renders a KEDA ScaledJob of hardened pods, and no Deployment, when scheduler jobs run as Jobs', () => {
    const c = rawConfig();
    const scaling = c.services.find((s) => s.name === 'scheduler-svc')!.autoscaling;
    if (scaling.kind !== 'redis-queue') throw new Error('redis-queue expected');
    scaling.runAs = 'job';
    const variant = renderPlatform(loadConfig(c), { environments: ['staging'], shared: false });
    const prefix = 'dist/staging/scheduler-svc/';
    expect(objects(prefix, variant).map((o) => o.kind).sort()).toEqual(['ExternalSecret', 'ScaledJob', 'ServiceAccount', 'TriggerAuthentication']);
    const job = find('ScaledJob', 'scheduler-svc', prefix, variant);
    const template = podTemplate(job)!;
    expect(violations(template)).toEqual([]);
    expect((template.spec as { restartPolicy?: string }).restartPolicy).toBe('Never');
    expect(template.spec.containers[0]!.env).toContainEqual({ name: 'WORKER_MODE', value: 'job' });
    expect((job.spec as { jobTargetRef: { activeDeadlineSeconds: number } }).jobTargetRef.activeDeadlineSeconds).toBe(600);
  });

  it('annotates the ServiceAccount with the IRSA role when the environment gives the service one', () => {
    const c = rawConfig();
    const arn = 'arn:aws:iam::111111111111:role/flextime-production-api-svc';
    c.environments.find((e) => e.name === 'production')!.services['api-svc']!.roleArn = arn;
    const variant = renderPlatform(loadConfig(c), { environments: ['production'], shared: false });
    expect(find('ServiceAccount', 'api-svc', 'dist/production/', variant).metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': arn });
    expect(find('ServiceAccount', 'api-svc', 'dist/production/', files).metadata.annotations).toBeUndefined();
  });

  it('renders an in-cluster Redis in production when config says so, without touching code', () => {
    const c = rawConfig();
    const staging = c.environments.find((e) => e.name === 'staging')!;
    c.environments.find((e) => e.name === 'production')!.redis = structuredClone(staging.redis);
    const variant = renderPlatform(loadConfig(c), { environments: ['production'], shared: false });
    expect(find('StatefulSet', 'redis', 'dist/production/redis/', variant)).toBeDefined();
  });
});
