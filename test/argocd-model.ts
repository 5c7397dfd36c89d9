/**
 * The Application and AppProject fields the ArgoCD tests read from rendered objects.
 * Shared by test/argocd.test.ts and test/argocd-config.test.ts.
 */
import type { KubeObject } from '../lib/synth/object-json.ts';

export interface Source { repoURL: string; targetRevision: string; path?: string; chart?: string }
export interface Destination { server: string; namespace?: string }
export interface AppSpec {
  project: string;
  source?: Source;
  sources?: Source[];
  destination: Destination;
  syncPolicy: {
    automated: { prune: boolean; selfHeal: boolean };
    syncOptions: string[];
    retry?: { limit: number; backoff: { duration: string; factor: number; maxDuration: string } };
  };
  ignoreDifferences?: Array<{ group: string; kind: string; name?: string; namespace?: string; jsonPointers?: string[] }>;
  revisionHistoryLimit: number;
}
export interface ProjectSpec {
  destinations: Destination[];
  clusterResourceWhitelist: Array<{ group: string; kind: string; name?: string }>;
  sourceRepos: string[];
  roles: Array<{ name: string; groups: string[]; policies: string[] }>;
  syncWindows: Array<{ kind: string; applications: string[]; manualSync: boolean; schedule: string; duration: string; timeZone: string }>;
}

export const spec = (o: KubeObject) => o.spec as AppSpec;
export const projectSpec = (o: KubeObject) => o.spec as ProjectSpec;
