/**
 * The Trove v1 API as an express application. Middleware order mirrors Trove's paste pipeline:
 *
 *   request id + logging → version documents (no auth) → /v1.0/{tenant_id}: authentication and tenant
 *   scoping → rate limits → JSON body → resource routers → 404 for unknown paths → Trove fault bodies
 *
 * `createApp` builds everything from injected dependencies, so tests run it on an ephemeral port with a
 * throw-away database, the in-memory transport and fakes.
 */
import express, { type Express } from 'express';
import type { ApiDeps } from './deps.js';
import { authenticate } from './middleware/auth.js';
import { jsonBody } from './middleware/body.js';
import { errorHandler, notFoundHandler } from './middleware/errors.js';
import { RateLimiter, rateLimit, rateLimitsFromConfig } from './middleware/rate-limit.js';
import { requestContext } from './middleware/request-context.js';
import { backupRoutes } from './routes/backups.js';
import { configurationRoutes } from './routes/configurations.js';
import { datastoreRoutes } from './routes/datastores.js';
import { instanceRoutes } from './routes/instances.js';
import { limitRoutes } from './routes/limits.js';
import { mgmtRoutes } from './routes/mgmt.js';
import { unimplementedRoutes } from './routes/unimplemented.js';
import { userRoutes } from './routes/users.js';
import { versionRoutes } from './routes/versions.js';
import { createServices } from './services/index.js';

/** The app plus what tests may want to inspect. */
export interface ApiApp {
  app: Express;
  rateLimiter: RateLimiter;
}

export function createApp(deps: ApiDeps): ApiApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Links are built from the Host header; never trust proxy headers unless configured in front.
  app.set('trust proxy', false);

  const rateLimiter = new RateLimiter(rateLimitsFromConfig(deps.config));
  const services = createServices(deps);

  app.use(requestContext(deps.logger));
  const root = express.Router();
  versionRoutes(root, deps.config);
  app.use(root);

  const tenant = express.Router({ mergeParams: true });
  tenant.use(authenticate({ authenticator: deps.authenticator, adminRoles: deps.config.DEFAULT.admin_roles, logger: deps.logger }));
  tenant.use(rateLimit(rateLimiter));
  tenant.use(jsonBody(deps.config.DEFAULT.api_max_body_size));
  instanceRoutes(tenant, deps, services);
  userRoutes(tenant, deps, services);
  backupRoutes(tenant, deps, services);
  datastoreRoutes(tenant, deps, services);
  configurationRoutes(tenant, deps, services);
  limitRoutes(tenant, deps, rateLimiter);
  mgmtRoutes(tenant, deps, services);
  unimplementedRoutes(tenant, deps, services);
  app.use('/v1.0/:tenantId', tenant);

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return { app, rateLimiter };
}
