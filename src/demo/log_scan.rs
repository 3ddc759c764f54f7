//! # Reading a log file asynchronously: `tokio::fs` and a bounded pipeline
//!
//! An auth log is read line by line and checked for brute-force attempts.
//! A reader task and a parser task, joined by bounded `mpsc` channels, and
//! the demo's own loop counting what the parser sends:
//!
//! reader (`tokio::fs::File` + `BufReader::lines()`) → parser → counting loop
//!
//! - `tokio::fs` runs the file calls on tokio's blocking pool (there is no
//!   portable async file I/O), so a read never stalls the runtime's threads.
//! - `lines()` yields one line per `next_line().await`: memory holds the
//!   buffer and the lines in flight, never the whole file.
//! - The channels are bounded: when the parser falls behind, the reader's
//!   `send` waits (back-pressure) instead of buffering the whole file.
//!
//! The log is written to a file unique to this run under the system's
//! temporary directory, and deleted when the run ends (a `Drop` guard).

use std::collections::BTreeMap;
use std::path::PathBuf;

use async_trait::async_trait;
use tokio::fs::File;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use tokio::time;

use asynclab_kit::{Ctx, Demo, DemoError, DemoInfo, ParamSpec, WaitOn};

static INFO: DemoInfo = DemoInfo {
    name: "log-scan",
    title: "Async file reading: an auth-log pipeline",
    about: "tokio::fs reads an auth log line by line into a bounded pipeline that flags brute-force sources",
    params: &[
        ParamSpec::int("lines", 1, 100_000, "40", "lines in the generated auth log"),
        ParamSpec::int(
            "capacity",
            1,
            10_000,
            "4",
            "room in each channel of the pipeline",
        ),
        ParamSpec::duration(
            "parse",
            "5ms",
            "time the parser waits on each line (a simulated lookup)",
        ),
        ParamSpec::int(
            "threshold",
            1,
            1_000,
            "5",
            "failed logins that flag a source",
        ),
    ],
    source: include_str!("log_scan.rs"),
    single_thread: false,
};

pub struct LogScan;

/// The run's log file: deleted when dropped, however the run ends.
struct TempLog(PathBuf);

impl Drop for TempLog {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A seeded sshd-style log: most logins succeed, one source keeps failing.
fn write_log(ctx: &Ctx, lines: usize) -> Result<TempLog, DemoError> {
    let mut sim = ctx.sim(0);
    let text: String = (0..lines)
        .map(|i| match sim.below(8) {
            0..=2 => format!("{i} sshd: Failed password for root from 10.0.0.66\n"),
            3 => format!(
                "{i} sshd: Failed password for admin from 10.0.0.{}\n",
                i % 5 + 1
            ),
            _ => format!(
                "{i} sshd: Accepted publickey for ops from 10.0.0.{}\n",
                i % 5 + 1
            ),
        })
        .collect();
    // A new file of our own: `create_new` fails on anything already there,
    // a symlink planted in /tmp included, so we never write through one.
    // The name counts up past files left over or planted.
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut tries = 0;
    let (path, mut file) = loop {
        let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "asynclab-auth-{}-{}-{n}.log",
            std::process::id(),
            ctx.seed
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => break (path, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && tries < 100 => tries += 1,
            Err(e) => return Err(e.into()),
        }
    };
    std::io::Write::write_all(&mut file, text.as_bytes())?;
    Ok(TempLog(path))
}

#[async_trait]
impl Demo for LogScan {
    fn info(&self) -> &'static DemoInfo {
        &INFO
    }

    // ANCHOR: core
    async fn run(&self, ctx: Ctx) -> Result<(), DemoError> {
        let capacity = ctx.params.usize("capacity")?;
        let (parse, threshold) = (ctx.params.duration("parse")?, ctx.params.int("threshold")?);
        let log = write_log(&ctx, ctx.params.usize("lines")?)?;
        let (lines_tx, mut lines_rx) = mpsc::channel::<String>(capacity);
        let (fails_tx, mut fails_rx) = mpsc::channel::<String>(capacity);

        // Stage 1: read the file a line at a time.
        let (reader, path) = (ctx.rec.task("reader"), log.0.clone());
        let read = tokio::spawn(async move {
            reader.waiting(WaitOn::Io, "opening the log (on the blocking pool)");
            let mut lines = BufReader::new(File::open(path).await?).lines();
            let (mut read, mut waits) = (0u64, 0u64);
            while let Some(line) = lines.next_line().await? {
                read += 1;
                // `try_send` first only to show on the timeline when the
                // parser is behind; then the waiting `send`.
                if let Err(mpsc::error::TrySendError::Full(line)) = lines_tx.try_send(line) {
                    waits += 1;
                    reader.waiting(WaitOn::Channel, "pipeline full: back-pressure");
                    if lines_tx.send(line).await.is_err() {
                        break;
                    }
                    reader.sent("room again");
                }
            }
            reader.completed(format!("{read} lines read"));
            Ok::<_, std::io::Error>((read, waits))
        });

        // Stage 2: keep the failed logins, pass on their source address.
        let parser = ctx.rec.task("parser");
        let parse_task = tokio::spawn(async move {
            while let Some(line) = lines_rx.recv().await {
                // The wait stands for a lookup the parser awaits for each
                // line (the source's reputation, say): time spent waiting,
                // not computing. Milliseconds of real CPU work per line
                // would hold the runtime's thread: that belongs in
                // `spawn_blocking` (the blocking lesson).
                parser.waiting(WaitOn::Io, "looking up the line's source");
                time::sleep(parse).await;
                if let Some((_, source)) = line.split_once("Failed password for ") {
                    let ip = source.rsplit(' ').next().unwrap_or_default().to_string();
                    if fails_tx.send(ip).await.is_err() {
                        break;
                    }
                }
            }
            parser.completed("end of log");
        });

        // Stage 3 (here): count failures per source.
        let mut failures: BTreeMap<String, u64> = BTreeMap::new();
        while let Some(ip) = fails_rx.recv().await {
            *failures.entry(ip).or_default() += 1;
        }
        let (read, waits) = read
            .await
            .map_err(|e| DemoError::Setup(format!("the reader task failed: {e}")))??;
        let _ = parse_task.await;
        // ANCHOR_END: core

        for (ip, n) in failures.iter().filter(|(_, n)| **n >= threshold) {
            ctx.rec
                .add_finding("brute force", format!("{ip} ({n} failures)"));
        }
        ctx.rec.set_metric("lines_read", read);
        ctx.rec.set_metric("send_waits", waits);
        ctx.rec
            .set_metric("failed_logins", failures.values().sum::<u64>());
        let flagged = failures.values().filter(|n| **n >= threshold).count();
        ctx.rec.set_metric("flagged_sources", flagged as u64);
        drop(log); // deletes the file now: the run is over
        Ok(())
    }
}
