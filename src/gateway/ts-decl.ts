/**
 * TypeScript declarations for tools, generated from their JSON Schemas, for code mode: a search
 * result shows the model `git_status(args: { repo_path: string }): Promise<ToolResult>` so the code
 * it writes calls `tools.git_status({ repo_path })` with the right argument names.
 *
 * Covers the JSON Schema a tool's inputSchema uses in practice (object/array/string/number/
 * integer/boolean/null, enum/const, anyOf/oneOf, required, descriptions as doc comments); anything
 * else is `unknown`. Bounded: nesting stops at depth 4 and a declaration at 4 KiB.
 */
import type { Json } from './provider';

const MAX_DEPTH = 4;
const MAX_CHARS = 4096;
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function key(k: string): string {
  return IDENT.test(k) ? k : JSON.stringify(k);
}

function comment(text: unknown, indent: string): string {
  if (typeof text !== 'string' || !text.trim()) return '';
  const line = text.replace(/\*\//g, '* /').replace(/\s+/g, ' ').trim().slice(0, 200);
  return `${indent}/** ${line} */\n`;
}

export function typeOf(schema: unknown, depth = 0, indent = ''): string {
  if (!schema || typeof schema !== 'object' || depth > MAX_DEPTH) return 'unknown';
  const s = schema as Json;
  if (Array.isArray(s.enum)) return s.enum.map((v: unknown) => JSON.stringify(v)).join(' | ') || 'never';
  if (s.const !== undefined) return JSON.stringify(s.const);
  const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) return union.map((u) => typeOf(u, depth + 1, indent)).join(' | ') || 'unknown';
  const t = s.type;
  if (Array.isArray(t)) return t.map((x) => typeOf({ ...s, type: x }, depth, indent)).join(' | ');
  switch (t) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const item = typeOf(s.items, depth + 1, indent);
      return /[|&]/.test(item) ? `(${item})[]` : `${item}[]`;
    }
    case 'object':
    case undefined: {
      const props = s.properties as Record<string, unknown> | undefined;
      if (!props || typeof props !== 'object' || !Object.keys(props).length) return t === 'object' ? 'Record<string, unknown>' : 'unknown';
      const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
      const inner = `${indent}  `;
      const lines = Object.entries(props).map(
        ([k, v]) => `${comment((v as Json)?.description, inner)}${inner}${key(k)}${required.has(k) ? '' : '?'}: ${typeOf(v, depth + 1, inner)};`,
      );
      return `{\n${lines.join('\n')}\n${indent}}`;
    }
    default:
      return 'unknown';
  }
}

/** `name(args: {...}): Promise<ToolResult>;` with the description as a doc comment. */
export function declaration(name: string, tool: Json): string {
  const args = typeOf(tool.inputSchema ?? { type: 'object' });
  const doc = comment(tool.description, '');
  const out = `${doc}${key(name)}(args${args === 'unknown' || args === 'Record<string, unknown>' ? '?' : ''}: ${args}): Promise<ToolResult>;`;
  return out.length > MAX_CHARS ? `${doc}${key(name)}(args?: Record<string, unknown>): Promise<ToolResult>;` : out;
}

/** The result type every tool method resolves to (an MCP CallToolResult). */
export const TOOL_RESULT_DECL =
  'type ToolResult = { content: ({ type: "text"; text: string } | { type: string; [k: string]: unknown })[]; structuredContent?: Record<string, unknown>; isError?: boolean };';

/** The `tools.<method>` name of an exposed tool name: `-` is not valid in a JS identifier. */
export function methodName(name: string): string {
  const m = name.replace(/-/g, '_');
  return /^[0-9]/.test(m) ? `_${m}` : m;
}
