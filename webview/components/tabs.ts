/** The tab headers (VS Code Elements' tabs); the panels are the views of views.ts, shown one at a time by the app. */
import { el } from '../dom';
import type { Component, Ctx, Topic, ViewId } from '../state';

export class Tabs implements Component {
  readonly element: HTMLElement & { selectedIndex?: number };
  private readonly headers: HTMLElement[];

  constructor(private readonly ctx: Ctx, private readonly ids: readonly { id: ViewId; label: string }[]) {
    this.headers = ids.map(({ id, label }) => el('vscode-tab-header', { slot: 'header', class: 'tab', role: 'tab', 'data-testid': `tab-${id}`, onclick: () => ctx.dispatch({ type: 'tab', tab: id }) }, ctx.t(label)));
    this.element = el('vscode-tabs', { class: 'tabs' }, ...this.headers);
    // Arrow keys on the headers switch tabs inside the element, which then tells which one.
    this.element.addEventListener('vsc-tabs-select', (e) => {
      const i = (e as CustomEvent<{ selectedIndex: number }>).detail?.selectedIndex;
      if (ids[i]) ctx.dispatch({ type: 'tab', tab: ids[i].id });
    });
  }

  update(changed: ReadonlySet<Topic>): void {
    if (!changed.has('tab')) return;
    const i = this.ids.findIndex((v) => v.id === this.ctx.state.tab);
    if (this.element.selectedIndex !== i) this.element.selectedIndex = i;
    this.headers.forEach((h, k) => { h.setAttribute('aria-selected', String(k === i)); h.classList.toggle('active', k === i); });
  }
}
