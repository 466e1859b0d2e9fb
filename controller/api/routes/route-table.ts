/**
 * Registers a resource's routes on a router and answers 405 `badMethod` (with `Allow`) for a known path
 * requested with a method it does not serve. Handlers are async; Express 5 forwards their errors.
 */
import type { Request, Response, Router } from 'express';
import { methodNotAllowed } from '../middleware/errors.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Handler = (req: Request, res: Response) => Promise<void> | void;
export type Route = [Method, string, Handler];

export function mountRoutes(router: Router, routes: readonly Route[]): void {
  const byPath = new Map<string, Route[]>();
  for (const route of routes) byPath.set(route[1], [...(byPath.get(route[1]) ?? []), route]);
  for (const [path, entries] of byPath) {
    for (const [method, , handler] of entries) {
      const register = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
      router[register](path, handler);
    }
    const allowed: string[] = entries.map(([method]) => method);
    if (allowed.includes('GET')) allowed.push('HEAD');
    router.all(path, methodNotAllowed(allowed));
  }
}

/** A path parameter (Express has already percent-decoded it). */
export function param(req: Request, name: string): string {
  const value = req.params[name];
  return Array.isArray(value) ? value.join('/') : String(value ?? '');
}

/** A query parameter as a string, or undefined. */
export function query(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** Sends a JSON body with a status. */
export function reply(res: Response, status: number, body: unknown): void {
  res.status(status).json(body);
}

/** Sends an empty answer (Trove's `wsgi.Result(None, status)`). */
export function replyEmpty(res: Response, status: number): void {
  res.status(status).end();
}
