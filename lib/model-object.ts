/**
 * Bridge from the typed `@kubernetes-models/*` classes (custom resources: ArgoCD, KEDA,
 * External Secrets, prometheus-operator, cert-manager, …) into the cdk8s tree.
 *
 * The model validates itself against the CRD's schema first, so a wrong field type fails at
 * synth time with the field path, not later in the cluster.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

export interface KubernetesModel {
  validate(): void;
  /** `@kubernetes-models/base` declares `unknown`; every model renders `{ apiVersion, kind, metadata, … }`. */
  toJSON(): unknown;
}

export function modelObject(scope: Construct, id: string, model: KubernetesModel): ApiObject {
  const json = model.toJSON() as { apiVersion: string; kind: string; metadata?: object; [key: string]: unknown };
  try {
    model.validate();
  } catch (error) {
    const name = (json.metadata as { name?: string } | undefined)?.name ?? id;
    throw new Error(`${json.kind} '${name}' does not match its schema: ${(error as Error).message}`);
  }
  return new ApiObject(scope, id, json as ConstructorParameters<typeof ApiObject>[2]);
}
