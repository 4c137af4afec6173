//! kubectl's command-line flags, parsed the way cobra/pflag does: `--name
//! value`, `--name=value`, `-n value`, `-nvalue`, `-n=value`, grouped
//! boolean shorthands (`-it`), flags anywhere among the arguments, and
//! everything after `--` kept for `exec`. Each verb accepts its own set.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug)]
pub struct FlagDef {
    pub long: &'static str,
    pub short: Option<char>,
    pub takes_value: bool,
}

const fn value(long: &'static str, short: Option<char>) -> FlagDef {
    FlagDef { long, short, takes_value: true }
}

const fn switch(long: &'static str, short: Option<char>) -> FlagDef {
    FlagDef { long, short, takes_value: false }
}

/// Accepted by every verb.
const GLOBAL: &[FlagDef] = &[value("namespace", Some('n'))];

const GET: &[FlagDef] = &[
    switch("all-namespaces", Some('A')),
    value("output", Some('o')),
    value("selector", Some('l')),
    value("field-selector", None),
    value("sort-by", None),
    value("label-columns", Some('L')),
    switch("show-labels", None),
    switch("no-headers", None),
    switch("ignore-not-found", None),
    switch("watch", Some('w')),
    switch("watch-only", None),
];
const DESCRIBE: &[FlagDef] =
    &[switch("all-namespaces", Some('A')), value("selector", Some('l')), switch("show-events", None)];
const EVENTS: &[FlagDef] =
    &[switch("all-namespaces", Some('A')), value("for", None), value("types", None), value("output", Some('o'))];
const APPLY: &[FlagDef] = &[value("filename", Some('f'))];
const DELETE: &[FlagDef] = &[
    value("filename", Some('f')),
    value("selector", Some('l')),
    value("grace-period", None),
    switch("force", None),
    switch("now", None),
    switch("wait", None),
    switch("ignore-not-found", None),
];
const PATCH: &[FlagDef] = &[value("patch", Some('p')), value("type", None)];
const SCALE: &[FlagDef] = &[value("replicas", None)];
const LABEL: &[FlagDef] = &[switch("overwrite", None)];
const DRAIN: &[FlagDef] = &[
    switch("ignore-daemonsets", None),
    switch("delete-emptydir-data", None),
    switch("force", None),
    value("grace-period", None),
    value("timeout", None),
];
const EXPOSE: &[FlagDef] = &[
    value("port", None),
    value("target-port", None),
    value("name", None),
    value("type", None),
    value("protocol", None),
    value("selector", None),
    value("external-ip", None),
    value("load-balancer-ip", None),
];
const LOGS: &[FlagDef] = &[
    value("container", Some('c')),
    value("selector", Some('l')),
    value("tail", None),
    value("since", None),
    switch("prefix", None),
    switch("timestamps", None),
    switch("follow", Some('f')),
    switch("previous", Some('p')),
    switch("all-containers", None),
];
const EXEC: &[FlagDef] = &[value("container", Some('c')), switch("stdin", Some('i')), switch("tty", Some('t'))];
const VERSION: &[FlagDef] = &[switch("client", None)];
const ROLLOUT_STATUS: &[FlagDef] = &[switch("watch", Some('w')), value("timeout", None), value("revision", None)];
const ROLLOUT_UNDO: &[FlagDef] = &[value("to-revision", None)];
const ROLLOUT_HISTORY: &[FlagDef] = &[value("revision", None)];

/// The flags of each verb vipsim implements.
pub fn defs(verb: &str) -> &'static [FlagDef] {
    match verb {
        "get" => GET,
        "describe" => DESCRIBE,
        "events" => EVENTS,
        "apply" | "create" => APPLY,
        "delete" => DELETE,
        "patch" => PATCH,
        "scale" => SCALE,
        "label" => LABEL,
        "drain" => DRAIN,
        "expose" => EXPOSE,
        "logs" => LOGS,
        "exec" => EXEC,
        "version" => VERSION,
        "rollout status" => ROLLOUT_STATUS,
        "rollout undo" => ROLLOUT_UNDO,
        "rollout history" => ROLLOUT_HISTORY,
        _ => &[],
    }
}

/// Parsed flags and positional arguments.
#[derive(Debug, Default)]
pub struct Flags {
    values: BTreeMap<&'static str, String>,
    /// Boolean flags given, with their value (`--x=false` is given too).
    switches: BTreeMap<&'static str, bool>,
    pub args: Vec<String>,
    /// What followed `--`, if it was given.
    pub command: Option<Vec<String>>,
}

impl Flags {
    pub fn parse(verb: &str, args: &[String]) -> Result<Flags, String> {
        let defs: Vec<FlagDef> = GLOBAL.iter().chain(defs(verb)).copied().collect();
        let mut f = Flags::default();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if a == "--" {
                f.command = Some(args[i + 1..].to_vec());
                break;
            }
            if let Some(long) = a.strip_prefix("--") {
                i = f.long_flag(&defs, long, args, i)?;
            } else if a.len() > 1 && a.starts_with('-') {
                i = f.short_flags(&defs, &a[1..], args, i)?;
            } else {
                f.args.push(a.clone());
            }
            i += 1;
        }
        Ok(f)
    }

    /// `--name[=value]`; returns the index of the last argument consumed.
    fn long_flag(&mut self, defs: &[FlagDef], flag: &str, args: &[String], i: usize) -> Result<usize, String> {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (flag, None),
        };
        let def = defs.iter().find(|d| d.long == name).ok_or_else(|| format!("unknown flag: --{name}"))?;
        if !def.takes_value {
            return match inline.as_deref() {
                None | Some("true") => {
                    self.switches.insert(def.long, true);
                    Ok(i)
                }
                Some("false") => {
                    self.switches.insert(def.long, false);
                    Ok(i)
                }
                Some(other) => Err(format!(
                    "invalid argument \"{other}\" for \"--{name}\" flag: strconv.ParseBool: parsing \"{other}\": invalid syntax"
                )),
            };
        }
        match inline {
            Some(v) => {
                self.values.insert(def.long, v);
                Ok(i)
            }
            None => {
                let v = args.get(i + 1).ok_or_else(|| format!("flag needs an argument: --{name}"))?;
                self.values.insert(def.long, v.clone());
                Ok(i + 1)
            }
        }
    }

    /// `-n value`, `-nvalue`, `-n=value`, `-it`.
    fn short_flags(&mut self, defs: &[FlagDef], group: &str, args: &[String], i: usize) -> Result<usize, String> {
        for (pos, c) in group.char_indices() {
            let def = defs
                .iter()
                .find(|d| d.short == Some(c))
                .ok_or_else(|| format!("unknown shorthand flag: '{c}' in -{group}"))?;
            if !def.takes_value {
                self.switches.insert(def.long, true);
                continue;
            }
            let rest = &group[pos + c.len_utf8()..];
            if !rest.is_empty() {
                self.values.insert(def.long, rest.strip_prefix('=').unwrap_or(rest).to_string());
                return Ok(i);
            }
            let v = args.get(i + 1).ok_or_else(|| format!("flag needs an argument: '{c}' in -{group}"))?;
            self.values.insert(def.long, v.clone());
            return Ok(i + 1);
        }
        Ok(i)
    }

    pub fn value(&self, long: &str) -> Option<&str> {
        self.values.get(long).map(String::as_str)
    }

    pub fn has(&self, long: &str) -> bool {
        self.switch(long) == Some(true)
    }

    /// A boolean flag's value, if it was given.
    pub fn switch(&self, long: &str) -> Option<bool> {
        self.switches.get(long).copied()
    }

    pub fn namespace(&self) -> &str {
        self.value("namespace").unwrap_or("default")
    }

    pub fn all_namespaces(&self) -> bool {
        self.has("all-namespaces")
    }
}

/// `-n -A -o ...`: the flags of a verb, for error messages.
pub fn summary(verb: &str) -> String {
    GLOBAL
        .iter()
        .chain(defs(verb))
        .map(|d| match d.short {
            Some(c) => format!("-{c}"),
            None => format!("--{}", d.long),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(verb: &str, line: &str) -> Result<Flags, String> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        Flags::parse(verb, &args)
    }

    #[test]
    fn pflag_forms() {
        let f = parse("get", "svc -nkube-system -owide --selector=app=web -A").unwrap();
        assert_eq!(f.args, ["svc"]);
        assert_eq!(f.namespace(), "kube-system");
        assert_eq!(f.value("output"), Some("wide"));
        assert_eq!(f.value("selector"), Some("app=web"));
        assert!(f.all_namespaces());
        let f = parse("exec", "-it ds/cilium -n kube-system -- cilium-dbg service list").unwrap();
        assert!(f.has("stdin") && f.has("tty"));
        assert_eq!(f.command.unwrap(), ["cilium-dbg", "service", "list"]);
        assert_eq!(parse("get", "svc -o=yaml").unwrap().value("output"), Some("yaml"));
    }

    #[test]
    fn errors_name_the_flag() {
        assert_eq!(parse("get", "svc --replicas=3").unwrap_err(), "unknown flag: --replicas");
        assert_eq!(parse("get", "svc -z").unwrap_err(), "unknown shorthand flag: 'z' in -z");
        assert_eq!(parse("get", "svc -n").unwrap_err(), "flag needs an argument: 'n' in -n");
        assert_eq!(parse("get", "svc --output").unwrap_err(), "flag needs an argument: --output");
    }
}
