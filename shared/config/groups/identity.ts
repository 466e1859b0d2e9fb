/** `[keystone_authtoken]` (token validation in the API) and `[service_credentials]` (calls to OpenStack services). */
import { opt } from '../options.js';

export const keystoneAuthtokenGroup = {
  www_authenticate_uri: opt.string(null, 'Public Keystone endpoint announced to clients in WWW-Authenticate.'),
  auth_url: opt.string(null, 'Keystone v3 endpoint used to validate tokens, e.g. http://127.0.0.1:5000/v3.'),
  auth_type: opt.string('password', 'Authentication plugin of the service user.', { choices: ['password'] }),
  username: opt.string(null, 'Service user that validates tokens.'),
  password: opt.string(null, 'Password of the service user.', { secret: true }),
  project_name: opt.string(null, 'Project of the service user.'),
  user_domain_name: opt.string('Default', 'Domain of the service user.'),
  project_domain_name: opt.string('Default', 'Domain of the service user\'s project.'),
  region_name: opt.string(null, 'Region of the identity endpoint.'),
  memcached_servers: opt.list([], 'Accepted for compatibility; tokens are cached in process memory.'),
  token_cache_time: opt.integer(300, 'Seconds a validated token is cached (never beyond its expiry).', { min: 0 }),
  http_connect_timeout: opt.integer(10, 'Seconds to wait for Keystone.', { min: 1 }),
  insecure: opt.boolean(false, 'Do not verify Keystone\'s TLS certificate.'),
  cafile: opt.string(null, 'CA bundle for Keystone\'s TLS certificate.'),
};

export const serviceCredentialsGroup = {
  auth_url: opt.string('https://0.0.0.0/identity/v3', 'Keystone v3 endpoint of the service account that owns instance resources.'),
  username: opt.string('', 'Service account user name.', { deprecatedNames: ['nova_proxy_admin_user'] }),
  password: opt.string('', 'Service account password.', { secret: true, deprecatedNames: ['nova_proxy_admin_pass'] }),
  project_id: opt.string('', 'Service project id.'),
  project_name: opt.string('', 'Service project name.', { deprecatedNames: ['nova_proxy_admin_tenant_name'] }),
  user_domain_name: opt.string('Default', 'Domain of the service user.'),
  project_domain_name: opt.string('Default', 'Domain of the service project.'),
  region_name: opt.string('RegionOne', 'Region used to pick endpoints from the catalog.'),
  endpoint_type: opt.string('publicURL', 'Catalog interface: publicURL, internalURL or adminURL.', { choices: ['publicURL', 'internalURL', 'adminURL', 'public', 'internal', 'admin'] }),
  timeout: opt.integer(60, 'trove-ts: seconds to wait for one HTTP request to Keystone, Nova, Cinder, Neutron or Glance.', { min: 1 }),
  connect_retries: opt.integer(3, 'trove-ts: retries of a request whose connection failed (with exponential backoff).', { min: 0 }),
  connect_retry_delay: opt.float(0.5, 'trove-ts: seconds before the first connection retry; doubles on each further retry.', { min: 0 }),
  token_expiry_margin: opt.integer(120, 'trove-ts: a cached service token is renewed when it expires within this many seconds.', { min: 0 }),
};
