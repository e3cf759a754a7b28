/** Webview entry: registers the VS Code Elements used, starts the review app, relays messages. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { HostWire } from '../src/protocol/webview';
import { ReviewApp } from './app';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void };

const api = acquireVsCodeApi();
const app = new ReviewApp(document.getElementById('app')!, (m) => api.postMessage(m));
window.addEventListener('message', (e: MessageEvent<HostWire>) => app.handle(e.data));
app.start();
