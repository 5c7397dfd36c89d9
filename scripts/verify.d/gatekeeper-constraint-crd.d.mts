/** The CustomResourceDefinition Gatekeeper would generate from a ConstraintTemplate; null without spec.crd.spec.names.kind. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function constraintCrd(constraintTemplate: any): Record<string, any> | null;
