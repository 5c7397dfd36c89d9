/**
 * dist/<env>/redis: the in-cluster Redis of environments whose config says
 * `redis.mode: in-cluster` — a one-replica StatefulSet with a PersistentVolumeClaim (AOF on),
 * password from an ExternalSecret (rendered into a config file, never on the command line),
 * a redis_exporter sidecar on the `metrics` port, PDB and VPA (Off). With `mode: external`
 * (ElastiCache) nothing is rendered here and apps get the ElastiCache endpoint instead.
 */
import type { App } from 'cdk8s';
import { parseImage } from '../config/schema.ts';
import { parseMemory } from '../lib/values/quantity.ts';
import { selectorLabels } from '../lib/labels.ts';
import { ProbeCheck } from '../lib/pod-props.ts';
import { HardenedWorkload, Replicas } from '../lib/workload.ts';
import { envChart, type EnvContext } from './context.ts';
import { REDIS_PORT, REDIS_SERVICE } from './redis-endpoint.ts';
import { serviceSecrets } from './secrets.ts';
import { storageClassFor } from './storage.ts';

const SOURCE = 'charts/redis.ts';
const COMPONENT = 'cache';
const EXPORTER_PORT = 9121;
const AUTH_FILE = 'auth.conf';
const AUTH_DIR = '/etc/redis/secret';
const PASSWORD_KEY = 'REDIS_PASSWORD';

export function redisChart(app: App, ctx: EnvContext): void {
  const redis = ctx.env.redis;
  if (redis.mode !== 'in-cluster') return;
  const chart = envChart(app, ctx, REDIS_SERVICE, SOURCE);

  const secretName = serviceSecrets(chart, ctx, {
    name: REDIS_SERVICE,
    component: COMPONENT,
    keys: [PASSWORD_KEY],
    templates: { [AUTH_FILE]: `requirepass "{{ .${PASSWORD_KEY} }}"\n` },
  });
  const password = { secretKeyRef: { name: secretName, key: PASSWORD_KEY } };

  new HardenedWorkload(chart, 'Workload', {
    name: REDIS_SERVICE,
    namespace: ctx.namespace,
    kind: 'StatefulSet',
    labels: ctx.labels(REDIS_SERVICE, COMPONENT, parseImage(redis.image).tag),
    selectorLabels: selectorLabels(ctx.identity(REDIS_SERVICE, COMPONENT)),
    // One primary: the queue needs no replication in development/staging (production uses ElastiCache).
    replicas: Replicas.fixed(1),
    servicePorts: [
      { name: 'redis', port: REDIS_PORT, targetPort: 'redis' },
      { name: 'metrics', port: EXPORTER_PORT, targetPort: 'metrics' },
    ],
    volumeClaims: [{ name: 'data', storage: redis.storage, storageClassName: storageClassFor(ctx.platform, redis.storageClassName) }],
    verticalRecommendations: true,
    pod: {
      // The default UID 10001, not the image's `redis` (999, a system UID): redis-server needs no
      // passwd entry, and fsGroup 10001 makes the volume writable (existing files are re-grouped).
      priorityClassName: ctx.priorityClass(redis.priorityClass),
      volumes: [{ name: 'auth', secret: { secretName, items: [{ key: AUTH_FILE, path: AUTH_FILE }], defaultMode: 0o440 } }],
      containers: [
        {
          name: 'redis',
          image: redis.image,
          command: ['redis-server'],
          args: [
            `${AUTH_DIR}/${AUTH_FILE}`,
            '--port', String(REDIS_PORT),
            '--dir', '/data',
            '--appendonly', 'yes',
            '--appendfsync', 'everysec',
            '--maxmemory', String(parseMemory(redis.maxMemory)),
            // A job queue must never lose entries to eviction: refuse writes when full instead.
            '--maxmemory-policy', 'noeviction',
          ],
          ports: [{ name: 'redis', containerPort: REDIS_PORT }],
          resources: redis.resources,
          // redis-cli reads the password from REDISCLI_AUTH, so it never shows in a process list.
          env: [{ name: 'REDISCLI_AUTH', valueFrom: password }],
          probes: {
            startup: ProbeCheck.tcp('redis'),
            liveness: ProbeCheck.tcp('redis'),
            readiness: ProbeCheck.exec(['sh', '-c', 'redis-cli ping | grep -q PONG']),
          },
          volumeMounts: [
            { name: 'data', mountPath: '/data' },
            // A directory mount (not subPath), so a rotated password reaches the file.
            { name: 'auth', mountPath: AUTH_DIR, readOnly: true },
          ],
        },
        {
          name: 'redis-exporter',
          image: redis.exporterImage,
          ports: [{ name: 'metrics', containerPort: EXPORTER_PORT }],
          resources: redis.exporterResources,
          env: [
            { name: 'REDIS_ADDR', value: `redis://localhost:${REDIS_PORT}` },
            { name: 'REDIS_PASSWORD', valueFrom: password },
            // Queue depth for dashboards and the backlog alert, without scanning keys.
            { name: 'REDIS_EXPORTER_CHECK_SINGLE_KEYS', value: queueKeys(ctx) },
          ],
          probes: {
            // Alive: its own health endpoint; ready: a scrape of Redis answers.
            liveness: ProbeCheck.http('/health', 'metrics'),
            readiness: ProbeCheck.http('/metrics', 'metrics'),
          },
        },
      ],
    },
  });
}

/** Redis lists the services scale on (`db0=<list>`), exported as redis_key_size. */
function queueKeys(ctx: EnvContext): string {
  return ctx.platform.services
    .flatMap((s) => (s.autoscaling.kind === 'redis-queue' ? [`db0=${s.autoscaling.listName}`] : []))
    .join(',');
}
