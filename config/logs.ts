/**
 * Container logs (charts/logging.ts, terraform-bootstrap/cluster/logs.tf; docs/observability.md
 * "Logs"): the collector that reads every node's /var/log/pods and the CloudWatch Logs groups it
 * ships to. Retention per group is the one place each environment's log lifetime is decided;
 * production's events are also archived to S3 (Glacier Deep Archive) for the long tail.
 */
import type { PlatformInput } from './schema.ts';

export const logsConfig: NonNullable<PlatformInput['observability']['logs']> = {
  namespace: 'logging',
  logGroupPrefix: '/flextime/containers',
  groups: {
    development: { retentionDays: 7, archive: false },
    staging: { retentionDays: 14, archive: false },
    production: { retentionDays: 90, archive: true },
    // Add-ons and platform pods: long enough to look back over an incident review.
    platform: { retentionDays: 30, archive: false },
  },
  // Searchable in CloudWatch for `retentionDays`; in S3 from the day it is written, in Deep Archive
  // after 30 days (retrieval in hours: for audits, not for on-call), deleted after seven years.
  archive: { storageClass: 'DEEP_ARCHIVE', transitionDays: 30, expireDays: 2557 },
  collector: {
    // The collector built from tools/otelcol (the components the rendered configuration names),
    // mirrored to ghcr.io/flextime/. Placeholder digest until the mirror push (docs/observability.md "Images").
    image: 'ghcr.io/flextime/otelcol-flextime:0.139.0@sha256:3b0f2e6f1c4d5a8e9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a',
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    stateDirectory: '/var/lib/flextime-log-collector',
    queueSize: 1000,
    memoryLimitPercent: 80,
  },
};
