/**
 * Settings of the ingress-nginx controller (its ConfigMap, Helm `controller.config`) that the
 * PublicIngress/SecurityHeaders constructs rely on. Kept free of cdk8s imports so config can use it.
 * @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/
 */

export interface NginxControllerConfigProps {
  /** `<namespace>/<name>` of the SecurityHeaders ConfigMap. */
  readonly addHeaders: string;
  readonly hsts: { readonly maxAgeSeconds: number; readonly includeSubdomains: boolean; readonly preload: boolean };
}

/**
 * Entries of the ingress-nginx controller ConfigMap (Helm `controller.config`) this construct
 * family relies on: headers, HSTS, snippets off, 429 for rate-limited requests.
 */
export function nginxControllerConfig(props: NginxControllerConfigProps): Record<string, string> {
  return {
    'add-headers': props.addHeaders,
    'allow-snippet-annotations': 'false',
    hsts: 'true',
    'hsts-include-subdomains': String(props.hsts.includeSubdomains),
    'hsts-max-age': String(props.hsts.maxAgeSeconds),
    'hsts-preload': String(props.hsts.preload),
    'limit-conn-status-code': '429',
    'limit-req-status-code': '429',
    'ssl-redirect': 'true',
  };
}
