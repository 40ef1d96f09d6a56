/**
 * Reads an upstream's whole catalog: every page of tools, resources, templates and prompts the
 * server advertises (capabilities), in parallel.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Catalog, PromptDef, ResourceDef, TemplateDef, ToolDef } from './provider';

const MAX_PAGES = 50;

async function pages<T>(fetchPage: (cursor?: string) => Promise<{ nextCursor?: string } & Record<string, unknown>>, key: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await fetchPage(cursor);
    out.push(...((page[key] as T[]) ?? []));
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return out;
}

export async function listAll(client: Client, options: RequestOptions): Promise<Catalog> {
  const caps = client.getServerCapabilities() ?? {};
  const none = Promise.resolve([]);
  const [tools, resources, templates, prompts] = await Promise.all([
    caps.tools ? pages<ToolDef>((cursor) => client.listTools(cursor ? { cursor } : undefined, options), 'tools') : none,
    caps.resources ? pages<ResourceDef>((cursor) => client.listResources(cursor ? { cursor } : undefined, options), 'resources') : none,
    caps.resources ? pages<TemplateDef>((cursor) => client.listResourceTemplates(cursor ? { cursor } : undefined, options), 'resourceTemplates') : none,
    caps.prompts ? pages<PromptDef>((cursor) => client.listPrompts(cursor ? { cursor } : undefined, options), 'prompts') : none,
  ]);
  return { tools, resources, templates, prompts } as Catalog;
}
