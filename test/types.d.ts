// Packages the tests use that ship no type declarations (test code only; nothing in src uses them).

declare module 'oidc-provider' {
  /** The test OpenID providers' options and callbacks are loosely typed on purpose. */
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, any>);
    [member: string]: any;
  }
}

declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(
    text: string,
  ): { name: string; type: string; metrics: { value?: string; labels?: Record<string, string> }[] }[];
}
