// The upload screen: choosing files (drop or picker), the destination, and each file's progress.

import { announce, byId, el, fieldError, fromTemplate, show } from './dom.js';
import * as destination from './destination.js';
import * as format from './format.js';
import { Upload } from './upload.js';

/** Files sent at once; the others wait their turn. */
const FILES_AT_ONCE = 2;

/** The last destination used, to offer it again (not secret: kept across visits). */
const LAST_DESTINATION = 'uplink.destination';

const BADGES = {
  waiting: 'Waiting',
  hashing: 'Preparing',
  uploading: 'Uploading',
  paused: 'Paused',
  completing: 'Checking',
};

export class UploadView {
  constructor() {
    this.caller = null;
    this.chosen = [];
    this.uploads = [];
    this.touched = new Set();
    this.form = byId('upload-form');
    this.input = byId('files');
    this.fields = {
      project: byId('project'),
      instance: byId('instance'),
      path: byId('path'),
      mode: byId('mode'),
      uid: byId('uid'),
      gid: byId('gid'),
    };
    this.errors = {
      project: byId('project-error'),
      instance: byId('instance-error'),
      path: byId('path-error'),
      mode: byId('mode-error'),
      uid: byId('uid-error'),
      gid: byId('gid-error'),
    };
    this.#wire();
  }

  /** Shows what this caller may do (from GET /v1/me). */
  setCaller(caller) {
    this.caller = caller;
    const grants = caller.destinations;
    show(byId('no-destinations'), grants.length === 0);
    show(this.form, grants.length > 0);
    const projects = byId('project-options');
    const instances = byId('instance-options');
    const paths = byId('path-options');
    projects.replaceChildren();
    instances.replaceChildren();
    paths.replaceChildren();
    const list = byId('grants');
    list.replaceChildren();
    const named = new Set();
    for (const grant of grants) {
      if (grant.project && !/[*?]/.test(grant.project) && !named.has(grant.project)) {
        named.add(grant.project);
        projects.append(el('option', { value: grant.project }));
      }
      if (!/[*?]/.test(grant.instance)) instances.append(el('option', { value: grant.instance }));
      paths.append(el('option', { value: grant.pathPrefix }));
      const use = el('button', { type: 'button', class: 'chip', text: destination.grantText(grant) });
      use.setAttribute('aria-label', `Use ${describeGrant(grant)}`);
      use.addEventListener('click', () => this.#useGrant(grant));
      list.append(el('li', {}, use));
    }
    const last = JSON.parse(localStorage.getItem(LAST_DESTINATION) || 'null');
    if (last && grants.some((grant) => destination.grantCovers(grant, last.instance, last.path + 'x', last.project))) {
      this.fields.project.value ||= last.project ?? '';
      this.fields.instance.value ||= last.instance;
      this.fields.path.value ||= last.path;
    } else if (grants.length === 1) {
      this.#fillProject(grants[0]);
      if (!/[*?]/.test(grants[0].instance)) this.fields.instance.value ||= grants[0].instance;
      this.fields.path.value ||= grants[0].pathPrefix;
    }
  }

  /** Forgets everything shown (on sign-out); the page stops sending, the tasks stay as they are. */
  clear() {
    for (const upload of this.uploads) upload.abandon();
    this.uploads = [];
    this.chosen = [];
    byId('queue').replaceChildren();
    this.#renderChosen();
    this.#renderQueueEmpty();
  }

  #wire() {
    byId('pick').addEventListener('click', () => this.input.click());
    this.input.addEventListener('change', () => {
      this.#choose([...this.input.files]);
      this.input.value = '';
    });
    const drop = byId('drop');
    // Anywhere on the page: a file dropped a little off the zone must not replace the page.
    document.addEventListener('dragover', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = this.form.hidden || byId('view-upload').hidden ? 'none' : 'copy';
      drop.classList.add('over');
    });
    document.addEventListener('dragleave', (event) => {
      if (event.relatedTarget === null) drop.classList.remove('over');
    });
    document.addEventListener('drop', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      drop.classList.remove('over');
      if (!byId('view-upload').hidden && !this.form.hidden) this.#choose([...event.dataTransfer.files]);
    });
    for (const [name, input] of Object.entries(this.fields)) {
      input.addEventListener('change', () => {
        this.touched.add(name);
        this.#validate();
      });
      input.addEventListener('input', () => {
        if (input.hasAttribute('aria-invalid')) this.#validate();
      });
    }
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit();
    });
    window.addEventListener('online', () => {
      for (const upload of this.uploads) if (upload.stage === 'paused') upload.resume();
    });
    // Leaving (or reloading) the page stops the uploads in flight: ask first.
    window.addEventListener('beforeunload', (event) => {
      if (this.uploads.some((upload) => upload.sending)) event.preventDefault();
    });
  }

  /** A grant's project in the field, unless it is a pattern or the default (left empty). */
  #fillProject(grant) {
    const project = grant.project ?? destination.DEFAULT_PROJECT;
    if (!/[*?]/.test(project)) {
      this.fields.project.value = project === destination.DEFAULT_PROJECT ? '' : project;
    }
  }

  #useGrant(grant) {
    this.#fillProject(grant);
    if (!/[*?]/.test(grant.instance)) this.fields.instance.value = grant.instance;
    this.fields.path.value = grant.pathPrefix;
    this.touched.add('path');
    this.#validate();
    (/[*?]/.test(grant.instance) ? this.fields.instance : this.fields.path).focus();
  }

  #choose(files) {
    const known = new Set(this.chosen.map((file) => `${file.name}/${file.size}/${file.lastModified}`));
    for (const file of files) {
      if (!known.has(`${file.name}/${file.size}/${file.lastModified}`)) this.chosen.push(file);
    }
    fieldError(byId('pick'), byId('files-error'), null);
    this.#renderChosen();
    this.#validate();
  }

  #renderChosen() {
    const list = byId('chosen');
    list.replaceChildren();
    this.chosen.forEach((file, index) => {
      const remove = el('button', { type: 'button', class: 'quiet small', text: 'Remove' });
      remove.setAttribute('aria-label', `Remove ${file.name}`);
      remove.addEventListener('click', () => {
        this.chosen.splice(index, 1);
        this.#renderChosen();
        byId('pick').focus();
      });
      list.append(el('li', {},
        el('span', { class: 'file-name', text: file.name }),
        el('span', { class: 'hint', text: format.bytes(file.size) }),
        remove));
    });
  }

  /** The form's values, trimmed. */
  #values() {
    const values = {};
    for (const [name, input] of Object.entries(this.fields)) values[name] = input.value.trim();
    return values;
  }

  /**
   * Checks every field; shows the errors of those the person has touched (all of them with
   * `everything`). True when the destination may be used.
   */
  #validate(everything = false) {
    const names = this.chosen.length > 0 ? this.chosen.map((file) => file.name) : ['file'];
    const { errors } = destination.check(this.#values(), names, this.caller?.destinations ?? []);
    for (const name of Object.keys(this.fields)) {
      if (everything || this.touched.has(name)) fieldError(this.fields[name], this.errors[name], errors[name]);
    }
    return Object.keys(errors).length === 0;
  }

  #submit() {
    const values = this.#values();
    let firstInvalid = null;
    if (this.chosen.length === 0) {
      fieldError(byId('pick'), byId('files-error'), 'Choose or drop at least one file.');
      firstInvalid = byId('pick');
    }
    const tooBig = this.chosen.find((file) => file.size > this.caller.maxUploadBytes);
    const empty = this.chosen.find((file) => file.size === 0);
    if (tooBig || empty) {
      fieldError(byId('pick'), byId('files-error'), tooBig
        ? `${tooBig.name} is larger than the ${format.bytes(this.caller.maxUploadBytes)} this server accepts.`
        : `${empty.name} is empty: there is nothing to send.`);
      firstInvalid = byId('pick');
    }
    if (!this.#validate(true)) {
      firstInvalid ??= Object.values(this.fields).find((input) => input.hasAttribute('aria-invalid'));
      if (firstInvalid?.closest('details')) firstInvalid.closest('details').open = true;
    }
    if (firstInvalid) {
      firstInvalid.focus();
      announce('The upload did not start: see the messages on the form.');
      return;
    }
    localStorage.setItem(LAST_DESTINATION, JSON.stringify({
      project: values.project,
      instance: values.instance,
      path: destination.isDirectory(values.path) ? values.path : values.path.slice(0, values.path.lastIndexOf('/') + 1),
    }));
    for (const file of this.chosen) {
      const upload = new Upload(file, {
        project: values.project,
        container: values.instance,
        path: destination.targetPath(values.path, file.name),
        mode: values.mode,
        uid: values.uid,
        gid: values.gid,
      }, this.caller.presignedUploads);
      this.uploads.push(upload);
      this.#addRow(upload);
    }
    announce(`${this.chosen.length === 1 ? 'One file' : `${this.chosen.length} files`} on the way.`);
    this.chosen = [];
    this.#renderChosen();
    this.#next();
    const queue = byId('queue-title');
    if (queue.getBoundingClientRect().top > window.innerHeight) queue.scrollIntoView({ block: 'start' });
  }

  /** Starts waiting uploads while fewer than FILES_AT_ONCE are sending. */
  #next() {
    const sending = this.uploads.filter((upload) => upload.sending).length;
    let free = FILES_AT_ONCE - sending;
    for (const upload of this.uploads) {
      if (free <= 0) break;
      if (upload.stage === 'waiting' && !upload.cancelled) {
        free--;
        upload.start().finally(() => this.#next());
      }
    }
  }

  #addRow(upload) {
    const row = fromTemplate('file-row');
    row.querySelector('.item-name').textContent = upload.file.name;
    row.querySelector('.item-dest').textContent =
      `${format.bytes(upload.file.size)} → ${format.instance(upload.destination)}:${upload.destination.path}`
      + (upload.multipart ? ' · straight to storage, in parts' : '');
    row.querySelector('progress').setAttribute('aria-label', `${upload.file.name}: upload`);
    row.querySelector('.cancel').addEventListener('click', () => upload.cancel());
    row.querySelector('.resume').addEventListener('click', () => upload.resume());
    row.querySelector('.dismiss').addEventListener('click', () => {
      this.uploads.splice(this.uploads.indexOf(upload), 1);
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      this.#renderQueueEmpty();
      (next?.querySelector('button:not([hidden])') ?? byId('pick')).focus();
    });
    let scheduled = false;
    let lastStage = null;
    upload.addEventListener('change', () => {
      if (upload.stage !== lastStage) {
        if (upload.stage === 'finished') announce(`${upload.file.name}: ${outcomeWords(upload)}`);
        if (upload.stage === 'paused') announce(`${upload.file.name}: paused, the connection dropped.`);
        if (['watching', 'finished', 'paused'].includes(upload.stage)) this.#next();
        lastStage = upload.stage;
      }
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        render(row, upload);
      });
    });
    render(row, upload);
    byId('queue').prepend(row);
    this.#renderQueueEmpty();
  }

  #renderQueueEmpty() {
    show(byId('queue-empty'), this.uploads.length === 0);
  }
}

function hasFiles(event) {
  return [...(event.dataTransfer?.types ?? [])].includes('Files');
}

function describeGrant(grant) {
  const instances = /[*?]/.test(grant.instance) ? `instances named ${grant.instance}` : `instance ${grant.instance}`;
  const project = grant.project ?? destination.DEFAULT_PROJECT;
  const projects = project === '*' ? 'in any project' : /[*?]/.test(project) ? `in projects named ${project}` : `in project ${project}`;
  return `${instances} ${projects}, under ${grant.pathPrefix}`;
}

function outcomeWords(upload) {
  switch (upload.outcome) {
    case 'DONE':
      return 'done, the file is in place.';
    case 'CANCELLED':
      return 'cancelled.';
    case 'FAILED':
      return `failed. ${upload.note ?? format.failure(upload.task?.lastError)}`;
    default:
      return `not sent. ${upload.note ?? ''}`;
  }
}

/** Draws one upload's row from its state. */
function render(row, upload) {
  const size = upload.file.size;
  const task = upload.task;
  const status = task?.status;
  row.dataset.stage = upload.stage;
  row.dataset.status = upload.outcome ?? status ?? '';
  if (task?.id) row.dataset.taskId = task.id;

  const badge = row.querySelector('.badge');
  const stateText = row.querySelector('.item-state');
  const detail = row.querySelector('.detail');
  const percent = row.querySelector('.percent');
  const bar = row.querySelector('progress');

  const sent = upload.sent;
  const fraction = size === 0 ? 1 : sent / size;
  bar.value = Math.floor(fraction * 1000) / 10;
  percent.textContent = format.percent(fraction);
  let line = upload.note ?? '';
  let parts = [];

  if (upload.stage === 'hashing') {
    const hashed = size === 0 ? 1 : upload.hashed / size;
    line = `Computing the checksum… ${format.percent(hashed)}`;
  } else if (upload.stage === 'uploading' || upload.stage === 'paused') {
    parts = [`${format.bytes(sent)} of ${format.bytes(size)}`];
    const speed = upload.meter.rate();
    const eta = upload.meter.eta(size - sent);
    if (upload.stage === 'uploading' && speed !== null) parts.push(format.rate(speed));
    if (upload.stage === 'uploading' && eta !== null) parts.push(`${format.duration(eta)} left`);
  } else if (upload.stage === 'watching' || upload.stage === 'finished') {
    parts = [`${format.bytes(sent)} sent`];
  }
  detail.textContent = parts.length ? `· ${parts.join(' · ')}` : '';

  if (upload.stage === 'watching') {
    if (status === 'PROCESSING') {
      const pushed = task.size ? task.bytesPushed / task.size : 0;
      line = `Pushing into ${format.instance(upload.destination)}… ${format.percent(pushed)}`;
    } else if (status === 'PENDING') {
      line = task.lastError
        ? `Queued to try again. Last attempt: ${format.failure(task.lastError)}`
        : `Queued: waiting for a worker to push it into ${format.instance(upload.destination)}.`;
    }
    if (upload.note) line = `${line} ${upload.note}`;
  }
  if (upload.stage === 'finished') {
    if (upload.outcome === 'DONE') line = `Done: in ${format.instance(upload.destination)} at ${upload.destination.path}.`;
    else if (upload.outcome === 'FAILED') line = `Failed: ${upload.note && !task?.lastError ? upload.note : format.failure(task?.lastError)}`;
    else if (upload.outcome === 'CANCELLED') line = 'Cancelled.';
    else line = `Not sent: ${upload.note}`;
  }
  stateText.textContent = line;
  stateText.classList.toggle('error', ['FAILED', 'REJECTED'].includes(upload.outcome));

  badge.textContent = upload.stage === 'finished'
    ? (upload.outcome === 'REJECTED' ? 'Refused' : format.STATUS_WORDS[upload.outcome])
    : upload.stage === 'watching'
      ? format.STATUS_WORDS[status] ?? 'Sent'
      : BADGES[upload.stage];
  badge.dataset.tone = tone(upload);

  show(row.querySelector('.cancel'), upload.cancellable);
  show(row.querySelector('.resume'), upload.stage === 'paused');
  show(row.querySelector('.dismiss'), upload.stage === 'finished');
}

function tone(upload) {
  if (upload.stage === 'finished') {
    return { DONE: 'good', CANCELLED: 'neutral' }[upload.outcome] ?? 'bad';
  }
  return upload.stage === 'paused' ? 'warn' : 'busy';
}
