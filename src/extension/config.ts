/** The single typed view of Label Lens's settings. */
import * as vscode from 'vscode';
import type { ImbalanceRemedy, PixelModel, TrainOptions } from '../protocol/engine';

export interface Config {
  train: Partial<TrainOptions>;
  smoothingEpsilon: number;
  applyThreshold: number;
}

export function readConfig(): Config {
  const c = vscode.workspace.getConfiguration('labelLens');
  return {
    train: {
      folds: c.get<number>('folds', 5),
      repeats: c.get<number>('repeats', 0),
      epochs: c.get<number>('epochs', 0),
      seed: c.get<number>('seed', 1),
      imbalance: c.get<ImbalanceRemedy>('imbalance', 'none'),
      labelSmoothing: c.get<number>('labelSmoothing', 0),
      consistency: c.get<number>('consistency', 0),
      labelNames: c.get<boolean>('labelNames', false),
      prune: c.get<boolean>('prune', false),
      pixelModel: c.get<PixelModel>('pixelModel', 'auto'),
      encoder: c.get<string>('encoder', '').trim(),
    },
    smoothingEpsilon: c.get<number>('smoothingEpsilon', 0.1),
    applyThreshold: c.get<number>('applyThreshold', 0.9),
  };
}
