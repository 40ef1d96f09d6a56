/** Admin dashboard (server-rendered Hono JSX) at /admin. Work in progress. */
import { Hono } from 'hono';
import type { AuthVars } from '../middleware/auth';

export const dashboard = new Hono<{ Bindings: Env; Variables: AuthVars }>();
