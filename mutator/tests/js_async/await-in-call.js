async function f() {
  const ok = await Promise.resolve(1);
  console.log('before', ok);
  console.log('inside a sum', 1 + await Promise.resolve(2));
}
f();
