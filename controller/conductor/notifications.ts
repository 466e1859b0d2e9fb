/**
 * Trove's guest notifications as the conductor sees them (`notify_end`, `notify_exc_info`): the event name
 * of a serialized `trove.common.notification.DBaaS*` notification, and the fault text Trove stores in
 * `instance_faults` (`persist_instance_fault` + `utils.format_output`).
 */

const NOTIFICATION_MODULE = 'trove.common.notification.';

/** Classes whose event type does not follow the class name. */
const EVENT_TYPE_EXCEPTIONS: Record<string, string> = {
  DBaaSInstanceUpgrade: 'upgrade',
  DBaaSInstanceMigrate: 'migrate',
};

/**
 * The event type of a notification class, as Trove's `event_type()` returns it (`DBaaSInstanceCreate` →
 * `instance_create`); undefined when the class is not one of Trove's DBaaS API notifications.
 */
export function notificationEventType(classname: unknown): string | undefined {
  if (typeof classname !== 'string' || !classname.startsWith(NOTIFICATION_MODULE)) return undefined;
  const name = classname.slice(NOTIFICATION_MODULE.length);
  if (!/^DBaaS[A-Z][A-Za-z]{1,80}$/.test(name)) return undefined;
  return EVENT_TYPE_EXCEPTIONS[name] ?? name.slice('DBaaS'.length).replace(/[A-Z]/g, (letter, offset: number) => `${offset === 0 ? '' : '_'}${letter.toLowerCase()}`);
}

const REPLACEMENTS: readonly [string, string][] = [['. ', '.\n'], [' (', '\n('], [': ', ':\n    ']];

/** Python's `str.splitlines(keepends=True)` for the line breaks tracebacks contain. */
function splitLinesKeepEnds(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

/**
 * A port of Trove's `utils.format_output`: breaks lines longer than `formatLength` at sentence, parenthesis
 * or colon boundaries, joins, and truncates to `truncateLength` with `...`.
 */
export function formatOutput(message: string | readonly string[], formatLength = 79, truncateLength?: number, replaceIndex = 0): string {
  let index = replaceIndex % REPLACEMENTS.length;
  const lines = typeof message === 'string' ? splitLinesKeepEnds(message) : message;
  const out: string[] = [];
  for (const line of lines) {
    if (line.length <= formatLength) {
      out.push(line);
      continue;
    }
    let split = false;
    let pieces: string[] = [line];
    for (let count = 0; count < REPLACEMENTS.length; count++) {
      const [from, to] = REPLACEMENTS[index] as [string, string];
      pieces = splitLinesKeepEnds(line.replace(from, to));
      index = (index + 1) % REPLACEMENTS.length;
      if (pieces.length > 1) {
        split = true;
        break;
      }
    }
    for (const piece of pieces) out.push(split && piece.length > formatLength ? formatOutput(piece, formatLength, undefined, index) : piece);
  }
  const text = out.join('');
  if (truncateLength !== undefined && text.length > truncateLength) return `${text.slice(0, truncateLength - 3)}...`;
  return text;
}

/** The `instance_faults` row Trove writes for a guest exception. */
export interface FaultText {
  /** At most 255 characters (the column's size). */
  message: string;
  details: string;
}

/** Caps how much of a guest's traceback is stored (the column is TEXT: 65,535 bytes). */
const MAX_DETAILS_CHARACTERS = 16_000;

/**
 * Builds the fault from `notify_exc_info` arguments: `message` (default "Missing notification message") and the
 * exception (a traceback as a list of lines, or text), prefixed with "Server type: <server_type>".
 */
export function faultText(message: unknown, exception: unknown, serverType: unknown): FaultText {
  const lines: string[] = [];
  if (typeof serverType === 'string' && serverType !== '') lines.push(`Server type: ${serverType}\n`);
  if (Array.isArray(exception)) for (const line of exception) lines.push(typeof line === 'string' ? line : JSON.stringify(line));
  else if (typeof exception === 'string') lines.push(exception);
  else if (exception !== undefined && exception !== null) lines.push(JSON.stringify(exception));
  let details = formatOutput(lines);
  if (details.length > MAX_DETAILS_CHARACTERS) details = `${details.slice(0, MAX_DETAILS_CHARACTERS - 3)}...`;
  const text = typeof message === 'string' && message !== '' ? message : 'Missing notification message';
  return { message: formatOutput(text, 79, 255), details };
}
