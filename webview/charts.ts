/** The Classes view (histograms of given, predicted and corrected labels; the given × predicted matrix) and the Runs view. */
import type { ClassesView, RunView } from '../src/protocol/webview';
import { el } from './dom';
import { seOfDelta, spreadOf, verdict, type Spread } from './spread';

type T = (key: string) => string;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** How the Classes view is shown; kept by the app across redraws. */
export interface ClassesLayout {
  scale: 'linear' | 'log';
  sort: 'given' | 'predicted' | 'corrected' | 'precision' | 'recall' | 'name';
  descending: boolean;
}

export const MATRIX_MAX = 30;

/** Off-diagonal cells of the given × predicted matrix, largest first, with their share of the given class. */
export function confusedPairs(v: ClassesView): { given: number; predicted: number; count: number; share: number }[] {
  const K = v.classes.length;
  const out: { given: number; predicted: number; count: number; share: number }[] = [];
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) {
    const n = v.matrix[i * K + j];
    if (i !== j && n > 0) out.push({ given: i, predicted: j, count: n, share: n / Math.max(1, v.given[i]) });
  }
  return out.sort((a, b) => b.count - a.count || b.share - a.share);
}

export function renderClasses(v: ClassesView, t: T, layout: ClassesLayout, onLayout: (l: ClassesLayout) => void, onClass: (k: number) => void, onCell: (given: number, predicted: number) => void): HTMLElement {
  const K = v.classes.length;
  const series: ['given' | 'predicted' | 'corrected', string][] = [['given', 'hist-given'], ['predicted', 'hist-predicted'], ['corrected', 'hist-corrected']];
  const max = Math.max(1, ...v.given, ...v.predicted, ...v.corrected);
  const scale = (n: number) => (layout.scale === 'log' ? Math.log10(1 + n) / Math.log10(1 + max) : n / max);
  const byCount = v.classes.map((_, k) => k).sort((a, b) => v.given[b] - v.given[a] || a - b);
  const head = byCount[0], tail = byCount[byCount.length - 1];
  const clickable = (e: Element, fn: () => void) => {
    e.addEventListener('click', fn);
    e.addEventListener('keydown', (ev) => { if ((ev as KeyboardEvent).key === 'Enter') fn(); });
    return e;
  };

  // Horizontal bars, one row per class, largest first: names always readable, any number of classes.
  const bars = el('div', { class: 'hbars', role: 'list', 'aria-label': t('histogram'), 'data-testid': 'class-bars' },
    ...byCount.map((k) => el('div', { class: 'hbar-row', role: 'listitem' },
      clickable(el('span', { class: 'hbar-name clickable', title: v.classes[k], tabindex: 0, 'data-testid': `bar-name-${k}` }, v.classes[k]), () => onClass(k)),
      el('span', { class: 'hbar-track' }, ...series.map(([s, cls]) => clickable(el('span', {
        class: `hbar ${cls} clickable`, style: `width:${(100 * scale(v[s][k])).toFixed(2)}%`, tabindex: 0, role: 'button', 'data-testid': `hist-${s}-${k}`,
        title: `${v.classes[k]} · ${t(s)}: ${v[s][k]}`, 'aria-label': `${v.classes[k]}: ${t(s)} ${v[s][k]}`,
      }), () => onClass(k)))),
      el('span', { class: 'hbar-counts' }, series.map(([s]) => String(v[s][k])).join(' / ')))));
  const axis = el('div', { class: 'hbar-axis', 'aria-hidden': 'true' }, el('span', {}, '0'), el('span', {}, layout.scale === 'log' ? `log · ${max}` : String(max)));

  const scaleToggle = el('span', { class: 'toggle' }, ...(['linear', 'log'] as const).map((sc) => el('button', {
    class: `btn${layout.scale === sc ? ' active' : ''}`, 'aria-pressed': String(layout.scale === sc), 'data-testid': `scale-${sc}`, onclick: () => onLayout({ ...layout, scale: sc }),
  }, t(sc))));
  const legend = el('div', { class: 'legend' }, ...series.flatMap(([s, cls]) => [el('span', { class: `swatch ${cls}` }), t(s)]), scaleToggle);

  // Per-class table, sortable by any column.
  const cols: [ClassesLayout['sort'], string][] = [['name', t('class')], ['given', t('given')], ['predicted', t('predicted')], ['corrected', t('corrected')], ['precision', t('precision')], ['recall', t('recall')]];
  const value = (k: number, c: ClassesLayout['sort']) => (c === 'name' ? 0 : v[c][k]);
  const rows = v.classes.map((_, k) => k).sort((a, b) => {
    const d = layout.sort === 'name' ? (v.classes[a] < v.classes[b] ? -1 : v.classes[a] > v.classes[b] ? 1 : 0) : value(a, layout.sort) - value(b, layout.sort);
    return (layout.descending ? -d : d) || a - b;
  });
  const table = el('div', { class: 'class-table-wrap' }, el('table', { class: 'class-table', role: 'table', 'data-testid': 'class-table' },
    el('tr', {}, ...cols.map(([c, name]) => el('th', {
      class: 'clickable', 'aria-sort': layout.sort === c ? (layout.descending ? 'descending' : 'ascending') : 'none', 'data-testid': `sort-${c}`,
      onclick: () => onLayout({ ...layout, sort: c, descending: layout.sort === c ? !layout.descending : c !== 'name' }),
    }, name, layout.sort === c ? (layout.descending ? ' ▾' : ' ▴') : ''))),
    ...rows.map((k) => el('tr', {}, el('td', { title: v.classes[k] }, el('a', { href: '#', 'data-testid': `class-${k}`, onclick: (e: Event) => { e.preventDefault(); onClass(k); } }, v.classes[k])),
      el('td', {}, v.given[k]), el('td', {}, v.predicted[k]), el('td', {}, v.corrected[k]), el('td', {}, pct(v.precision[k])), el('td', {}, pct(v.recall[k]))))));

  // The matrix, readable up to 30 classes: rotated headers with the full name on hover, scrolling inside itself.
  const cellMax = Math.max(1, ...v.matrix.filter((_, i) => i % (K + 1) !== 0));
  const matrix = K <= MATRIX_MAX ? el('div', { class: 'matrix-wrap' }, el('table', { class: 'matrix', role: 'table', 'aria-label': t('matrix'), 'data-testid': 'matrix' },
    el('tr', {}, el('th', { class: 'corner' }, `${t('given')} \\ ${t('predicted')}`), ...v.classes.map((c) => el('th', { class: 'rot', title: c }, el('span', {}, c)))),
    ...v.classes.map((c, i) => el('tr', {}, el('th', { class: 'row-head', title: c }, c), ...v.classes.map((_, j) => {
      const n = v.matrix[i * K + j];
      return el('td', { class: `cell${i === j ? ' diag' : ''}`, style: `--a:${i === j ? 0.15 : (n / cellMax).toFixed(3)}`, 'data-testid': `cell-${i}-${j}`, tabindex: 0, title: `${c} → ${v.classes[j]}: ${n}`, onclick: () => onCell(i, j) }, n || '');
    }))))) : el('p', { class: 'muted' }, t('matrixTooBig').replace('{0}', String(MATRIX_MAX)));

  const pairs = confusedPairs(v).slice(0, 25);
  const pairList = pairs.length ? el('table', { class: 'pairs', 'data-testid': 'confused-pairs' },
    el('tr', {}, el('th', {}, t('given')), el('th', {}), el('th', {}, t('predicted')), el('th', {}, t('rows')), el('th', {}, t('share'))),
    ...pairs.map((p, i) => el('tr', { class: 'clickable', 'data-testid': `pair-${i}`, tabindex: 0, onclick: () => onCell(p.given, p.predicted) },
      el('td', { title: v.classes[p.given] }, v.classes[p.given]), el('td', {}, '→'), el('td', { title: v.classes[p.predicted] }, v.classes[p.predicted]), el('td', {}, p.count), el('td', {}, pct(p.share))))) : el('p', { class: 'muted' }, t('noConfusion'));

  return el('div', { class: 'classes-view' },
    el('p', { 'data-testid': 'imbalance' }, `${t('classCount').replace('{0}', String(K))} · ${t('imbalanceRatio')}: ${v.imbalanceRatio.toFixed(2)} · ${t('head')}: `, el('strong', {}, v.classes[head]), ` (${v.given[head]}) · ${t('tail')}: `, el('strong', {}, v.classes[tail]), ` (${v.given[tail]})`),
    legend, el('div', { class: 'hbars-wrap' }, bars), axis,
    el('h3', {}, t('confusedPairs')), pairList,
    el('h3', {}, t('perClass')), table,
    el('h3', {}, t('matrix')), matrix);
}

/** A difference of two proportions in percentage points, signed, ± 1.96·SE when known, and whether it is beyond that spread. */
function delta(d: number, t: T, se?: number, testid?: string): HTMLElement {
  const pts = 100 * d;
  const v = verdict(d, se);
  const cls = v === 'up' || (v === undefined && pts > 0.05) ? 'up' : v === 'down' || (v === undefined && pts < -0.05) ? 'down' : '';
  return el('td', { class: `delta ${cls}`, 'data-testid': testid, title: v ? t(`verdict-${v}`) : '' },
    `${pts >= 0 ? '+' : '−'}${Math.abs(pts).toFixed(1)} pts`, se !== undefined ? ` ± ${(196 * se).toFixed(1)}` : '',
    v ? el('span', { class: 'muted verdict' }, ` · ${t(`verdict-${v}`)}`) : undefined);
}

/** An accuracy with its spread over the fold models: "80.6% (sd 1.2, 78.9–82.0)". */
function withSpread(acc: number, s: Spread | undefined, t: T, testid?: string): HTMLElement {
  return el('td', { 'data-testid': testid }, pct(acc), s && s.n > 1 ? el('span', { class: 'muted' }, ` (${t('foldSd')} ${(100 * s.sd).toFixed(1)}, ${(100 * s.min).toFixed(1)}–${(100 * s.max).toFixed(1)})`) : undefined);
}

/** One line per repeat: its seed's fold accuracies. */
function foldLines(r: RunView, t: T): HTMLElement[] {
  const before = r.before?.folds, after = r.folds;
  const repeats = Math.max(before?.length ?? 0, after?.length ?? 0);
  const line = (f: number[] | undefined) => el('td', { class: 'folds' }, f ? f.map((x) => (100 * x).toFixed(1)).join(' · ') : '—');
  return Array.from({ length: repeats }, (_, i) => el('tr', { class: 'fold-line', 'data-testid': `folds-${i}` },
    el('td', { class: 'muted' }, `${t('perFold')}${repeats > 1 ? ` · ${t('repeat')} ${i + 1}` : ''}`), line(before?.[i]), line(after?.[i]), el('td', {})));
}

export function renderRuns(runs: RunView[], classes: string[], t: T): HTMLElement {
  if (runs.length === 0) return el('p', { class: 'muted' }, t('noRuns'));
  return el('div', { class: 'runs-view' }, ...runs.slice().reverse().map((r, i) => {
    const sb = spreadOf(r.before?.folds), sa = spreadOf(r.folds);
    const design = sa ?? sb;
    const heldOut = `${t('accuracy')}${design ? ` (${t('foldsTimesRepeats').replace('{0}', String(design.folds)).replace('{1}', String(design.repeats))})` : ''}`;
    const trustedSe = r.trusted ? Math.sqrt(r.trusted.seBefore ** 2 + r.trusted.seAfter ** 2) : undefined;
    return el('section', { class: 'run', 'data-testid': `run-${runs.length - 1 - i}` },
      el('h3', {}, `${r.kind === 'retrain' ? t('retrain') : t('analysis')} · ${new Date(r.createdAt).toLocaleString()}`),
      el('div', { class: 'muted' }, `${r.model ? r.model : ''}${r.backend === 'none' ? '' : `${r.model ? ' on ' : ''}${r.backend}`} · ${r.seconds.toFixed(1)} s · ${Object.entries(r.options).filter(([k]) => ['folds', 'repeats', 'epochs', 'seed', 'imbalance', 'labelSmoothing', 'consistency', 'prune', 'pixelModel'].includes(k)).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`),
      r.before
        ? el('div', { class: 'before-after-wrap' }, el('table', { class: 'before-after' },
          el('tr', {}, el('th', {}), el('th', {}, t('before')), el('th', {}, t('after')), el('th', {}, 'Δ')),
          r.trusted ? el('tr', { class: 'trusted', 'data-testid': 'trusted' }, el('td', {}, `${t('trustedSet')} (${r.trusted.rows} ${t('rows')})`),
            el('td', {}, `${pct(r.trusted.before)} ± ${pct(1.96 * r.trusted.seBefore)}`), el('td', {}, `${pct(r.trusted.after)} ± ${pct(1.96 * r.trusted.seAfter)}`), delta(r.trusted.after - r.trusted.before, t, trustedSe, 'trusted-delta'))
            : el('tr', {}, el('td', { class: 'muted', colspan: 4 }, t('noTrusted'))),
          el('tr', { 'data-testid': 'held-out' }, el('td', {}, heldOut), withSpread(r.before.oofAccuracy, sb, t, 'before-accuracy'), withSpread(r.oofAccuracy, sa, t, 'after-accuracy'),
            delta(r.oofAccuracy - r.before.oofAccuracy, t, seOfDelta(sb, sa), 'accuracy-delta')),
          ...foldLines(r, t),
          el('tr', {}, el('td', {}, t('flaggedRows')), el('td', {}, r.before.flagged), el('td', {}, r.flagged), el('td', {}, String(r.flagged - r.before.flagged))),
          r.fixed !== undefined ? el('tr', {}, el('td', {}, t('fixed')), el('td', {}), el('td', {}, r.fixed), el('td', {})) : undefined,
          ...classes.map((c, k) => el('tr', { 'data-testid': `recall-${k}` }, el('td', { title: c }, `${t('recall')} · ${c}`), el('td', {}, pct(r.before!.recall[k] ?? 0)), el('td', {}, pct(r.recall[k] ?? 0)), delta((r.recall[k] ?? 0) - (r.before!.recall[k] ?? 0), t)))))
        : el('div', {}, el('span', {}, `${t('accuracy')}: `, pct(r.oofAccuracy), sa && sa.n > 1 ? ` (${t('foldSd')} ${(100 * sa.sd).toFixed(1)} ${t('over')} ${t('foldsTimesRepeats').replace('{0}', String(sa.folds)).replace('{1}', String(sa.repeats))})` : ''), ` · ${t('flaggedRows')}: ${r.flagged}`));
  }));
}
