// Numbers, sizes, durations and task states in words.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 12582912 → "12.0 MiB" */
export function bytes(count) {
  if (!Number.isFinite(count)) return '–';
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`;
}

/** bytes a second → "3.2 MiB/s" */
export function rate(bytesPerSecond) {
  return `${bytes(Math.round(bytesPerSecond))}/s`;
}

/** seconds → "8 s", "2 min 5 s", "1 h 4 min" */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** 0.456 → "45 %" (floored: 100 % only when everything is there) */
export function percent(fraction) {
  return `${Math.floor(Math.min(1, Math.max(0, fraction)) * 100)} %`;
}

const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** An ISO timestamp in the reader's time zone and language. */
export function dateTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : DATE_TIME.format(date);
}

const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** From one ISO timestamp to another: "22 Nov 2026, 19:41:19 – 19:41:21" (the date once). */
export function timeRange(fromIso, toIso) {
  if (!toIso || fromIso === toIso) return dateTime(fromIso);
  const from = new Date(fromIso);
  const to = new Date(toIso);
  const sameDay = from.toDateString() === to.toDateString();
  return `${dateTime(fromIso)} – ${sameDay ? TIME.format(to) : dateTime(toIso)}`;
}

/** A task status as people say it. */
export const STATUS_WORDS = {
  AWAITING_UPLOAD: 'Awaiting upload',
  PENDING: 'Queued',
  PROCESSING: 'Pushing',
  DONE: 'Done',
  FAILED: 'Failed',
  CANCELLED: 'Cancelled',
};

/**
 * An instance as grants name it: `[remote:][project/]name`, the remote and project only when not
 * the default ones ({remote, project, container} as tasks and uploads hold them).
 */
export function instance({ remote, project, container }) {
  const where = project && project !== 'default' ? `${project}/${container}` : container;
  return remote ? `${remote}:${where}` : where;
}

const ERROR_WORDS = {
  INSTANCE_NOT_FOUND: 'The instance does not exist.',
  PROJECT_NOT_FOUND: 'The Incus project does not exist.',
  INCUS_FORBIDDEN: 'Incus refused the file (the certificate is not trusted there, or the path is not allowed).',
  INCUS_ERROR: 'Incus answered with an error.',
  INCUS_UNAVAILABLE: 'Incus could not be reached.',
  INCUS_UNTRUSTED_SERVER: 'The Incus server did not present the certificate Uplink trusts.',
  PATH_NOT_FOUND: 'The path could not be reached inside the instance.',
  LOCAL_TARGET_ERROR: 'The local directory refused the file.',
  INVALID_DESTINATION: 'The destination cannot be written as asked (a special mode bit or a name too long).',
  UNKNOWN_REMOTE: 'The processor is not configured for that Incus remote.',
  OBJECT_READ_FAILED: 'Reading the uploaded file from storage broke off; it will be tried again.',
  INTERRUPTED: 'The attempt was cut short because Uplink stopped; it is tried again.',
  OBJECT_MISSING: 'The uploaded file was no longer in storage.',
  INTEGRITY_MISMATCH: 'The file did not arrive intact (its checksum or size differed).',
  RETRIES_EXHAUSTED: 'Uplink gave up after several attempts.',
  UPLOAD_MISMATCH: 'The bytes uploaded were not the file declared (size or SHA-256 differed).',
  UPLOAD_EXPIRED: 'The upload was not finished in time.',
  DESTINATION_NOT_ALLOWED: 'This server may not send files to that instance or path.',
  TASK_TAMPERED: 'The task was changed after it was accepted, so nothing was sent.',
  TASK_NOT_FOUND: 'The task record was missing when its file was to be sent.',
  AWS_THROTTLED: 'AWS asked Uplink to slow down.',
  AWS_UNAVAILABLE: 'AWS could not be reached.',
  AWS_REJECTED: 'AWS refused a request (permissions or configuration).',
  IO_ERROR: 'A network or disk error interrupted the transfer.',
  INTERNAL: 'Uplink failed unexpectedly.',
};

/** A task's `lastError` ({code, message}) as a sentence, with the server's own words after it. */
export function failure(lastError) {
  if (!lastError) return 'It failed for a reason the server did not record.';
  const words = ERROR_WORDS[lastError.code] || `It failed (${lastError.code}).`;
  return lastError.message ? `${words} ${lastError.message}` : words;
}
