/** The Classes view (histograms of given, predicted and corrected labels; the given × predicted matrix) and the Runs view. */
import type { ClassesView, RunView } from '../src/protocol/webview';
import { el, svg } from './dom';

type T = (key: string) => string;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function renderClasses(v: ClassesView, t: T, onClass: (k: number) => void, onCell: (given: number, predicted: number) => void): HTMLElement {
  const max = Math.max(1, ...v.given, ...v.predicted, ...v.corrected);
  const barW = 10, gap = 4, groupW = 3 * barW + gap * 3, h = 140;
  const series: [keyof Pick<ClassesView, 'given' | 'predicted' | 'corrected'>, string][] = [['given', 'hist-given'], ['predicted', 'hist-predicted'], ['corrected', 'hist-corrected']];
  const chart = svg('svg', { class: 'histogram', width: v.classes.length * groupW + 10, height: h + 4, role: 'img', 'aria-label': t('histogram') },
    ...v.classes.flatMap((c, k) => series.map(([s, cls], j) => {
      const value = v[s][k];
      const bh = (value / max) * h;
      const r = svg('rect', { x: k * groupW + j * (barW + 1), y: h - bh, width: barW, height: Math.max(0, bh), class: `${cls} clickable`, 'data-testid': `hist-${s}-${k}`, tabindex: 0, role: 'button', 'aria-label': `${c}: ${t(s)} ${value}` },
        svg('title', {}, `${c} · ${t(s)}: ${value}`));
      r.addEventListener('click', () => onClass(k));
      r.addEventListener('keydown', (e) => { if ((e as KeyboardEvent).key === 'Enter') onClass(k); });
      return r;
    })));
  const legend = el('div', { class: 'legend' }, ...series.flatMap(([s, cls]) => [el('span', { class: `swatch ${cls}` }), t(s)]));
  const table = el('table', { class: 'class-table', role: 'table' },
    el('tr', {}, el('th', {}, t('class')), el('th', {}, t('given')), el('th', {}, t('predicted')), el('th', {}, t('corrected')), el('th', {}, t('precision')), el('th', {}, t('recall'))),
    ...v.classes.map((c, k) => el('tr', {}, el('td', {}, el('a', { href: '#', 'data-testid': `class-${k}`, onclick: (e: Event) => { e.preventDefault(); onClass(k); } }, c)),
      el('td', {}, v.given[k]), el('td', {}, v.predicted[k]), el('td', {}, v.corrected[k]), el('td', {}, pct(v.precision[k])), el('td', {}, pct(v.recall[k])))));
  const K = v.classes.length;
  const cellMax = Math.max(1, ...v.matrix);
  const matrix = K <= 40 ? el('table', { class: 'matrix', role: 'table', 'aria-label': t('matrix') },
    el('tr', {}, el('th', {}, `${t('given')} \\ ${t('predicted')}`), ...v.classes.map((c) => el('th', { title: c }, c))),
    ...v.classes.map((c, i) => el('tr', {}, el('th', { title: c }, c), ...v.classes.map((_, j) => {
      const n = v.matrix[i * K + j];
      return el('td', { class: `cell${i === j ? ' diag' : ''}`, style: `--a:${(n / cellMax).toFixed(3)}`, 'data-testid': `cell-${i}-${j}`, tabindex: 0, title: `${c} → ${v.classes[j]}: ${n}`, onclick: () => onCell(i, j) }, n || '');
    })))) : el('p', { class: 'muted' }, t('matrixTooBig'));
  return el('div', { class: 'classes-view' },
    el('p', {}, `${t('imbalanceRatio')}: ${v.imbalanceRatio.toFixed(2)}`),
    legend, chart, table, el('h3', {}, t('matrix')), matrix);
}

export function renderRuns(runs: RunView[], classes: string[], t: T): HTMLElement {
  if (runs.length === 0) return el('p', { class: 'muted' }, t('noRuns'));
  return el('div', { class: 'runs-view' }, ...runs.slice().reverse().map((r, i) => el('section', { class: 'run', 'data-testid': `run-${runs.length - 1 - i}` },
    el('h3', {}, `${r.kind === 'retrain' ? t('retrain') : t('analysis')} · ${new Date(r.createdAt).toLocaleString()}`),
    el('div', { class: 'muted' }, `${r.model ? r.model : ''}${r.backend === 'none' ? '' : `${r.model ? ' on ' : ''}${r.backend}`} · ${r.seconds.toFixed(1)} s · ${Object.entries(r.options).filter(([k]) => ['folds', 'repeats', 'epochs', 'seed', 'imbalance', 'labelSmoothing', 'consistency', 'prune', 'pixelModel'].includes(k)).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`),
    r.before
      ? el('table', { class: 'before-after' },
        el('tr', {}, el('th', {}), el('th', {}, t('before')), el('th', {}, t('after'))),
        el('tr', {}, el('td', {}, t('accuracy')), el('td', {}, pct(r.before.oofAccuracy)), el('td', { 'data-testid': 'after-accuracy' }, pct(r.oofAccuracy))),
        el('tr', {}, el('td', {}, t('flaggedRows')), el('td', {}, r.before.flagged), el('td', {}, r.flagged)),
        r.fixed !== undefined ? el('tr', {}, el('td', {}, t('fixed')), el('td', {}), el('td', {}, r.fixed)) : undefined,
        ...classes.map((c, k) => el('tr', {}, el('td', {}, `${t('recall')} · ${c}`), el('td', {}, pct(r.before!.recall[k] ?? 0)), el('td', {}, pct(r.recall[k] ?? 0)))))
      : el('div', {}, `${t('accuracy')}: ${pct(r.oofAccuracy)} · ${t('flaggedRows')}: ${r.flagged}`))));
}
