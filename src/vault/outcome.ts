/**
 * Replies of the vault: tagged results, never thrown errors (they cross a Durable Object stub, where
 * classes are lost), and the one mapping from the OAuth client's errors to them.
 */
import * as oauth from 'oauth4webapi';
import { AuthServerError, GrantRevokedError } from './flow';
import { VaultKeyError } from './keys';

export type Failure = { ok: false; reason: 'expired' | 'refused' | 'unreachable' | 'config'; message: string };
export type Outcome<T> = ({ ok: true } & T) | Failure;

export const fail = (reason: Failure['reason'], message: string): Failure => ({ ok: false, reason, message });
export const MISMATCH = fail('refused', 'vault owner mismatch');

export function failure(e: unknown): Failure {
  if (e instanceof VaultKeyError) return fail('config', e.message);
  if (e instanceof AuthServerError) return fail('unreachable', e.message);
  if (e instanceof GrantRevokedError) return fail('refused', e.message);
  if (e instanceof oauth.AuthorizationResponseError)
    return fail('refused', `the authorization server refused: ${e.error}${e.error_description ? ` (${e.error_description})` : ''}`);
  if (e instanceof oauth.ResponseBodyError) return fail('refused', `the authorization server refused the code: ${e.error}`);
  if (e instanceof oauth.OperationProcessingError) return fail('refused', `the authorization response failed a check: ${e.message}`);
  throw e;
}
