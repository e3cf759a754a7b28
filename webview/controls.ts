/**
 * Form controls from VS Code Elements (text fields, selects, toolbar buttons, tabs), made with the
 * webview's text-only `el`. Values are read and written through the elements' `value` property, the
 * one thing the DOM tests (happy-dom, where the elements are not defined) and VS Code share.
 */
import { el, replace, type Attrs } from './dom';

export type TextField = HTMLElement & { value: string };
export type Select = HTMLElement & { value: string };

/** Tag names of fields that take the keyboard: the review's keys are not handled while they have focus. */
export const TYPING_TAGS = new Set(['INPUT', 'SELECT', 'TEXTAREA', 'VSCODE-TEXTFIELD', 'VSCODE-TEXTAREA', 'VSCODE-SINGLE-SELECT']);

export function textField(attrs: Attrs, onInput: (value: string) => void): TextField {
  const f = el('vscode-textfield', attrs) as TextField;
  f.addEventListener('input', () => onInput(valueOf(f)));
  return f;
}

export function valueOf(e: HTMLElement & { value?: string }): string {
  return e.value ?? '';
}

/**
 * A select: `options` as [value, label]. `combobox` lets the user type to filter the options (the
 * class filter at 1,000 classes).
 */
export function select(attrs: Attrs, options: [string, string][], value: string, onChange: (value: string) => void, combobox = false): Select {
  const s = el('vscode-single-select', { ...attrs, combobox }) as Select;
  setOptions(s, options, value);
  s.addEventListener('change', () => onChange(valueOf(s)));
  return s;
}

export function setOptions(s: Select, options: [string, string][], value: string): void {
  replace(s, ...options.map(([v, label]) => el('vscode-option', { value: v, selected: v === value }, label)));
  s.value = value;
}

/** A button of the toolbar: a codicon and its label (the label folds away when the view is narrow). */
export function toolButton(label: string, testid: string, icon: string, onclick: () => void, primary = false): HTMLElement {
  return el('vscode-toolbar-button', { 'data-testid': testid, icon, label, title: label, class: primary ? 'primary' : undefined, onclick },
    el('span', { class: 'btn-label' }, label));
}
