/**
 * FlexTime's Falco rules as typed data, built from config (environment namespaces, the egress
 * allow-list per workload, app directories, token readers). Loaded by Falco after its default
 * ruleset, whose names this file may use are listed in FALCO_DEFAULT_NAMES.
 */
import type { Platform } from '../../config/index.ts';
import { FalcoRules, type FalcoList, type FalcoRule } from '../../lib/falco-rules.ts';
import { namespaceOf } from '../context.ts';
import type { ControlId } from './controls.ts';

/**
 * Lists and macros of Falco's default ruleset (falcosecurity/rules, falco_rules.yaml) that our
 * conditions use. Falco loads that file first; a name missing there makes Falco refuse to start.
 */
export const FALCO_DEFAULT_NAMES = ['spawned_process', 'open_read', 'shell_binaries', 'package_mgmt_binaries', 'never_true'] as const;

/** A rule plus the controls it provides evidence for (also written as tags). */
export interface DetectionRule extends FalcoRule {
  readonly controls: readonly ControlId[];
}

const CONTEXT = 'ns=%k8s.ns.name pod=%k8s.pod.name container=%container.name image=%container.image.repository';

/** Turns `scheduler-svc` into a Falco name fragment `scheduler_svc`. */
const snake = (s: string) => s.replace(/[^a-z0-9]+/g, '_');

export interface FlexTimeFalco {
  readonly ruleSet: FalcoRules;
  readonly rules: readonly DetectionRule[];
}

export function flexTimeFalcoRules(platform: Platform): FlexTimeFalco {
  const falco = platform.security.falco;
  const egress = Object.entries(falco.egress).sort(([a], [b]) => a.localeCompare(b));

  const lists: FalcoList[] = [
    { name: 'flextime_namespaces', items: platform.environments.map((env) => namespaceOf(platform, env)) },
    { name: 'flextime_app_dirs', items: falco.appDirectories },
    { name: 'flextime_open_syscalls', items: ['open', 'openat', 'openat2'] },
    { name: 'flextime_sa_token_dirs', items: ['/var/run/secrets/kubernetes.io/serviceaccount', '/run/secrets/kubernetes.io/serviceaccount'] },
    { name: 'flextime_sa_token_readers', items: falco.tokenReaders },
    // Besides the default ruleset's package_mgmt_binaries (apt, apk, dnf, pip, npm, gem, ...).
    { name: 'flextime_package_managers', items: ['yarn', 'pnpm', 'npx', 'pipx', 'poetry', 'uv'] },
    ...egress.map(([workload, ports]) => ({ name: `flextime_${snake(workload)}_egress_ports`, items: [...ports].sort((a, b) => a - b) })),
  ];

  const macros = [
    { name: 'flextime_app_container', condition: 'container.id != host and k8s.ns.name in (flextime_namespaces)' },
    // Attempts count, not only successes: on a read-only root filesystem the write fails but the intent is the signal.
    { name: 'flextime_open_write_attempt', condition: "evt.type in (flextime_open_syscalls) and evt.dir = < and evt.is_open_write = true and fd.typechar = 'f'" },
    {
      name: 'flextime_outbound_connect',
      condition: 'evt.type = connect and evt.dir = < and (fd.typechar = 4 or fd.typechar = 6) and fd.ip != "0.0.0.0" and fd.net != "127.0.0.0/8" and (evt.rawres >= 0 or evt.res = EINPROGRESS)',
    },
    // Tuning hook: override in a later rules file to allow a known shell (kept empty on purpose).
    { name: 'flextime_expected_shell', condition: '(never_true)' },
  ];

  const rules: DetectionRule[] = [
    {
      rule: 'FlexTime shell in app container',
      desc: 'A shell started inside a FlexTime application container: the images run their process directly, so a shell means someone (or something) is exploring the container.',
      condition: 'spawned_process and flextime_app_container and proc.name in (shell_binaries) and not flextime_expected_shell',
      output: `Shell spawned in FlexTime container (command=%proc.cmdline parent=%proc.pname user=%user.uid ${CONTEXT})`,
      priority: 'WARNING',
      controls: ['NIST-SI-4', 'NIST-CM-7', 'SOC2-CC7.2'],
    },
    {
      rule: 'FlexTime write below etc or app directory',
      desc: 'A process in a FlexTime container opened a file below /etc or the application directory for writing: configuration or code is being changed at runtime.',
      condition: 'flextime_open_write_attempt and flextime_app_container and (fd.name startswith /etc/ or fd.name pmatch (flextime_app_dirs))',
      output: `Write below /etc or the app directory in FlexTime container (file=%fd.name command=%proc.cmdline result=%evt.res ${CONTEXT})`,
      priority: 'ERROR',
      controls: ['NIST-SI-7', 'NIST-SI-4', 'SOC2-CC6.8', 'SOC2-CC7.2'],
    },
    ...egress.map(([workload]): DetectionRule => ({
      rule: `FlexTime unexpected outbound connection from ${workload}`,
      desc: `${workload} connected to a port outside its allow-list (security.falco.egress in config): possible exfiltration or a compromised dependency.`,
      condition: `flextime_outbound_connect and flextime_app_container and k8s.pod.label[app.kubernetes.io/name] = "${workload}" and not fd.sport in (flextime_${snake(workload)}_egress_ports)`,
      output: `Unexpected outbound connection from ${workload} (connection=%fd.name port=%fd.sport command=%proc.cmdline ${CONTEXT})`,
      priority: 'WARNING',
      controls: ['NIST-SC-7', 'NIST-AC-4', 'NIST-SI-4', 'SOC2-CC6.6', 'SOC2-CC7.2'],
    })),
    {
      rule: 'FlexTime service account token read by unexpected process',
      desc: 'A process not in flextime_sa_token_readers read a Kubernetes service-account token in a FlexTime container: token theft is the first step to the API server.',
      condition: 'open_read and flextime_app_container and fd.name pmatch (flextime_sa_token_dirs) and not proc.name in (flextime_sa_token_readers)',
      output: `Service-account token read in FlexTime container (file=%fd.name command=%proc.cmdline parent=%proc.pname ${CONTEXT})`,
      priority: 'WARNING',
      controls: ['CIS-K8S-5.1.6', 'NIST-AC-6', 'NIST-SI-4', 'SOC2-CC6.1'],
    },
    {
      rule: 'FlexTime package manager at runtime',
      desc: 'A package manager ran inside a FlexTime container: images are immutable and built in CI, so installing software at runtime is drift or an intruder fetching tools.',
      condition: 'spawned_process and flextime_app_container and (proc.name in (package_mgmt_binaries) or proc.name in (flextime_package_managers))',
      output: `Package manager run in FlexTime container (command=%proc.cmdline parent=%proc.pname ${CONTEXT})`,
      priority: 'ERROR',
      controls: ['NIST-CM-11', 'NIST-SI-3', 'NIST-SI-4', 'SOC2-CC6.8'],
    },
  ];

  const ruleSet = new FalcoRules({
    lists,
    macros,
    rules: rules.map(({ controls, ...rule }) => ({ ...rule, tags: ['flextime', ...controls] })),
    external: FALCO_DEFAULT_NAMES,
  });
  return { ruleSet, rules };
}
