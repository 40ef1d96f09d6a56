/**
 * The hub's own MCP server: edgehub's meta tools (`hub_*`), mounted like any other provider under
 * the hub prefix. The tools are thin: each delegates to `HubServices`, which the gateway builder
 * wires to the live gateway and (for mutations) the Config DO.
 */
import type { RequestContext } from '../mcp/context';
import { rpc } from '../mcp/errors';
import type { Catalog, Json, Provider, ToolDef } from '../gateway/provider';

export interface ServerStatus {
  name: string;
  prefix: string;
  kind: string;
  enabled: boolean;
  state: 'ok' | 'failing' | 'disabled' | 'unmountable';
  tools: number;
  error?: string;
}

export interface HubStatus {
  version: string;
  configVersion: number;
  uptimeSeconds: number;
  servers: ServerStatus[];
  totals: { servers: number; mounted: number; tools: number };
}

export interface HubServices {
  status(ctx: RequestContext): Promise<HubStatus>;
}

const RO = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

const TOOLS: ToolDef[] = [
  {
    name: 'status',
    title: 'Gateway status',
    description: 'edgehub version, config version, uptime, and each mounted server with its state and tool count.',
    inputSchema: { type: 'object', properties: {}, additionalProperties: false },
    outputSchema: {
      type: 'object',
      properties: {
        version: { type: 'string' },
        configVersion: { type: 'integer' },
        uptimeSeconds: { type: 'number' },
        servers: { type: 'array', items: { type: 'object' } },
        totals: { type: 'object' },
      },
      required: ['version', 'configVersion', 'uptimeSeconds', 'servers', 'totals'],
    },
    annotations: RO,
  },
];

export class HubProvider implements Provider {
  constructor(
    readonly name: string,
    private readonly services: HubServices,
  ) {}

  async catalog(): Promise<Catalog> {
    return { tools: TOOLS, resources: [], templates: [], prompts: [] };
  }

  async callTool(ctx: RequestContext, name: string, _args: Json): Promise<Json> {
    switch (name) {
      case 'status': {
        const s = await this.services.status(ctx);
        return { content: [{ type: 'text', text: JSON.stringify(s, null, 2) }], structuredContent: s as unknown as Json };
      }
      default:
        throw rpc.invalidParams(`Unknown tool: ${name}`);
    }
  }
}
