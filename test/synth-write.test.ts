/**
 * The atomic write (lib/synth/write.ts): whole folders and documents replaced as one transaction,
 * rolled back on any failed rename, unchanged files kept as hard links, folders and documents that
 * already hold the output left alone.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAtomically } from '../lib/synth/write.ts';
import { renderPlatform } from './helpers.ts';
import { filesUnder, scratchRoots } from './synth-scratch.ts';

describe('atomic writes', () => {
  const scratchRoot = scratchRoots();

  it('replaces whole folders, so files of removed objects disappear', () => {
    const root = scratchRoot();
    const files = renderPlatform();
    writeAtomically(files, { root, units: ['dist', 'argocd'] });
    expect(existsSync(join(root, 'dist/production/old-component'))).toBe(false);
    expect(filesUnder(root, ['dist']).size).toBe(files.filter((f) => f.path.startsWith('dist/')).length);
    expect(readdirSync(root).filter((n) => n.startsWith('.synth-tmp'))).toEqual([]);
  });

  it('keeps the inode of every file whose bytes did not change, and writes every changed one anew', () => {
    const root = scratchRoot();
    const files = renderPlatform().filter((f) => f.path.startsWith('dist/production/')).slice(0, 6);
    writeAtomically(files, { root, units: ['dist'] });
    const inode = (f: { path: string }) => statSync(join(root, f.path)).ino;
    const before = files.map(inode);
    // The second run changes one file; the rest are what the first run wrote.
    const changed = { ...files[0]!, content: `${files[0]!.content}# changed\n` };
    writeAtomically([changed, ...files.slice(1)], { root, units: ['dist'] });
    expect(readFileSync(join(root, changed.path), 'utf8')).toBe(changed.content);
    expect(inode(changed)).not.toBe(before[0]);
    expect(files.slice(1).map(inode)).toEqual(before.slice(1));
    // The unchanged files kept their content too, and the first run's copy of the changed one is gone.
    for (const f of files.slice(1)) expect(readFileSync(join(root, f.path), 'utf8'), f.path).toBe(f.content);
    expect(readdirSync(root).filter((n) => n.startsWith('.synth-tmp'))).toEqual([]);
  });

  it('swaps dist/, argocd/ and the documents as one: a failure of any rename leaves all of them unchanged', () => {
    // A few files of each unit: what is checked is the renames, and 8 writes of all 440 were slow.
    const files = ['dist/', 'argocd/'].flatMap((unit) => renderPlatform().filter((f) => f.path.startsWith(unit)).slice(0, 10));
    // Two generated documents: one replaces an existing file, one is new.
    const documents = [{ path: 'docs/bootstrap-order.md', content: '# Bootstrap order\n' }, { path: 'loadtest/thresholds.json', content: '{}\n' }];
    const root = scratchRoot();
    mkdirSync(join(root, 'argocd', 'apps'), { recursive: true });
    writeFileSync(join(root, 'argocd', 'apps', 'application-old.yaml'), 'old application\n');
    mkdirSync(join(root, dirname(documents[0]!.path)), { recursive: true });
    writeFileSync(join(root, documents[0]!.path), 'old document\n');
    const before = filesUnder(root, ['dist', 'argocd', 'docs', 'loadtest', 'terraform-bootstrap']);
    // dist and argocd each: old aside, new in; document 0: old aside, new in; document 1 is new: in.
    const renames = 7;
    for (let failAt = 1; failAt <= renames; failAt++) {
      let calls = 0;
      const rename = (from: string, to: string) => {
        calls += 1;
        if (calls === failAt) throw new Error(`planted failure of rename number ${failAt}`);
        renameSync(from, to);
      };
      expect(() => writeAtomically(files, { root, units: ['dist', 'argocd'], documents, rename }), `rename ${failAt}`)
        .toThrow(`swapping the output into place failed (planted failure of rename number ${failAt}); every target was rolled back`);
      expect(filesUnder(root, ['dist', 'argocd', 'docs', 'loadtest', 'terraform-bootstrap']), `rename ${failAt}`).toEqual(before);
      expect(existsSync(join(root, documents[1]!.path)), `rename ${failAt}`).toBe(false);
      expect(readdirSync(root).filter((n) => n.startsWith('.synth-tmp')), `rename ${failAt}`).toEqual([]);
    }
    let calls = 0;
    writeAtomically(files, { root, units: ['dist', 'argocd'], documents, rename: (from, to) => { calls += 1; renameSync(from, to); } });
    expect(calls).toBe(renames);
    expect(readFileSync(join(root, documents[0]!.path), 'utf8')).toBe(documents[0]!.content);
    expect(existsSync(join(root, 'argocd', 'apps', 'application-old.yaml'))).toBe(false);
  });

  it('leaves alone every folder and document that already holds the output, and swaps only the rest', () => {
    const files = ['dist/', 'argocd/'].flatMap((unit) => renderPlatform().filter((f) => f.path.startsWith(unit)).slice(0, 10));
    const documents = [{ path: 'docs/bootstrap-order.md', content: '# Bootstrap order\n' }];
    const root = scratchRoot();
    writeAtomically(files, { root, units: ['dist', 'argocd'], documents });
    const folderInode = (unit: string) => statSync(join(root, unit)).ino;
    const refuse = () => { throw new Error('renamed although nothing changed'); };
    const dist = folderInode('dist');

    // Nothing changed: no rename at all, and no scratch folder left behind.
    expect(() => writeAtomically(files, { root, units: ['dist', 'argocd'], documents, rename: refuse })).not.toThrow();
    expect(readdirSync(root).filter((n) => n.startsWith('.synth-tmp'))).toEqual([]);

    // One argocd file changed: argocd/ is swapped (2 renames: old aside, new in), dist/ stays the same folder.
    const argocdFile = files.findIndex((f) => f.path.startsWith('argocd/'));
    const changed = files.map((f, i) => (i === argocdFile ? { ...f, content: `${f.content}# changed\n` } : f));
    let renames = 0;
    writeAtomically(changed, { root, units: ['dist', 'argocd'], documents, rename: (from, to) => { renames += 1; renameSync(from, to); } });
    expect(renames).toBe(2);
    expect(folderInode('dist')).toBe(dist);
    expect(readFileSync(join(root, changed[argocdFile]!.path), 'utf8')).toBe(changed[argocdFile]!.content);

    // Anything else in a folder (a stray file, an empty folder) is a difference: the folder is replaced.
    const folder = dirname(files[0]!.path);
    for (const stray of [`${folder}/stray.yaml`, `${folder}/empty/`]) {
      if (stray.endsWith('/')) mkdirSync(join(root, stray));
      else writeFileSync(join(root, stray), 'kind: Stray\n');
      writeAtomically(changed, { root, units: ['dist', 'argocd'], documents });
      expect(existsSync(join(root, stray)), stray).toBe(false);
      expect(filesUnder(root, ['dist']).size, stray).toBe(files.filter((f) => f.path.startsWith('dist/')).length);
    }
  });
});
