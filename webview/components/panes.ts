/** The Classes and Runs tabs: each draws its part of the state (charts.ts draws the content). */
import { renderClasses, renderRuns } from '../charts';
import { el, replace } from '../dom';
import type { Component, Ctx, Topic } from '../state';

export class ClassesPane implements Component {
  readonly element: HTMLElement;

  constructor(private readonly ctx: Ctx) {
    this.element = el('div', { class: 'pane', 'data-testid': 'classes-view' });
  }

  update(changed: ReadonlySet<Topic>): void {
    if (!changed.has('classes')) return;
    const { state: s, t, dispatch } = this.ctx;
    const v = s.classesView;
    if (!v) { replace(this.element, el('p', { class: 'muted' }, t('noAnalysis'))); return; }
    replace(this.element, renderClasses(v, t, s.classesLayout, (layout) => dispatch({ type: 'classesLayout', layout }),
      (k) => dispatch({ type: 'filterClass', given: v.classes[k] }),
      (i, j) => dispatch({ type: 'filterClass', given: v.classes[i], suggested: v.classes[j] })));
  }
}

export class RunsPane implements Component {
  readonly element: HTMLElement;

  constructor(private readonly ctx: Ctx) {
    this.element = el('div', { class: 'pane', 'data-testid': 'runs-view' });
  }

  update(changed: ReadonlySet<Topic>): void {
    if (changed.has('runs') || changed.has('init')) replace(this.element, renderRuns(this.ctx.state.runs, this.ctx.state.init?.classes ?? [], this.ctx.t));
  }
}
