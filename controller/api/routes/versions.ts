/** `GET /` and `GET /v1.0/`: the version documents (Trove's `versions.py`), answered without authentication. */
import type { Request, Router } from 'express';
import type { TroveConfig } from '../../../shared/config/index.js';
import { mountRoutes, reply } from './route-table.js';

function versionDocument(config: TroveConfig, req: Request): Record<string, unknown> {
  const base = (config.DEFAULT.public_endpoint ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`).replace(/\/+$/, '');
  return { id: 'v1.0', status: 'CURRENT', updated: '2012-08-01T00:00:00Z', links: [{ rel: 'self', href: `${base}/v1.0/` }] };
}

export function versionRoutes(router: Router, config: TroveConfig): void {
  mountRoutes(router, [
    ['GET', '/', (req, res) => reply(res, 200, { versions: [versionDocument(config, req)] })],
    ['GET', '/v1.0', (req, res) => reply(res, 200, { version: versionDocument(config, req) })],
    ['GET', '/v1.0/', (req, res) => reply(res, 200, { version: versionDocument(config, req) })],
  ]);
}
