/**
 * The database tier shared by every environment (docs/database.md): PgBouncer in front of RDS,
 * the nightly backup, the weekly restore check and the Pushgateway they report to. What differs
 * per environment (PgBouncer replicas and pool sizes, the RDS connection limit) is in
 * environments/*.ts (`database`); endpoints, bucket, key and role come from Terraform outputs.
 */
import type { PlatformInput } from './schema.ts';

export const databaseConfig: PlatformInput['database'] = {
  name: 'flextime', // terraform-bootstrap/environment/rds.tf db_name
  appUser: 'flextime_app',
  timeZone: 'America/Chicago',
  pgbouncer: {
    image: 'ghcr.io/flextime/pgbouncer:1.23.1@sha256:6bd64c5e9c3c4df1ce22d476173101519e51c06d1e13edb6ca1cfbf4fb9d61bb',
    exporterImage: 'ghcr.io/flextime/pgbouncer-exporter:v0.10.2@sha256:a9c8195b8e088ab2c615ffc702c61ea1a8c84c36f2169a0fd54a4c4bdb938c1d',
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    exporterResources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    poolMode: 'transaction',
    serverTlsMode: 'verify-full',
    serverIdleTimeoutSeconds: 600,
    queryWaitTimeoutSeconds: 60,
  },
  backup: {
    // PostgreSQL 16 client tools (the RDS major) + aws CLI v2 + curl; the restore check uses the same image.
    image: 'ghcr.io/flextime/postgres-tools:16.6@sha256:6bd406a1888598766a7e6dc2971181ed13af10551073749607e4dcf203b89423',
    user: 'flextime_backup',
    // 03:15 Central: after the evening peak, and outside 01:00-03:00, where daylight-saving changes
    // skip (spring) or repeat (autumn) local times: 02:15 did not exist on the spring-forward day.
    schedule: '15 3 * * *',
    startingDeadlineSeconds: 3600,
    activeDeadlineSeconds: 3600,
    backoffLimit: 2,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    compressionLevel: 6,
    keyPrefix: 'postgres/',
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    scratchStorage: '10Gi',
  },
  restoreVerify: {
    // Sundays 05:30 Central, two and a quarter hours after that night's backup.
    schedule: '30 5 * * 0',
    startingDeadlineSeconds: 3600,
    activeDeadlineSeconds: 5400,
    backoffLimit: 1,
    successfulJobsHistoryLimit: 2,
    failedJobsHistoryLimit: 2,
    keyTables: ['public.teams', 'public.venues', 'public.schedules', 'public.games'],
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
    scratchStorage: '20Gi',
  },
  exporter: {
    // Mirrored from quay.io/prometheuscommunity/postgres-exporter v0.17.1 (docs/database.md "Limits": placeholder digest until the mirror push).
    image: 'ghcr.io/flextime/postgres-exporter:v0.17.1@sha256:477274929ad1ed54a96064a2e58bd7921e3edf69d91370932105f670e7d5a368',
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    user: 'flextime_monitor',
  },
  pushgateway: {
    image: 'ghcr.io/flextime/pushgateway:v1.10.0@sha256:e102be440939a613c99bc1ef599973615dab3ad73eab75af61a9166667754922',
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    storage: '1Gi',
  },
};
