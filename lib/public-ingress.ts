/**
 * A public HTTPS entry through ingress-nginx: an Ingress with redirect, body size, timeouts and
 * per-client rate limits as annotations, plus a cert-manager Certificate for its host.
 *
 * Response headers (HSTS, CSP, X-Frame-Options, …) are not annotations: current ingress-nginx
 * disables snippet annotations, so they are controller settings (`nginxControllerConfig`), with
 * the extra headers in a ConfigMap (`SecurityHeaders`) the controller's `add-headers` names.
 * @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/
 * @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { modelObject } from './model-object.ts';

const NGINX = 'nginx.ingress.kubernetes.io';

export interface RateLimit {
  /** Requests per second per client IP (`limit-rps`). */
  readonly rps: number;
  /** Burst = rps × this (`limit-burst-multiplier`). */
  readonly burstMultiplier: number;
  /** Concurrent connections per client IP (`limit-connections`). */
  readonly connections: number;
  /**
   * Client ranges the limits do not apply to (`limit-whitelist`), e.g. the pod network a load test
   * runs from: one pod IP would otherwise be throttled like one abusive client.
   * @default - none
   */
  readonly exemptCidrs?: readonly string[];
}

export interface PublicIngressProps {
  /** Name of the Ingress; the Certificate is `<name>-tls`, so is its Secret. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Public host name, e.g. `api.flextime.app`. */
  readonly host: string;
  readonly ingressClassName: string;
  /** Service and its port name that receive the traffic. */
  readonly backend: { readonly service: string; readonly port: string };
  /** ClusterIssuer that signs the certificate. */
  readonly clusterIssuer: string;
  /** Largest request body (`proxy-body-size`), e.g. "8m". */
  readonly proxyBodySize: string;
  /** Seconds nginx waits to connect to, read from and send to the backend. */
  readonly timeouts: { readonly connect: number; readonly read: number; readonly send: number };
  readonly rateLimit: RateLimit;
  /**
   * Path prefix routed to the backend.
   * @default '/'
   */
  readonly path?: string;
}

export class PublicIngress extends Construct {
  public readonly tlsSecretName: string;

  constructor(scope: Construct, id: string, props: PublicIngressProps) {
    super(scope, id);
    const { rateLimit, timeouts } = props;
    const { exemptCidrs, ...limits } = rateLimit;
    for (const [key, value] of Object.entries({ ...limits, ...timeouts })) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`'${key}' (${value}) must be a whole number >= 1`);
    }
    this.tlsSecretName = `${props.name}-tls`;

    new k8s.KubeIngress(this, 'Ingress', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { ...props.labels },
        annotations: {
          // Plain HTTP only ever answers with a redirect, also behind the NLB (TLS ends in nginx).
          [`${NGINX}/ssl-redirect`]: 'true',
          [`${NGINX}/force-ssl-redirect`]: 'true',
          [`${NGINX}/proxy-body-size`]: props.proxyBodySize,
          [`${NGINX}/proxy-connect-timeout`]: String(timeouts.connect),
          [`${NGINX}/proxy-read-timeout`]: String(timeouts.read),
          [`${NGINX}/proxy-send-timeout`]: String(timeouts.send),
          [`${NGINX}/limit-rps`]: String(rateLimit.rps),
          [`${NGINX}/limit-burst-multiplier`]: String(rateLimit.burstMultiplier),
          [`${NGINX}/limit-connections`]: String(rateLimit.connections),
          ...(exemptCidrs?.length ? { [`${NGINX}/limit-whitelist`]: exemptCidrs.join(',') } : {}),
        },
      },
      spec: {
        ingressClassName: props.ingressClassName,
        tls: [{ hosts: [props.host], secretName: this.tlsSecretName }],
        rules: [{
          host: props.host,
          http: {
            paths: [{
              path: props.path ?? '/',
              pathType: 'Prefix',
              backend: { service: { name: props.backend.service, port: { name: props.backend.port } } },
            }],
          },
        }],
      },
    });

    modelObject(this, 'Certificate', new Certificate({
      metadata: { name: this.tlsSecretName, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        secretName: this.tlsSecretName,
        dnsNames: [props.host],
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: props.clusterIssuer },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
        // Let's Encrypt issues for 90 days; renew with a month to spare (the expiry alert fires at 14 days).
        renewBefore: '720h',
        secretTemplate: { labels: { ...props.labels } },
      },
    }));
  }
}

export interface SecurityHeadersProps {
  /** ConfigMap name (the controller's `add-headers` is `<namespace>/<name>`). */
  readonly name: string;
  /** Namespace of the ingress-nginx controller. */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Header name → value, added to every response. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The ConfigMap of response headers that ingress-nginx adds to every response (`add-headers`). */
export class SecurityHeaders extends Construct {
  /** `<namespace>/<name>`: the value of the controller's `add-headers` setting. */
  public readonly reference: string;

  constructor(scope: Construct, id: string, props: SecurityHeadersProps) {
    super(scope, id);
    for (const [header, value] of Object.entries(props.headers)) {
      // nginx writes these into `more_set_headers "<name>: <value>"`; a quote or newline would break out of it.
      if (/["\n\r\\]/.test(value)) throw new Error(`'headers.${header}' (${value}) must not contain quotes, backslashes or line breaks`);
    }
    this.reference = `${props.namespace}/${props.name}`;
    new k8s.KubeConfigMap(this, 'ConfigMap', {
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      data: Object.fromEntries(Object.entries(props.headers).sort(([a], [b]) => a.localeCompare(b))),
    });
  }
}
