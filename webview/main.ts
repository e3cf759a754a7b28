/** Webview entry: registers the VS Code Elements used, starts the review app, relays messages. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-container/index.js';
import type { HostWire } from '../src/protocol/webview';
import { ReviewApp } from './app';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void };

const api = acquireVsCodeApi();
const app = new ReviewApp(document.getElementById('app')!, (m) => api.postMessage(m));
window.addEventListener('message', (e: MessageEvent<HostWire>) => app.handle(e.data));
app.start();
