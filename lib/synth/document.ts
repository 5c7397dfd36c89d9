import { Construct } from 'constructs';

export interface GeneratedDocumentProps {
  /**
   * Path relative to the repository root, outside dist/ and argocd/ (e.g. `docs/compliance.md`,
   * `terraform-bootstrap/cluster/generated.auto.tfvars.json`). The file is replaced as a whole.
   */
  readonly path: string;
  /** Full file content; must be deterministic. */
  readonly content: string;
}

/**
 * A non-Kubernetes file that synth owns, for things generated from the same config as the
 * manifests (Terraform inputs, docs). Written with the same all-or-nothing rule as dist/.
 */
export class GeneratedDocument extends Construct {
  public static isGeneratedDocument(x: unknown): x is GeneratedDocument {
    return x instanceof GeneratedDocument;
  }

  public readonly path: string;
  public readonly content: string;

  constructor(scope: Construct, id: string, props: GeneratedDocumentProps) {
    super(scope, id);
    if (!/^(?!dist\/|argocd\/)[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(props.path) || props.path.includes('..')) {
      throw new Error(`'path' (${props.path}) must be a relative path outside dist/ and argocd/`);
    }
    this.path = props.path;
    this.content = props.content;
  }
}
