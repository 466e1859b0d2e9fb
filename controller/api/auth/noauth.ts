/**
 * `auth_strategy = noauth`: for development and tests. The project is the tenant in the URL, the user comes
 * from `X-User-Id` (default: the token), roles from `X-Roles` or `X-Role` (comma list). A token starting with
 * `admin` also gets the `admin` role, like the fake Keystone filter of Trove's own functional tests.
 */
import type { Authenticator, Identity } from './identity.js';

function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export class NoAuthAuthenticator implements Authenticator {
  async authenticate(token: string, headers: Readonly<Record<string, string | string[] | undefined>>, tenantId: string): Promise<Identity> {
    const roleText = header(headers, 'x-roles') ?? header(headers, 'x-role') ?? '';
    const roles = roleText.split(',').map((role) => role.trim()).filter((role) => role !== '');
    if (token.startsWith('admin') && !roles.some((role) => role.toLowerCase() === 'admin')) roles.push('admin');
    const userId = header(headers, 'x-user-id')?.trim() || token;
    return { projectId: tenantId, userId, roles };
  }
}
