/**
 * The git server's tool catalog: names (unprefixed: the gateway exposes them as `git_<name>`),
 * input and output schemas (zod, published as JSON Schema), annotations and descriptions.
 * Names, argument names and annotations of the 12 reference tools follow mcp-server-git 0.6.2
 * (docs/git-reference.md). No runtime dependencies: the provider builds its catalog
 * from this module without touching a repository.
 */
import { z } from 'zod';
import type { ToolDef } from '../../gateway/provider';
import type { Spec } from './spec-common';
import { EXTRA_SPECS } from './spec-extra';
import { REFERENCE_SPECS } from './spec-reference';

export type { LockMode } from './spec-common';

export const SPECS = { ...REFERENCE_SPECS, ...EXTRA_SPECS };

export type ToolName = keyof typeof SPECS;
export type ArgsOf<N extends ToolName> = z.output<(typeof SPECS)[N]['input']>;
export type OutputOf<N extends ToolName> = z.output<(typeof SPECS)[N]['output']>;

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(SPECS, name);
}

export function spec(name: ToolName): Spec {
  return SPECS[name] as Spec;
}

function jsonSchema(s: z.ZodObject, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io }) as Record<string, unknown>;
  return rest;
}

let catalog: ToolDef[] | null = null;
export function toolDefs(): ToolDef[] {
  catalog ??= (Object.keys(SPECS) as ToolName[]).map((name) => {
    const s = spec(name);
    const [readOnlyHint, destructiveHint, idempotentHint, openWorldHint] = s.hints;
    return {
      name,
      title: s.title,
      description: s.description,
      inputSchema: jsonSchema(s.input, 'input'),
      outputSchema: jsonSchema(s.output, 'output'),
      annotations: { title: s.title, readOnlyHint, destructiveHint, idempotentHint, openWorldHint },
    };
  });
  return catalog;
}

/** Parses tool arguments; the message names the failing field. */
export function parseArgs<N extends ToolName>(name: N, args: unknown): ArgsOf<N> {
  const r = spec(name).input.safeParse(args ?? {});
  if (r.success) return r.data as ArgsOf<N>;
  const issue = r.error.issues[0];
  throw new InvalidArgs(`Invalid arguments for ${name}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

class InvalidArgs extends Error {
  readonly gitTool = true;
}
