//! The scenario suite `mutator run all` runs: every `scenarios/*.js` (embedded at build time by
//! `build.rs`, so a new scenario is a new file and nothing else), run through the JavaScript
//! front end, then the two native workloads `binary-trees-rs` and `gcbench-rs` beside their
//! `.js` twins.
//!
//! A scenario file is a plain Node.js program (it runs unchanged under `node`). Its leading
//! comment describes it; two optional directive lines in that comment tell the suite more:
//!
//! - `// expect: leak` or `// expect: healthy` — the verdict the scenario is designed to get
//!   (a different verdict is marked `(unexpected)` in the table and fails the tests);
//! - `// until: MS` — stop the event loop at this virtual time (an interval that never stops).
//!
//! Invariant: the list is sorted by name and names are unique (file stems are).

use crate::native;
use crate::probe::Verdict;
use crate::scenario::Scenario;

include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

/// A JavaScript scenario of `scenarios/`.
#[derive(Clone, Copy, Debug)]
pub struct JsScenario {
    /// The file name without `.js`.
    pub name: &'static str,
    /// The program.
    pub source: &'static str,
}

impl JsScenario {
    /// The file name (`closure-leak.js`), as locations in reports read.
    pub fn file(&self) -> String {
        format!("{}.js", self.name)
    }

    /// The leading `//` comment lines, directives included.
    fn header(&self) -> impl Iterator<Item = &'static str> {
        self.source
            .lines()
            .map_while(|l| l.trim_start().strip_prefix("//"))
            .map(str::trim)
    }

    fn directive(&self, key: &str) -> Option<&'static str> {
        self.header()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':').map(str::trim))
    }

    /// The verdict the scenario is designed to get, if its header says.
    pub fn expected(&self) -> Option<Verdict> {
        match self.directive("expect")? {
            "leak" => Some(Verdict::Leak),
            "healthy" => Some(Verdict::Healthy),
            _ => None,
        }
    }

    /// The virtual-time limit of its event loop, if its header sets one.
    pub fn until(&self) -> Option<u64> {
        self.directive("until")?.parse().ok()
    }

    /// The first sentence of the leading comment.
    pub fn description(&self) -> String {
        let text: Vec<&str> = self
            .header()
            .filter(|l| !l.starts_with("expect:") && !l.starts_with("until:"))
            .collect();
        let text = text.join(" ");
        match text.find(". ") {
            Some(i) => text[..=i].to_string(),
            None => text,
        }
    }
}

/// One entry of the suite.
pub enum Workload {
    /// A `.js` scenario run by the JavaScript front end.
    Js(JsScenario),
    /// A native workload written against the heap directly.
    Native(Box<dyn Scenario>),
}

impl std::fmt::Debug for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Workload {
    /// The command-line name.
    pub fn name(&self) -> &'static str {
        match self {
            Workload::Js(s) => s.name,
            Workload::Native(s) => s.name(),
        }
    }

    /// The verdict it is designed to get, if known.
    pub fn expected(&self) -> Option<Verdict> {
        match self {
            Workload::Js(s) => s.expected(),
            Workload::Native(s) => Some(if s.leaks() {
                Verdict::Leak
            } else {
                Verdict::Healthy
            }),
        }
    }

    /// One line saying what it models.
    pub fn description(&self) -> String {
        match self {
            Workload::Js(s) => s.description(),
            Workload::Native(s) => s.description().to_string(),
        }
    }

    /// The JavaScript it is (or stands for).
    pub fn javascript(&self) -> &'static str {
        match self {
            Workload::Js(s) => s.source,
            Workload::Native(s) => s.javascript(),
        }
    }
}

/// The JavaScript scenarios, sorted by name.
pub fn js() -> Vec<JsScenario> {
    EMBEDDED
        .iter()
        .map(|&(name, source)| JsScenario { name, source })
        .collect()
}

/// Every workload, in the order `run all` uses: the `.js` scenarios, then the native ones.
pub fn all() -> Vec<Workload> {
    let mut v: Vec<Workload> = js().into_iter().map(Workload::Js).collect();
    v.extend(native::all().into_iter().map(Workload::Native));
    v
}

/// The workload called `name` (a `.js` scenario may also be named with its `.js`).
pub fn find(name: &str) -> Option<Workload> {
    let name = name.strip_suffix(".js").unwrap_or(name);
    all().into_iter().find(|w| w.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_read() {
        let s = JsScenario {
            name: "x",
            source: "// A thing that leaks. More words.\n// expect: leak\n// until: 500\nlet a;\n// expect: healthy\n",
        };
        assert_eq!(s.expected(), Some(Verdict::Leak));
        assert_eq!(s.until(), Some(500));
        assert_eq!(s.description(), "A thing that leaks.");
        let plain = JsScenario {
            name: "y",
            source: "let a = 1;\n",
        };
        assert_eq!(plain.expected(), None);
        assert_eq!(plain.until(), None);
    }

    #[test]
    fn names_are_unique_and_sorted() {
        let names: Vec<&str> = all().iter().map(Workload::name).collect();
        let mut sorted = names.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "{names:?}");
        assert!(names.len() >= 13, "{names:?}");
        assert!(find("closure-leak.js").is_some());
        assert!(find("gcbench-rs").is_some());
    }
}
