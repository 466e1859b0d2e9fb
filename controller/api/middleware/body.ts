/**
 * Request body parsing: JSON only, at most `api_max_body_size` bytes. A body with another content type is
 * refused with 415 `badMediaType`; a body without a content type is read as JSON (Trove's deserializer
 * defaults to JSON too). Malformed JSON is 400, an oversized body 413 (see `errors.ts`).
 */
import express, { type RequestHandler } from 'express';
import { sendFault } from './errors.js';

function isJsonType(contentType: string): boolean {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  if (headers['transfer-encoding'] !== undefined) return true;
  return typeof length === 'string' && length !== '0';
}

export function jsonBody(maxBytes: number): RequestHandler {
  const parse = express.json({
    limit: maxBytes,
    strict: true,
    type: (req) => {
      const contentType = req.headers['content-type'];
      return contentType === undefined || isJsonType(contentType);
    },
  });
  return (req, res, next) => {
    const contentType = req.headers['content-type'];
    if (hasBody(req.headers) && contentType !== undefined && !isJsonType(contentType)) {
      sendFault(res, 415, `Unsupported media type '${contentType.split(';')[0]?.trim() ?? ''}': the API accepts application/json.`);
      // Drain what the client sends, so the connection can be reused.
      req.resume();
      return;
    }
    parse(req, res, next);
  };
}
