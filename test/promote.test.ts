/**
 * Promotion edits exactly one value (the image line of one service in one environment file),
 * validates before writing, and refuses a tag without digest where digests are required.
 * Runs on a temp copy of config/ and lib/, never on this checkout.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateImage, promote } from '../scripts/promote.ts';

const ROOT = join(import.meta.dirname, '..');

/** Every temp repository a test made, removed after the file. */
const repos: string[] = [];
afterAll(() => repos.forEach((root) => rmSync(root, { recursive: true, force: true })));

function tempRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'promote-'));
  repos.push(root);
  for (const dir of ['config', 'lib']) cpSync(join(ROOT, dir), join(root, dir), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

function snapshot(root: string): Map<string, string> {
  const files = readdirSync(join(root, 'config'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return new Map(files.map((e) => [relative(root, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name), 'utf8')]));
}

/** Lines that differ between two versions of a file (same line count expected). */
function changedLines(a: string, b: string): Array<[string, string]> {
  const x = a.split('\n');
  const y = b.split('\n');
  expect(y.length).toBe(x.length);
  return x.flatMap((line, i) => (line === y[i] ? [] : [[line, y[i]!] as [string, string]]));
}

const imageOf = (root: string, env: string, service: string) =>
  locateImage(readFileSync(join(root, 'config/environments', `${env}.ts`), 'utf8'), `${env}.ts`, service).value;

describe('promote', () => {
  it('copies the staging image of api-svc to production by editing exactly one line', async () => {
    const root = tempRepo();
    const before = snapshot(root);
    const stagingImage = imageOf(root, 'staging', 'api-svc');
    const productionImage = imageOf(root, 'production', 'api-svc');
    expect(stagingImage).not.toBe(productionImage);

    const result = await promote({ root, service: 'api-svc', from: 'staging', to: 'production' });

    expect(result).toMatchObject({ file: 'config/environments/production.ts', old: productionImage, new: stagingImage, changed: true });
    const after = snapshot(root);
    const changedFiles = [...after].filter(([path, text]) => before.get(path) !== text).map(([path]) => path);
    expect(changedFiles).toEqual(['config/environments/production.ts']);
    const lines = changedLines(before.get('config/environments/production.ts')!, after.get('config/environments/production.ts')!);
    expect(lines).toEqual([[
      before.get('config/environments/production.ts')!.split('\n')[result.line - 1],
      before.get('config/environments/production.ts')!.split('\n')[result.line - 1]!.replace(productionImage, stagingImage),
    ]]);
    expect(imageOf(root, 'production', 'scheduler-svc')).toBe(imageOf(ROOT, 'production', 'scheduler-svc'));
  });

  it('pins a new build given by --image', async () => {
    const root = tempRepo();
    const image = `ghcr.io/flextime/api-svc:1.6.0@sha256:${'c'.repeat(64)}`;
    await promote({ root, service: 'api-svc', to: 'staging', image });
    expect(imageOf(root, 'staging', 'api-svc')).toBe(image);
  });

  it('refuses a tag without digest for production and leaves the file alone', async () => {
    const root = tempRepo();
    const before = snapshot(root);
    await expect(promote({ root, service: 'api-svc', to: 'production', image: 'ghcr.io/flextime/api-svc:1.6.0' })).rejects.toThrow(
      'refusing to promote ghcr.io/flextime/api-svc:1.6.0 to production:\ninvalid platform config:\n' +
        "  - environments[production].services.api-svc.image = \"ghcr.io/flextime/api-svc:1.6.0\": image 'ghcr.io/flextime/api-svc:1.6.0' must be pinned by digest (repo@sha256:…) in production",
    );
    expect(snapshot(root)).toEqual(before);
  });

  it('refuses the development tag of scheduler-svc for staging', async () => {
    const root = tempRepo();
    await expect(promote({ root, service: 'scheduler-svc', from: 'development', to: 'staging' })).rejects.toThrow(/must be pinned by digest \(repo@sha256:…\) in staging/);
  });

  it('names an unknown environment or service', async () => {
    const root = tempRepo();
    await expect(promote({ root, service: 'api-svc', from: 'staging', to: 'prod' })).rejects.toThrow(
      '--to "prod": unknown environment; allowed: development, staging, production',
    );
    await expect(promote({ root, service: 'web', from: 'staging', to: 'production' })).rejects.toThrow(
      '--service "web": not configured in production; allowed: api-svc, scheduler-svc',
    );
  });

  it('finds the image literal whatever the quoting and layout', () => {
    const source = "export const e = {\n  services: {\n    \"api-svc\": { replicas: 1, image: \"a:1\" },\n    'x': {\n      image: 'b:2' } } };\n";
    const hit = locateImage(source, 'e.ts', 'api-svc');
    expect(source.slice(hit.start, hit.end)).toBe('"a:1"');
    expect(locateImage(source, 'e.ts', 'x').value).toBe('b:2');
    expect(() => locateImage(source, 'e.ts', 'y')).toThrow("e.ts: expected exactly one string literal at services['y'].image, found 0");
  });
});
