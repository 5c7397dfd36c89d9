// What scripts/verify.d/dry-run.mjs prints: the table per environment with every rejection and
// warning, or (--expect-reject) each fixture's verdict; and the mirror kube-linter reads.
import fs from 'node:fs';
import path from 'node:path';

// kube-linter knows Deployments but not Argo Rollouts: it would skip a Rollout's pod template and
// call its Service dangling. The mirror it lints holds every file as is, except that a Rollout
// with an inline pod template is shown to it as the equivalent apps/v1 Deployment.
export function writeLintMirror(mirror, dirs, files, parsed) {
  const asDeployment = (o) => {
    if (o.kind !== 'Rollout' || !o.apiVersion?.startsWith('argoproj.io/') || !o.spec?.template) return o;
    const { replicas, selector, template, minReadySeconds, revisionHistoryLimit } = o.spec;
    return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: o.metadata, spec: { replicas, selector, template, minReadySeconds, revisionHistoryLimit } };
  };
  for (const f of files) {
    const d = dirs.find((x) => f.startsWith(x + path.sep));
    const out = path.join(mirror, path.basename(d), path.relative(d, f));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const objs = parsed.get(f).objects;
    if (objs.some((o) => o.kind === 'Rollout')) fs.writeFileSync(out, objs.map((o) => JSON.stringify(asDeployment(o))).join('\n---\n') + '\n');
    else fs.copyFileSync(f, out);
  }
}

function oneLine(s, n = 600) {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
}

export function report(files, res, groupOf, rel) {
  const groups = new Map();
  for (const f of files) {
    const g = groupOf(f);
    const a = groups.get(g) ?? { files: 0, objects: 0, accepted: 0, rejected: 0, warnings: 0 };
    const x = res.get(f);
    a.files++; a.objects += x.objects; a.accepted += x.accepted; a.rejected += x.rejected; a.warnings += x.warnings.length;
    groups.set(g, a);
  }
  const total = { files: 0, objects: 0, accepted: 0, rejected: 0, warnings: 0 };
  for (const a of groups.values()) for (const k of Object.keys(total)) total[k] += a[k];
  const rows = [...[...groups.entries()].sort(([a], [b]) => a.localeCompare(b)), ['TOTAL', total]];
  const w = Math.max(11, ...rows.map(([g]) => g.length));
  const cols = ['files', 'objects', 'accepted', 'rejected', 'warnings'];
  const line = (g, vals) => `${g.padEnd(w)}  ${vals.map((v) => String(v).padStart(8)).join('  ')}`;
  console.log('');
  console.log(line('environment', cols));
  console.log('-'.repeat(w + cols.length * 10));
  for (const [g, a] of rows) {
    if (g === 'TOTAL') console.log('-'.repeat(w + cols.length * 10));
    console.log(line(g, cols.map((c) => a[c])));
  }
  const rejected = files.filter((f) => res.get(f).errors.length);
  const warned = files.filter((f) => res.get(f).warnings.length);
  if (rejected.length) {
    console.log(`\nREJECTED (${rejected.length} files):`);
    for (const f of rejected) for (const e of res.get(f).errors) console.log(`  ${rel(f)}\n    ${oneLine(e)}`);
  }
  if (warned.length) {
    console.log(`\nWARNINGS (${warned.length} files; warnings fail the check):`);
    for (const f of warned) for (const e of res.get(f).warnings) console.log(`  ${rel(f)}\n    ${oneLine(e)}`);
  }
  const empty = files.filter((f) => res.get(f).objects === 0 && !res.get(f).errors.length);
  if (empty.length) console.log(`\nnote: ${empty.length} files hold no object: ${empty.map(rel).join(', ')}`);
  const ok = !rejected.length && !warned.length;
  console.log(`\n${ok ? 'OK' : 'FAIL'}: ${total.objects} objects, ${total.accepted} accepted, ${total.rejected} rejected, ${total.warnings} warnings`);
  return ok ? 0 : 1;
}

export function reportExpectations(files, res, rel) {
  let bad = 0;
  console.log('');
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const accept = /^#\s*verify-expect:\s*accept\s*$/m.test(text);
    const wants = [...text.matchAll(/^#\s*verify-expect-message:\s*(.+?)\s*$/gm)].map((m) => m[1]);
    const x = res.get(f);
    const findings = [...x.errors, ...x.warnings.map((w) => `Warning: ${w}`)];
    const flagged = findings.length > 0;
    let ok, why;
    if (accept) { ok = !flagged && x.objects > 0; why = flagged ? `expected acceptance, got: ${oneLine(findings.join(' | '), 300)}` : 'accepted as expected'; }
    else if (!flagged) { ok = false; why = 'ACCEPTED, but this fixture must be rejected'; }
    else {
      const all = findings.join('\n').toLowerCase();
      const missing = wants.filter((s) => !all.includes(s.toLowerCase()));
      ok = missing.length === 0;
      why = (ok ? 'rejected as expected: ' : `rejected, but the message lacks "${missing.join('", "')}": `) + oneLine(findings.join(' | '), 400);
    }
    if (!ok) bad++;
    console.log(`${ok ? 'PASS' : 'FAIL'}  ${rel(f)}\n      ${why}`);
  }
  console.log(`\n${files.length - bad} passed, ${bad} failed`);
  return bad ? 1 : 0;
}
