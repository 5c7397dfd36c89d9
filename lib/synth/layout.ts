/**
 * The rendered tree's layout, shared by the synth engine and the diff engine:
 * `dist/<group>/<component>/<kind>-<name>.yaml` and `argocd/<sub>/<kind>-<name>.yaml`.
 */

/** `dist/production/api-svc/x.yaml` → `production`; `argocd/apps/x.yaml` → `argocd`. */
export function groupOf(path: string): string {
  const [top, second] = path.split('/');
  return top === 'dist' && second ? second : top!;
}
