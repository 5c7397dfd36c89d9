/**
 * A Falco rules file built from typed lists, macros and rules, with one check Falco itself does
 * not make: in a condition, a bare word inside `in (...)` that is not a defined list is silently
 * taken as a literal string, so a typo in a list name turns a rule into one that never fires.
 * Here every bare word in a condition must be a list or macro defined in this file or named in
 * `external` (e.g. Falco's default ruleset); literal values go in lists or in quotes.
 * @see https://falco.org/docs/concepts/rules/basic-elements/
 */
import { stringify } from 'yaml';

export type FalcoPriority = 'EMERGENCY' | 'ALERT' | 'CRITICAL' | 'ERROR' | 'WARNING' | 'NOTICE' | 'INFORMATIONAL' | 'DEBUG';

export interface FalcoList {
  /** snake_case name. */
  readonly name: string;
  /** Values; an empty list is allowed (matches nothing). */
  readonly items: readonly (string | number)[];
}

export interface FalcoMacro {
  /** snake_case name. */
  readonly name: string;
  /** Filter expression; may use lists, external names and macros defined before it. */
  readonly condition: string;
}

export interface FalcoRule {
  /** The rule's title, unique in the file. */
  readonly rule: string;
  readonly desc: string;
  readonly condition: string;
  /** Output line with %field placeholders. */
  readonly output: string;
  readonly priority: FalcoPriority;
  /**
   * Tags (e.g. control ids, MITRE technique ids).
   * @default []
   */
  readonly tags?: readonly string[];
}

export interface FalcoRulesProps {
  /** @default [] */
  readonly lists?: readonly FalcoList[];
  /** @default [] */
  readonly macros?: readonly FalcoMacro[];
  /** At least one rule. */
  readonly rules: readonly FalcoRule[];
  /**
   * Names of lists and macros that are defined elsewhere and loaded before this file (Falco's
   * default ruleset). Conditions may use them.
   * @default []
   */
  readonly external?: readonly string[];
}

const NAME = /^[a-z_][a-z0-9_]*$/;
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'intersects', 'pmatch', 'exists', 'val', 'true', 'false']);
const COMPARISON = /([A-Za-z0-9_.]+)\s*(==|=|!=|<=|>=|<|>|\b(?:contains|icontains|bcontains|startswith|bstartswith|endswith|glob|iglob|regex)\b)\s*([^\s()]+)/g;

/**
 * The list and macro names a condition uses: every bare word that is not a field
 * (`proc.name`), an operator, a number, or the value of a comparison.
 */
export function conditionReferences(condition: string): string[] {
  const stripped = condition
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' "" ') // quoted literals
    .replace(/\[[^\]]*\]/g, '') // field arguments: k8s.pod.label[app.kubernetes.io/name], proc.aname[2]
    .replace(COMPARISON, ' ');
  const words = stripped.match(/[A-Za-z_][A-Za-z0-9_.-]*/g) ?? [];
  return [...new Set(words.filter((w) => !w.includes('.') && !KEYWORDS.has(w)))].sort();
}

export class FalcoRules {
  public readonly lists: readonly FalcoList[];
  public readonly macros: readonly FalcoMacro[];
  public readonly rules: readonly FalcoRule[];
  public readonly external: readonly string[];

  constructor(props: FalcoRulesProps) {
    this.lists = props.lists ?? [];
    this.macros = props.macros ?? [];
    this.rules = props.rules;
    this.external = props.external ?? [];
    this.validate();
  }

  /** Names a condition may use at `position` in the file (lists and external: always; macros: those before it). */
  private validate(): void {
    if (this.rules.length === 0) throw new Error(`'rules' must hold at least one rule`);
    const defined = new Set<string>(this.external);
    for (const list of this.lists) {
      this.checkName('list', list.name, defined);
      defined.add(list.name);
    }
    for (const macro of this.macros) {
      this.checkName('macro', macro.name, defined);
      this.checkReferences(`macro '${macro.name}'`, macro.condition, defined);
      defined.add(macro.name);
    }
    const titles = new Set<string>();
    for (const rule of this.rules) {
      if (titles.has(rule.rule)) throw new Error(`rule '${rule.rule}' is defined twice`);
      titles.add(rule.rule);
      this.checkReferences(`rule '${rule.rule}'`, rule.condition, defined);
    }
  }

  private checkName(what: string, name: string, defined: Set<string>): void {
    if (!NAME.test(name)) throw new Error(`${what} name '${name}' must be snake_case`);
    if (defined.has(name)) throw new Error(`${what} '${name}' is defined twice (or shadows an external name)`);
  }

  private checkReferences(where: string, condition: string, defined: Set<string>): void {
    for (const name of conditionReferences(condition)) {
      if (!defined.has(name)) {
        throw new Error(`${where} uses '${name}', which is not a list or macro defined before it nor an external name; quote literal values or put them in a list`);
      }
    }
  }

  /** The rules file: lists, then macros, then rules, each in the given order. */
  public toYaml(): string {
    const doc = [
      ...this.lists.map((l) => ({ list: l.name, items: l.items.map(listItem) })),
      ...this.macros.map((m) => ({ macro: m.name, condition: m.condition })),
      ...this.rules.map((r) => ({
        rule: r.rule,
        desc: r.desc,
        condition: r.condition,
        output: r.output,
        priority: r.priority,
        ...(r.tags?.length ? { tags: [...r.tags] } : {}),
      })),
    ];
    return stringify(doc, { lineWidth: 0 });
  }
}

/** Falco reads list items as filter tokens: anything beyond [A-Za-z0-9_./] must be quoted for Falco. */
function listItem(item: string | number): string | number {
  if (typeof item === 'number' || /^[A-Za-z0-9_./]+$/.test(item)) return item;
  return `"${item.replace(/"/g, '\\"')}"`;
}
