/** The `openstack` compute backend: Nova, Cinder, Neutron and Glance over REST with a Keystone v3 session. */
export { createOpenStackBackend, OPENSTACK_CAPABILITIES } from './openstack-backend.js';
export type { OpenStackBackend, OpenStackBackendOptions } from './openstack-backend.js';
export { KeystoneSession, toEndpointInterface } from './keystone-session.js';
export type { ServiceCredentials, KeystoneSessionOptions, EndpointInterface, TokenState, CatalogService, CatalogEndpoint } from './keystone-session.js';
export { HttpTransport } from './http-transport.js';
export type { HttpTransportOptions, HttpRequest, HttpResponse, HttpMethod } from './http-transport.js';
export { ServiceClient, segment } from './service-client.js';
export type { ServiceClientOptions, CallOptions, Query, ServiceResponse } from './service-client.js';
export { OpenStackApiError, isApiStatus } from './errors.js';
export { NovaClient, toServer } from './nova.js';
export { CinderClient, toVolume } from './cinder.js';
export type { VolumeAttacher } from './cinder.js';
export { NeutronClient } from './neutron.js';
export { GlanceClient } from './glance.js';
export { renderUserData, encodeNovaUserData, MAX_NOVA_USER_DATA_BYTES } from './user-data.js';
