/**
 * Error responses in Trove's shape: `{"<faultName>": {"code": <status>, "message": "..."}}` (reference §1.1).
 * Every failure ends here: thrown `TroveError`s keep their code's status; body-parser failures become
 * 400/413/415; anything unexpected becomes 500 with a reference id and is logged with its stack, which never
 * reaches the client.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { ErrorCode, HTTP_STATUS_BY_CODE, TroveError, faultNameForStatus } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { requestMetaOf } from '../context.js';

/** Writes a fault body. `extra` adds fields next to code and message (e.g. `retryAfter`). */
export function sendFault(res: Response, status: number, message: string, extra: Record<string, unknown> = {}): void {
  if (res.headersSent) return;
  const name = faultNameForStatus(status);
  res.status(status).json({ [name]: { code: status, message, ...extra } });
}

/** Thrown when a path exists but not for this method (HTTP 405 with an Allow header). */
export class MethodNotAllowedError extends TroveError {
  readonly allowed: string[];

  constructor(method: string, allowed: string[]) {
    super(ErrorCode.METHOD_NOT_ALLOWED, `The method ${method} is not allowed for this resource.`);
    this.allowed = allowed;
  }
}

/** Answers 405 for a known path with a method it does not serve. */
export function methodNotAllowed(allowed: string[]): RequestHandler {
  return (req) => {
    throw new MethodNotAllowedError(req.method, allowed);
  };
}

/** The final handler for paths no route matched: 404 `itemNotFound`, as Trove. */
export const notFoundHandler: RequestHandler = (_req, res) => {
  sendFault(res, 404, 'The resource could not be found.');
};

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
}

function bodyParserFault(error: unknown): { status: number; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { type, status } = error as BodyParserError;
  if (typeof type !== 'string' || typeof status !== 'number') return undefined;
  switch (type) {
    case 'entity.too.large':
      return { status: 413, message: 'Request body too large.' };
    case 'entity.parse.failed':
      return { status: 400, message: 'Malformed request body: the body is not valid JSON.' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, message: 'Unsupported request body encoding.' };
    default:
      return status >= 400 && status < 500 ? { status, message: 'Malformed request body.' } : undefined;
  }
}

/** Client errors raised by express itself (e.g. a path parameter that cannot be decoded). */
function httpClientFault(error: unknown): { status: number; message: string } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode } = error as BodyParserError;
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code > 499) return undefined;
  return { status: code, message: code === 400 ? 'The request could not be understood.' : 'The request was refused.' };
}

function loggerFor(req: Request, fallback: Logger): Logger {
  return requestMetaOf(req)?.logger ?? fallback;
}

/** The API's error handler: maps everything thrown to Trove's fault bodies. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const parserFault = bodyParserFault(error) ?? (error instanceof TroveError ? undefined : httpClientFault(error));
    if (parserFault) {
      sendFault(res, parserFault.status, parserFault.message);
      return;
    }
    if (error instanceof TroveError && error.code !== ErrorCode.INTERNAL_ERROR) {
      const status = HTTP_STATUS_BY_CODE[error.code];
      if (error instanceof MethodNotAllowedError) res.setHeader('Allow', error.allowed.join(', '));
      if (status >= 500) loggerFor(req, logger).error({ err: error, code: error.code }, 'request failed');
      sendFault(res, status, error.message);
      return;
    }
    const reference = randomUUID();
    loggerFor(req, logger).error({ err: error, reference }, 'unexpected error');
    sendFault(res, 500, `Internal Server Error. Please keep this ID to help us figure out what went wrong: (${reference}).`);
  };
}
