/** What a datastore configuration template is rendered from (Trove passes `flavor` and `server_id`). */
export interface TemplateContext {
  /** RAM of the flavor in MB. */
  memoryMb: number;
  /** A positive integer unique among the instances that may replicate together (MySQL `server-id`). */
  serverId: number;
}
