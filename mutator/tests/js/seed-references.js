// Primitives: stored in stack (by value)
let x = 42;
let y = x; // y gets a COPY of 42
y = 99;
console.log(x); // 42 — unaffected
// Objects: stored in heap (by reference)
let obj1 = { count: 0 };
let obj2 = obj1; // obj2 points to SAME heap object
obj2.count = 99;
console.log(obj1.count); // 99 — same object!
function example() {
  let num = 42; // stack: num = 42
  let str = "hello"; // stack: str = ptr → heap: "hello"
  let arr = [1, 2, 3]; // stack: arr = ptr → heap: [1,2,3]
  let obj = { x: 1 }; // stack: obj = ptr → heap: {x:1}
  console.log(num, str, arr, obj);
}
example();
let a = 10; // value stored directly on stack
let obj = { x: 1 }; // reference on stack, object stored on heap
console.log(a, obj);
