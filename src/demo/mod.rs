//! Demos: the real async programs a lesson runs.
//!
//! Each demo is one module a learner reads with `show code`, so each is
//! written as teaching material. This module owns what they share: the
//! [`Demo`] trait, the context a run gets ([`Ctx`]), typed parameters, the
//! seeded simulator for the virtual clock, the registry, and the runner that
//! executes a demo on a clock with Ctrl-C and a watchdog.
//!
//! Demos import only `timeline` (to record) and `lab` (for real targets).
//! A demo never prints: everything it has to say goes into the timeline.

// The shared API lives in `asynclab-kit`: the learner's copy of a demo
// (`edit`) builds against exactly what the built-in one does.
pub use asynclab_kit::{params, run, sim};

mod await_;
mod blocking;
mod broadcast;
mod cancel;
mod channels;
mod http_fetch;
mod interval;
mod join;
mod log_scan;
mod oneshot;
mod panics;
mod pitfalls;
mod port_check;
mod process;
mod progress;
mod rate_limit;
mod runtime;
mod scanner;
mod scanner_trait;
mod select;
mod send_static;
mod shared_state;
mod spawn;
mod streams;
mod timeouts;
mod try_join;
mod unordered;
mod worker;

pub use asynclab_kit::{
    Ctx, Demo, DemoError, DemoInfo, Kind, ParamError, ParamSpec, Params, Sim, Value, acquire_permit,
};
/// Every demo, in teaching order.
pub fn registry() -> &'static [&'static dyn Demo] {
    &[
        &port_check::PortCheck,
        &http_fetch::HttpFetch,
        &await_::Await,
        &runtime::Runtime,
        &spawn::Spawn,
        &send_static::SendStatic,
        &join::Join,
        &try_join::TryJoin,
        &select::Select,
        &rate_limit::RateLimit,
        &scanner::ScannerDemo,
        &channels::Channels,
        &oneshot::Oneshot,
        &broadcast::Broadcast,
        &progress::ProgressDemo,
        &streams::Streams,
        &unordered::Unordered,
        &log_scan::LogScan,
        &shared_state::SharedState,
        &blocking::Blocking,
        &process::Process,
        &timeouts::Timeouts,
        &cancel::Cancel,
        &worker::Worker,
        &interval::Interval,
        &scanner_trait::ScannerTrait,
        &panics::Panics,
        &pitfalls::Pitfalls,
    ]
}

/// The part of a demo's source that teaches: the regions between
/// mdBook-style `// ANCHOR: name` and `// ANCHOR_END: name` lines, in file
/// order, joined by a `    // …` line; the anchor lines themselves are
/// left out. A source without anchors is all core and comes back whole.
/// The kit's helpers that `source` calls and whose code is part of its
/// lesson (`acquire_permit` is the Semaphore the rate-limit lesson is
/// about), as they are in `kit/src/demo.rs`; `None` when it calls none.
pub fn kit_helpers_used(source: &str) -> Option<String> {
    const KIT_DEMO: &str = include_str!("../../kit/src/demo.rs");
    let mut shown = Vec::new();
    for name in ["acquire_permit", "heartbeat"] {
        if !source.contains(&format!("{name}(")) {
            continue;
        }
        let Some(start) = KIT_DEMO.find(&format!("pub async fn {name}(")) else {
            continue;
        };
        // Back to the start of its doc comment, on to its closing brace.
        let head = KIT_DEMO[..start]
            .lines()
            .rev()
            .take_while(|l| l.starts_with("///"))
            .count();
        let begin = KIT_DEMO[..start]
            .lines()
            .rev()
            .take(head)
            .map(|l| l.len() + 1)
            .sum::<usize>();
        let end = KIT_DEMO[start..]
            .find("\n}\n")
            .map_or(KIT_DEMO.len(), |e| start + e + 3);
        shown.push(&KIT_DEMO[start - begin..end]);
    }
    (!shown.is_empty()).then(|| shown.join("\n"))
}

pub fn teaching_core(source: &str) -> String {
    let mut regions: Vec<Vec<&str>> = Vec::new();
    let mut inside = false;
    for line in source.lines() {
        // rustfmt may move an anchor to the end of a code line (`} //
        // ANCHOR_END: core`): the code before it still belongs to the text.
        let (code, anchor) = match line.find("// ANCHOR") {
            Some(at) => (line[..at].trim_end(), Some(&line[at..])),
            None => (line, None),
        };
        match anchor {
            Some(a) if a.starts_with("// ANCHOR_END:") => {
                if inside && !code.trim().is_empty() {
                    keep(&mut regions, code);
                }
                inside = false;
            }
            Some(a) if a.starts_with("// ANCHOR:") => {
                // A region opened inside another continues it.
                if !inside {
                    regions.push(Vec::new());
                }
                inside = true;
                if !code.trim().is_empty() {
                    keep(&mut regions, code);
                }
            }
            _ if inside => keep(&mut regions, line),
            _ => {}
        }
    }
    if regions.is_empty() {
        return source.to_string();
    }
    regions
        .iter()
        .map(|r| r.join("\n"))
        .collect::<Vec<_>>()
        .join("\n    // …\n")
}

/// Adds `line` to the region being collected.
fn keep<'a>(regions: &mut [Vec<&'a str>], line: &'a str) {
    if let Some(region) = regions.last_mut() {
        region.push(line);
    }
}

/// Finds a demo by name; `rate_limit` and `rate-limit` are the same.
pub fn find(name: &str) -> Option<&'static dyn Demo> {
    let wanted = name.replace('_', "-");
    registry().iter().copied().find(|d| d.info().name == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teaching_core_cases() {
        let cases: &[(&str, &str)] = &[
            // No anchors: the whole source.
            ("fn a() {}\nfn b() {}\n", "fn a() {}\nfn b() {}\n"),
            // One region: only its lines, without the anchor lines.
            (
                "use x;\n// ANCHOR: core\nfn a() {}\n// ANCHOR_END: core\nfn b() {}",
                "fn a() {}",
            ),
            // Two regions, joined by an ellipsis line; indented anchors too.
            (
                "// ANCHOR: one\na\n// ANCHOR_END: one\nskip\n    // ANCHOR: two\nb\nc\n    // ANCHOR_END: two\n",
                "a\n    // …\nb\nc",
            ),
            // An anchor rustfmt moved behind code keeps the code.
            (
                "// ANCHOR: core\nmatch x {\n    A => {\n        a();\n    } // ANCHOR_END: core\n    B => {}\n",
                "match x {\n    A => {\n        a();\n    }",
            ),
            // An unclosed region runs to the end.
            ("x\n// ANCHOR: core\ny\nz", "y\nz"),
        ];
        for (source, want) in cases {
            assert_eq!(teaching_core(source), *want, "source: {source:?}");
        }
    }

    /// Runs the built-in demo `name` with its defaults and `set`, in scope.
    fn run_demo(name: &str, set: &[(&str, &str)]) -> Result<asynclab_kit::Run, run::RunError> {
        let demo = find(name).expect("a built-in demo");
        let mut params = Params::defaults(demo.info().params).expect("defaults");
        for (param, value) in set {
            params.set(param, value).expect("a valid value");
        }
        run::run(
            demo,
            &params,
            crate::lab::scope::Scope::default(),
            &tokio_util::sync::CancellationToken::new(),
            None,
        )
    }

    /// Another user may plant a symlink in /tmp under the name log-scan is
    /// about to use: the demo must not write through it.
    #[test]
    fn log_scan_never_writes_through_a_planted_link() {
        let dir = std::env::temp_dir();
        let victim = dir.join(format!("asynclab-victim-{}", std::process::id()));
        std::fs::write(&victim, "precious").expect("victim");
        let seed = 913_577;
        let links: Vec<_> = (0..5)
            .map(|n| {
                let path = dir.join(format!(
                    "asynclab-auth-{}-{seed}-{n}.log",
                    std::process::id()
                ));
                let _ = std::os::unix::fs::symlink(&victim, &path);
                path
            })
            .collect();
        let ran = run_demo("log-scan", &[("seed", &seed.to_string())]);
        let kept = std::fs::read_to_string(&victim);
        for link in links {
            let _ = std::fs::remove_file(link);
        }
        let _ = std::fs::remove_file(&victim);
        assert_eq!(kept.expect("victim still there"), "precious");
        let run = ran.expect("the run goes on under another name");
        assert_eq!(run.outcome, asynclab_kit::Outcome::Finished);
    }

    /// Lesson 1 says a queued port has not been spawned yet: its lane
    /// shows the wait for a permit, and `spawned` only when it has one.
    #[test]
    fn a_queued_port_is_spawned_when_it_holds_its_permit() {
        use asynclab_kit::{EventKind, WaitOn};
        let run = run_demo("port-check", &[]).expect("runs");
        let when = |task: usize, kind: EventKind| {
            run.events
                .iter()
                .find(|e| e.task.index() == task && e.kind == kind)
                .map(|e| e.at_ns)
        };
        let mut queued = 0;
        for (i, lane) in run.tasks.iter().enumerate() {
            if !lane.name.starts_with("port-") {
                continue;
            }
            let (spawned, acquired) = (when(i, EventKind::Spawned), when(i, EventKind::Acquired));
            assert!(spawned.is_some() && spawned == acquired, "{}", lane.name);
            if let Some(wait) = when(i, EventKind::Waiting(WaitOn::Permit)) {
                assert!(spawned > Some(wait), "{} spawned while queued", lane.name);
                queued += 1;
            }
        }
        assert_eq!(queued, 30);
    }

    /// The recorder of a built-in demo reads the virtual clock once between
    /// the runtime's parks; a learner's run reads it at every event. Both
    /// must give every demo the same timeline, to the nanosecond.
    #[test]
    fn reading_the_virtual_clock_between_parks_changes_no_timestamp() {
        for demo in registry() {
            let mut params = Params::defaults(demo.info().params).expect("defaults");
            if params.clock().ok() != Some(asynclab_kit::Clock::Virtual) {
                continue;
            }
            params.set("seed", "7").expect("a seed");
            let recorded = |moves_clock| {
                let wiring = run::Wiring {
                    moves_clock,
                    ..run::Wiring::default()
                };
                let cancel = tokio_util::sync::CancellationToken::new();
                let scope = crate::lab::scope::Scope::default();
                run::run_wired(*demo, &params, scope, &cancel, None, wiring).expect("runs")
            };
            let (cheap, every) = (recorded(false), recorded(true));
            let name = demo.info().name;
            assert!(every.events.len() > 1, "{name}: recorded nothing");
            assert_eq!(cheap.events, every.events, "{name}: timelines differ");
        }
    }

    #[test]
    fn every_demo_has_a_short_teaching_core() {
        for demo in registry() {
            let info = demo.info();
            let core = teaching_core(info.source);
            let lines = core.lines().count();
            assert!(
                core.lines().any(|l| !l.trim().is_empty()),
                "{}: empty core",
                info.name
            );
            assert!(
                lines <= 90,
                "{}: teaching core is {lines} lines (at most 90)",
                info.name
            );
        }
    }
}
