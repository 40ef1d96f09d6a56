/**
 * Structured logging: one JSON line per event, never a secret. Every failure is logged once, with
 * context (request id, tenant, session, upstream, method, duration, code), where it is handled.
 * Errors are reduced to name/message/code; known secret-bearing keys are dropped. A line written
 * while serving a traced request carries its `traceId` and edgehub's `spanId` (trace.ts).
 */
import { currentTrace } from './trace';

const SECRET_KEYS = /authorization|token|secret|password|cookie|api[-_]?key|headers/i;

function clean(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (SECRET_KEYS.test(k)) continue;
    if (v instanceof Error) out[k] = { name: v.name, message: v.message, code: (v as { code?: unknown }).code };
    else out[k] = v;
  }
  return out;
}

function emit(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>): void {
  const t = currentTrace();
  const trace = t ? { traceId: t.traceId, spanId: t.spanId } : undefined;
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...trace, ...clean(fields) });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
}

export const log = {
  debug: (msg: string, f: Record<string, unknown> = {}) => emit('debug', msg, f),
  info: (msg: string, f: Record<string, unknown> = {}) => emit('info', msg, f),
  warn: (msg: string, f: Record<string, unknown> = {}) => emit('warn', msg, f),
  error: (msg: string, f: Record<string, unknown> = {}) => emit('error', msg, f),
};
