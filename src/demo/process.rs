//! # Running external tools with `tokio::process`
//!
//! Security work often wraps other programs. `tokio::process::Command` runs
//! one as a child process without blocking the runtime: its output is read
//! and its exit is awaited like any other I/O.
//!
//! Two rules keep it safe and bounded:
//!
//! - **No shell.** The program and each argument are passed separately (an
//!   argument vector). A value from the user is *one* argument, whatever it
//!   contains: `127.0.0.1; rm -rf ~` reaches the child as that literal
//!   string, never as a second command. Never build a `sh -c "…"` line.
//! - **A timeout, then a kill.** A tool that hangs must not hang the scan:
//!   `timeout(limit, child.wait())`, and on expiry `child.kill().await`.
//!
//! The tools here are harmless: `echo` (prints its arguments) and `sleep`.

use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use tokio::process::Command;
use tokio::task::JoinSet;
use tokio::time;

use asynclab_kit::lab::children::{die_with_us, find_program};
use asynclab_kit::{Clock, Ctx, Demo, DemoError, DemoInfo, Kind, ParamSpec, TaskRec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "process",
    title: "External tools with tokio::process",
    about: "child processes with an argument vector (never a shell), output captured, killed on timeout",
    params: &[
        // Child processes run in wall time: the real clock by default.
        asynclab_kit::params::REAL_CLOCK_DEFAULT,
        ParamSpec::int("count", 1, 20, "4", "slow tool runs (each a `sleep` child)"),
        ParamSpec::duration(
            "latency",
            "150ms",
            "typical run time of the slow tool; one run in two takes three times longer",
        ),
        ParamSpec::duration(
            "timeout",
            "300ms",
            "how long a child may run before it is killed",
        ),
        ParamSpec {
            name: "target",
            kind: Kind::Text,
            default: "127.0.0.1; rm -rf ~",
            help: "a value passed to `echo` as one argument",
        },
    ],
    source: include_str!("process.rs"),
    single_thread: false,
};

pub struct Process;

#[async_trait]
impl Demo for Process {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        if ctx.clock == Clock::Virtual {
            return Err(DemoError::Setup(
                "child processes run in real time: `set clock real`".into(),
            ));
        }
        let limit = ctx.params.duration("timeout")?;
        let latency = ctx.params.duration("latency")?;
        // Each program is looked up once, by absolute path: a `./sleep`
        // in the current folder (with `.` on PATH) never runs instead.
        let echo_program = find_program("echo")?;
        let sleep_program = find_program("sleep")?;
        let mut children = JoinSet::new();

        // The user's value is one element of the argument vector.
        let target = ctx.params.text("target")?.to_string();
        let echo = ctx.rec.task("echo");
        let mut command = Command::new(&echo_program);
        command.arg("scanning").arg(target);
        children.spawn(run_tool(echo, command, limit));

        for i in 0..ctx.params.usize("count")? {
            let mut sim = ctx.sim(i as u64);
            let took = if i % 2 == 1 {
                sim.latency(latency) * 3
            } else {
                sim.latency(latency)
            };
            let task = ctx.rec.task(format!("sleep-{}", i + 1));
            let secs = format!("{:.3}", took.as_secs_f64());
            let mut command = Command::new(&sleep_program);
            command.arg(secs);
            children.spawn(run_tool(task, command, limit));
        }

        while let Some(joined) = children.join_next().await {
            let metric = match joined {
                Ok(Ok(true)) => "exited",
                Ok(Ok(false)) => "killed",
                Ok(Err(_)) | Err(_) => "errors",
            };
            ctx.rec.add_metric(metric, 1);
        }
        for metric in ["exited", "killed", "errors"] {
            ctx.rec.add_metric(metric, 0); // present even when zero
        }
        Ok(())
    }
}

// ANCHOR: core
/// Runs one child: true if it exited by itself, false if it was killed.
async fn run_tool(task: TaskRec, mut command: Command, limit: Duration) -> std::io::Result<bool> {
    let _guard = task.guard("aborted");
    // kill_on_drop: if this future is dropped (Ctrl-C), the child dies too.
    // die_with_us: and if asynclab itself dies, even by SIGKILL.
    let mut child = die_with_us(&mut command)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .inspect_err(|e| {
            task.failed(format!("could not start: {e}"));
        })?;
    task.waiting(
        WaitOn::Io,
        format!("child pid {} running", child.id().unwrap_or(0)),
    );
    let stdout = child.stdout.take();
    let output = async {
        let mut text = String::new();
        if let Some(mut out) = stdout {
            tokio::io::AsyncReadExt::read_to_string(&mut out, &mut text).await?;
        }
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, text))
    };
    match time::timeout(limit, output).await {
        Ok(Ok((status, text))) => {
            let said = text.trim();
            task.completed(if said.is_empty() {
                format!("exited: {status}")
            } else {
                format!("{status}; stdout: {said:?}")
            });
            Ok(true)
        }
        Ok(Err(e)) => {
            task.failed(format!("i/o error: {e}"));
            Err(e)
        }
        Err(_elapsed) => {
            // The `output` future is gone; the child is not. Kill it.
            child.kill().await?;
            task.timed_out(format!(
                "still running after {}ms: killed",
                limit.as_millis()
            ));
            Ok(false)
        }
    }
}
// ANCHOR_END: core
