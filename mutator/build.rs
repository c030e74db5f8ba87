//! Embeds every `scenarios/*.js` in the binary, so `mutator run all` picks up a scenario by
//! adding its file (no list to edit) and the command works from any directory.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time, not `env!`: a build script compiled in one checkout and reused from a
    // copied target directory must still read this checkout's scenarios.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("scenarios");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("mutator/scenarios exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "js"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Every `scenarios/*.js`: (file name without `.js`, source), sorted by name.\n",
    );
    out.push_str("pub(crate) const EMBEDDED: &[(&str, &str)] = &[\n");
    for p in &files {
        let name = p
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file names");
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            p.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("scenarios.rs");
    std::fs::write(dest, out).expect("write the scenario table");
}
