/**
 * A compliance map rendered as Markdown: control → what implements it → where it is enforced →
 * where its live result on the running cluster appears.
 * Generated from the same data the policies are rendered from, so it cannot drift from them.
 */

export interface Control<F extends string = string> {
  /** Key of the framework (in `frameworks`) the control belongs to. */
  readonly framework: F;
  readonly title: string;
}

/** Controls by id, in the order they should be listed. */
export type ControlCatalogue<F extends string = string> = Readonly<Record<string, Control<F>>>;

export interface ControlImplementation {
  /** Unique, human-readable name, e.g. "Gatekeeper FlexTimeHostIsolation". */
  readonly name: string;
  /** What sort of mechanism it is, e.g. "admission policy", "runtime detection", "alert". */
  readonly mechanism: string;
  /** One sentence: what it checks. */
  readonly summary: string;
  /** Where it is enforced and with what effect; one line each. */
  readonly where: readonly string[];
  /** Control ids (keys of the catalogue); at least one. */
  readonly controls: readonly string[];
  /**
   * Rendered files that define it, relative to the repository root.
   * @default []
   */
  readonly definedIn?: readonly string[];
  /**
   * Where its live result on the running cluster appears (a dashboard panel, a command); one line each.
   * @default []
   */
  readonly liveResult?: readonly string[];
}

export interface ComplianceMapProps<F extends string> {
  readonly title: string;
  /** Paragraphs after the title. */
  readonly intro: readonly string[];
  /** Framework key → display name, in the order of the sections. */
  readonly frameworks: Readonly<Record<F, string>>;
  readonly controls: ControlCatalogue<F>;
  readonly implementations: readonly ControlImplementation[];
  /**
   * Control id → where a periodic report checks it on the running cluster (e.g. a compliance
   * scanner's control), one line each; listed before the implementations' live results.
   * @default {}
   */
  readonly reports?: Readonly<Record<string, readonly string[]>>;
}

/** Render the map; throws if an implementation names no control or an unknown one. */
export function complianceMarkdown<F extends string>(props: ComplianceMapProps<F>): string {
  const names = new Set<string>();
  for (const impl of props.implementations) {
    if (names.has(impl.name)) throw new Error(`implementation '${impl.name}' is listed twice`);
    names.add(impl.name);
    if (impl.controls.length === 0) throw new Error(`implementation '${impl.name}' names no control; every policy and rule maps to at least one`);
    for (const id of impl.controls) {
      if (!(id in props.controls)) throw new Error(`implementation '${impl.name}' names unknown control '${id}'`);
    }
  }
  for (const id of Object.keys(props.reports ?? {})) {
    if (!(id in props.controls)) throw new Error(`a report names unknown control '${id}'`);
  }
  const byControl = (id: string) => props.implementations.filter((i) => i.controls.includes(id));
  const cell = (s: string) => s.replace(/\|/g, '\\|');

  const out: string[] = [`# ${props.title}`, '', ...props.intro.flatMap((p) => [p, ''])];
  for (const [key, frameworkName] of Object.entries(props.frameworks) as [F, string][]) {
    const ids = Object.keys(props.controls).filter((id) => props.controls[id]!.framework === key);
    if (ids.length === 0) continue;
    out.push(`## ${frameworkName}`, '', '| Control | Title | Implemented by | Where enforced | Live result |', '|---|---|---|---|---|');
    for (const id of ids) {
      const impls = byControl(id);
      const by = impls.length ? impls.map((i) => `${cell(i.name)} (${i.mechanism})`).join('<br>') : '— not covered here';
      const where = impls.length ? [...new Set(impls.flatMap((i) => i.where))].map(cell).join('<br>') : '—';
      const live = [...new Set([...(props.reports?.[id] ?? []), ...impls.flatMap((i) => i.liveResult ?? [])])];
      out.push(`| ${id} | ${cell(props.controls[id]!.title)} | ${by} | ${where} | ${live.length ? live.map(cell).join('<br>') : '—'} |`);
    }
    out.push('');
  }
  out.push('## Implementations', '');
  for (const impl of props.implementations) {
    out.push(`### ${impl.name}`, '', impl.summary, '', `- Mechanism: ${impl.mechanism}`, `- Controls: ${impl.controls.join(', ')}`);
    for (const w of impl.where) out.push(`- Enforced: ${w}`);
    for (const d of impl.definedIn ?? []) out.push(`- Defined in: \`${d}\``);
    for (const l of impl.liveResult ?? []) out.push(`- Live result: ${l}`);
    out.push('');
  }
  return out.join('\n');
}
