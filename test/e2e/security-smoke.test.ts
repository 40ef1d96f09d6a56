// The attack suites' jwt-mode instance starts and tells tenants and roles apart.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type JwtDev, startJwtDev } from '../helpers/jwt-dev';

let h: JwtDev;
beforeAll(async () => {
  h = await startJwtDev();
}, 180_000);
afterAll(() => h?.stop());

it('admin reads the admin API, a reader gets 403, no token 401', async () => {
  expect((await h.fetch('/admin/api/servers', { headers: h.auth('acme', 'admin') })).status).toBe(200);
  expect((await h.fetch('/admin/api/servers', { headers: h.auth('acme', 'reader') })).status).toBe(403);
  expect((await h.fetch('/admin/api/servers')).status).toBe(401);
});
