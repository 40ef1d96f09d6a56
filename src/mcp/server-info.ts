/** What edgehub says about itself in initialize and server/discover results. */
export const SERVER_NAME = 'edgehub';
export const SERVER_VERSION = '0.1.0';

export const SERVER_INFO = { name: SERVER_NAME, title: 'edgehub MCP gateway', version: SERVER_VERSION } as const;

export const SERVER_CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  completions: {},
  logging: {},
} as const;

export const INSTRUCTIONS =
  'edgehub aggregates MCP servers under name prefixes ({prefix}_{tool}). hub_* tools manage the gateway; hub_status shows what is mounted.';
