// Boehm's GCBench (twin of the native gcbench-rs): top-down and bottom-up trees, a long-lived
// tree and an array of 16,384 doubles, at stretch depth 14; the trees are built in chunks of
// at most 64, one chunk per turn of the event loop.
// expect: healthy
class Node {
  constructor(left, right) {
    this.left = left || null;
    this.right = right || null;
    this.i = 0;
    this.j = 0;
  }
}
const kStretchTreeDepth = 14;
const kLongLivedTreeDepth = 12;
const kArraySize = 16384;
const kMinTreeDepth = 4;
const kMaxTreeDepth = 12;
function treeSize(i) {
  return (1 << (i + 1)) - 1;
}
function numIters(i) {
  return Math.floor((2 * treeSize(kStretchTreeDepth)) / treeSize(i));
}
function populate(depth, node) {
  if (depth <= 0) return;
  depth--;
  node.left = new Node();
  node.right = new Node();
  populate(depth, node.left);
  populate(depth, node.right);
}
function makeTree(depth) {
  if (depth <= 0) return new Node();
  return new Node(makeTree(depth - 1), makeTree(depth - 1));
}
console.log(`Stretching memory with a binary tree of depth ${kStretchTreeDepth}`);
makeTree(kStretchTreeDepth);
console.log(`Creating a long-lived binary tree of depth ${kLongLivedTreeDepth}`);
const longLivedTree = new Node();
populate(kLongLivedTreeDepth, longLivedTree);
console.log(`Creating a long-lived array of ${kArraySize} doubles`);
const array = new Array(kArraySize).fill(0.0);
for (let i = 1; i < kArraySize / 2; i++) array[i] = 1.0 / i;
// The work in chunks of at most 64 trees, one chunk per turn.
const work = [];
for (let d = kMinTreeDepth; d <= kMaxTreeDepth; d += 2) {
  const iNumIters = numIters(d);
  for (const topDown of [true, false]) {
    for (let done = 0; done < iNumIters; done += 64) work.push([d, Math.min(64, iNumIters - done), topDown, done === 0]);
  }
}
function timeConstruction() {
  const [depth, n, topDown, first] = work.shift();
  if (topDown && first) console.log(`Creating ${numIters(depth)} trees of depth ${depth}`);
  for (let i = 0; i < n; i++) {
    if (topDown) populate(depth, new Node());
    else makeTree(depth);
  }
  if (work.length > 0) setImmediate(timeConstruction);
  else if (longLivedTree.left === null || array[1000] !== 1.0 / 1000) console.log('Failed');
  else console.log('Done');
}
timeConstruction();
