//! Embeds every `lessons/*.md` in the binary, so `cargo install` users get
//! the lessons without the source tree. A lessons/ folder on disk (or
//! `--lessons DIR`) still overrides them at run time.
//!
//! Also embeds the source of `asynclab-kit` (kit/), which asynclab writes
//! into the learner's workspace so their programs build against exactly the
//! library the built-in demos use.

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
            // Named as built in: an error must not point at a path that
            // is not on the user's disk.
            format!("built-in:{name}"),
            full.display().to_string()
        ));
    }
    code.push_str("];\n");

    println!("cargo::rerun-if-changed=kit");
    let kit = Path::new(&manifest).join("kit");
    let mut kit_files = Vec::new();
    collect(&kit, &kit, &mut kit_files);
    kit_files.sort();
    let mut kit_code = String::new();
    kit_code.push_str(
        "/// (path inside kit/, text) of every file of asynclab-kit.\npub static KIT_FILES: &[(&str, &str)] = &[\n",
    );
    for rel in &kit_files {
        kit_code.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            rel,
            kit.join(rel).display().to_string()
        ));
    }
    kit_code.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("lessons.rs");
    fs::write(&out, code).expect("write the embedded lesson list");
    fs::write(out.with_file_name("kit.rs"), kit_code).expect("write the embedded kit");
}

/// Every `Cargo.toml` and `.rs` file below `dir`, relative to `root`.
fn collect(root: &Path, dir: &Path, into: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() && name != "target" {
            collect(root, &path, into);
        } else if (name == "Cargo.toml" || name.ends_with(".rs"))
            && let Ok(rel) = path.strip_prefix(root)
        {
            into.push(rel.display().to_string());
        }
    }
}
