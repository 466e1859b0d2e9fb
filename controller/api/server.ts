/**
 * The HTTP server of `trove-api`: listens on `bind_host:bind_port`, keeps connections alive for clients
 * like the openstack CLI, and shuts down gracefully (stops accepting, lets in-flight requests finish within
 * a grace period, then closes what is left).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from '../../shared/logging/index.js';

/** A listening API server. */
export interface ApiServer {
  readonly server: Server;
  /** The bound address, e.g. for an ephemeral port. */
  address(): AddressInfo;
  /** Stops accepting and waits for in-flight requests, at most `graceMs`. @default 10000 */
  close(graceMs?: number): Promise<void>;
}

/** Options to configure `startApiServer`. */
export interface ApiServerOptions {
  host: string;
  port: number;
  logger: Logger;
}

export async function startApiServer(app: Express, options: ApiServerOptions): Promise<ApiServer> {
  const server = createServer({ keepAliveTimeout: 65_000, headersTimeout: 66_000, requestTimeout: 300_000 }, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    server,
    address: () => server.address() as AddressInfo,
    close(graceMs = 10_000) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          options.logger.warn('closing connections still busy after the grace period');
          server.closeAllConnections();
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
