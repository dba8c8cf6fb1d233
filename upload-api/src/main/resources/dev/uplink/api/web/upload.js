// One file's way into an instance: sent to Uplink (streamed through the API, or straight to S3 in
// presigned parts), then watched until its task is DONE or FAILED. The view listens for `change`.

import { ApiError, call, retryAfterSeconds, session } from './api.js';
import { sha256OfBlob } from './sha256.js';

/**
 * Files of this size or more go as presigned multipart uploads, straight to S3: through Lambda a
 * streamed request carries at most 6 MB (about 4.5 MiB of file once base64-encoded), and parts
 * can be retried and resumed one by one. Smaller files are streamed through the API.
 */
export const MULTIPART_FROM = 4 * 1024 * 1024;

/** Parts in flight at once for one file. */
export const PARTS_AT_ONCE = 4;

/** Tries per part before the upload pauses (and resumes when the browser is back online). */
const PART_ATTEMPTS = 3;

/** Tries of a streamed upload (same Idempotency-Key: the API never makes two tasks of it). */
const STREAM_ATTEMPTS = 3;

const FINAL = new Set(['DONE', 'FAILED', 'CANCELLED']);

const STATUS_NAMES = { PROCESSING: 'being pushed', DONE: 'done', FAILED: 'failed', CANCELLED: 'cancelled' };

/** Headers the browser sets itself and refuses from scripts. */
const BROWSER_HEADERS = new Set(['host', 'content-length', 'connection']);

/** Unfinished multipart uploads of this tab (file, destination → Idempotency-Key), to resume. */
const RESUMABLE_ITEM = 'uplink.resumable';

/** Stops an upload on purpose (cancel, or pause to resume later). */
class Stopped extends Error {
  constructor(why) {
    super(why);
    this.name = 'Stopped';
  }
}

/** The connection to S3 failed too often in a row: pause, resume later. */
class ConnectionLost extends Error {}

export class Upload extends EventTarget {
  /**
   * @param file the File
   * @param destination {project, container, path, mode, uid, gid} (path is the file's own; an
   *     empty project is the default one)
   * @param presigned whether the server offers presigned uploads
   */
  constructor(file, destination, presigned) {
    super();
    this.file = file;
    this.destination = destination;
    this.multipart = presigned && file.size >= MULTIPART_FROM;
    /** waiting | hashing | uploading | paused | completing | watching | finished */
    this.stage = 'waiting';
    /** DONE | FAILED | CANCELLED | REJECTED (refused before a task existed), once finished */
    this.outcome = null;
    /** What to tell the person now: a sentence, or null. */
    this.note = null;
    this.hashed = 0;
    this.task = null;
    this.meter = new Meter();
    this.#stop = new AbortController();
  }

  #stop;
  #parts = new Map(); // part number → bytes sent
  #partSize = 0;
  #partCount = 0;
  #sha256 = null;
  #created = null;
  #running = null;

  /** Bytes of the file that reached storage (or are on their way). */
  get sent() {
    let total = 0;
    for (const bytes of this.#parts.values()) total += bytes;
    return Math.min(total, this.file.size);
  }

  get id() {
    return this.task?.id ?? this.#created?.id ?? null;
  }

  /** Sends the file and watches its task; resolves when the upload stops, whatever the outcome. */
  start() {
    if (!this.#running) this.#running = this.#run();
    return this.#running;
  }

  /** Resumes a paused multipart upload: asks S3 which parts it holds and sends the rest. */
  resume() {
    if (this.stage !== 'paused') return this.#running;
    this.#stop = new AbortController();
    this.#running = this.#run();
    return this.#running;
  }

  /** Whether cancelling still means something (a task no worker has started). */
  get cancellable() {
    if (this.stage === 'finished') return false;
    if (this.stage === 'watching') return this.task?.status === 'PENDING';
    return true;
  }

  /** Stops sending and withdraws the task (aborting a multipart upload's parts). */
  async cancel() {
    if (!this.cancellable) return;
    if (this.stage === 'watching') {
      // Queued: ask first, a worker may have taken it meanwhile. The long poll sees the outcome.
      try {
        this.task = await call('DELETE', `/v1/uploads/${this.id}`);
      } catch (error) {
        this.#say(error.problem?.taskStatus
          ? `Too late to cancel: it is ${STATUS_NAMES[error.problem.taskStatus] ?? error.problem.taskStatus} already.`
          : `Not cancelled: ${error.message}`);
      }
      return;
    }
    this.cancelled = true;
    this.#stop.abort(new Stopped('cancelled'));
    const id = this.id;
    if (id) {
      // Still awaiting its bytes: this aborts the multipart upload. Should it fail, the task
      // expires at the end of the upload window all the same.
      await call('DELETE', `/v1/uploads/${id}`).then((task) => { this.task = task; }, () => {});
    }
    this.#forget();
    this.#finish('CANCELLED', null);
  }

  /**
   * Stops everything this page does for the upload, asking the server nothing (on sign-out: the
   * key is gone). A task already queued is processed all the same; one still awaiting its bytes
   * expires at the end of the upload window.
   */
  abandon() {
    this.cancelled = true;
    this.#stop.abort(new Stopped('abandoned'));
  }

  /** Whether bytes are on their way (leaving the page would stop them). */
  get sending() {
    return ['hashing', 'uploading', 'completing'].includes(this.stage);
  }

  async #run() {
    try {
      if (!this.task || this.task.status === 'AWAITING_UPLOAD') {
        if (this.multipart) await this.#sendInParts();
        else await this.#stream();
      }
      await this.#watch();
    } catch (error) {
      if (this.cancelled || error?.name === 'AbortError' || error instanceof Stopped) return;
      if (error instanceof ConnectionLost) {
        this.stage = 'paused';
        this.#say('The connection dropped. The parts already sent are kept: it resumes when the connection is back, or with Resume.');
        return;
      }
      this.#finish(this.task?.status === 'FAILED' ? 'FAILED' : 'REJECTED', error.message);
    }
  }

  // --- streamed through the API ---

  async #stream() {
    this.stage = 'uploading';
    this.#parts.set(1, 0);
    this.meter.reset(0);
    const { project, container, path, mode, uid, gid } = this.destination;
    const query = new URLSearchParams({ container, path });
    if (project) query.set('project', project);
    if (mode) query.set('mode', mode);
    if (uid) query.set('uid', uid);
    if (gid) query.set('gid', gid);
    const idempotencyKey = `web-${randomId()}`;
    for (let attempt = 1; ; attempt++) {
      const answer = await send(
        {
          method: 'POST',
          url: `/v1/uploads?${query}`,
          headers: {
            Authorization: `Bearer ${session.key()}`,
            'Content-Type': 'application/octet-stream',
            'Idempotency-Key': idempotencyKey,
          },
          body: this.file,
          progress: (loaded) => this.#progress(1, loaded),
        },
        this.#stop.signal,
      ).catch((error) => error);
      if (answer instanceof Error && answer.name === 'AbortError') throw answer;
      if (!(answer instanceof Error) && answer.status === 202) {
        this.#progress(1, this.file.size);
        this.task = { ...JSON.parse(answer.text), size: this.file.size, bytesPushed: 0 };
        return;
      }
      const error = answer instanceof Error ? networkError() : problemOf(answer);
      if (!error.transient || attempt >= STREAM_ATTEMPTS) throw error;
      this.#progress(1, 0);
      const wait = error.retryAfter ?? 2 ** attempt;
      this.#say(`${error.message} Trying again in ${Math.round(wait)} s.`);
      await sleep(wait * 1000, this.#stop.signal);
    }
  }

  // --- presigned multipart, straight to S3 ---

  async #sendInParts() {
    if (!this.#created) {
      await this.#hash();
      await this.#create();
    }
    if (this.task?.status !== 'AWAITING_UPLOAD') return; // replayed: the bytes are in already
    await this.#sendMissingParts();
    await this.#complete();
  }

  async #hash() {
    this.stage = 'hashing';
    this.#say('Computing the checksum…');
    this.#sha256 = await hashFile(this.file, (hashed) => {
      this.hashed = hashed;
      this.#changed();
    }, this.#stop.signal);
  }

  async #create() {
    const { project, container, path, mode, uid, gid } = this.destination;
    const declaration = { container, path, size: this.file.size, sha256: this.#sha256 };
    if (project) declaration.project = project;
    if (mode) declaration.mode = mode;
    if (uid) declaration.uid = uid;
    if (gid) declaration.gid = gid;
    const key = this.#resumeKey(declaration);
    this.#created = await retrying(
      () => call('POST', '/v1/uploads/multipart', {
        json: declaration,
        headers: { 'Idempotency-Key': key },
        signal: this.#stop.signal,
      }),
      this.#stop.signal,
      (message) => this.#say(message),
    );
    this.#partSize = this.#created.partSize;
    this.#partCount = this.#created.partCount;
    this.task = { id: this.#created.id, status: this.#created.status, size: this.file.size, bytesPushed: 0 };
    if (this.#created.status !== 'AWAITING_UPLOAD') {
      this.#parts.set(1, this.file.size);
      this.#forget();
    }
  }

  #partLength(number) {
    return Math.min(this.#partSize, this.file.size - (number - 1) * this.#partSize);
  }

  async #sendMissingParts() {
    this.stage = 'uploading';
    const listed = await retrying(
      () => call('GET', `/v1/uploads/${this.id}/parts`, { signal: this.#stop.signal }),
      this.#stop.signal,
      (message) => this.#say(message),
    );
    this.#parts.clear();
    for (const part of listed.parts) {
      if (part.size === this.#partLength(part.partNumber)) this.#parts.set(part.partNumber, part.size);
    }
    const stored = this.#parts.size;
    const todo = [];
    for (let number = 1; number <= this.#partCount; number++) {
      if (!this.#parts.has(number)) todo.push(number);
    }
    this.meter.reset(this.sent);
    this.#rounds += 1;
    // A later round, or parts sent before (this file, chosen again after a reload): say so.
    this.#say(this.#rounds > 1 || stored > 0
      ? `Resuming: storage holds ${stored} of ${this.#partCount} parts; sending the other ${todo.length}.`
      : null);
    // Parts in flight share one signal: one part that gives up stops the others (they are kept),
    // and so does the browser going offline (no part can get through; it resumes when back).
    const round = new AbortController();
    const stopRound = () => round.abort(this.#stop.signal.reason);
    const offline = () => round.abort(new ConnectionLost('offline'));
    this.#stop.signal.addEventListener('abort', stopRound, { once: true });
    window.addEventListener('offline', offline);
    const worker = async () => {
      while (todo.length > 0) {
        const number = todo.shift();
        await this.#sendPart(number, round.signal);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(PARTS_AT_ONCE, todo.length) }, worker));
    } catch (error) {
      round.abort(error);
      throw round.signal.reason ?? error;
    } finally {
      this.#stop.signal.removeEventListener('abort', stopRound);
      window.removeEventListener('offline', offline);
    }
  }

  async #sendPart(number, signal) {
    const start = (number - 1) * this.#partSize;
    const body = this.file.slice(start, start + this.#partLength(number));
    for (let attempt = 1; ; attempt++) {
      this.#progress(number, 0);
      let failure;
      try {
        // A fresh URL every attempt: an expired one would only fail again.
        const part = await call('POST', `/v1/uploads/${this.id}/parts/${number}`, { signal });
        const answer = await send(
          {
            method: part.method,
            url: part.url,
            headers: withoutBrowserHeaders(part.headers),
            body,
            progress: (loaded) => this.#progress(number, loaded),
          },
          signal,
        );
        if (answer.status >= 200 && answer.status < 300) {
          this.#progress(number, body.size);
          return;
        }
        failure = storageError(answer);
        if (answer.status >= 400 && answer.status < 500 && ![403, 408, 429].includes(answer.status)) {
          throw failure;
        }
      } catch (error) {
        if (error.name === 'AbortError' || signal.aborted) {
          this.#parts.delete(number); // kept by S3 only if it was complete: the listing tells
          throw signal.reason ?? error;
        }
        if (error instanceof ApiError && !error.transient) throw error;
        failure = error;
      }
      if (attempt >= PART_ATTEMPTS) throw new ConnectionLost(failure.message);
      this.#progress(number, 0);
      this.#say(`Part ${number} did not get through (${failure.message}); trying again.`);
      await sleep(1000 * 2 ** (attempt - 1), signal);
    }
  }

  async #complete() {
    this.stage = 'completing';
    this.#say('Checking the file in storage…');
    for (let round = 1; ; round++) {
      try {
        this.task = await retrying(
          () => call('POST', `/v1/uploads/${this.id}/complete`, { signal: this.#stop.signal }),
          this.#stop.signal,
          (message) => this.#say(message),
        );
        this.#forget();
        return;
      } catch (error) {
        if (error instanceof ApiError && error.type === 'upload-incomplete' && round < 3) {
          await this.#sendMissingParts();
          continue;
        }
        if (error instanceof ApiError && error.type === 'upload-mismatch') {
          this.#forget();
          this.task = { ...this.task, status: 'FAILED' };
        }
        throw error;
      }
    }
  }

  /** The Idempotency-Key of this file and destination: the same as before in this tab, to resume. */
  #resumeKey(declaration) {
    const identity = JSON.stringify([declaration, this.file.name, this.file.lastModified]);
    const keys = JSON.parse(sessionStorage.getItem(RESUMABLE_ITEM) || '{}');
    keys[identity] ??= `web-${randomId()}`;
    sessionStorage.setItem(RESUMABLE_ITEM, JSON.stringify(keys));
    this.#identity = identity;
    return keys[identity];
  }

  #identity = null;
  #rounds = 0;

  #forget() {
    if (!this.#identity) return;
    const keys = JSON.parse(sessionStorage.getItem(RESUMABLE_ITEM) || '{}');
    delete keys[this.#identity];
    sessionStorage.setItem(RESUMABLE_ITEM, JSON.stringify(keys));
  }

  // --- the task, until it is final ---

  async #watch() {
    this.stage = 'watching';
    this.#say(null);
    this.#changed();
    while (!FINAL.has(this.task.status)) {
      try {
        this.task = await watch(this.task.id, this.#stop.signal);
        this.#say(null);
      } catch (error) {
        if (error.name === 'AbortError') throw error;
        if (error instanceof ApiError && !error.transient) throw error;
        this.#say(`${error.message} Still watching…`);
        await sleep(2000, this.#stop.signal);
      }
      this.#changed();
    }
    this.#finish(this.task.status, null);
  }

  // --- state ---

  #progress(part, loaded) {
    this.#parts.set(part, loaded);
    this.meter.add(this.sent);
    this.#changed();
  }

  #say(note) {
    this.note = note;
    this.#changed();
  }

  #finish(outcome, note) {
    this.stage = 'finished';
    this.outcome = outcome;
    this.note = note;
    this.#changed();
  }

  #changed() {
    this.dispatchEvent(new Event('change'));
  }
}

// --- watching tasks: long polls, two at a time ---

/**
 * A browser opens about six connections per server: long polls (up to 20 s each) must leave room
 * for the other calls. At most two run at once; while others wait for a turn, polls are short.
 */
const POLLS_AT_ONCE = 2;
let polling = 0;
const pollQueue = [];

async function watch(id, signal) {
  if (polling >= POLLS_AT_ONCE) {
    await new Promise((resolve) => pollQueue.push(resolve));
  }
  polling++;
  try {
    const wait = pollQueue.length > 0 ? 2 : 20;
    return await call('GET', `/v1/uploads/${id}?wait=${wait}`, { signal });
  } finally {
    polling--;
    pollQueue.shift()?.();
  }
}

// --- speed and time left ---

/** Bytes over the last few seconds: the speed now, not the average since the start. */
export class Meter {
  static WINDOW_MS = 4000;

  constructor() {
    this.samples = [];
  }

  reset(bytes) {
    this.samples = [[performance.now(), bytes]];
  }

  add(bytes, now = performance.now()) {
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[1][0] > Meter.WINDOW_MS) this.samples.shift();
  }

  /** Bytes a second, or null until half a second has been measured. */
  rate() {
    if (this.samples.length < 2) return null;
    const [t0, b0] = this.samples[0];
    const [t1, b1] = this.samples[this.samples.length - 1];
    if (t1 - t0 < 500) return null;
    return Math.max(0, ((b1 - b0) * 1000) / (t1 - t0));
  }

  /** Seconds left for `remaining` bytes at the current speed, or null. */
  eta(remaining) {
    const rate = this.rate();
    return rate && rate > 0 ? remaining / rate : null;
  }
}

// --- hashing ---

let workerPolicy = null;

/** The hashing worker's URL, as the Trusted Types policy of the page lets it through. */
function workerUrl() {
  const url = new URL('./hash-worker.js', import.meta.url).href;
  if (!window.trustedTypes) return url;
  workerPolicy ??= window.trustedTypes.createPolicy('uplink', {
    createScriptURL: (candidate) => {
      if (candidate !== url) throw new TypeError(`Not the hashing worker: ${candidate}`);
      return candidate;
    },
  });
  return workerPolicy.createScriptURL(url);
}

/** The file's SHA-256 in a worker (the page stays responsive), or here if no worker starts. */
function hashFile(file, progress, signal) {
  let worker;
  try {
    worker = new Worker(workerUrl(), { type: 'module' });
  } catch {
    return sha256OfBlob(file, progress, signal);
  }
  return new Promise((resolve, reject) => {
    const stop = () => {
      worker.terminate();
      reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
    };
    signal.addEventListener('abort', stop, { once: true });
    worker.addEventListener('message', ({ data }) => {
      if ('hashed' in data) {
        progress(data.hashed);
        return;
      }
      signal.removeEventListener('abort', stop);
      worker.terminate();
      if (data.error) reject(new Error(`The file could not be read: ${data.error}`));
      else resolve(data.sha256);
    });
    worker.addEventListener('error', (event) => {
      signal.removeEventListener('abort', stop);
      worker.terminate();
      event.preventDefault();
      sha256OfBlob(file, progress, signal).then(resolve, reject);
    });
    worker.postMessage({ file });
  });
}

// --- HTTP with upload progress (fetch reports none) ---

/** A request that moves no byte for this long is taken for a dead connection. */
const STALLED_MS = 30_000;

/**
 * One request with XMLHttpRequest, for its upload progress events. Resolves with {status, text,
 * header(name)} whatever the status; rejects on a network failure or a stall (TypeError) or an
 * abort.
 */
export function send({ method, url, headers = {}, body, progress }, signal) {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    let stalled = false;
    let watchdog;
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        stalled = true;
        xhr.abort();
      }, STALLED_MS);
    };
    xhr.upload.addEventListener('progress', (event) => {
      alive();
      progress?.(event.loaded);
    });
    xhr.addEventListener('progress', alive);
    const abort = () => xhr.abort();
    signal?.addEventListener('abort', abort, { once: true });
    const done = () => {
      clearTimeout(watchdog);
      signal?.removeEventListener('abort', abort);
    };
    xhr.addEventListener('load', () => {
      done();
      resolve({ status: xhr.status, text: xhr.responseText, header: (name) => xhr.getResponseHeader(name) });
    });
    xhr.addEventListener('error', () => {
      done();
      reject(new TypeError('network error'));
    });
    xhr.addEventListener('timeout', () => {
      done();
      reject(new TypeError('timed out'));
    });
    xhr.addEventListener('abort', () => {
      done();
      if (stalled) reject(new TypeError('no byte moved for 30 s'));
      else reject(signal?.reason ?? new DOMException('Aborted', 'AbortError'));
    });
    alive();
    xhr.send(body);
  });
}

function withoutBrowserHeaders(headers) {
  return Object.fromEntries(
    Object.entries(headers || {}).filter(([name]) => !BROWSER_HEADERS.has(name.toLowerCase())),
  );
}

function networkError() {
  return new ApiError(0, { title: 'No answer', detail: 'The connection dropped.' });
}

/** An API answer that is no success, as an ApiError. */
function problemOf(answer) {
  let problem;
  try {
    problem = JSON.parse(answer.text);
  } catch {
    problem = { title: `HTTP ${answer.status}`, detail: `The server answered ${answer.status}.` };
  }
  return new ApiError(answer.status, problem, retryAfterSeconds(answer.header('Retry-After')));
}

/** S3's answer to a part (an XML error document) in a sentence. */
function storageError(answer) {
  const code = /<Code>([^<]*)<\/Code>/.exec(answer.text)?.[1];
  return new Error(`storage answered ${answer.status}${code ? ` ${code}` : ''}`);
}

/** Calls `operation` until it succeeds or fails for good (a transient failure is tried 4 times). */
async function retrying(operation, signal, say) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof ApiError) || !error.transient || attempt >= 4) throw error;
      const wait = error.retryAfter ?? 2 ** (attempt - 1);
      say(`${error.message} Trying again in ${Math.round(wait)} s.`);
      await sleep(wait * 1000, signal);
    }
  }
}

/**
 * 128 random bits in hex. (crypto.randomUUID exists only in secure contexts, and the API may be
 * served over plain HTTP on a private network; getRandomValues exists everywhere.)
 */
function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });
}
