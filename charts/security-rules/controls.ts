/**
 * The compliance controls FlexTime's policies and detection rules map to. Policies name
 * controls by id (type-checked against this table); docs/compliance.md is generated from it.
 *
 * The mapping is the platform team's reading of each control; auditors get the generated map,
 * not a hand-kept spreadsheet. Benchmark numbers follow the versions named in FRAMEWORKS.
 */
import type { ControlCatalogue } from '../../lib/compliance.ts';

export const FRAMEWORKS = {
  'cis-k8s': 'CIS Kubernetes Benchmark v1.9.0',
  'cis-eks': 'CIS Amazon EKS Benchmark v1.5.0',
  nist: 'NIST SP 800-53 Rev. 5',
  soc2: 'SOC 2 Trust Services Criteria (2017)',
} as const;

export const CONTROLS = {
  'CIS-K8S-5.1.3': { framework: 'cis-k8s', title: 'Minimize wildcard use in Roles and ClusterRoles' },
  'CIS-K8S-5.1.6': { framework: 'cis-k8s', title: 'Ensure that Service Account Tokens are only mounted where necessary' },
  'CIS-K8S-5.2.2': { framework: 'cis-k8s', title: 'Minimize the admission of privileged containers' },
  'CIS-K8S-5.2.3': { framework: 'cis-k8s', title: 'Minimize the admission of containers wishing to share the host process ID namespace' },
  'CIS-K8S-5.2.4': { framework: 'cis-k8s', title: 'Minimize the admission of containers wishing to share the host IPC namespace' },
  'CIS-K8S-5.2.5': { framework: 'cis-k8s', title: 'Minimize the admission of containers wishing to share the host network namespace' },
  'CIS-K8S-5.2.6': { framework: 'cis-k8s', title: 'Minimize the admission of containers with allowPrivilegeEscalation' },
  'CIS-K8S-5.2.7': { framework: 'cis-k8s', title: 'Minimize the admission of root containers' },
  'CIS-K8S-5.2.9': { framework: 'cis-k8s', title: 'Minimize the admission of containers with added capabilities' },
  'CIS-K8S-5.2.10': { framework: 'cis-k8s', title: 'Minimize the admission of containers with capabilities assigned' },
  'CIS-K8S-5.2.12': { framework: 'cis-k8s', title: 'Minimize the admission of HostPath volumes' },
  'CIS-K8S-5.2.13': { framework: 'cis-k8s', title: 'Minimize the admission of containers which use HostPorts' },
  'CIS-K8S-5.5.1': { framework: 'cis-k8s', title: 'Configure Image Provenance' },
  'CIS-K8S-5.7.2': { framework: 'cis-k8s', title: 'Ensure that the seccomp profile is set to RuntimeDefault in your pod definitions' },
  'CIS-K8S-5.7.3': { framework: 'cis-k8s', title: 'Apply Security Context to Your Pods and Containers' },
  'CIS-EKS-4.1.3': { framework: 'cis-eks', title: 'Minimize wildcard use in Roles and ClusterRoles' },
  'CIS-EKS-4.2.1': { framework: 'cis-eks', title: 'Minimize the admission of privileged containers' },
  'CIS-EKS-4.2.2': { framework: 'cis-eks', title: 'Minimize the admission of containers wishing to share the host process ID namespace' },
  'CIS-EKS-4.2.3': { framework: 'cis-eks', title: 'Minimize the admission of containers wishing to share the host IPC namespace' },
  'CIS-EKS-4.2.4': { framework: 'cis-eks', title: 'Minimize the admission of containers wishing to share the host network namespace' },
  'CIS-EKS-4.2.5': { framework: 'cis-eks', title: 'Minimize the admission of containers with allowPrivilegeEscalation' },
  'CIS-EKS-5.1.1': { framework: 'cis-eks', title: 'Ensure Image Vulnerability Scanning using Amazon ECR image scanning or a third party provider' },
  'CIS-EKS-5.4.5': { framework: 'cis-eks', title: 'Encrypt traffic to HTTPS load balancers with TLS certificates' },
  'NIST-AC-4': { framework: 'nist', title: 'Information Flow Enforcement' },
  'NIST-AC-6': { framework: 'nist', title: 'Least Privilege' },
  'NIST-CM-6': { framework: 'nist', title: 'Configuration Settings' },
  'NIST-CM-7': { framework: 'nist', title: 'Least Functionality' },
  'NIST-CM-8': { framework: 'nist', title: 'System Component Inventory' },
  'NIST-CM-11': { framework: 'nist', title: 'User-installed Software' },
  'NIST-RA-5': { framework: 'nist', title: 'Vulnerability Monitoring and Scanning' },
  'NIST-SC-6': { framework: 'nist', title: 'Resource Availability' },
  'NIST-SC-7': { framework: 'nist', title: 'Boundary Protection' },
  'NIST-SC-8': { framework: 'nist', title: 'Transmission Confidentiality and Integrity' },
  'NIST-SC-39': { framework: 'nist', title: 'Process Isolation' },
  'NIST-SI-3': { framework: 'nist', title: 'Malicious Code Protection' },
  'NIST-SI-4': { framework: 'nist', title: 'System Monitoring' },
  'NIST-SI-7': { framework: 'nist', title: 'Software, Firmware, and Information Integrity' },
  'SOC2-CC6.1': { framework: 'soc2', title: 'Logical access security over protected information assets' },
  'SOC2-CC6.3': { framework: 'soc2', title: 'Role-based access and least privilege' },
  'SOC2-CC6.6': { framework: 'soc2', title: 'Protection against threats from sources outside the system boundaries' },
  'SOC2-CC6.7': { framework: 'soc2', title: 'Restriction and protection of information in transmission' },
  'SOC2-CC6.8': { framework: 'soc2', title: 'Prevention and detection of unauthorized or malicious software' },
  'SOC2-CC7.1': { framework: 'soc2', title: 'Detection of configuration changes and newly discovered vulnerabilities' },
  'SOC2-CC7.2': { framework: 'soc2', title: 'Monitoring of system components for anomalies' },
  'SOC2-CC8.1': { framework: 'soc2', title: 'Authorized, tested and approved changes' },
  'SOC2-A1.1': { framework: 'soc2', title: 'Capacity management to meet availability commitments' },
} as const satisfies ControlCatalogue<keyof typeof FRAMEWORKS>;

export type ControlId = keyof typeof CONTROLS;
