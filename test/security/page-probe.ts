/**
 * Watching the window for hostile content that came alive: an init script
 * records every CSP violation (a blocked script, image or style means server
 * markup reached the DOM as markup), and a DOM scan lists what must never be
 * there: event-handler attributes, frames, plugins, inline scripts, links to
 * anything but http(s), resources from other origins, and tags outside the
 * sanitizer's allow-list inside server-rendered HTML.
 */
import type { Page } from 'playwright-core';
import { PWN_FLAG } from '../fakes/hostile-world';
import { ALLOWED_TAGS } from '@renderer/lib/sanitize';

/**
 * Runs before the app's scripts: collects CSP violations in
 * `window.__rcViolations`. A violation whose target is an element of this
 * page means live markup tried to run or load something. One kind is not:
 * parsing HTML in an inert document (DOMPurify's DOMParser) makes Chromium
 * report `script-src-attr`, `style-src-attr` or `style-src-elem` for each
 * handler attribute, style attribute or style element it meets, with the
 * page's document as target and no element, although nothing can run or
 * apply there. (A script element in an inert document reports nothing.)
 * Those are counted apart in `window.__rcInertParses`.
 */
export const PROBE_INIT_SCRIPT = `
window.__rcViolations = [];
window.__rcInertParses = 0;
document.addEventListener('securitypolicyviolation', (e) => {
  if (e.target === document && /^(script-src-attr|style-src-attr|style-src-elem)$/.test(e.violatedDirective) && e.blockedURI === 'inline') {
    window.__rcInertParses += 1;
    return;
  }
  let where = '';
  for (let n = e.target; n && n.nodeType === 1 && where.length < 200; n = n.parentElement) {
    where += '<' + n.tagName.toLowerCase() + (n.dataset && n.dataset.testid ? '#' + n.dataset.testid : '') + '>';
  }
  window.__rcViolations.push(e.violatedDirective + ' ' + String(e.blockedURI).slice(0, 120) + (where ? ' in ' + where : ''));
});
`;

/** What the probe found; all empty (and `pwned` false) when the page is clean. */
export interface ProbeResult {
  pwned: boolean;
  violations: string[];
  dom: string[];
  /** Handler attributes met while parsing in an inert document (see PROBE_INIT_SCRIPT). */
  inertParses: number;
}

/** Checks the page: the flag, the CSP violations so far, and the DOM as it is now. */
export async function probe(page: Page): Promise<ProbeResult> {
  return page.evaluate(
    ([flag, allowed]) => {
      const w = window as unknown as Record<string, unknown> & {
        __rcViolations?: string[];
        __rcInertParses?: number;
      };
      const problems: string[] = [];
      const sameOrigin = (value: string): boolean => {
        try {
          return new URL(value, location.href).origin === location.origin;
        } catch {
          return false;
        }
      };
      const URL_ATTRS = [
        'href',
        'src',
        'action',
        'formaction',
        'xlink:href',
        'data',
        'background',
        'poster',
        'ping',
        'srcset',
        'codebase',
        'cite',
      ];
      const FORBIDDEN_TAGS = [
        'iframe',
        'frame',
        'frameset',
        'object',
        'embed',
        'applet',
        'base',
        'portal',
        'noscript',
        'math',
        'template',
        'style',
      ];
      for (const el of Array.from(document.querySelectorAll('*'))) {
        const tag = el.tagName.toLowerCase();
        if (FORBIDDEN_TAGS.includes(tag)) problems.push(`<${tag}>`);
        if (tag === 'script') {
          const src = el.getAttribute('src');
          if (!src || !sameOrigin(src)) problems.push(`script ${src ?? 'inline'}`);
        }
        if (tag === 'meta' && /refresh/i.test(el.getAttribute('http-equiv') ?? '')) {
          problems.push('meta refresh');
        }
        for (const attr of Array.from(el.attributes)) {
          const name = attr.name.toLowerCase();
          const value = attr.value.trim();
          if (name.startsWith('on')) problems.push(`${tag}[${name}]`);
          if (name === 'srcdoc') problems.push(`${tag}[srcdoc]`);
          if (name === 'style' && /url\s*\(|expression\s*\(|javascript:/i.test(value)) {
            problems.push(`${tag}[style=${value.slice(0, 60)}]`);
          }
          if (URL_ATTRS.includes(name)) {
            const web = /^https?:\/\//i.test(value);
            if (tag === 'a' && name === 'href') {
              if (!web) problems.push(`a[href=${value.slice(0, 60)}]`);
            } else if (!sameOrigin(value)) {
              problems.push(`${tag}[${name}=${value.slice(0, 60)}]`);
            }
          }
        }
      }
      for (const el of Array.from(document.querySelectorAll('.rendered *'))) {
        const tag = el.tagName.toLowerCase();
        if (!allowed.includes(tag)) problems.push(`rendered <${tag}>`);
        for (const attr of Array.from(el.attributes)) {
          if (!['href', 'title', 'rel'].includes(attr.name))
            problems.push(`rendered ${tag}[${attr.name}]`);
        }
      }
      return {
        pwned: w[flag] !== undefined,
        violations: [...(w.__rcViolations ?? [])],
        dom: [...new Set(problems)],
        inertParses: w.__rcInertParses ?? 0,
      };
    },
    [PWN_FLAG, [...ALLOWED_TAGS] as string[]] as const,
  );
}

/** The probe's findings as lines, empty when clean. */
export function findings(result: ProbeResult, where: string): string[] {
  return [
    ...(result.pwned ? [`${where}: a payload ran (window.${PWN_FLAG} is set)`] : []),
    ...result.violations.map((v) => `${where}: CSP violation ${v}`),
    ...result.dom.map((d) => `${where}: live markup ${d}`),
  ];
}
