/**
 * The bundle-size baseline: React and React DOM and nothing else, mounting
 * one element, built the way the window is (Vite, production, minified).
 *
 * Runs in the window's engine (bundled by suites/bundle.ts, never shipped).
 */
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

const root = document.getElementById('root');
if (root) createRoot(root).render(createElement('p', null, 'Rollcall'));
