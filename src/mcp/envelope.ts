/**
 * The 2026-07-28 per-request envelope and header rules (SEP-2575, SEP-2243), checked in the order
 * the reference SDK uses (see docs/protocol-notes.md §2.2):
 * envelope keys (-32602) → header/body version (-32020) → supported version (-32022) →
 * Mcp-Method / Mcp-Name headers (-32020; Mcp-Name per method and encoding: param-header.ts).
 * All are HTTP 400 and echo the request id.
 */
import { RpcError } from './errors';
import { decodeParamValue, nameSource } from './param-header';
import {
  ALL_VERSIONS,
  ErrorCode,
  HEADER_METHOD,
  HEADER_NAME,
  HEADER_VERSION,
  isModernVersion,
  type JsonRpcRequest,
  LOG_LEVELS,
  type LogLevel,
  META_CLIENT_CAPS,
  META_LOG_LEVEL,
  META_VERSION,
} from './protocol';

export interface Envelope {
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  logLevel?: LogLevel;
}

const bad = (message: string, data: unknown) => new RpcError(ErrorCode.InvalidParams, message, 400, data);
const mismatch = (message: string, header: string | null, body: string | null) =>
  new RpcError(ErrorCode.HeaderMismatch, `Bad Request: the request headers and body disagree: ${message}`, 400, { mismatch: { header, body } });

/** RFC 9110 §5.5: field values are compared without surrounding spaces/tabs. */
const ows = (v: string | null) => (v === null ? null : v.replace(/^[ \t]+|[ \t]+$/g, ''));

export function checkEnvelope(req: JsonRpcRequest, headers: Headers): Envelope {
  const params = (req.params ?? {}) as Record<string, unknown>;
  const meta = params._meta as Record<string, unknown> | undefined;
  const headerVersion = ows(headers.get(HEADER_VERSION));
  if (!meta || typeof meta !== 'object')
    throw bad(`Invalid params: this is a ${headerVersion ?? '2026-07-28'} request, but it is missing the required per-request envelope key(s): _meta`, {
      envelope: { missing: ['_meta'] },
    });
  for (const key of [META_VERSION, META_CLIENT_CAPS]) {
    const v = meta[key];
    const ok = key === META_VERSION ? typeof v === 'string' : typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!ok)
      throw bad(`Invalid _meta envelope: ${key}: ${v === undefined ? 'missing' : 'invalid'}`, {
        envelope: { key, problem: v === undefined ? 'missing' : 'invalid' },
      });
  }
  const version = meta[META_VERSION] as string;
  if (headerVersion !== null && headerVersion !== version)
    throw mismatch(`the body envelope names protocol version ${version} but the MCP-Protocol-Version header names ${headerVersion}`, headerVersion, version);
  if (!isModernVersion(version))
    throw new RpcError(ErrorCode.UnsupportedVersion, `Unsupported protocol version: ${version}`, 400, { supported: [...ALL_VERSIONS], requested: version });
  if (headerVersion === null) throw mismatch('the MCP-Protocol-Version header is required', null, version);
  const method = ows(headers.get(HEADER_METHOD));
  if (method !== req.method) throw mismatch(`Mcp-Method header '${method ?? '(missing)'}' does not match method '${req.method}'`, method, req.method);
  const source = nameSource(req.method, params);
  if (source) {
    const name = ows(headers.get(HEADER_NAME));
    const body = source.value ?? null;
    if (name === null) {
      if (body !== null) throw mismatch(`Mcp-Name header '(missing)' does not match ${source.field} '${body}'`, null, body);
    } else {
      // Non-ASCII values travel base64-encoded (mcp/param-header.ts).
      const decoded = decodeParamValue(name);
      if (decoded === undefined) throw mismatch('the Mcp-Name header carries an invalid base64 sentinel value', name, body);
      if (body !== null && decoded !== body) throw mismatch(`Mcp-Name header '${name}' does not match ${source.field} '${body}'`, name, body);
    }
  }
  const level = meta[META_LOG_LEVEL];
  return {
    protocolVersion: version,
    clientCapabilities: meta[META_CLIENT_CAPS] as Record<string, unknown>,
    logLevel: LOG_LEVELS.includes(level as LogLevel) ? (level as LogLevel) : undefined,
  };
}
