// DOM helpers. The page only ever writes text (textContent), never HTML: Trusted Types are enforced
// by the Content-Security-Policy, so an HTML sink would throw.

/** The element with this id; throws when the page lacks it (a bug, not a user error). */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element;
}

/** A new element with attributes (`text` sets its text, `class` its class) and children. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') element.textContent = value;
    else if (name === 'class') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.filter((child) => child !== null && child !== undefined));
  return element;
}

/** A copy of a `<template>`'s first element. */
export function fromTemplate(id) {
  return byId(id).content.firstElementChild.cloneNode(true);
}

/** Shows or hides an element (the `hidden` attribute). */
export function show(element, visible) {
  element.hidden = !visible;
}

/** Shows `message` in an error paragraph tied to `input` (aria-invalid), or clears it. */
export function fieldError(input, errorElement, message) {
  errorElement.textContent = message || '';
  errorElement.hidden = !message;
  if (!input.matches('input, select, textarea')) return;
  if (message) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

/** Says `message` to screen readers through the page's polite live region. */
export function announce(message) {
  const region = byId('announce');
  region.textContent = '';
  // A fresh text node in a later task, so the same message twice is read twice.
  setTimeout(() => { region.textContent = message; }, 50);
}
