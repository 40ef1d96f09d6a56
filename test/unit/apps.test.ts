import { describe, expect, it } from 'vitest';
import { AppRoutes, AppViews, hasView, withExposedViews } from '../../src/gateway/apps';
import { exposedUri, parseExposedUri } from '../../src/mcp/naming';

const tool = (name: string, _meta?: Record<string, unknown>) => ({ name, inputSchema: { type: 'object' }, ...(_meta ? { _meta } : {}) });

describe('MCP Apps names', () => {
  it('keeps ui:// for a prefixed server and splits it back; other servers keep their URIs', () => {
    expect(exposedUri('clock', 'clock', 'ui://clock/view.html')).toBe('ui://clock/clock/view.html');
    expect(parseExposedUri('ui://clock/clock/view.html')).toEqual({ server: 'clock', uri: 'ui://clock/view.html' });
    expect(exposedUri('clock', '', 'ui://clock/view.html')).toBe('ui://clock/view.html');
    expect(parseExposedUri('ui://nослаш')).toBeNull();
    expect(parseExposedUri('edgehub://ev/test://x')).toEqual({ server: 'ev', uri: 'test://x' });
  });

  it('rewrites both resourceUri keys and nothing else', () => {
    const expose = (u: string) => exposedUri('s', 's', u);
    const t = tool('t', { ui: { resourceUri: 'ui://a/v.html', visibility: ['app'] }, 'ui/resourceUri': 'ui://a/v.html', other: 1 });
    expect(withExposedViews(t, expose)._meta).toEqual({
      ui: { resourceUri: 'ui://s/a/v.html', visibility: ['app'] },
      'ui/resourceUri': 'ui://s/a/v.html',
      other: 1,
    });
    expect(t._meta?.ui).toEqual({ resourceUri: 'ui://a/v.html', visibility: ['app'] }); // not mutated
    const plain = tool('p', { x: 1 });
    expect(withExposedViews(plain, expose)).toBe(plain);
    expect(hasView(tool('l', { 'ui/resourceUri': 'ui://a' }))).toBe(true);
  });

  it('routes a view call by its own name to the one app server that has it, visible to apps', () => {
    const routes = new AppRoutes<string>();
    routes.addServer(
      [tool('get-time', { ui: { resourceUri: 'ui://c/v' } }), tool('helper'), tool('model-only', { ui: { resourceUri: 'ui://c/v', visibility: ['model'] } })],
      (t) => `a:${t.name}`,
    );
    routes.addServer([tool('helper'), tool('solo')], (t) => `plain:${t.name}`); // no view: not an app server
    routes.addServer([tool('get-time', { ui: { resourceUri: 'ui://d/v' } }), tool('other', { ui: { resourceUri: 'ui://d/v' } })], (t) => `b:${t.name}`);
    expect(routes.get('helper')).toBe('a:helper');
    expect(routes.get('other')).toBe('b:other');
    expect(routes.get('get-time')).toBeUndefined(); // two app servers: ambiguous
    expect(routes.get('model-only')).toBeUndefined();
    expect(routes.get('solo')).toBeUndefined();
  });

  it("routes a view's read of its own ui:// URI to the one server listing it; exposed URIs win", () => {
    const views = new AppViews<string>();
    views.add('ui://clock/view.html', 'ui://clock/clock/view.html', 'clock');
    views.add('ui://shared/a.html', 'ui://x/shared/a.html', 'x');
    views.add('ui://shared/a.html', 'ui://y/shared/a.html', 'y');
    views.add('ui://plain/p.html', 'ui://plain/p.html', 'unprefixed');
    views.add('test://t', 'edgehub://s/test://t', 's');
    expect(views.owner('ui://clock/view.html')).toBe('clock');
    expect(views.owner('ui://clock/clock/view.html')).toBeUndefined(); // exposed: normal routing
    expect(views.owner('ui://shared/a.html')).toBeUndefined(); // ambiguous
    expect(views.owner('ui://plain/p.html')).toBeUndefined();
    expect(views.owner('test://t')).toBeUndefined();
  });
});
