/**
 * First middleware of every request: gives it a request id (`req-<uuid>`, returned in
 * `X-OpenStack-Request-ID`), binds a child logger to it and logs one line when the response is finished.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../../../shared/logging/index.js';
import { setRequestMeta } from '../context.js';

export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const requestId = `req-${randomUUID()}`;
    const requestLogger = logger.child({ requestId });
    const startedAt = process.hrtime.bigint();
    setRequestMeta(req, { requestId, logger: requestLogger, startedAt });
    res.setHeader('X-OpenStack-Request-ID', requestId);
    // Trove's WSGI server decodes paths leniently: a '%' not followed by two hex digits stays a '%'.
    if (req.url.includes('%')) req.url = req.url.replace(/%(?![0-9A-Fa-f]{2})/g, '%25');
    res.on('finish', () => {
      if (!requestLogger.isLevelEnabled('debug') && res.statusCode < 500) return;
      const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
      // The path only: query strings may carry markers but never secrets; headers are not logged.
      requestLogger[res.statusCode >= 500 ? 'warn' : 'debug'](
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
    next();
  };
}
