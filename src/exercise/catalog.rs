//! Every exercise, in teaching order: a starter with a TODO, a goal in one
//! sentence, hints revealed one at a time, a reference solution, and the
//! `expect` lines that grade it over a grid of parameter sets and seeds.
//!
//! An exercise belongs to a lesson and takes that lesson's demo's
//! parameters, so `set concurrency 10` then `run` works on the learner's
//! code exactly as on the demo. The code lives in `lessons/exercises/`.

use crate::demo::params::closest;

use super::ExerciseError;

/// One exercise.
#[derive(Debug)]
pub struct Exercise {
    /// `bound-scan`: what `exercise`, `check` and the CLI take.
    pub name: &'static str,
    /// The lesson it belongs to (by id); its demo gives the parameters.
    pub lesson: &'static str,
    /// One sentence: what the learner's code must do.
    pub goal: &'static str,
    /// Revealed one at a time by `hint`.
    pub hints: &'static [&'static str],
    /// `expect` lines, checked in every run of the grid.
    pub expects: &'static [&'static str],
    /// Parameter sets `check` runs, each `name=value` pairs separated by
    /// spaces; every set runs with every seed.
    pub grid: &'static [&'static str],
    pub seeds: &'static [u64],
    pub starter: &'static str,
    pub solution: &'static str,
}

impl Exercise {
    /// Every (parameter set, seed) `check` runs, as `name=value` pairs.
    pub fn runs(&self) -> Vec<Vec<(String, String)>> {
        let mut runs = Vec::new();
        for set in self.grid {
            for seed in self.seeds {
                let mut pairs: Vec<(String, String)> = set
                    .split_whitespace()
                    .filter_map(|pair| pair.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                pairs.push(("seed".to_string(), seed.to_string()));
                runs.push(pairs);
            }
        }
        runs
    }
}

/// Finds an exercise by name, with a suggestion when it is misspelt.
pub fn find(name: &str) -> Result<&'static Exercise, ExerciseError> {
    EXERCISES
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| ExerciseError::Unknown {
            name: name.to_string(),
            suggestion: closest(name, EXERCISES.iter().map(|e| e.name)),
        })
}

/// The exercises of one lesson.
pub fn of_lesson(lesson: &str) -> impl Iterator<Item = &'static Exercise> {
    EXERCISES.iter().filter(move |e| e.lesson == lesson)
}

pub static EXERCISES: &[Exercise] = &[
    Exercise {
        name: "bound-scan",
        lesson: "port-check",
        goal: "keep at most `concurrency` checks in flight, start the next the moment one ends, and still check every port",
        hints: &[
            "A `tokio::sync::Semaphore` with `concurrency` permits is a counter of free slots; wrap it in an `Arc` so every task can hold it.",
            "In each task, take a permit before the connect: `let _permit = permits.acquire().await;` (clone the `Arc` into the task first). The permit goes back when `_permit` is dropped.",
            "`asynclab_kit::acquire_permit(&task, &permits, concurrency)` does the same and records `waiting:permit` on the timeline.",
        ],
        // `steady_in_flight` (the mean in flight until the last check
        // starts) is exactly `concurrency` for a bound that refills a slot
        // the moment it frees; batches, which wait for the slowest of each,
        // measured 0.65..0.85 × concurrency over seeds 1..30.
        expects: &[
            "peak_in_flight == concurrency",
            "steady_in_flight >= concurrency * 0.95",
            "completed == count",
        ],
        grid: &["count=40 concurrency=3", "count=60 concurrency=10"],
        seeds: &[1, 7],
        starter: include_str!("../../lessons/exercises/bound-scan.rs"),
        solution: include_str!("../../lessons/exercises/bound-scan.solution.rs"),
    },
    Exercise {
        name: "join-errors",
        lesson: "spawn",
        goal: "await every JoinHandle and report each task's outcome: a result, a scan error, or a panic",
        hints: &[
            "Awaiting a `JoinHandle<T>` gives `Result<T, JoinError>`. Here `T` is the scan's own `Result<String, String>`, so there are two layers: did the task finish, and did its scan work?",
            "`Ok(Ok(banner))` is a result, `Ok(Err(reason))` a scan that failed, and `Err(e)` a task that did not finish: `e.is_panic()` says it panicked.",
            "`match handle.await { Ok(Ok(_)) => \"reported_ok\", Ok(Err(_)) => \"reported_failed\", Err(e) if e.is_panic() => \"reported_panicked\", Err(_) => continue }`, then `ctx.rec.add_metric(that, 1)`.",
        ],
        expects: &[
            "reported_ok == completed",
            "reported_failed == failed",
            "reported_panicked == panicked",
        ],
        grid: &["count=12 failures=on", "count=30 latency=50ms failures=on"],
        seeds: &[1, 7],
        starter: include_str!("../../lessons/exercises/join-errors.rs"),
        solution: include_str!("../../lessons/exercises/join-errors.solution.rs"),
    },
    Exercise {
        name: "fail-fast",
        lesson: "try-join",
        goal: "return at the first failed step and cancel the steps still running",
        hints: &[
            "`join!` always waits for every future. There is a sibling macro for futures that return `Result`: it stops at the first `Err`.",
            "`tokio::try_join!(a, b, c)` returns `Ok((a, b, c))` when all succeed, or the first `Err` the moment it happens; the other futures are dropped, which cancels them.",
            "Replace the `join!` and the `and` chain with `match tokio::try_join!(ports, services, vulns) { Ok(_) => …, Err(error) => … }`.",
        ],
        expects: &["total <= fail_after", "cancelled == 2"],
        grid: &[
            "latency=100ms fail=services fail_after=40ms",
            "latency=300ms fail=services fail_after=120ms",
            "latency=60ms fail=services fail_after=25ms",
        ],
        seeds: &[1, 7],
        starter: include_str!("../../lessons/exercises/fail-fast.rs"),
        solution: include_str!("../../lessons/exercises/fail-fast.solution.rs"),
    },
    Exercise {
        name: "first-mirror",
        lesson: "select",
        goal: "in every lookup, take whichever server answers first and drop the other query",
        hints: &[
            "Waiting for both is `join!`. Racing them, and keeping only the winner, is another macro: the loser's future is dropped, which is how async Rust cancels.",
            "`tokio::select! { () = primary => …, () = mirror => … }` runs the branch of the first future to finish and drops the other one.",
            "`let winner = tokio::select! { () = primary => \"primary\", () = mirror => \"mirror\" };` then `task.completed(format!(\"the {winner} answered first\"))`.",
        ],
        // `loser_kept_ms` (recorded by the starter's `query`): the time
        // losers lived on after their lookup was decided, summed. A
        // `select!` drops the loser at once (0); keeping it pinned past the
        // race still ends "cancelled", but late.
        expects: &[
            "cancelled == count",
            "completed == count * 2",
            "loser_kept_ms == 0",
        ],
        grid: &["count=6 latency=100ms", "count=40 latency=30ms"],
        seeds: &[1, 7],
        starter: include_str!("../../lessons/exercises/first-mirror.rs"),
        solution: include_str!("../../lessons/exercises/first-mirror.solution.rs"),
    },
    Exercise {
        name: "bounded-progress",
        lesson: "progress",
        goal: "keep at most `capacity` progress updates waiting in the channel, and still print every one",
        hints: &[
            "An unbounded channel never makes a sender wait, so a slow receiver means a backlog that grows with the scan. A bounded channel has a fixed number of slots.",
            "`mpsc::channel(capacity)` gives a `Sender` whose `send(value)` is async: it waits while the channel is full. `try_send` would drop updates instead, and `check` counts what is printed.",
            "`let (tx, mut rx) = mpsc::channel::<usize>(capacity);` and in each scan `let _ = tx.send(i).await;` (`tx.capacity() == 0` tells you it is about to wait).",
        ],
        expects: &["max_backlog <= capacity", "printed == count"],
        grid: &[
            "count=30 concurrency=10 capacity=4",
            "count=80 concurrency=20 latency=40ms capacity=10",
        ],
        seeds: &[1, 7],
        starter: include_str!("../../lessons/exercises/bounded-progress.rs"),
        solution: include_str!("../../lessons/exercises/bounded-progress.solution.rs"),
    },
    Exercise {
        name: "shutdown-broadcast",
        lesson: "cancel",
        goal: "on shutdown, let each worker finish the check in hand, then take no new target and exit",
        hints: &[
            "Each worker owns a receiver of the shutdown channel. The place to look at it is between two targets: a check already started should finish.",
            "`stop.try_recv()` never waits: `Err(TryRecvError::Empty)` means no shutdown yet; anything else (the message, or the sender gone) means stop. Declare the receiver `mut`.",
            "`while let Err(TryRecvError::Empty) = stop.try_recv() { let Some(i) = next_target(&queue) else { break }; … }` (import `tokio::sync::broadcast::error::TryRecvError`).",
        ],
        expects: &[
            "total < stop_after * 2",
            // Targets only: `completed` counts the operator's lane too.
            "checked < count",
            "cancelled == 0",
        ],
        grid: &[
            "count=40 concurrency=4 latency=80ms stop_after=200ms",
            "count=60 concurrency=6 latency=50ms stop_after=150ms",
        ],
        seeds: &[1, 7],
        starter: include_str!("../../lessons/exercises/shutdown-broadcast.rs"),
        solution: include_str!("../../lessons/exercises/shutdown-broadcast.solution.rs"),
    },
    Exercise {
        name: "watch-cleanup",
        lesson: "cancel",
        goal: "on stop, abandon every check in flight at once, then run each worker's cleanup",
        hints: &[
            "Two things to do: take no new target once the value is `true`, and race the check in flight against the stop. Whatever ends the loop, the cleanup after it must still run.",
            "`*stop.borrow()` reads the value now; `stop.changed().await` waits until it changes. `tokio::select!` over `stop.changed()` and the check's `sleep` drops whichever loses. Declare the receiver `mut`.",
            "`while !*stop.borrow() { let Some(i) = next_target(&queue) else { break }; …; tokio::select! { _ = stop.changed() => break, () = time::sleep(took) => {} } … }`: `break`, not `return`, so `cleanup` runs.",
        ],
        expects: &[
            "total <= stop_after * 1.2",
            "cancelled >= 1",
            "cleanups == concurrency",
        ],
        grid: &[
            "count=40 concurrency=4 latency=80ms stop_after=200ms",
            "count=60 concurrency=6 latency=50ms stop_after=150ms",
        ],
        seeds: &[1, 7],
        starter: include_str!("../../lessons/exercises/watch-cleanup.rs"),
        solution: include_str!("../../lessons/exercises/watch-cleanup.solution.rs"),
    },
    Exercise {
        name: "offload-parse",
        lesson: "blocking",
        goal: "parse the report off the runtime's thread, so the heartbeat keeps beating every 10 ms",
        hints: &[
            "A future only gives its thread back at an `.await`. The parse has none, so while it runs nothing else on that thread moves. It needs a thread of its own.",
            "`tokio::task::spawn_blocking(closure)` runs a closure on tokio's pool of blocking threads and returns a `JoinHandle` you can `.await` without holding the thread.",
            "`let findings = tokio::task::spawn_blocking(move || parse_report(work)).await;` gives `Result<u64, JoinError>`: `Err` only if the parse panicked.",
        ],
        expects: &["heartbeat_gap_ms < 40", "reports_parsed == 1"],
        grid: &["clock=real work=60ms", "clock=real work=150ms"],
        seeds: &[1, 2],
        starter: include_str!("../../lessons/exercises/offload-parse.rs"),
        solution: include_str!("../../lessons/exercises/offload-parse.solution.rs"),
    },
    Exercise {
        name: "drop-the-guard",
        lesson: "shared-state",
        goal: "hold the findings lock only to push, and save to disk after releasing it",
        hints: &[
            "The lock is held for as long as its guard (`list`) lives, and here it lives across the save's `.await`. Every other writer waits that whole time.",
            "Copy what the save needs while you hold the lock (`list.clone()`), then drop the guard, with `drop(list)` or by ending a block, before the slow `.await`.",
            "`let snapshot = { let mut list = lock(&task, &findings).await; list.push(…); list.clone() };` then `save(&task, &rec, &snapshot, hold).await;`.",
        ],
        expects: &["max_wait < hold", "speedup >= 2", "saved == written"],
        grid: &[
            "writers=3 rounds=3 hold=10ms",
            "writers=6 rounds=4 hold=20ms",
        ],
        seeds: &[1, 7],
        starter: include_str!("../../lessons/exercises/drop-the-guard.rs"),
        solution: include_str!("../../lessons/exercises/drop-the-guard.solution.rs"),
    },
    Exercise {
        name: "buffer-unordered",
        lesson: "streams",
        goal: "probe every host with exactly `concurrency` probes in flight, as a stream",
        hints: &[
            "A stream is an async iterator. Make one of the hosts, turn each host into a probe future, and let a stream adapter run several of those futures at once.",
            "`futures::stream::iter(1..=count)` makes the stream; `.map(|host| probe(&ctx, host, latency))` gives a stream of futures; `.buffer_unordered(concurrency)` runs that many at a time (`use futures::StreamExt`).",
            "`let open_ports: u64 = stream::iter(1..=count).map(|host| probe(&ctx, host, latency)).buffer_unordered(concurrency).collect::<Vec<u64>>().await.into_iter().sum();`",
        ],
        // Exactly `concurrency` until the hosts run out: chunks of
        // `concurrency` (join_all per chunk) measured 0.64..0.86 ×
        // concurrency over seeds 1..30, a sliding window exactly 1.
        expects: &[
            "peak_in_flight == concurrency",
            "steady_in_flight >= concurrency * 0.95",
            "completed == count",
        ],
        grid: &[
            "count=16 concurrency=4",
            "count=40 concurrency=7 latency=30ms",
        ],
        seeds: &[1, 7],
        starter: include_str!("../../lessons/exercises/buffer-unordered.rs"),
        solution: include_str!("../../lessons/exercises/buffer-unordered.solution.rs"),
    },
    Exercise {
        name: "steady-rescan",
        lesson: "interval",
        goal: "after a slow re-scan, keep the schedule's pace: no two re-scans start less than half a period apart",
        hints: &[
            "The interval is not wrong to be late; the question is what it does with the ticks it missed. It has a setting for exactly that.",
            "`ticker.set_missed_tick_behavior(…)` takes a `tokio::time::MissedTickBehavior`: `Burst` (the default) fires every missed tick at once, `Delay` and `Skip` do not. Read what each does with the *next* tick.",
            "`ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);` right after `time::interval(period)`: the next period then counts from the late tick.",
        ],
        expects: &["bursts == 0", "scans >= 3", "total >= duration"],
        grid: &[
            "period=100ms work=30ms duration=1s",
            "period=50ms work=15ms duration=800ms",
        ],
        seeds: &[1, 7],
        starter: include_str!("../../lessons/exercises/steady-rescan.rs"),
        solution: include_str!("../../lessons/exercises/steady-rescan.solution.rs"),
    },
    Exercise {
        name: "timeout-and-deadline",
        lesson: "timeouts",
        goal: "give each request at most `timeout` and the whole batch at most `deadline`",
        hints: &[
            "Two limits, two places: one around each request (a hung request is given up and the batch goes on), one around the whole loop (when it passes, everything stops). Put the loop in an `async` block to make the batch one future.",
            "`tokio::time::timeout(limit, future).await` gives `Ok(output)`, or `Err(Elapsed)` after `limit` with the future dropped. On `Err`, record it with `task.timed_out(\"…\")`.",
            "`let batch = async { for … { if time::timeout(timeout, request(&task, took)).await.is_err() { task.timed_out(\"…\"); } } }; let _ = time::timeout(deadline, batch).await;`",
        ],
        expects: &["total <= deadline", "timed_out >= 1"],
        grid: &[
            "count=12 latency=60ms timeout=150ms deadline=400ms",
            "count=20 latency=30ms timeout=100ms deadline=300ms",
        ],
        seeds: &[1, 7],
        starter: include_str!("../../lessons/exercises/timeout-and-deadline.rs"),
        solution: include_str!("../../lessons/exercises/timeout-and-deadline.solution.rs"),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::Expectation;

    #[test]
    fn every_exercise_is_well_formed() {
        let mut names = std::collections::HashSet::new();
        for e in EXERCISES {
            assert!(names.insert(e.name), "{} twice", e.name);
            assert!(
                crate::lesson::Catalog::embedded().find(e.lesson).is_ok(),
                "{}: no lesson {}",
                e.name,
                e.lesson
            );
            assert!(!e.hints.is_empty() && !e.expects.is_empty(), "{}", e.name);
            assert!(
                e.grid.len() >= 2 && e.seeds.len() >= 2,
                "{}: check needs at least two parameter sets and two seeds",
                e.name
            );
            for line in e.expects {
                Expectation::parse(line).unwrap_or_else(|why| panic!("{}: {line}: {why}", e.name));
            }
            assert!(
                e.starter.contains("TODO"),
                "{}: the starter says what to do",
                e.name
            );
            assert!(
                e.starter.contains("pub async fn run(ctx: Ctx)"),
                "{}",
                e.name
            );
            assert!(
                e.solution.contains("pub async fn run(ctx: Ctx)"),
                "{}",
                e.name
            );
        }
        assert!(find("bound-scna").is_err());
    }
}
