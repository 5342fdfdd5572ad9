// The peer projects under test/peer-projects: each is a small project of a turnstore user with
// peers the root cannot carry (packages that need Node >= 22, or a second major version of a peer
// the root already has). Before a test run, each whose `engines.node` the running Node satisfies is
// installed (on first use, from its own lock) and gets a fresh copy of the built turnstore package
// in its node_modules, so `turnstore/...` imported from there resolves its peers in that project,
// as it would for a user. A project the running Node cannot serve is skipped, and said so.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { installOnFirstUse } from './local-package.mjs';

/** The lowest Node major an `engines.node` range of the form `>=N` (or `>=N.x.y`) allows; 0 when none is given. */
export function minimumNodeMajor(range) {
  if (range === undefined) return 0;
  const match = /^>=\s*(\d+)(\.\d+){0,2}$/.exec(range.trim());
  if (match === null) throw new Error(`peer projects: engines.node must be of the form ">=N", not ${JSON.stringify(range)}`);
  return Number(match[1]);
}

/** Installs and fills every peer project the running Node can serve; returns the ones it skipped, with why. */
export function preparePeerProjects(root) {
  const projects = join(root, 'test', 'peer-projects');
  if (!existsSync(projects)) return [];
  const major = Number(process.versions.node.split('.')[0]);
  const skipped = [];
  for (const name of readdirSync(projects).sort()) {
    const dir = join(projects, name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const needs = minimumNodeMajor(manifest.engines?.node);
    if (major < needs) {
      skipped.push(`${name} needs Node >= ${needs} (this is ${process.versions.node}): its tests are skipped on this runtime`);
      continue;
    }
    installOnFirstUse(dir, `peer project ${name}`);
    const copy = join(dir, 'node_modules', 'turnstore');
    rmSync(copy, { recursive: true, force: true });
    mkdirSync(join(copy, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(copy, 'package.json'));
    cpSync(join(root, 'dist', 'src'), join(copy, 'dist', 'src'), { recursive: true });
  }
  return skipped;
}
