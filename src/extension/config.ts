/** The single typed view of Label Lens's settings; the train settings come from the train-options table. */
import * as vscode from 'vscode';
import { TRAIN_OPTION_NAMES, TRAIN_OPTIONS, validOption, type TrainOptions } from '../protocol/trainOptions';

export interface Config {
  train: Partial<TrainOptions>;
  smoothingEpsilon: number;
  applyThreshold: number;
}

export function readConfig(): Config {
  const c = vscode.workspace.getConfiguration('labelLens');
  const train: Record<string, unknown> = {};
  for (const name of TRAIN_OPTION_NAMES) {
    const spec = TRAIN_OPTIONS[name];
    if (!('setting' in spec)) continue;
    const v = c.get<unknown>(spec.setting, spec.default);
    // A hand-edited settings.json can hold anything; the engine would refuse the whole job.
    train[name] = validOption(spec, v) ? v : spec.default;
  }
  return {
    train: train as Partial<TrainOptions>,
    smoothingEpsilon: c.get<number>('smoothingEpsilon', 0.1),
    applyThreshold: c.get<number>('applyThreshold', 0.9),
  };
}
