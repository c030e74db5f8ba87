#!/usr/bin/env node
// Reads a .heapsnapshot with memlab (an independent parser) and prints what it saw as one JSON
// line on stdout. Used by gc/tests/diagnose_snapshot.rs.
//
//   node check.js parse FILE ID   node count, edge count, self sizes per node name, memlab's
//                                 retained size per node id, and memlab's shortest path from
//                                 the GC roots to the node whose snapshot id is ID
//   node check.js v8-meta         writes a heap snapshot of this Node process with
//                                 v8.writeHeapSnapshot() and prints its snapshot.meta
//
// Install the parser first: npm ci --prefix gc/tests/snapshot_node

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const v8 = require('v8');

function emit(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

async function parse(file, id) {
  const memlab = require('@memlab/core');
  memlab.config.muteConsole = true;
  const heap = await memlab.utils.getSnapshotFromFile(file, {});
  const finder = new memlab.TraceFinder();
  finder.annotateShortestPaths(heap);
  finder.calculateAllNodesRetainedSizes(heap);

  const selfSizeByName = {};
  const retainedById = {};
  let nodeCount = 0;
  heap.nodes.forEach(node => {
    nodeCount += 1;
    selfSizeByName[node.name] = (selfSizeByName[node.name] || 0) + node.self_size;
    retainedById[node.id] = node.retainedSize;
  });
  let edgeCount = 0;
  heap.edges.forEach(() => {
    edgeCount += 1;
  });

  const target = heap.getNodeById(id);
  if (!target) {
    throw new Error(`memlab found no node with id ${id}`);
  }
  const steps = [];
  for (let step = finder.getPathToGCRoots(heap, target); step; step = step.next) {
    steps.push({
      node: {name: step.node.name, type: step.node.type, id: step.node.id},
      // The edge from this node to the next one on the path (none after the target).
      edge: step.edge ? {type: step.edge.type, name_or_index: step.edge.name_or_index} : null,
    });
  }
  emit({
    node_count: nodeCount,
    edge_count: edgeCount,
    self_size_by_name: selfSizeByName,
    retained_size_by_id: retainedById,
    target: {name: target.name, type: target.type, self_size: target.self_size},
    path: steps,
  });
}

function v8Meta() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gclab-v8-'));
  const file = v8.writeHeapSnapshot(path.join(dir, 'node.heapsnapshot'));
  try {
    const snapshot = JSON.parse(fs.readFileSync(file, 'utf8')).snapshot;
    emit({node_version: process.version, meta: snapshot.meta});
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'parse' && args.length === 2) {
    await parse(args[0], Number(args[1]));
  } else if (mode === 'v8-meta' && args.length === 0) {
    v8Meta();
  } else {
    throw new Error('usage: check.js parse FILE ID | check.js v8-meta');
  }
}

main().catch(err => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
