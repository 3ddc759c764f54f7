//! The open demo's parameters: `set`, the `params` table, and what tab
//! completion offers for them.

use std::io::Write;

use super::resolve::Resolved;
use super::{Completions, Session, SessionError, Transcript};
use crate::demo::{Kind, ParamError, Params, Value};

impl Session {
    /// The lesson's defaults with the injected overrides; a parameter the
    /// lesson's demo does not have is skipped.
    pub(super) fn base_params(&self, resolved: &Resolved) -> Result<Params, ParamError> {
        let mut params = resolved.defaults.clone();
        for (name, value) in &self.overrides {
            if params.spec(name).is_ok() {
                params.set(name, value)?;
            }
        }
        Ok(params)
    }

    pub(super) fn set(
        &mut self,
        param: &str,
        value: &str,
        out: &mut Transcript,
    ) -> Result<(), SessionError> {
        // A target out of scope is said now, not only when a real-clock
        // `run` refuses it (the virtual clock never touches it, so it is
        // kept).
        let refused = (param == "target")
            .then(|| self.opts.scope.check_host_now(value).err())
            .flatten();
        let open = self.open_mut()?;
        let before = open.params.get(param).map(Value::to_string);
        open.params.set(param, value)?;
        let now = open
            .params
            .get(param)
            .map(Value::to_string)
            .unwrap_or_default();
        match before {
            Some(b) if b != now => writeln!(
                out,
                "{}",
                self.wrapped(
                    &format!("{param} = {now} (was {b}); `run` to see the difference"),
                    "  "
                )
            )?,
            _ => writeln!(out, "{}", self.wrapped(&format!("{param} = {now}"), "  "))?,
        }
        if let Some(error) = refused {
            let note = format!("note: on the real clock `run` will refuse it: {error}");
            out.aside(&self.wrapped(&note, "  "))?;
        }
        Ok(())
    }

    pub(super) fn params(&self, out: &mut Transcript) -> Result<(), SessionError> {
        let open = self.open_ref()?;
        // A real table: the help column (with the allowed range) wraps
        // inside itself, so a narrow window gets no staircase.
        let mut rows = vec![vec![
            "parameter".to_string(),
            "value".to_string(),
            "default".to_string(),
            "what it does [allowed]".to_string(),
        ]];
        for spec in open.params.specs() {
            let value = open
                .params
                .get(spec.name)
                .map(Value::to_string)
                .unwrap_or_default();
            let default = open
                .resolved
                .defaults
                .get(spec.name)
                .map(Value::to_string)
                .unwrap_or_default();
            let mark = if value != default { "*" } else { "" };
            rows.push(vec![
                spec.name.to_string(),
                format!("{value}{mark}"),
                default,
                format!("{} [{}]", spec.help, spec.range()),
            ]);
        }
        out.table(&rows, self.opts.width)?;
        out.aside(&self.wrapped(
            "* changed from the lesson's default · `set <param> <value>` to change, `reset` to restore",
            "",
        ))?;
        Ok(())
    }

    pub fn completions(&self) -> Completions {
        let mut lessons: Vec<String> = self.catalog.lessons().map(|l| l.meta.id.clone()).collect();
        lessons.extend((1..=self.catalog.entries.len()).map(|n| n.to_string()));
        // One pass over the open demo's parameters: what each completes to
        // (its choices) and what `set <param> ` hints (range, value now).
        let (params, param_hints): (Vec<_>, Vec<_>) = self
            .open
            .as_ref()
            .map(|o| {
                o.params
                    .specs()
                    .iter()
                    .map(|s| {
                        let values = match s.kind {
                            Kind::Choice(names) => names.iter().map(|n| n.to_string()).collect(),
                            _ => Vec::new(),
                        };
                        let now = o
                            .params
                            .get(s.name)
                            .map(|v| v.to_string())
                            .unwrap_or_default();
                        (
                            (s.name.to_string(), values),
                            (s.name.to_string(), format!("{} (now {now})", s.range())),
                        )
                    })
                    .unzip()
            })
            .unwrap_or_default();
        let topics = self
            .open
            .as_ref()
            .map(|o| {
                o.resolved
                    .lesson
                    .explains
                    .iter()
                    .map(|e| e.topic.clone())
                    .collect()
            })
            .unwrap_or_default();
        let metrics = match &self.last {
            Some(last) => last.analysis.summary.metric_names(),
            None => crate::timeline::SUMMARY_METRICS
                .iter()
                .map(|m| m.to_string())
                .collect(),
        };
        Completions {
            lessons,
            params,
            param_hints,
            topics,
            metrics,
        }
    }
}
