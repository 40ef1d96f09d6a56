/**
 * What a pin covers and how it is hashed: a tool's name, title, description, inputSchema,
 * outputSchema and annotations, serialised as canonical JSON (RFC 8785 JCS: sorted keys, fixed
 * number and string forms) and hashed with SHA-256. Any other key (`_meta`, vendor extras) is not
 * part of the reviewed definition, so it neither triggers quarantine nor hides a change.
 * Arguments of a parked call are bound by the same canonical form (argsDigest).
 */
import canonicalize from 'canonicalize';
import { hex } from '../utils/bytes';

export const PINNED_FIELDS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

export type ToolDefinition = Partial<Record<(typeof PINNED_FIELDS)[number], unknown>>;

/** The pinned part of a tool definition (fields it lacks stay absent). */
export function pinnedDefinition(tool: Record<string, unknown>): ToolDefinition {
  const out: ToolDefinition = {};
  for (const k of PINNED_FIELDS) if (tool[k] !== undefined) out[k] = tool[k];
  return out;
}

/** RFC 8785 canonical JSON of any JSON value (`{}` for undefined). */
export function canonicalJson(value: unknown): string {
  return canonicalize(value ?? {}) ?? '{}';
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

/** SHA-256 hex of the tool's pinned definition. */
export function toolHash(tool: Record<string, unknown>): Promise<string> {
  return sha256Hex(canonicalJson(pinnedDefinition(tool)));
}

/** SHA-256 hex of the canonical arguments: what an admin approval is bound to. */
export function argsDigest(args: unknown): Promise<string> {
  return sha256Hex(canonicalJson(args));
}
