'use strict';
// In strict code, assigning to a getter-only or read-only property throws.
const o = { get only() { return 1; } };
try { o.only = 2; } catch (e) { console.log(e.name, e.message); }
const r = Object.defineProperty({}, 'fixed', { value: 1, enumerable: true });
try { r.fixed = 2; } catch (e) { console.log(e.name, e.message); }
console.log(o, r, r.fixed);
const fixed = Object.defineProperty({}, 'k', { value: 1 });
try { delete fixed.k; } catch (e) { console.log(e.name, e.message); }
