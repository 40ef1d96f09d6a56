/**
 * The hub's tool definitions (Magg's meta tools under the hub prefix, plus Magg's `proxy`).
 * Names here are unprefixed: exposed as `hub_<name>`, or `{self_prefix}{prefix_sep}<name>` when the
 * config sets them (`magg_status`), and `proxy` as is (runtime/build-gateway.ts).
 */
import type { ToolDef } from '../gateway/provider';
import { PROFILE_TOOLS } from './profile-tools';
import { TRUST_TOOLS } from './trust-tools';

const RO = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };
const DESTRUCTIVE = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };

const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required, additionalProperties: false });
const name = { name: { type: 'string', description: 'Server name (the key in config.json "servers").' } };
const kit = { name: { type: 'string', description: 'Kit name.' } };
const result = { type: 'object', properties: { ok: { type: 'boolean' }, version: { type: 'integer' }, message: { type: 'string' } }, required: ['ok'] };

export const HUB_TOOLS: ToolDef[] = [
  {
    name: 'status',
    title: 'Gateway status',
    description: 'edgehub version, config version, uptime, and each mounted server with its state and tool count.',
    inputSchema: obj({}),
    outputSchema: {
      type: 'object',
      properties: {
        version: { type: 'string' },
        configVersion: { type: 'integer' },
        uptimeSeconds: { type: 'number' },
        servers: { type: 'array' },
        totals: { type: 'object' },
      },
      required: ['version', 'configVersion', 'uptimeSeconds', 'servers', 'totals'],
    },
    annotations: RO,
  },
  { name: 'list_servers', description: 'List configured servers (secrets redacted) with their state.', inputSchema: obj({}), annotations: RO },
  {
    name: 'add_server',
    description:
      'Add a server. An enabled server is mounted first (connect + list tools) and saved only if that works; the error says why it did not. stdio servers (command) are run by a connector (`edgehub connect`) and saved without the mount check.',
    inputSchema: obj(
      {
        ...name,
        source: { type: 'string', description: 'Where the server comes from (URL, package).' },
        prefix: { type: 'string', description: "Tool prefix ([a-zA-Z][a-zA-Z0-9-]*, no '_', ≤ 30 chars; empty = none)." },
        uri: { type: 'string', description: 'http(s) URL of a Streamable HTTP server (ending in /sse = legacy SSE).' },
        command: {
          type: 'string',
          description:
            "stdio: the full command line, as in Magg ('npx @playwright/mcp@latest'), split shell-style into command and args; or only the program, with args.",
        },
        args: { type: 'array', items: { type: 'string' }, description: 'Arguments; when given, command is the program as is.' },
        env: {
          type: ['object', 'string'],
          additionalProperties: { type: 'string' },
          description: 'Environment (an object, or a JSON object string as Magg takes it).',
        },
        cwd: { type: 'string' },
        notes: { type: 'string' },
        enable: { type: 'boolean', default: true },
        transport: { type: ['object', 'string'], description: 'headers (values may be ${SECRET_NAME}), timeouts; an object or a JSON object string.' },
      },
      ['name'],
    ),
    outputSchema: result,
    annotations: WRITE,
  },
  {
    name: 'remove_server',
    description: 'Remove a server from the configuration.',
    inputSchema: obj(name, ['name']),
    outputSchema: result,
    annotations: DESTRUCTIVE,
  },
  { name: 'enable_server', description: 'Enable (and mount) a server.', inputSchema: obj(name, ['name']), outputSchema: result, annotations: WRITE },
  {
    name: 'disable_server',
    description: 'Disable a server (kept in the config, not mounted).',
    inputSchema: obj(name, ['name']),
    outputSchema: result,
    annotations: { ...WRITE, idempotentHint: true },
  },
  {
    name: 'check',
    description:
      'Health-check servers (connect + list tools under a timeout). action: report | remount (reconnect failing) | unmount (drop failing from this session) | disable (disable failing in the config).',
    inputSchema: obj({
      action: { type: 'string', enum: ['report', 'remount', 'unmount', 'disable'], default: 'report' },
      timeout: { type: 'number', default: 2.5, description: 'Seconds per server.' },
    }),
    annotations: { ...WRITE, idempotentHint: true },
  },
  {
    name: 'reload_config',
    description: 'Re-read the configuration and re-sync every upstream catalog now.',
    inputSchema: obj({}),
    annotations: { ...RO, readOnlyHint: false },
  },
  {
    name: 'connect',
    description:
      'Sign in to an OAuth-protected server as yourself (or, for a shared sign-in, for the whole tenant: admins only): answers with a link to open in a browser. Also reconnects after a grant was revoked.',
    inputSchema: obj({ server: { type: 'string', description: 'Server name (the key in config.json "servers").' } }, ['server']),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  },
  { name: 'list_kits', description: 'List kits and whether each is loaded.', inputSchema: obj({}), annotations: RO },
  {
    name: 'load_kit',
    description: 'Load a kit: add its servers (tagged with the kit).',
    inputSchema: obj(kit, ['name']),
    outputSchema: result,
    annotations: WRITE,
  },
  {
    name: 'unload_kit',
    description: 'Unload a kit: remove its servers that are in no other loaded kit.',
    inputSchema: obj(kit, ['name']),
    outputSchema: result,
    annotations: DESTRUCTIVE,
  },
  { name: 'kit_info', description: 'Show a kit: metadata, servers, loaded or not.', inputSchema: obj(kit, ['name']), annotations: RO },
  ...PROFILE_TOOLS,
  ...TRUST_TOOLS,
];

export const PROXY_TOOL: ToolDef = {
  name: 'proxy',
  description:
    "Magg-compatible proxy: list, describe or call the gateway's tools, resources and prompts. action=list|info|call, type=tool|resource|prompt, path=name or URI, args=arguments, limit/offset for paging, filter_server to one server.",
  inputSchema: obj(
    {
      action: { type: 'string', enum: ['list', 'info', 'call'] },
      type: { type: 'string', enum: ['tool', 'resource', 'prompt'] },
      path: { type: 'string' },
      args: { type: 'object' },
      limit: { type: 'integer', minimum: 1, maximum: 1000 },
      offset: { type: 'integer', minimum: 0 },
      filter_server: { type: 'string' },
    },
    ['action', 'type'],
  ),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
};
