// README.md is the front door: short, and every page of docs/ is reachable from it. Links between
// the README and the docs must lead somewhere: to a file that exists and, with #anchor, a heading.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = join(__dirname, '..');
const README_MAX_LINES = 200;

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function headingsOf(markdown: string): string[] {
  let fenced = false;
  const anchors: string[] = [];
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (heading && heading[1]) anchors.push(anchorOf(heading[1]));
  }
  return anchors;
}

/** Relative Markdown links [text](target), outside code blocks. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((target) => !/^[a-z]+:/i.test(target));
}

const pages = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('README.md and docs/', () => {
  test(`the README is a front door of at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(root, 'README.md'), 'utf8').trimEnd().split('\n').length;
    assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines; move detail into docs/`);
  });

  test('every page of docs/ is linked from the README', () => {
    const linked = new Set(linksOf(readFileSync(join(root, 'README.md'), 'utf8')).map((l) => l.split('#')[0]));
    const unlinked = pages.filter((p) => p.startsWith('docs/') && !linked.has(p));
    assert.deepEqual(unlinked, [], `not reachable from README.md: ${unlinked.join(', ')}`);
  });

  test('every relative link in the README and the docs leads to a file, and an #anchor to a heading there', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const from = join(root, page);
      for (const link of linksOf(readFileSync(from, 'utf8'))) {
        const [path = '', anchor] = link.split('#');
        const target = path === '' ? from : resolve(dirname(from), path);
        if (!existsSync(target)) {
          broken.push(`${page}: ${link} (no ${relative(root, target)})`);
          continue;
        }
        if (anchor && target.endsWith('.md') && !headingsOf(readFileSync(target, 'utf8')).includes(anchor)) {
          broken.push(`${page}: ${link} (no heading #${anchor} in ${relative(root, target)})`);
        }
      }
    }
    assert.deepEqual(broken, [], `broken links:\n${broken.join('\n')}`);
  });

  test('the link checker finds headings and broken anchors', () => {
    assert.equal(anchorOf('Which Connect API?'), 'which-connect-api');
    assert.equal(anchorOf('The campaign store, the shared rate and running several workers'), 'the-campaign-store-the-shared-rate-and-running-several-workers');
    assert.deepEqual(headingsOf('# A\n```\n# not\n```\n## B c'), ['a', 'b-c']);
    assert.deepEqual(linksOf('[x](docs/a.md#b) [y](https://e.com) `[z](no.md)`\n```\n[w](c.md)\n```'), ['docs/a.md#b', 'no.md']);
  });
});
