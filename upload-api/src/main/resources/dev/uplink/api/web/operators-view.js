// The operators' screen: both queues' depths, the dead-letter queue's messages with their tasks'
// last errors, redrive (some or all) and retry of a FAILED task.

import { call } from './api.js';
import { announce, byId, el, show } from './dom.js';
import * as format from './format.js';

/** Messages shown at most; the listing says when the queue holds more. */
const LIMIT = 100;

export class OperatorsView {
  constructor() {
    this.messages = [];
    this.ticket = 0;
    byId('dlq-refresh').addEventListener('click', () => this.load());
    byId('dlq-redrive-selected').addEventListener('click', () => this.#redrive({ ids: this.#selected() }));
    byId('dlq-redrive-all').addEventListener('click', () => this.#confirmAll());
    byId('dlq-select-all').addEventListener('change', (event) => {
      for (const box of document.querySelectorAll('#dlq-rows input[type=checkbox]')) box.checked = event.target.checked;
      this.#updateButtons();
    });
    byId('retry-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#retry();
    });
    byId('confirm-no').addEventListener('click', () => byId('confirm').close('no'));
    byId('confirm-yes').addEventListener('click', () => byId('confirm').close('yes'));
  }

  async load() {
    const state = byId('dlq-state');
    state.textContent = 'Looking at the queues…';
    const ticket = ++this.ticket; // only the latest request's answer is shown
    let listing;
    try {
      listing = await call('GET', `/v1/dlq?limit=${LIMIT}`);
    } catch (error) {
      if (ticket === this.ticket) state.textContent = `Could not read the dead-letter queue: ${error.message}`;
      return;
    }
    if (ticket !== this.ticket) return;
    this.messages = listing.messages;
    this.#renderDepths(listing);
    byId('dlq-rows').replaceChildren(...listing.messages.map((message) => this.#row(message)));
    byId('dlq-select-all').checked = false;
    show(byId('dlq-table'), listing.messages.length > 0);
    const count = listing.messages.length;
    state.textContent = count === 0
      ? 'The dead-letter queue is empty.'
      : `${count} message${count === 1 ? '' : 's'}${listing.truncated ? ` shown; the queue holds more than ${LIMIT}` : ''}, oldest first.`;
    this.#updateButtons();
  }

  clear() {
    this.ticket++;
    this.messages = [];
    byId('dlq-rows').replaceChildren();
    byId('depths').replaceChildren();
    show(byId('dlq-table'), false);
    byId('dlq-state').textContent = '';
    byId('retry-result').textContent = '';
  }

  #renderDepths(listing) {
    const total = (queue) => queue.visible + queue.inFlight + queue.delayed;
    const depth = (title, queue, id) => el('div', { class: 'depth card', id },
      el('h2', { text: title }),
      el('p', { class: 'big', text: String(total(queue)) }),
      el('p', { class: 'hint', text: `${queue.visible} waiting · ${queue.inFlight} in flight · ${queue.delayed} delayed` }),
      el('p', { class: 'hint mono', text: queue.queue }));
    const dead = depth('Dead letters', listing.deadLetterQueue, 'depth-dlq');
    dead.dataset.tone = total(listing.deadLetterQueue) > 0 ? 'bad' : 'good';
    byId('depths').replaceChildren(depth('Work queue', listing.queue, 'depth-queue'), dead);
  }

  #row(message) {
    const select = el('input', { type: 'checkbox', value: message.messageId });
    select.setAttribute('aria-label', `Select ${message.taskId ?? message.messageId}`);
    select.addEventListener('change', () => this.#updateButtons());
    const redrive = el('button', { type: 'button', class: 'small', text: 'Redrive' });
    redrive.setAttribute('aria-label', `Redrive ${message.taskId ?? message.messageId}`);
    redrive.addEventListener('click', () => this.#redrive({ ids: [message.messageId] }));
    const task = message.taskId
      ? [el('span', { class: 'mono id', text: message.taskId }),
        el('span', { class: 'hint', text: ` ${message.owner ?? ''} · ${format.STATUS_WORDS[message.taskStatus] ?? message.taskStatus ?? ''}` })]
      : [el('span', { class: 'hint', text: message.kind === 'NOT_A_TASK' ? `Not a task message: ${message.body}` : 'Unknown task' })];
    const failed = message.lastFailureAt
      ? format.timeRange(message.firstFailureAt, message.lastFailureAt)
      : format.dateTime(message.sentAt);
    return el('tr', { 'data-message-id': message.messageId, 'data-task-id': message.taskId ?? '' },
      el('td', { 'data-label': 'Select' }, select),
      el('td', { 'data-label': 'Task' }, ...task),
      el('td', { 'data-label': 'Destination', class: 'mono', text: message.container ? `${message.container}:${message.path}` : '–' }),
      el('td', { 'data-label': 'Attempts', text: `${message.attempts} (received ${message.receiveCount}×)` }),
      el('td', { 'data-label': 'Last error', class: 'details' },
        message.lastError ? el('span', { class: 'error', text: format.failure(message.lastError) }) : el('span', { class: 'hint', text: '–' })),
      el('td', { 'data-label': 'Failed', text: failed }),
      el('td', { 'data-label': 'Actions' }, redrive));
  }

  #selected() {
    return [...document.querySelectorAll('#dlq-rows input[type=checkbox]:checked')].map((box) => box.value);
  }

  #updateButtons() {
    byId('dlq-redrive-selected').disabled = this.#selected().length === 0;
    byId('dlq-redrive-all').disabled = this.messages.length === 0;
  }

  #confirmAll() {
    const dialog = byId('confirm');
    byId('confirm-text').textContent = `Every message of the dead-letter queue (${this.messages.length} shown here) goes back to the work queue, and its failed task back to queued.`;
    dialog.returnValue = '';
    dialog.addEventListener('close', () => {
      if (dialog.returnValue === 'yes') this.#redrive({ all: true });
      else byId('dlq-redrive-all').focus();
    }, { once: true });
    dialog.showModal();
  }

  async #redrive(request) {
    const state = byId('dlq-state');
    state.textContent = 'Redriving…';
    for (const button of document.querySelectorAll('#view-operators .toolbar button, #dlq-rows button')) button.disabled = true;
    try {
      const report = await call('POST', '/v1/dlq/redrive', { json: request });
      await this.load();
      const said = redriveWords(report);
      state.textContent = said;
      announce(said);
    } catch (error) {
      state.textContent = `Redrive failed: ${error.message}`;
      this.#updateButtons();
    } finally {
      byId('dlq-refresh').disabled = false;
      byId('dlq-refresh').focus();
    }
  }

  async #retry() {
    const input = byId('retry-id');
    const result = byId('retry-result');
    const id = input.value.trim().toUpperCase();
    if (!id) {
      result.textContent = 'Enter the id of a FAILED task.';
      input.focus();
      return;
    }
    result.textContent = 'Retrying…';
    try {
      const answer = await call('POST', `/v1/uploads/${encodeURIComponent(id)}/retry`);
      result.textContent = `${answer.task.id} is queued again (${format.instance(answer.task)}:${answer.task.path}, owner ${answer.task.owner})`
        + (answer.queued ? '.' : '; its message will be sent by the reconciler.');
      input.value = '';
    } catch (error) {
      result.textContent = `Not retried: ${error.message}`;
    }
  }
}

const OUTCOMES = {
  RETRIED: 'failed task queued again',
  REQUEUED: 'message put back on the work queue',
  STALE_DELETED: 'message of a finished task deleted',
  NOT_A_TASK: 'message that is no task left alone',
  NOT_FOUND: 'not found',
  ERROR: 'error',
};

/** A redrive report in a sentence: "Redrive done: 1 failed task queued again." */
function redriveWords(report) {
  const parts = Object.entries(report.counts)
    .filter(([, count]) => count > 0)
    .map(([outcome, count]) => `${count} ${OUTCOMES[outcome] ?? outcome.toLowerCase()}`);
  const errors = report.items.filter((item) => item.outcome === 'ERROR' && item.detail).map((item) => item.detail);
  const how = report.method === 'MOVE_TASK' ? ' (the queue moves the messages itself; it may take a moment)' : '';
  return `Redrive done${how}: ${parts.length ? parts.join(', ') : 'nothing to do'}.${errors.length ? ` ${errors.join(' ')}` : ''}`;
}
