// Loads the wasm UI; kept out of index.html so the content security policy needs no inline script.
import init from './pkg/store_ui.js';
init();
