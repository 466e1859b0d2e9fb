/** `[guest_agent]`: the agent's container runtime and registry settings. */
import { opt } from '../options.js';

export const guestAgentGroup = {
  container_registry: opt.string(null, 'Registry to log in to before pulling datastore images.'),
  container_registry_username: opt.string('', 'Registry user name.'),
  container_registry_password: opt.string('', 'Registry password.', { secret: true }),
  docker_socket: opt.string('/var/run/docker.sock', 'trove-ts: Docker engine socket.'),
  container_name: opt.string('database', 'trove-ts: name of the datastore container (single-host backends give each instance its own).'),
  datastore_bind_host: opt.string('0.0.0.0', 'trove-ts: address the datastore listens on.'),
  datastore_port: opt.port(0, 'trove-ts: port the datastore listens on (0: the engine\'s standard port).'),
  pull_images: opt.boolean(false, 'trove-ts: pull the datastore image when it is not present locally (off for air-gapped guests with preloaded images).'),
  heartbeat_jitter: opt.float(0.1, 'trove-ts: fraction of report_interval added or removed at random from each heartbeat delay.', { min: 0, max: 0.5 }),
  drain_timeout: opt.integer(30, 'trove-ts: seconds SIGTERM waits for in-flight calls before the agent exits.', { min: 1 }),
  status_check_interval: opt.float(10, 'trove-ts: seconds between datastore health probes; a changed status is sent to the conductor at once, between the periodic heartbeats.', { min: 0.1 }),
  healthy_confirmations: opt.integer(3, 'trove-ts: consecutive healthy probes (state_change_poll_time apart) that end a start or restart wait, as Trove requires.', { min: 1, max: 10 }),
  datastore_connect_timeout: opt.integer(5, 'trove-ts: seconds the agent waits for a connection to its datastore (health probe and admin work).', { min: 1 }),
};
