// The Benchmarks Game's binary-trees (twin of the native binary-trees-rs): a stretch tree, a
// long-lived tree, and many short-lived trees checked and dropped, at depth 12; each group of
// iterations runs in its own turn of the event loop. benches/js/binary-trees.js is the
// benchmark itself (depth 16, synchronous).
// expect: healthy
class TreeNode {
  constructor(left, right) {
    this.left = left;
    this.right = right;
  }
}
function itemCheck(node) {
  if (node.left === null) return 1;
  return 1 + itemCheck(node.left) + itemCheck(node.right);
}
function bottomUpTree(depth) {
  return depth > 0
    ? new TreeNode(bottomUpTree(depth - 1), bottomUpTree(depth - 1))
    : new TreeNode(null, null);
}
const maxDepth = 12;
const stretchDepth = maxDepth + 1;
console.log(`stretch tree of depth ${stretchDepth}\t check: ${itemCheck(bottomUpTree(stretchDepth))}`);
const longLivedTree = bottomUpTree(maxDepth);
const work = [];
for (let depth = 4; depth <= maxDepth; depth += 2) {
  const iterations = 1 << (maxDepth - depth + 4);
  // Groups of at most 64 iterations, so every depth spans several turns.
  for (let done = 0; done < iterations; done += 64) work.push([depth, Math.min(64, iterations - done), iterations]);
}
let check = 0;
function step() {
  const [depth, n, iterations] = work.shift();
  for (let i = 0; i < n; i++) check += itemCheck(bottomUpTree(depth));
  if (work.length === 0 || work[0][0] !== depth) {
    console.log(`${iterations}\t trees of depth ${depth}\t check: ${check}`);
    check = 0;
  }
  if (work.length > 0) setImmediate(step);
  else console.log(`long lived tree of depth ${maxDepth}\t check: ${itemCheck(longLivedTree)}`);
}
step();
