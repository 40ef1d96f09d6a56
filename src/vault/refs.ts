/**
 * Consent handles and OAuth `state` values name the vault they belong to, so the callback finds the
 * right object: `v1.<b64url(tenant)>.<b64url(sub)>.<random>` (an empty sub is the tenant's shared
 * vault). The random part (256 bits) is what authorizes; it is stored only as a hash, single use.
 * The principal in the clear is no secret: the confirmation page names it anyway.
 */

import { b64url, randomToken } from '../utils/bytes';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function unb64url(s: string): string {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return dec.decode(Uint8Array.from(b, (c) => c.charCodeAt(0)));
}

export interface VaultRef {
  tenant: string;
  sub: string;
}

export function newRef(owner: VaultRef): string {
  return `v1.${b64url(enc.encode(owner.tenant))}.${b64url(enc.encode(owner.sub))}.${randomToken()}`;
}

/** The vault a handle or state belongs to, or null when it is not one of ours. */
export function parseRef(raw: string | null | undefined): VaultRef | null {
  if (!raw || raw.length > 600) return null;
  const m = /^v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\.[A-Za-z0-9_-]{43}$/.exec(raw);
  if (!m) return null;
  try {
    return { tenant: unb64url(m[1]), sub: unb64url(m[2]) };
  } catch {
    return null;
  }
}
