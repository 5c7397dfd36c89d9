/**
 * The S3 buckets of terraform-bootstrap/: every one is a call of modules/secure-bucket (the backups
 * and their access-log bucket in environment/, the container log archive and its access-log bucket
 * in cluster/). What the module gives every bucket, what each call passes (the names the buckets
 * had before the module: a new name is a new bucket), and the `moved` blocks that carry the state
 * of each bucket's resources from their old addresses to the module's, so the refactor replaces no
 * bucket. The policy rules over the same buckets: test/terraform-policy.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { block, existsInEveryTier, MODULE_DIRS, moduleScope, parseStack, perTier, type Block, type Hcl, type ModuleName } from './terraform-hcl.ts';

const stacks = {} as Record<ModuleName, Hcl>;
beforeAll(async () => {
  for (const [name, dir] of Object.entries(MODULE_DIRS)) stacks[name as ModuleName] = await parseStack(dir);
});

/** The copy of a local module a root module calls as `name`, and the arguments of the call. */
const called = (s: Hcl, name: string) => s.modules[name];
const call = (s: Hcl, name: string) => s.module[name][0];
/** The calls of modules/secure-bucket in each root module. */
const BUCKET_CALLS: Record<ModuleName, string[]> = { cluster: ['log_archive', 'log_archive_access_logs'], environment: ['backups', 'access_logs'] };
/** The resources of a bucket that were the root modules' own before modules/secure-bucket. */
const BUCKET_RESOURCES = [
  'aws_s3_bucket', 'aws_s3_bucket_ownership_controls', 'aws_s3_bucket_public_access_block', 'aws_s3_bucket_versioning',
  'aws_s3_bucket_server_side_encryption_configuration', 'aws_s3_bucket_lifecycle_configuration', 'aws_s3_bucket_policy',
];
/** Old address → address in modules/secure-bucket: every resource of the four buckets, so no bucket is replaced. */
const MOVED: Record<ModuleName, Array<[string, string]>> = {
  cluster: [
    ...BUCKET_RESOURCES.map((t): [string, string] => [`${t}.log_archive`, `module.log_archive.${t}.this`]),
    ...BUCKET_RESOURCES.map((t): [string, string] => [`${t}.log_archive_access_logs`, `module.log_archive_access_logs.${t}.this`]),
    ['aws_s3_bucket_logging.log_archive', 'module.log_archive_access_logs.aws_s3_bucket_logging.source[0]'],
  ],
  environment: [
    ...BUCKET_RESOURCES.map((t): [string, string] => [`${t}.backups`, `module.backups.${t}.this`]),
    ...BUCKET_RESOURCES.map((t): [string, string] => [`${t}.access_logs`, `module.access_logs.${t}.this`]),
    ['aws_s3_bucket_logging.backups', 'module.access_logs.aws_s3_bucket_logging.source[0]'],
  ],
};

describe('the S3 buckets (terraform-bootstrap/modules/secure-bucket)', () => {
  it('make every bucket private, versioned, TLS-only and SSE-KMS with its root\'s key; an access-log bucket SSE-S3, for exactly one bucket', () => {
    // What every bucket has, whatever the call says.
    const module = called(stacks.environment, 'backups');
    const pab = block(module, 'resource', 'aws_s3_bucket_public_access_block', 'this');
    expect([pab.block_public_acls, pab.block_public_policy, pab.ignore_public_acls, pab.restrict_public_buckets]).toEqual([true, true, true, true]);
    expect(block(module, 'resource', 'aws_s3_bucket_ownership_controls', 'this').rule[0].object_ownership).toBe('BucketOwnerEnforced');
    expect(block(module, 'resource', 'aws_s3_bucket_versioning', 'this').versioning_configuration[0].status).toBe('Enabled');
    const [tls] = block(module, 'data', 'aws_iam_policy_document', 'this').statement;
    expect([tls.effect, tls.actions, tls.resources, tls.condition]).toEqual([
      'Deny', ['s3:*'], ['${aws_s3_bucket.this.arn}', '${aws_s3_bucket.this.arn}/*'], [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
    ]);
    expect(block(module, 'resource', 'aws_s3_bucket_policy', 'this').policy).toBe('${data.aws_iam_policy_document.this.json}');
    // A bucket without a key that is no access-log bucket fails the plan (environment.tftest.hcl runs it).
    const [precondition] = block(module, 'resource', 'aws_s3_bucket_server_side_encryption_configuration', 'this').lifecycle[0].precondition;
    expect(precondition.condition).toBe('${(var.kms_key_arn != null) == (var.server_access_logs_of == null)}');
    // The calls: the names they had before the module (a new name would be a new bucket), the key, the lifecycle.
    const calls: Array<[ModuleName, string, Record<string, Hcl>]> = [
      ['environment', 'backups', {
        name: '${local.name}-backups-${var.aws_account_id}', kms_key_arn: '${module.kms.arn}',
        transition: { days: '${local.tier.backup_glacier_days}', storage_class: 'GLACIER' }, expiration_days: '${local.tier.backup_expiry_days}',
        noncurrent_version_expiration_days: 30, abort_incomplete_multipart_upload_days: 7,
      }],
      ['environment', 'access_logs', {
        name: '${local.name}-backup-access-logs-${var.aws_account_id}',
        server_access_logs_of: { bucket_id: '${module.backups.id}', bucket_arn: '${module.backups.arn}', account_id: '${var.aws_account_id}', prefix: 'backups/' },
        expiration_days: '${local.tier.log_retention_days}', noncurrent_version_expiration_days: 7,
      }],
      ['cluster', 'log_archive', {
        name: '${local.name}-container-log-archive-${var.aws_account_id}', kms_key_arn: '${module.kms.arn}',
        transition: { days: '${var.container_logs.archive.transition_days}', storage_class: '${var.container_logs.archive.storage_class}' },
        expiration_days: '${var.container_logs.archive.expire_days}', noncurrent_version_expiration_days: 30, abort_incomplete_multipart_upload_days: 7,
      }],
      ['cluster', 'log_archive_access_logs', {
        name: '${local.name}-log-archive-access-logs-${var.aws_account_id}',
        server_access_logs_of: { bucket_id: '${module.log_archive.id}', bucket_arn: '${module.log_archive.arn}', account_id: '${var.aws_account_id}', prefix: 'log-archive/' },
        expiration_days: 365, noncurrent_version_expiration_days: 7,
      }],
    ];
    const tierNames = { cluster: ['non-production', 'production'], environment: ['development', 'production', 'staging'] };
    for (const [root, name, args] of calls) {
      const { source, ...rest } = call(stacks[root], name);
      expect([source, rest], name).toEqual(['../modules/secure-bucket', args]);
      // The encryption the call gets, in every tier: SSE-KMS with the key, or SSE-S3 for an access-log bucket.
      const scope = moduleScope(stacks[root], name);
      const sse = block(scope, 'resource', 'aws_s3_bucket_server_side_encryption_configuration', 'this').rule[0].apply_server_side_encryption_by_default[0];
      const expected = args.server_access_logs_of ? 'AES256' : 'aws:kms';
      expect(perTier(scope, sse.sse_algorithm), name).toEqual(Object.fromEntries(tierNames[root].map((t) => [t, expected])));
      expect(perTier(scope, block(scope, 'resource', 'aws_s3_bucket_logging', 'source').count), name)
        .toEqual(Object.fromEntries(tierNames[root].map((t) => [t, args.server_access_logs_of ? 1 : 0])));
    }
  });

  it.each(Object.keys(MODULE_DIRS))('%s moves the state of every resource of its buckets into modules/secure-bucket, so no bucket is replaced', (name) => {
    const s = stacks[name as ModuleName];
    const strip = (ref: string) => ref.replace(/^\$\{(.*)\}$/, '$1');
    const bucketCalls = BUCKET_CALLS[name as ModuleName];
    const moves: Array<[string, string]> = (s.moved as Hcl[]).map((m): [string, string] => [strip(m.from), strip(m.to)])
      .filter(([, to]) => bucketCalls.some((callName) => to.startsWith(`module.${callName}.`)));
    expect([...moves].sort()).toEqual([...MOVED[name as ModuleName]].sort());
    // Every `to` is an instance the module call creates, and every instance the bucket calls create is a `to`:
    // nothing of an existing bucket is created anew next to the one that holds the data.
    const created = bucketCalls.flatMap((callName) => {
      const scope = moduleScope(s, callName);
      return Object.entries<Record<string, Block[]>>(scope.resource).flatMap(([type, byName]) => Object.entries(byName)
        .filter(([, [body]]) => existsInEveryTier(scope, body!))
        .map(([resourceName, [body]]) => `module.${callName}.${type}.${resourceName}${body!.count === undefined ? '' : '[0]'}`));
    });
    expect(moves.map(([, to]) => to).sort()).toEqual(created.sort());
    // …and no `from` is still declared where it was.
    for (const [from] of moves) expect(s.resource[from.split('.')[0]!]?.[from.split('.')[1]!], from).toBeUndefined();
  });
});
