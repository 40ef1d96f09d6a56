// The tool search index (BM25 over names, descriptions, parameters, server notes) and the
// TypeScript declarations code mode shows, over the real git and hub catalogs.
import { describe, expect, it } from 'vitest';
import { stem } from '../../src/gateway/intent-words';
import { type SearchableTool, ToolIndex } from '../../src/gateway/tool-search';
import { declaration, methodName, typeOf } from '../../src/gateway/ts-decl';
import { toolDefs } from '../../src/git/tools/schema';
import { HUB_TOOLS } from '../../src/hub/definitions';

const catalog: SearchableTool[] = [
  ...toolDefs().map((t) => ({ name: `git_${t.name}`, server: 'git', tool: { ...t, name: `git_${t.name}` } })),
  ...HUB_TOOLS.map((t) => ({ name: `hub_${t.name}`, server: 'hub', tool: { ...t, name: `hub_${t.name}` } })),
  {
    name: 'wx_forecast',
    server: 'weather',
    serverNotes: 'Met office data for the UK',
    tool: { name: 'wx_forecast', description: 'Forecast for a place', inputSchema: { type: 'object', properties: { place: { type: 'string' } } } },
  },
];
const index = new ToolIndex(catalog);
const top = (q: string, n = 5, server?: string) => index.search(q, n, server).map((h) => h.name);

describe('ToolIndex', () => {
  it('finds tools for intents phrased in users’ words', () => {
    expect(top('commit what I staged')).toContain('git_commit');
    expect(top('show me the diff against main')[0]).toMatch(/^git_diff/);
    expect(top('unstage everything', 3)).toContain('git_reset');
    expect(top('switch to the release branch', 3)).toContain('git_checkout');
    expect(top('is every server healthy', 3)).toEqual(expect.arrayContaining(['hub_check']));
  });

  it('searches server notes and narrows to one server', () => {
    expect(top('uk met office', 1)).toEqual(['wx_forecast']);
    expect(index.search('status', 20, 'hub').every((h) => h.server === 'hub')).toBe(true);
    expect(top('status', 20, 'hub')).toContain('hub_status');
  });

  it('answers nothing for stop words only, and never more than the limit', () => {
    expect(index.search('the of and me', 5)).toEqual([]);
    expect(index.search('git', 3)).toHaveLength(3);
  });

  it('resolves code-mode method names back to listed names', () => {
    const i = new ToolIndex([{ name: 'a-b_c', server: 's', tool: { name: 'a-b_c' } }]);
    expect(i.resolve('a_b_c')).toBe('a-b_c');
    expect(i.resolve('a-b_c')).toBe('a-b_c');
    expect(i.resolve('zzz')).toBe('zzz');
  });

  it('stems the usual suffixes', () => {
    expect(new Set(['stage', 'staged', 'staging', 'stages'].map(stem))).toEqual(new Set(['stag']));
    expect(new Set(['commit', 'committed', 'commits', 'committing'].map(stem))).toEqual(new Set(['commit']));
    expect(new Set(['pull', 'pulled', 'pulling', 'pulls'].map(stem))).toEqual(new Set(['pull']));
    expect(new Set(['file', 'files'].map(stem))).toEqual(new Set(['fil']));
    expect(stem('branches')).toBe('branch');
    expect(stem('entries')).toBe('entry');
  });
});

describe('TypeScript declarations', () => {
  it('renders required and optional properties, enums, arrays and doc comments', () => {
    const d = declaration('git_log', {
      description: 'Shows the commit log */ with a comment end',
      inputSchema: {
        type: 'object',
        properties: {
          repo_path: { type: 'string', description: 'Repository' },
          max_count: { type: 'integer' },
          mode: { enum: ['a', 'b'] },
          files: { type: 'array', items: { type: 'string' } },
          'odd-key': { anyOf: [{ type: 'string' }, { type: 'null' }] },
        },
        required: ['repo_path'],
      },
    });
    expect(d).toBe(
      [
        '/** Shows the commit log * / with a comment end */',
        'git_log(args: {',
        '  /** Repository */',
        '  repo_path: string;',
        '  max_count?: number;',
        '  mode?: "a" | "b";',
        '  files?: string[];',
        '  "odd-key"?: string | null;',
        '}): Promise<ToolResult>;',
      ].join('\n'),
    );
  });

  it('makes args optional for tools without parameters; bounds nesting', () => {
    expect(declaration('hub_status', { inputSchema: { type: 'object', properties: {} } })).toBe(
      'hub_status(args?: Record<string, unknown>): Promise<ToolResult>;',
    );
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 10; i++) deep = { type: 'object', properties: { x: deep } };
    expect(typeOf(deep)).toContain('unknown');
    expect(methodName('9-lives')).toBe('_9_lives');
  });
});
