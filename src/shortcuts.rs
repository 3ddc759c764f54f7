//! The demo shortcuts of the command line: `asynclab port-check --count
//! 100 --concurrency 10`. One subcommand per demo of the registry, one
//! flag per parameter the demo declares, made from those declarations:
//! a new demo gets its shortcut, its `--help` and its range checks
//! without a line here.

use clap::{Arg, ArgAction, ArgMatches, Command, builder::PossibleValuesParser};

use crate::demo::{self, Demo, Kind, ParamSpec};

/// Flag names kept from the first command line (`--max-concurrent`,
/// `--requests`): scripts written for it still work.
const ALIASES: &[(&str, &str)] = &[("concurrency", "max-concurrent"), ("count", "requests")];

/// Parameters that name real targets: given one, a shortcut runs on the
/// real clock unless `--clock` says otherwise (a URL is fetched for real).
const REAL_TARGETS: &[&str] = &["urls"];

/// The subcommand of every demo in the registry.
pub fn subcommands() -> Vec<Command> {
    demo::registry().iter().map(|d| subcommand(*d)).collect()
}

/// The demo a subcommand name stands for.
pub fn demo_named(name: &str) -> Option<&'static dyn Demo> {
    demo::registry()
        .iter()
        .copied()
        .find(|d| d.info().name == name)
}

fn subcommand(demo: &'static dyn Demo) -> Command {
    let info = demo.info();
    let flags = specs(demo).map(flag).collect::<Vec<_>>();
    Command::new(info.name).about(info.about).args(flags).arg(
        Arg::new("set")
            .long("set")
            .value_name("NAME=VALUE")
            .action(ArgAction::Append)
            .help("Set any parameter: --set concurrency=10 (repeatable)"),
    )
}

/// The demo's own parameters, then those every demo has.
fn specs(demo: &dyn Demo) -> impl Iterator<Item = &'static ParamSpec> {
    crate::demo::params::declared(demo.info().params).into_iter()
}

fn flag(spec: &'static ParamSpec) -> Arg {
    let arg = Arg::new(spec.name)
        .long(spec.name)
        .value_name("VALUE")
        .help(format!(
            "{} [{}; default {}]",
            spec.help,
            spec.range(),
            spec.default
        ))
        .aliases(
            ALIASES
                .iter()
                .filter(|(name, _)| *name == spec.name)
                .map(|(_, alias)| *alias),
        );
    // Numbers and choices are checked by clap, so a typo is refused with
    // the usage line before anything runs; the rest by the parameter.
    match spec.kind {
        // Read as a signed number, so `--concurrency -1` is told the
        // range rather than taken for an unknown flag.
        Kind::Int { min, max } => arg
            .allow_negative_numbers(true)
            .value_parser(clap::value_parser!(i64).range(signed(min)..=signed(max))),
        Kind::Choice(names) => arg.value_parser(PossibleValuesParser::new(names.iter().copied())),
        _ => arg,
    }
}

/// A bound of a parameter's range as clap's signed range takes it.
fn signed(bound: u64) -> i64 {
    i64::try_from(bound).unwrap_or(i64::MAX)
}

/// The settings a shortcut's flags make, in the order they apply:
/// flags, then `--set` items. An item that is not `NAME=VALUE` is an error.
pub fn settings(demo: &dyn Demo, matches: &ArgMatches) -> Result<Vec<(String, String)>, String> {
    let mut sets: Vec<(String, String)> = Vec::new();
    for spec in specs(demo) {
        let value = match spec.kind {
            Kind::Int { .. } => matches.get_one::<i64>(spec.name).map(i64::to_string),
            _ => matches.get_one::<String>(spec.name).cloned(),
        };
        if let Some(value) = value {
            sets.push((spec.name.to_string(), value));
        }
    }
    if sets
        .iter()
        .any(|(name, _)| REAL_TARGETS.contains(&name.as_str()))
        && !sets.iter().any(|(name, _)| name == "clock")
    {
        sets.push(("clock".into(), "real".into()));
    }
    let items = matches.get_many::<String>("set").into_iter().flatten();
    sets.extend(parse_sets(items)?);
    Ok(sets)
}

/// `--set NAME=VALUE` items as pairs: the one parser of them.
pub fn parse_sets<'a>(
    items: impl IntoIterator<Item = &'a String>,
) -> Result<Vec<(String, String)>, String> {
    items
        .into_iter()
        .map(|item| {
            item.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| {
                    format!("--set '{item}' must be NAME=VALUE, e.g. --set concurrency=10")
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Vec<(String, String)>, String> {
        let demo = demo_named(args[0]).ok_or("no demo")?;
        let matches = subcommand(demo)
            .try_get_matches_from(args)
            .map_err(|e| e.to_string())?;
        settings(demo, &matches)
    }

    #[test]
    fn every_demo_has_a_shortcut_with_a_flag_per_parameter() {
        for demo in demo::registry() {
            let command = subcommand(*demo);
            for spec in demo.info().params {
                assert!(
                    command.get_arguments().any(|a| a.get_id() == spec.name),
                    "{}: --{}",
                    demo.info().name,
                    spec.name
                );
            }
        }
    }

    #[test]
    fn flags_old_aliases_and_set_items_become_settings() {
        let sets = parse(&["rate-limit", "--requests", "20", "--max-concurrent", "3"]);
        assert_eq!(
            sets.expect("parses"),
            vec![
                ("count".to_string(), "20".to_string()),
                ("concurrency".to_string(), "3".to_string())
            ]
        );
        let err = parse(&["rate-limit", "--requests", "x"]).expect_err("not a number");
        assert!(err.contains("invalid value 'x'"), "{err}");
        let err = parse(&["rate-limit", "--set", "concurrency"]).expect_err("no =");
        assert!(err.contains("must be NAME=VALUE"), "{err}");
        let urls = parse(&["http-fetch", "--urls", "http://127.0.0.1:1/"]).expect("parses");
        assert!(urls.contains(&("clock".into(), "real".into())), "{urls:?}");
    }
}
