//! The builtin procedures. Each reads its `n` arguments at stack indices `fi + 1 ..` and
//! pushes one result.

use super::eval::{builtin_name, Error, Interp, LOG, PAIR, STR, SYM};
use super::machine::Machine;
use gclab::{Immediate, RawValue};

impl<M: Machine> Interp<M> {
    fn int_arg(&self, name: &str, i: usize) -> Result<i32, Error> {
        match self.m.word(i).immediate() {
            Some(Immediate::Int(v)) => Ok(v),
            _ => Err(format!("{name}: {} is not an integer", self.show(i, false))),
        }
    }

    fn tag_of(&self, i: usize) -> Option<u16> {
        self.m.view(i).ok().map(|o| o.type_tag())
    }

    fn pair_arg(&self, name: &str, i: usize) -> Result<(), Error> {
        match self.tag_of(i) {
            Some(PAIR) => Ok(()),
            _ => Err(format!("{name}: {} is not a pair", self.show(i, false))),
        }
    }

    fn bytes_of(&self, name: &str, i: usize) -> Result<Vec<u8>, Error> {
        match self.m.view(i) {
            Ok(o) if o.type_tag() == STR => Ok(o.bytes().to_vec()),
            _ => Err(format!("{name}: {} is not a string", self.show(i, false))),
        }
    }

    /// Runs builtin `id` on the `n` arguments above `fi` and pushes its result.
    pub(crate) fn builtin(&mut self, id: usize, fi: usize, n: usize) -> Result<(), Error> {
        let name = builtin_name(id);
        let arity = |want: usize| {
            if n == want {
                Ok(())
            } else {
                Err(format!("{name}: expected {want} arguments, got {n}"))
            }
        };
        let args = fi + 1..fi + 1 + n;
        let int = |v: i32| {
            move |m: &mut M| {
                m.push_imm(Immediate::Int(v));
                Ok::<(), Error>(())
            }
        };
        match name {
            "+" | "*" => {
                let mut acc: i32 = if name == "+" { 0 } else { 1 };
                for i in args {
                    let v = self.int_arg(name, i)?;
                    acc = if name == "+" {
                        acc.checked_add(v)
                    } else {
                        acc.checked_mul(v)
                    }
                    .ok_or_else(|| format!("{name}: integer overflow"))?;
                }
                int(acc)(&mut self.m)
            }
            "-" | "quotient" | "remainder" => {
                arity(2)?;
                let (a, b) = (self.int_arg(name, fi + 1)?, self.int_arg(name, fi + 2)?);
                let r = match name {
                    "-" => a.checked_sub(b),
                    "quotient" => a.checked_div(b),
                    _ => a.checked_rem(b),
                };
                int(r.ok_or_else(|| format!("{name}: overflow or division by zero"))?)(&mut self.m)
            }
            "<" | ">" | "=" | "<=" | ">=" => {
                arity(2)?;
                let (a, b) = (self.int_arg(name, fi + 1)?, self.int_arg(name, fi + 2)?);
                let r = match name {
                    "<" => a < b,
                    ">" => a > b,
                    "=" => a == b,
                    "<=" => a <= b,
                    _ => a >= b,
                };
                self.m.push_imm(Immediate::Bool(r));
                Ok(())
            }
            "cons" => {
                arity(2)?;
                self.cons(fi + 1, fi + 2)
            }
            "car" | "cdr" => {
                arity(1)?;
                self.pair_arg(name, fi + 1)?;
                let slot = usize::from(name == "cdr");
                self.m.get_slot(fi + 1, slot).map_err(|e| e.to_string())
            }
            "set-car!" | "set-cdr!" => {
                arity(2)?;
                self.pair_arg(name, fi + 1)?;
                let slot = usize::from(name == "set-cdr!");
                self.m
                    .set_slot(fi + 1, slot, fi + 2)
                    .map_err(|e| e.to_string())?;
                self.m.push_imm(Immediate::Undefined);
                Ok(())
            }
            "null?" | "pair?" | "not" => {
                arity(1)?;
                let w = self.m.word(fi + 1);
                let r = match name {
                    "null?" => w == RawValue::NULL,
                    "not" => w == RawValue::FALSE,
                    _ => self.tag_of(fi + 1) == Some(PAIR),
                };
                self.m.push_imm(Immediate::Bool(r));
                Ok(())
            }
            "eq?" => {
                arity(2)?;
                let r = self.m.word(fi + 1) == self.m.word(fi + 2);
                self.m.push_imm(Immediate::Bool(r));
                Ok(())
            }
            "list" => {
                self.m.push_imm(Immediate::Null);
                for i in args.rev() {
                    let tail = self.m.top();
                    self.cons(i, tail)?;
                    self.m.copy(tail + 1, tail);
                    self.m.truncate(tail + 1);
                }
                Ok(())
            }
            "display" => {
                arity(1)?;
                let s = self.show(fi + 1, true);
                self.out.push_str(&s);
                self.m.push_imm(Immediate::Undefined);
                Ok(())
            }
            "newline" => {
                arity(0)?;
                self.out.push('\n');
                self.m.push_imm(Immediate::Undefined);
                Ok(())
            }
            "string-append" => {
                let mut bytes = Vec::new();
                for i in args {
                    bytes.extend(self.bytes_of(name, i)?);
                }
                self.new_string(&bytes)
            }
            "number->string" => {
                arity(1)?;
                let v = self.int_arg(name, fi + 1)?;
                self.new_string(v.to_string().as_bytes())
            }
            "string-length" => {
                arity(1)?;
                let len = self.bytes_of(name, fi + 1)?.len();
                int(len as i32)(&mut self.m)
            }
            "why-alive" => {
                arity(1)?;
                self.why_alive(fi)
            }
            "gc" => {
                arity(0)?;
                self.collect();
                self.m.push_imm(Immediate::Undefined);
                Ok(())
            }
            "heap-objects" => {
                arity(0)?;
                self.collect();
                let n = self.m.heap().usage().objects();
                int(n as i32)(&mut self.m)
            }
            "string->symbol" => {
                arity(1)?;
                let name = self.bytes_of(name, fi + 1)?;
                self.intern(&name)
            }
            "symbol->string" => {
                arity(1)?;
                let bytes = match self.m.view(fi + 1) {
                    Ok(o) if o.type_tag() == SYM => o.bytes().to_vec(),
                    _ => {
                        return Err(format!(
                            "{name}: {} is not a symbol",
                            self.show(fi + 1, false)
                        ))
                    }
                };
                self.new_string(&bytes)
            }
            "symbol?" => {
                arity(1)?;
                let r = self.tag_of(fi + 1) == Some(SYM);
                self.m.push_imm(Immediate::Bool(r));
                Ok(())
            }
            "interned-count" => {
                arity(0)?;
                let n = self.interned_count()?;
                int(n as i32)(&mut self.m)
            }
            "open-log" => {
                arity(1)?;
                let file = String::from_utf8_lossy(&self.bytes_of(name, fi + 1)?).into_owned();
                self.open_log(fi + 1, file)
            }
            "log-write!" => {
                arity(2)?;
                if self.tag_of(fi + 1) != Some(LOG) {
                    return Err(format!("{name}: {} is not a log", self.show(fi + 1, false)));
                }
                self.bytes_of(name, fi + 2)?;
                self.log_write(fi + 1)
            }
            "closed-count" => {
                arity(0)?;
                let n = self.closed_count();
                int(n as i32)(&mut self.m)
            }
            "closed-logs" => {
                arity(0)?;
                self.closed_logs()
            }
            other => Err(format!("unknown builtin {other}")),
        }
    }

    /// `(why-alive x)`: prints what keeps `x` alive. The call's own slots (the procedure
    /// and its argument) are dropped first, so they do not count as holders.
    fn why_alive(&mut self, fi: usize) -> Result<(), Error> {
        let heap_frame = self.m.heap().push_frame_static("why-alive");
        let r = self
            .m
            .handle(fi + 1)
            .map_err(|_| format!("why-alive: {} is not an object", self.show(fi + 1, false)));
        let text = r.and_then(|h| {
            self.m.truncate(fi);
            let w = self.m.heap().why_alive(h).map_err(|e| e.to_string())?;
            Ok(w.to_string())
        });
        self.m
            .heap()
            .pop_frame(heap_frame)
            .map_err(|e| e.to_string())?;
        self.out.push_str(&text?);
        self.out.push('\n');
        self.m.push_imm(Immediate::Undefined);
        Ok(())
    }
}
