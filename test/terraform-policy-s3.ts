/**
 * S3 policy rules (part of `rules` in test/terraform-policy.ts, same contract): every bucket that
 * holds data logs who accessed it (server access logging into a log bucket); log buckets
 * themselves are the end of the chain (issue 19: the backup bucket had no access logging).
 */
import { blocks, references, type Hcl } from './terraform-hcl.ts';

type Rule = (stack: Hcl) => string[];

export const s3Rules: Record<string, Rule> = {
  accessLogged(stack) {
    const out: string[] = [];
    const logging = blocks(stack, 'resource', 'aws_s3_bucket_logging');
    const targets = new Set(logging.flatMap(([, l]) => references(l.target_bucket)));
    for (const [address] of blocks(stack, 'resource', 'aws_s3_bucket')) {
      if (targets.has(address)) continue;
      if (!logging.some(([, l]) => references(l.bucket).includes(address))) out.push(`${address}: needs server access logging (aws_s3_bucket_logging into a log bucket)`);
    }
    return out;
  },
};
