/**
 * The daily compliance reports (Trivy Operator ClusterComplianceReports, config/addons.ts
 * `compliance.specs`) and which of their controls check each control of CONTROLS on the running
 * cluster. Written by hand from the specs the trivy-operator chart 0.32.1 ships
 * (templates/specs/eks-cis-1.4.yaml: the EKS CIS 1.4 ids, whose titles match our EKS controls;
 * k8s-pss-restricted-0.1.yaml: controls "1"–"17" by name). docs/compliance.md lists them in the
 * "Live result" column; charts/security.ts checks each report is one the add-on renders.
 */
import type { ControlId } from './controls.ts';

export type ComplianceReport = 'eks-cis-1.4' | 'k8s-pss-restricted-0.1';

/** Pod Security restricted controls of k8s-pss-restricted-0.1, by id. */
const PSS: Record<string, string> = {
  2: 'Host Namespaces', 3: 'Privileged Containers', 4: 'Capabilities', 5: 'HostPath Volumes', 6: 'host ports',
  10: 'Seccomp', 13: 'Privilege Escalation', 14: 'Running as Non-root', 16: 'Seccomp', 17: 'Capabilities',
};

const eks = (id: string) => ({ report: 'eks-cis-1.4' as const, control: id });
const pss = (...ids: number[]) => ids.map((id) => ({ report: 'k8s-pss-restricted-0.1' as const, control: String(id), name: PSS[id] }));

export const REPORT_CHECKS: Partial<Record<ControlId, ReadonlyArray<{ report: ComplianceReport; control: string; name?: string }>>> = {
  'CIS-EKS-4.1.3': [eks('4.1.3')],
  'CIS-EKS-4.2.1': [eks('4.2.1'), ...pss(3)],
  'CIS-EKS-4.2.2': [eks('4.2.2'), ...pss(2)],
  'CIS-EKS-4.2.3': [eks('4.2.3'), ...pss(2)],
  'CIS-EKS-4.2.4': [eks('4.2.4'), ...pss(2)],
  'CIS-EKS-4.2.5': [eks('4.2.5'), ...pss(13)],
  'CIS-EKS-5.1.1': [eks('5.1.1')],
  'CIS-EKS-5.4.5': [eks('5.4.5')],
  'CIS-K8S-5.1.3': [eks('4.1.3')],
  'CIS-K8S-5.1.6': [eks('4.1.6')],
  'CIS-K8S-5.2.2': [eks('4.2.1'), ...pss(3)],
  'CIS-K8S-5.2.3': [eks('4.2.2'), ...pss(2)],
  'CIS-K8S-5.2.4': [eks('4.2.3'), ...pss(2)],
  'CIS-K8S-5.2.5': [eks('4.2.4'), ...pss(2)],
  'CIS-K8S-5.2.6': [eks('4.2.5'), ...pss(13)],
  'CIS-K8S-5.2.7': [eks('4.2.6'), ...pss(14)],
  'CIS-K8S-5.2.9': [eks('4.2.7'), ...pss(4, 17)],
  'CIS-K8S-5.2.10': [eks('4.2.8'), ...pss(17)],
  'CIS-K8S-5.2.12': pss(5),
  'CIS-K8S-5.2.13': pss(6),
  'CIS-K8S-5.7.2': pss(10, 16),
  'CIS-K8S-5.7.3': [eks('4.5.2')],
};
