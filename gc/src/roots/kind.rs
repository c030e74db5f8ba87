//! What a root is, in the words of the runtime that registered it.

use std::fmt;

/// The kind of a root: why the runtime keeps the object alive.
///
/// The kinds mirror those of a JavaScript runtime, so diagnostics can say
/// `interval timer #1 → closure tick → …` instead of "root 17".
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum RootKind {
    /// A named global variable.
    Global,
    /// A local held by a call-stack frame.
    StackFrame,
    /// A pending `setTimeout` / `setInterval` callback.
    Timer,
    /// An event listener registered on an emitter.
    EventListener,
    /// A callback waiting for an I/O completion or `setImmediate`.
    PendingCallback,
    /// An unresolved promise and its reactions.
    Promise,
    /// A persistent handle held by the embedder.
    Handle,
    /// A slot owned by an embedder's external root source.
    External,
}

impl RootKind {
    /// Every kind, in a fixed order (used for per-kind reports and snapshots).
    pub const ALL: [RootKind; 8] = [
        RootKind::Global,
        RootKind::StackFrame,
        RootKind::Timer,
        RootKind::EventListener,
        RootKind::PendingCallback,
        RootKind::Promise,
        RootKind::Handle,
        RootKind::External,
    ];

    /// A short human-readable name, e.g. `"stack frame"`.
    pub fn name(self) -> &'static str {
        match self {
            RootKind::Global => "global",
            RootKind::StackFrame => "stack frame",
            RootKind::Timer => "timer",
            RootKind::EventListener => "event listener",
            RootKind::PendingCallback => "pending callback",
            RootKind::Promise => "promise",
            RootKind::Handle => "handle",
            RootKind::External => "external",
        }
    }
}

impl fmt::Display for RootKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
