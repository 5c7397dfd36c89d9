/**
 * S3 policy rules (part of `rules` in test/terraform-policy.ts, same contract): every bucket that
 * holds data logs who accessed it (server access logging into a log bucket); log buckets
 * themselves are the end of the chain (issue 19: the backup bucket had no access logging).
 *
 * A bucket's logging may be configured in another module call than the bucket's own
 * (modules/secure-bucket: an access-log bucket's call turns on the logging of the bucket it serves),
 * so the rule runs once, from the root module, over the buckets and logging configurations of the
 * root and every module it calls, each by its full address. A logging configuration counts where it
 * exists in every tier (its `count`, evaluated with the call's arguments).
 */
import { blocks, existsInEveryTier, qualifiedReferences, scopes, type Hcl } from './terraform-hcl.ts';

type Rule = (stack: Hcl) => string[];

export const s3Rules: Record<string, Rule> = {
  accessLogged(stack) {
    if (stack.caller) return [];
    const all = scopes(stack);
    const logging = all.flatMap(([prefix, scope]) => blocks(scope, 'resource', 'aws_s3_bucket_logging')
      .filter(([, l]) => existsInEveryTier(scope, l))
      .map(([, l]) => ({ buckets: qualifiedReferences(scope, l.bucket, prefix), targets: qualifiedReferences(scope, l.target_bucket, prefix) })));
    const targets = new Set(logging.flatMap((l) => l.targets));
    const logged = new Set(logging.flatMap((l) => l.buckets));
    const out: string[] = [];
    for (const [prefix, scope] of all) {
      for (const [address] of blocks(scope, 'resource', 'aws_s3_bucket')) {
        const bucket = `${prefix}${address}`;
        if (!targets.has(bucket) && !logged.has(bucket)) out.push(`${bucket}: needs server access logging (aws_s3_bucket_logging into a log bucket)`);
      }
    }
    return out;
  },
};
