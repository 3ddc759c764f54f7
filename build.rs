//! Embeds every `lessons/*.md` in the binary, so `cargo install` users get
//! the lessons without the source tree. A lessons/ folder on disk (or
//! `--lessons DIR`) still overrides them at run time.

use std::env;
use std::fs;
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=lessons");
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("lessons");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".md"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::from(
        "/// (display path, text) of every embedded lesson, in file-name order.\npub static EMBEDDED: &[(&str, &str)] = &[\n",
    );
    for name in &names {
        let full = dir.join(name);
        code.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            format!("lessons/{name}"),
            full.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lessons.rs");
    fs::write(out, code).expect("write the embedded lesson list");
}
