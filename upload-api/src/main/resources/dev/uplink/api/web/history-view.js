// The history screen: the caller's tasks, newest first, filtered by status, project and instance, a page
// at a time (GET /v1/uploads follows cursors forward; the screen remembers them to go back).

import { ApiError, call } from './api.js';
import { byId, el, show } from './dom.js';
import * as format from './format.js';

export class HistoryView {
  constructor() {
    this.cursors = [null]; // cursors[i] opens page i + 1
    this.page = 0;
    this.ticket = 0;
    this.form = byId('history-form');
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.load(0, true);
    });
    byId('history-older').addEventListener('click', () => this.load(this.page + 1));
    byId('history-newer').addEventListener('click', () => this.load(this.page - 1));
  }

  /** Shows page `page` (0 is the newest); `fresh` starts over with the current filters. */
  async load(page = 0, fresh = false) {
    if (fresh) this.cursors = [null];
    const query = new URLSearchParams({ limit: byId('history-limit').value });
    const status = byId('history-status').value;
    const project = byId('history-project').value.trim();
    const container = byId('history-container').value.trim();
    if (status) query.set('status', status);
    if (project) query.set('project', project);
    if (container) query.set('container', container);
    const cursor = this.cursors[page];
    if (cursor) query.set('cursor', cursor);
    const state = byId('history-state');
    state.textContent = 'Loading…';
    const ticket = ++this.ticket; // only the latest request's answer is shown
    let result;
    try {
      result = await call('GET', `/v1/uploads?${query}`);
    } catch (error) {
      if (ticket !== this.ticket) return;
      state.textContent = error instanceof ApiError ? `Could not load the history: ${error.message}` : String(error);
      return;
    }
    if (ticket !== this.ticket) return;
    this.page = page;
    this.cursors[page + 1] = result.nextCursor;
    this.cursors.length = page + 2;
    this.#render(result.items);
    const filtered = status || project || container ? ' matching the filters' : '';
    // A filtered page looks at 1,000 uploads at most: it may be empty and still lead further.
    state.textContent = result.items.length === 0
      ? (result.nextCursor
        ? `None${filtered} among these uploads; Older looks further back.`
        : (page === 0 ? `No uploads${filtered} yet.` : 'No more uploads.'))
      : `Page ${page + 1}: ${result.items.length} upload${result.items.length === 1 ? '' : 's'}${filtered}.`;
    byId('history-page').textContent = result.items.length ? `Page ${page + 1}` : '';
    byId('history-newer').disabled = page === 0;
    byId('history-older').disabled = !result.nextCursor;
  }

  clear() {
    this.ticket++;
    byId('history-rows').replaceChildren();
    show(byId('history-table'), false);
    byId('history-state').textContent = '';
    this.cursors = [null];
  }

  #render(tasks) {
    const rows = byId('history-rows');
    rows.replaceChildren(...tasks.map(row));
    show(byId('history-table'), tasks.length > 0);
  }
}

function row(task) {
  const details = [];
  if (task.status === 'FAILED') details.push(el('span', { class: 'error', text: format.failure(task.lastError) }));
  else if (task.lastError) details.push(el('span', { text: `Retrying. Last attempt: ${format.failure(task.lastError)}` }));
  if (task.status === 'PROCESSING' && task.size) {
    details.push(el('span', { text: `${format.percent(task.bytesPushed / task.size)} pushed` }));
  }
  if (task.attempts > 1) details.push(el('span', { class: 'hint', text: `${task.attempts} attempts` }));
  details.push(el('span', { class: 'hint mono', text: task.id }));
  return el('tr', { 'data-task-id': task.id, 'data-status': task.status },
    el('td', { 'data-label': 'Uploaded' }, el('time', { datetime: task.createdAt, text: format.dateTime(task.createdAt) })),
    el('td', { 'data-label': 'File' },
      el('span', { class: 'mono', text: task.path }),
      el('span', { class: 'hint', text: ` in ${format.instance(task)} · mode ${task.mode}` })),
    el('td', { 'data-label': 'Size', text: format.bytes(task.size) }),
    el('td', { 'data-label': 'Status' },
      el('span', { class: 'badge', 'data-tone': tone(task.status), text: format.STATUS_WORDS[task.status] ?? task.status })),
    el('td', { 'data-label': 'Details', class: 'details' }, ...details));
}

function tone(status) {
  return { DONE: 'good', FAILED: 'bad', CANCELLED: 'neutral' }[status] ?? 'busy';
}
