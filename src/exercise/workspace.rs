//! The learner's workspace: a small Cargo project asynclab writes itself,
//! where the learner's copies of demos and their exercise files are built.
//!
//! ```text
//! <workspace>/Cargo.toml, Cargo.lock   pinned to asynclab's own versions
//! <workspace>/.cargo/config.toml       --cfg tokio_unstable: lanes for plain tokio tasks
//! <workspace>/kit/                     asynclab-kit, the recording API (as shipped)
//! <workspace>/demos/rate_limit.rs      your copy of a demo (`edit`)
//! <workspace>/exercises/bound_scan.rs  your exercise file
//! <workspace>/src/bin/*.rs             entry points asynclab generates
//! ```
//!
//! It lives in `$ASYNCLAB_WORKSPACE`, else in the user's data directory.
//! Files are written only when their content changed, so cargo's
//! incremental build stays warm. Nothing here runs a program; see
//! `program.rs` for that.

use std::fs;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::ExerciseError;
use crate::demo::{Kind, ParamSpec};
use crate::text::sanitize;
use asynclab_kit::lab::children::std_die_with_us;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/kit.rs"));
}

/// asynclab's own lock file: the workspace builds with the very versions
/// asynclab was built with, so cargo's cache already has them (offline).
const LOCK: &str = include_str!("../../Cargo.lock");

const MANIFEST: &str = r#"# Written by asynclab: your copies of its demos and your exercises.
# asynclab rewrites this file; your own code lives in demos/ and exercises/.
[package]
name = "asynclab-workspace"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
asynclab-kit = { path = "kit" }
async-trait = "0.1"
futures = "0.3"
# port-check writes its lanes' names with it.
itoa = "1"
tokio = { version = "1", features = ["full", "test-util"] }

[workspace]

[profile.dev]
# No debug info: links in a fraction of the time; panics still name the line.
debug = false
"#;

const CARGO_CONFIG: &str = r#"# Written by asynclab. tokio's task hooks (an unstable API) give every
# task of plain tokio code a lane on the timeline.
[build]
rustflags = ["--cfg", "tokio_unstable"]
"#;

/// What a program in the workspace is built from.
pub enum Entry<'a> {
    /// A copy of a built-in demo: the file holds its own `impl Demo`.
    Demo,
    /// An exercise: the file holds `pub async fn run(ctx: Ctx)`; its
    /// parameters are those of the lesson's demo.
    Exercise {
        name: &'a str,
        params: &'a [&'static ParamSpec],
        /// The lesson's demo runs on one thread on the real clock too.
        single_thread: bool,
    },
}

/// The learner's workspace on disk.
#[derive(Clone, Debug)]
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// `$ASYNCLAB_WORKSPACE`, else `<data dir>/asynclab/workspace`.
    pub fn locate() -> Result<Workspace, ExerciseError> {
        let root = match std::env::var_os("ASYNCLAB_WORKSPACE") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => dirs::data_dir()
                .ok_or(ExerciseError::NoWorkspace)?
                .join("asynclab")
                .join("workspace"),
        };
        Ok(Workspace { root })
    }

    pub fn at(root: impl Into<PathBuf>) -> Workspace {
        Workspace { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the learner's copy of the demo whose module file is `file`
    /// (`rate_limit.rs`) lives.
    pub fn demo_file(&self, file: &str) -> PathBuf {
        self.root.join("demos").join(file)
    }

    /// Where the learner's file for exercise `name` lives.
    pub fn exercise_file(&self, name: &str) -> PathBuf {
        self.root
            .join("exercises")
            .join(format!("{}.rs", name.replace('-', "_")))
    }

    /// Writes the workspace's own files (not the learner's) where they
    /// differ from what this asynclab ships.
    pub fn prepare(&self) -> Result<(), ExerciseError> {
        let io = |e: io::Error| ExerciseError::Workspace {
            path: self.root.clone(),
            source: e,
        };
        fs::create_dir_all(&self.root).map_err(io)?;
        write_if_changed(&self.root.join("Cargo.toml"), MANIFEST).map_err(io)?;
        write_if_changed(&self.root.join(".cargo/config.toml"), CARGO_CONFIG).map_err(io)?;
        // The lock is a starting point cargo then trims to what the
        // workspace uses: write it only once, or when asynclab changed.
        let lock = self.root.join("Cargo.lock");
        let stamp = self.root.join(".asynclab-lock");
        let ours = format!("{:x}", fingerprint(LOCK));
        if fs::read_to_string(&stamp).ok().as_deref() != Some(ours.as_str()) {
            write_if_changed(&lock, LOCK).map_err(io)?;
            write_if_changed(&stamp, &ours).map_err(io)?;
        }
        for (rel, text) in embedded::KIT_FILES {
            write_if_changed(&self.root.join("kit").join(rel), text).map_err(io)?;
        }
        Ok(())
    }

    /// Writes `text` to the learner's `file` unless it exists already.
    /// Returns true when it wrote.
    pub fn seed(&self, file: &Path, text: &str) -> Result<bool, ExerciseError> {
        if file.exists() {
            return Ok(false);
        }
        write_if_changed(file, text).map_err(|source| ExerciseError::Workspace {
            path: file.to_path_buf(),
            source,
        })?;
        Ok(true)
    }

    /// True before the first build: the next one compiles tokio & co.
    pub fn is_cold(&self) -> bool {
        !self.target_dir().join("debug").join("deps").exists()
    }

    fn target_dir(&self) -> PathBuf {
        self.root.join("target")
    }

    /// Builds the program `bin` from the learner's `file`; returns the
    /// executable. Compiler output (warnings, errors) goes to `log`;
    /// `cancel` stops the build.
    pub fn build(
        &self,
        bin: &str,
        file: &Path,
        entry: Entry<'_>,
        color: bool,
        log: &mut dyn Write,
        cancel: &CancellationToken,
    ) -> Result<PathBuf, ExerciseError> {
        self.prepare()?;
        let wrapper = entry_source(file, &entry)?;
        let bin_file = self.root.join("src/bin").join(format!("{bin}.rs"));
        write_if_changed(&bin_file, &wrapper).map_err(|source| ExerciseError::Workspace {
            path: bin_file.clone(),
            source,
        })?;
        if self.is_cold() {
            // Short lines, under 40 columns but for the path: this log is
            // not wrapped to the terminal.
            writeln!(
                log,
                "first build of your workspace,\n  {}\n  compiling tokio and the kit once:\n  about 20 s on 2 cores; later builds\n  take about a second",
                asynclab_kit::text::shown_path(&self.root)
            )?;
            log.flush()?;
        }
        let output = self.cargo(bin, color, true, log, cancel)?;
        let output = match output {
            // Offline failed for want of a crate cargo has not cached:
            // try once more with the network.
            Err(text) if refused_offline(&text) => self.cargo(bin, color, false, log, cancel)?,
            other => other,
        };
        match output {
            Ok(warnings) => {
                if !warnings.is_empty() {
                    write!(log, "{warnings}")?;
                }
                Ok(self.target_dir().join("debug").join(bin))
            }
            Err(diagnostics) => {
                write!(log, "{diagnostics}")?;
                Err(ExerciseError::Compile {
                    file: file.to_path_buf(),
                })
            }
        }
    }

    /// Runs `cargo build` for one binary. `Ok(warnings)` when it built,
    /// `Err(diagnostics)` when it did not.
    fn cargo(
        &self,
        bin: &str,
        color: bool,
        offline: bool,
        log: &mut dyn Write,
        cancel: &CancellationToken,
    ) -> Result<Result<String, String>, ExerciseError> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(&cargo);
        command
            .current_dir(&self.root)
            .args(["build", "--bin", bin, "--color"])
            .arg(if color { "always" } else { "never" })
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // The workspace's own settings, whatever the caller's cargo
            // environment says (a `cargo test` or a CI job sets some).
            .env("CARGO_TARGET_DIR", self.target_dir())
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_RUSTFLAGS")
            .env_remove("CARGO_BUILD_TARGET_DIR");
        if offline {
            command.arg("--offline");
        }
        // Its own process group: Ctrl-C reaches asynclab, which stops the
        // build, instead of the terminal killing cargo under us; and it
        // dies with asynclab.
        std_die_with_us(&mut command);
        let mut child = command.spawn().map_err(|source| ExerciseError::Cargo {
            cargo: PathBuf::from(&cargo),
            source,
        })?;
        // cargo's group holds the rustc it starts: registered, so SIGTERM
        // or SIGHUP of asynclab ends the build too.
        let _group = asynclab_kit::lab::children::Group::register(child.id());
        let stderr = child
            .stderr
            .take()
            .ok_or(ExerciseError::Internal("no stderr pipe"))?;
        let reader = std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        let started = Instant::now();
        let mut said = Duration::ZERO;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if cancel.is_cancelled() {
                asynclab_kit::lab::children::kill_group(&mut child);
                return Err(ExerciseError::Cancelled);
            }
            // A slow (first) build says it is alive every 10 s.
            if started.elapsed() >= said + Duration::from_secs(10) {
                said = started.elapsed();
                writeln!(log, "… still compiling ({}s)", said.as_secs())?;
                log.flush()?;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let lines = reader.join().unwrap_or_default();
        let text: String = lines
            .iter()
            .filter(|l| !is_chatter(l))
            .map(|l| format!("{}\n", sanitize(l, color)))
            .collect();
        Ok(if status.success() {
            Ok(text)
        } else {
            Err(text)
        })
    }
}

/// True when cargo stopped before compiling for want of a crate it may not
/// download (`--offline`). Only then is the network tried: a compile error,
/// which always names a place (`--> file:line`), never counts, whatever the
/// learner's own text says.
fn refused_offline(text: &str) -> bool {
    text.contains("--offline") && !text.contains("-->")
}

/// Cargo's progress lines, which say nothing about the learner's code.
fn is_chatter(line: &str) -> bool {
    let plain: String = asynclab_kit::text::without_sgr(line).collect();
    // "warning: `asynclab-workspace` (bin …) generated 1 warning (run `cargo
    // fix` …)": a count of what was just shown, about a package the
    // learner never named.
    if plain.starts_with("warning: `asynclab-workspace`") {
        return true;
    }
    let word = plain.trim_start().split(' ').next().unwrap_or("");
    matches!(
        word,
        "Compiling"
            | "Checking"
            | "Finished"
            | "Blocking"
            | "Locking"
            | "Adding"
            | "Updating"
            | "Downgrading"
            | "Removing"
            | "Fresh"
            | "Downloaded"
            | "Downloading"
    )
}

/// The generated `main` for the learner's `file`.
fn entry_source(file: &Path, entry: &Entry<'_>) -> Result<String, ExerciseError> {
    let path = format!("{:?}", file.to_string_lossy());
    let head = format!(
        "// Written by asynclab: the entry point of {}.\n// Edit that file; this one is rewritten before every build.\n#[path = {path}]\nmod program;\n\n",
        asynclab_kit::text::shown_path(file)
    );
    match entry {
        Entry::Demo => {
            let text = fs::read_to_string(file).map_err(|source| ExerciseError::Workspace {
                path: file.to_path_buf(),
                source,
            })?;
            let name = demo_type(&text).ok_or_else(|| ExerciseError::NoDemoImpl {
                file: file.to_path_buf(),
            })?;
            Ok(format!(
                "{head}fn main() -> std::process::ExitCode {{\n    asynclab_kit::child::main(&program::{name})\n}}\n"
            ))
        }
        Entry::Exercise {
            name,
            params,
            single_thread,
        } => {
            let specs: String = params.iter().map(spec_source).collect();
            Ok(format!(
                "{head}use asynclab_kit::{{Ctx, Demo, DemoError, DemoInfo, Kind, ParamSpec}};\n\
                 #[allow(unused_imports)]\nuse std::time::Duration;\n\n\
                 static INFO: DemoInfo = DemoInfo {{\n    name: {name:?},\n    title: {name:?},\n    about: \"your solution\",\n    params: &[\n{specs}    ],\n    source: \"\",\n    single_thread: {single_thread},\n}};\n\n\
                 struct Exercise;\n\n\
                 #[async_trait::async_trait]\nimpl Demo for Exercise {{\n    fn info(&self) -> &'static DemoInfo {{\n        &INFO\n    }}\n    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {{\n        program::run(ctx).await\n    }}\n}}\n\n\
                 fn main() -> std::process::ExitCode {{\n    asynclab_kit::child::main(&Exercise)\n}}\n"
            ))
        }
    }
}

/// The type the learner's demo file implements `Demo` for.
fn demo_type(text: &str) -> Option<&str> {
    let after = text.split("impl Demo for ").nth(1)?;
    let name = after
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()?;
    (!name.is_empty()).then_some(name)
}

/// A parameter declaration as Rust source, for the generated entry point.
fn spec_source(spec: &&'static ParamSpec) -> String {
    let kind = match spec.kind {
        Kind::Int { min, max } => format!("Kind::Int {{ min: {min}, max: {max} }}"),
        Kind::Duration { min, max } => format!(
            "Kind::Duration {{ min: Duration::from_nanos({}), max: Duration::from_nanos({}) }}",
            min.as_nanos(),
            max.as_nanos()
        ),
        Kind::Choice(names) => format!("Kind::Choice(&{names:?})"),
        Kind::Text => "Kind::Text".to_string(),
        Kind::Ports => "Kind::Ports".to_string(),
    };
    format!(
        "        ParamSpec {{ name: {:?}, kind: {kind}, default: {:?}, help: {:?} }},\n",
        spec.name, spec.default, spec.help
    )
}

/// Writes atomically (temporary file, then rename), and only on change.
fn write_if_changed(path: &Path, text: &str) -> io::Result<()> {
    if fs::read(path).ok().as_deref() == Some(text.as_bytes()) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&tmp, text)?;
    fs::rename(&tmp, path)
}

/// A stable 64-bit FNV-1a of `text`: enough to notice a changed lock.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_demo_type_and_writes_parameters_as_source() {
        assert_eq!(
            demo_type("pub struct RateLimit;\n#[async_trait]\nimpl Demo for RateLimit {"),
            Some("RateLimit")
        );
        assert_eq!(demo_type("fn main() {}"), None);
        static SPEC: ParamSpec = ParamSpec::int("count", 1, 10, "3", "how \"many\"");
        assert_eq!(
            spec_source(&&SPEC),
            "        ParamSpec { name: \"count\", kind: Kind::Int { min: 1, max: 10 }, default: \"3\", help: \"how \\\"many\\\"\" },\n"
        );
        assert!(refused_offline(
            "error: failed to download `tokio v1.54.1`\n  attempting to make an HTTP request, but --offline was specified"
        ));
        assert!(!refused_offline(
            "error: but --offline was specified\n --> exercises/x.rs:3:1\n"
        ));
        assert!(is_chatter("   Compiling tokio v1.54.1"));
        assert!(is_chatter("\u{1b}[1m\u{1b}[32m   Compiling\u{1b}[0m tokio"));
        assert!(!is_chatter("error[E0425]: cannot find value `x`"));
        assert!(is_chatter(
            "warning: `asynclab-workspace` (bin \"ex-x\") generated 1 warning (run `cargo fix` …)"
        ));
    }
}
