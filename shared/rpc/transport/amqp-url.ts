/**
 * Parses oslo.messaging's `transport_url`: `rabbit://user:pass@host:port[,user:pass@host2:port2]/vhost`.
 * Several hosts mean failover, tried in order. The vhost is the percent-decoded path; an empty path is `/`.
 */
import { ConfigError } from '../../errors/index.js';

/** One broker endpoint. */
export interface BrokerHost {
  host: string;
  port: number;
  username: string;
  password: string;
}

/** A parsed transport URL. */
export interface BrokerUrl {
  hosts: BrokerHost[];
  vhost: string;
}

const DEFAULT_PORT = 5672;

function parseHost(text: string, fallback: { username: string; password: string }): BrokerHost {
  const at = text.lastIndexOf('@');
  const credentials = at >= 0 ? text.slice(0, at) : '';
  const location = at >= 0 ? text.slice(at + 1) : text;
  let username = fallback.username;
  let password = fallback.password;
  if (credentials !== '') {
    const colon = credentials.indexOf(':');
    username = decodeURIComponent(colon >= 0 ? credentials.slice(0, colon) : credentials);
    password = colon >= 0 ? decodeURIComponent(credentials.slice(colon + 1)) : '';
  }
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(location);
  const plain = /^([^:]*)(?::(\d+))?$/.exec(location);
  const match = bracketed ?? plain;
  if (match === null) throw new ConfigError(`Invalid host in transport_url: ${location}`);
  const port = match[2] === undefined ? DEFAULT_PORT : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`Invalid port in transport_url: ${location}`);
  return { host: match[1] === '' || match[1] === undefined ? 'localhost' : match[1], port, username, password };
}

/**
 * Parses a transport URL. Hosts without credentials inherit the previous host's (oslo's behaviour);
 * the first defaults to guest/guest.
 * @throws ConfigError for another scheme or a malformed host (the message never contains the password)
 */
export function parseTransportUrl(url: string): BrokerUrl {
  const match = /^(rabbit|amqp):\/\/([^/]*)(?:\/(.*))?$/.exec(url.trim());
  if (match === null) throw new ConfigError('transport_url must look like rabbit://user:pass@host:port/vhost');
  const hostPart = match[2] ?? '';
  const path = match[3] ?? '';
  let previous = { username: 'guest', password: 'guest' };
  const hosts = (hostPart === '' ? [''] : hostPart.split(',')).map((text) => {
    const host = parseHost(text, previous);
    previous = { username: host.username, password: host.password };
    return host;
  });
  return { hosts, vhost: path === '' ? '/' : decodeURIComponent(path) };
}
