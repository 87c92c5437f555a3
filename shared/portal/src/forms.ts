/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Form fields checked as the user types with the server's own field rules
 * (`shared/domain/field-rules.ts`), every problem at once next to its field, announced
 * (`aria-live`), tied to the input (`aria-describedby`, `aria-invalid`); the server's
 * `VALIDATION_FAILED` fields land in the same places. A submit with problems focuses the first
 * field in error.
 */
import type { FieldCode, ProblemParams } from '../../domain/problems';
import { IdempotentSubmission, type ApiFailure, type ApiResult } from './api';
import { append, h, uid, type Child } from './dom';
import { onLanguageChange, problemMessage, tx, type TextKey } from './i18n';
import { failureText, Notice } from './layout';

export interface Problem {
  code: FieldCode;
  params?: ProblemParams;
}

export interface FieldOptions {
  /** The API's name of the field; server problems are matched on it. */
  name: string;
  label: TextKey;
  hint?: TextKey;
  type?: 'text' | 'password' | 'email';
  autocomplete?: string;
  inputmode?: 'numeric' | 'email' | 'text';
  /** The field's rule: every problem of a non-empty value. */
  check?: (value: string) => Problem[];
  /** Offers a "show password" switch (password fields). */
  reveal?: boolean;
}

/** One labelled input with its hint, its problems and, optionally, extra live text. */
export class Field {
  readonly element: HTMLDivElement;
  readonly input: HTMLInputElement;
  private readonly errors: HTMLUListElement;
  private readonly describedBy: string[] = [];
  private local: Problem[] = [];
  private server: { code: FieldCode | string; message: string }[] = [];
  private touched = false;

  constructor(readonly options: FieldOptions) {
    const id = uid(`field-${options.name}`);
    this.input = h('input', {
      id,
      name: options.name,
      type: options.type ?? 'text',
      autocomplete: options.autocomplete,
      inputmode: options.inputmode,
      spellcheck: 'false',
      autocapitalize: 'none',
      'aria-required': 'true',
    });
    const hint = options.hint ? h('p', { class: 'field__hint', id: `${id}-hint` }, tx(options.hint)) : null;
    if (hint) this.describedBy.push(hint.id);
    this.errors = h('ul', { class: 'field__errors', id: `${id}-errors`, 'aria-live': 'polite' });
    this.describedBy.push(this.errors.id);
    this.input.setAttribute('aria-describedby', this.describedBy.join(' '));
    this.element = h('div', { class: 'field' }, h('label', { for: id, class: 'field__label' }, tx(options.label)), hint, this.input, this.errors);
    if (options.reveal) this.addReveal(id);

    this.input.addEventListener('input', () => {
      this.server = [];
      if (this.touched || this.input.value !== '') this.validate();
    });
    this.input.addEventListener('blur', () => {
      if (this.input.value !== '') this.touched = true;
      if (this.touched) this.validate();
    });
    onLanguageChange(() => this.render());
  }

  get value(): string {
    return this.input.value;
  }

  set value(value: string) {
    this.input.value = value;
  }

  /** Adds a live text (availability, suggestions) that the input is described by. */
  describe(element: HTMLElement): void {
    element.id ||= uid(`${this.input.id}-extra`);
    this.describedBy.push(element.id);
    this.input.setAttribute('aria-describedby', this.describedBy.join(' '));
    this.errors.after(element);
  }

  /** Checks the value against the field's rule; true when it has no problem. */
  validate(): boolean {
    this.touched = true;
    const value = this.input.value;
    this.local = value.trim() === '' ? [{ code: 'FIELD_REQUIRED' }] : (this.options.check?.(value) ?? []);
    this.render();
    return this.local.length === 0 && this.server.length === 0;
  }

  /** Shows problems the server found (their API messages). */
  setServerProblems(problems: { code: FieldCode | string; message: string }[]): void {
    this.server = problems;
    this.render();
  }

  get invalid(): boolean {
    return this.local.length > 0 || this.server.length > 0;
  }

  private render(): void {
    const items = [
      ...this.local.map((p) => problemMessage(p.code, p.params)),
      // A server problem that the local rule also found is shown once.
      ...this.server.filter((s) => !this.local.some((l) => l.code === s.code)).map((s) => s.message || problemMessage(s.code as FieldCode)),
    ];
    this.errors.replaceChildren(...items.map((text) => h('li', {}, text)));
    if (items.length > 0) this.input.setAttribute('aria-invalid', 'true');
    else this.input.removeAttribute('aria-invalid');
    this.element.classList.toggle('field--invalid', items.length > 0);
  }

  private addReveal(id: string): void {
    const box = h('input', { type: 'checkbox', id: `${id}-reveal`, class: 'reveal__box' });
    box.addEventListener('change', () => (this.input.type = box.checked ? 'text' : 'password'));
    this.element.append(h('div', { class: 'reveal' }, box, h('label', { for: box.id }, tx('showPassword'))));
  }
}

/**
 * A form of fields with one submit button and one notice. `submit` runs only when every field
 * passes its rule; the call's failure is shown by `showFailure`.
 */
export class PortalForm {
  readonly element: HTMLFormElement;
  readonly notice = new Notice();
  readonly submission = new IdempotentSubmission();
  private readonly button: HTMLButtonElement;
  private busy = false;

  constructor(
    readonly fields: Field[],
    submitLabel: TextKey,
    private readonly onSubmit: (form: PortalForm) => Promise<void>,
    extra: Child[] = [],
  ) {
    this.button = h('button', { type: 'submit', class: 'button button--primary' }, tx(submitLabel));
    this.element = h('form', { novalidate: true, class: 'form' }, this.notice.element, ...fields.map((f) => f.element), ...extra, h('div', { class: 'form__actions' }, this.button));
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.run();
    });
  }

  /** The fields' values by API name. */
  values(): Record<string, string> {
    return Object.fromEntries(this.fields.map((f) => [f.options.name, f.value]));
  }

  /** Calls the API through `call` with this submission's idempotency key, and settles the key. */
  async send<T>(body: unknown, call: (key: string) => Promise<ApiResult<T>>): Promise<ApiResult<T>> {
    const result = await call(this.submission.keyFor(body));
    this.submission.settle(result);
    return result;
  }

  /**
   * Shows a failed call: field problems next to their fields (first one focused), anything else
   * in the notice, which takes the focus.
   */
  showFailure(failure: ApiFailure, fieldCodes: Partial<Record<string, string>> = {}, extra: Child[] = []): void {
    const byField = new Map<string, { code: string; message: string }[]>();
    if (failure.code === 'VALIDATION_FAILED') for (const f of failure.fields) byField.set(f.field, [...(byField.get(f.field) ?? []), f]);
    // Some refusals are about one field (USERNAME_TAKEN): shown next to it.
    const field = fieldCodes[failure.code];
    if (field) byField.set(field, [{ code: failure.code, message: failure.message }]);
    const targets = this.fields.filter((f) => byField.has(f.options.name));
    if (targets.length > 0) {
      for (const f of targets) f.setServerProblems(byField.get(f.options.name)!);
      this.notice.show('error', tx('fixFields'));
      targets[0]!.input.focus();
      return;
    }
    this.notice.show('error', h('p', {}, failureText(failure)), ...extra);
    this.notice.focus();
  }

  private async run(): Promise<void> {
    if (this.busy) return;
    this.notice.clear();
    const invalid = this.fields.filter((f) => !f.validate());
    if (invalid.length > 0) {
      this.notice.show('error', tx('fixFields'));
      invalid[0]!.input.focus();
      return;
    }
    this.busy = true;
    this.button.setAttribute('aria-disabled', 'true');
    this.element.setAttribute('aria-busy', 'true');
    try {
      await this.onSubmit(this);
    } finally {
      this.busy = false;
      this.button.removeAttribute('aria-disabled');
      this.element.removeAttribute('aria-busy');
    }
  }
}

/** A group of radio buttons with a visible legend. */
export function radioGroup(name: string, legend: TextKey, options: { value: string; label: TextKey }[]): { element: HTMLFieldSetElement; value(): string } {
  const element = h('fieldset', { class: 'field radio-group' }, h('legend', { class: 'field__label' }, tx(legend)));
  options.forEach((option, index) => {
    const id = uid(`${name}-${option.value}`);
    append(
      element,
      h(
        'div',
        { class: 'radio' },
        h('input', { type: 'radio', id, name, value: option.value, checked: index === 0 }),
        h('label', { for: id }, tx(option.label)),
      ),
    );
  });
  return { element, value: () => element.querySelector<HTMLInputElement>('input:checked')?.value ?? options[0]!.value };
}
