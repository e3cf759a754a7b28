/**
 * The tabs of the review, in order. Each is a component over the one review state (state.ts); a
 * new view (e.g. the embedding map) is one more entry here and its id in `ViewId`. A view may
 * handle the review's keys while it is shown (`onKey`, true when it did).
 */
import { ClassesPane, RunsPane } from './components/panes';
import { DuplicatesView } from './duplicates';
import { MapView } from './map';
import type { KeyAction } from './keys';
import type { Component, Ctx, ViewId } from './state';

export interface View extends Component {
  onKey?(a: KeyAction): boolean;
  /** Called each time its tab is opened (e.g. to ask the host for its data). */
  onShow?(): void;
}

export interface ViewDef {
  id: ViewId;
  /** String key of its tab's label. */
  label: string;
  /** The Review tab is the app's own (table, detail, filters); the others are made here. */
  create?: (ctx: Ctx) => View;
}

export const VIEWS: readonly ViewDef[] = [
  { id: 'review', label: 'review' },
  { id: 'classes', label: 'classes', create: (ctx) => new ClassesPane(ctx) },
  { id: 'runs', label: 'runs', create: (ctx) => new RunsPane(ctx) },
  { id: 'duplicates', label: 'duplicates', create: (ctx) => new DuplicatesView(ctx) },
  { id: 'map', label: 'map', create: (ctx) => new MapView(ctx) },
];
