//! `kubectl get` (and `kubectl events`): resources by type, `TYPE/NAME`,
//! comma lists and `all`; names; `-n`/`-A`; label and field selectors;
//! `--sort-by`; tables (several kinds: one table each, names prefixed with
//! the kind) or another `-o` format.

use super::Reply;
use super::flags::Flags;
use super::objects::{self, Object};
use super::output::{Format, render_objects};
use super::printers::{Cell, row};
use super::resources::{self, Resource};
use super::selector::{LabelSelector, fields_match, parse_fields};
use crate::console::jsonpath::Template;
use crate::console::table::render;
use crate::sim::World;
use crate::sort::Sort;
use crate::time::Instant;
use serde_json::Value;

/// One requested resource type with the names asked for (none: all).
struct Request {
    res: &'static Resource,
    names: Vec<String>,
}

/// Table options besides the format.
struct TableOptions {
    all_namespaces: bool,
    no_headers: bool,
    show_labels: bool,
    label_columns: Vec<String>,
}

pub fn get(w: &World, f: &Flags) -> Reply {
    if f.has("watch") || f.has("watch-only") {
        return Reply::fail(
            "error: vipsim's kubectl cannot --watch: a command runs at one instant of simulated time; step the timeline and run kubectl get again",
        );
    }
    let format = match Format::parse(f.value("output")) {
        Ok(fmt) => fmt,
        Err(e) => return Reply::fail(&e),
    };
    let requests = match requests(w, &f.args) {
        Ok(r) => r,
        Err(e) => return Reply::fail(&e),
    };
    let named = requests.iter().any(|r| !r.names.is_empty());
    if named && f.all_namespaces() {
        return Reply::fail("error: a resource cannot be retrieved by name across all namespaces");
    }
    let (found, errors) = match select(w, f, &requests) {
        Ok(x) => x,
        Err(e) => return Reply::fail(&e),
    };
    let single = requests.len() == 1 && requests[0].names.len() == 1;
    let mut reply = match &format {
        Format::Table { wide } => {
            let opts = TableOptions {
                all_namespaces: f.all_namespaces(),
                no_headers: f.has("no-headers"),
                show_labels: f.has("show-labels"),
                label_columns: f
                    .value("label-columns")
                    .map(|l| l.split(',').map(String::from).collect())
                    .unwrap_or_default(),
            };
            Reply::ok(tables(&found, w.now, *wide, &opts))
        }
        // Names that were all missing print only their errors.
        _ if named && found.iter().all(Vec::is_empty) => Reply::default(),
        other => {
            let all: Vec<Object> = found.iter().flatten().cloned().collect();
            match render_objects(other, &all, single) {
                Ok(out) => Reply::ok(out),
                Err(e) => Reply::fail(&e),
            }
        }
    };
    if requests.iter().any(|r| r.res.kind == "Endpoints") {
        reply.notice = "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n".into();
    }
    let nothing = found.iter().all(Vec::is_empty);
    let ignore = f.has("ignore-not-found");
    if nothing && errors.is_empty() && !named && matches!(format, Format::Table { .. }) {
        reply.stderr = no_resources(f);
    }
    if !errors.is_empty() && !ignore {
        reply.stderr.push_str(&errors.join("\n"));
        reply.stderr.push('\n');
        reply.exit = 1;
    }
    reply
}

/// kubectl names the namespace whenever the request was not `-A`, even
/// for cluster-scoped kinds (a long-standing quirk of `kubectl get`).
fn no_resources(f: &Flags) -> String {
    if f.all_namespaces() {
        "No resources found\n".into()
    } else {
        format!("No resources found in {} namespace.\n", f.namespace())
    }
}

/// Parses `svc web`, `svc,pods`, `svc/web pod/x`, `all`.
fn requests(w: &World, args: &[String]) -> Result<Vec<Request>, String> {
    let Some(first) = args.first() else {
        return Err("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.".into());
    };
    let k = &w.cluster;
    let lookup = |name: &str| -> Result<Vec<&'static Resource>, String> {
        if name.eq_ignore_ascii_case("all") {
            return Ok(resources::ALL.to_vec());
        }
        resources::lookup(k, name)
            .map(|r| vec![r])
            .ok_or_else(|| format!("error: the server doesn't have a resource type \"{name}\""))
    };
    if first.contains('/') {
        let mut out = Vec::new();
        for a in args {
            let Some((kind, name)) = a.split_once('/') else {
                return Err("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'".into());
            };
            let res = lookup(kind)?;
            out.extend(res.into_iter().map(|res| Request { res, names: vec![name.to_string()] }));
        }
        return Ok(out);
    }
    let mut out = Vec::new();
    for kind in first.split(',').filter(|s| !s.is_empty()) {
        for res in lookup(kind)? {
            if !out.iter().any(|r: &Request| std::ptr::eq(r.res, res)) {
                out.push(Request { res, names: args[1..].to_vec() });
            }
        }
    }
    Ok(out)
}

/// The objects of each request, and NotFound errors for missing names.
fn select(w: &World, f: &Flags, requests: &[Request]) -> Result<(Vec<Vec<Object>>, Vec<String>), String> {
    let labels = f.value("selector").unwrap_or_default();
    let selector = LabelSelector::parse(labels).map_err(|e| format!("error: {e}"))?;
    let sort = f
        .value("sort-by")
        .map(|s| Template::parse_relaxed(s).map_err(|e| format!("error: couldn't parse --sort-by {s}: {e}")))
        .transpose()?;
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for r in requests {
        let fields = parse_fields(r.res, f.value("field-selector").unwrap_or_default(), labels)?;
        let scope = (!f.all_namespaces()).then(|| f.namespace());
        let all: Vec<Object> = objects::list_in(w, r.res, scope);
        let mut objs: Vec<Object> = if r.names.is_empty() {
            all.into_iter().filter(|o| selector.matches(&o.labels()) && fields_match(&fields, o)).collect()
        } else {
            let mut picked = Vec::new();
            for name in &r.names {
                match all.iter().find(|o| &o.name == name) {
                    Some(o) => picked.push(o.clone()),
                    None => errors
                        .push(format!("Error from server (NotFound): {} \"{name}\" not found", r.res.plural_ref())),
                }
            }
            picked
        };
        if let Some(t) = &sort {
            sort_by(&mut objs, t);
        }
        found.push(objs);
    }
    Ok((found, errors))
}

/// `--sort-by`: numbers numerically, everything else as text; objects
/// without the field first.
fn sort_by(objs: &mut [Object], t: &Template) {
    let key = |o: &Object| -> (Option<f64>, String) {
        let v = t.find(&o.json).ok().and_then(|mut r| (!r.is_empty()).then(|| r.swap_remove(0)));
        match v {
            Some(Value::Number(n)) => (n.as_f64(), String::new()),
            Some(Value::String(s)) => (None, s),
            Some(other) => (None, other.to_string()),
            None => (None, String::new()),
        }
    };
    objs.stable_sort_by(|a, b| key(a).partial_cmp(&key(b)).unwrap_or(std::cmp::Ordering::Equal));
}

/// One table per kind that has objects, separated by blank lines; names are
/// prefixed with the kind when more than one kind is shown.
fn tables(found: &[Vec<Object>], now: Instant, wide: bool, opts: &TableOptions) -> String {
    let shown: Vec<&Vec<Object>> = found.iter().filter(|v| !v.is_empty()).collect();
    let with_kind = shown.len() > 1;
    shown.iter().map(|objs| table(objs, now, wide, with_kind, opts)).collect::<Vec<_>>().join("\n")
}

fn table(objs: &[Object], now: Instant, wide: bool, with_kind: bool, opts: &TableOptions) -> String {
    let namespaced = opts.all_namespaces && objs[0].res.namespaced;
    let mut rows = Vec::new();
    for o in objs {
        let cells: Vec<Cell> = row(o, now).into_iter().filter(|c| wide || !c.wide).collect();
        if rows.is_empty() && !opts.no_headers {
            rows.push(header(&cells, namespaced, opts));
        }
        let mut r: Vec<String> = Vec::new();
        if namespaced {
            r.push(o.namespace.clone().unwrap_or_default());
        }
        for (i, c) in cells.into_iter().enumerate() {
            // The NAME column carries the kind in multi-kind output.
            if i == 0 && c.header == "NAME" && with_kind {
                r.push(format!("{}/{}", o.res.kind_ref(), c.value));
            } else {
                r.push(c.value);
            }
        }
        let labels = o.labels();
        r.extend(opts.label_columns.iter().map(|k| labels.get(k).cloned().unwrap_or_default()));
        if opts.show_labels {
            let formatted: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            r.push(if formatted.is_empty() { "<none>".into() } else { formatted.join(",") });
        }
        rows.push(r);
    }
    render(&rows)
}

fn header(cells: &[Cell], namespaced: bool, opts: &TableOptions) -> Vec<String> {
    let mut h: Vec<String> = Vec::new();
    if namespaced {
        h.push("NAMESPACE".into());
    }
    h.extend(cells.iter().map(|c| c.header.to_string()));
    h.extend(opts.label_columns.iter().map(|l| l.rsplit('/').next().unwrap_or(l).to_ascii_uppercase()));
    if opts.show_labels {
        h.push("LABELS".into());
    }
    h
}

/// `kubectl events [--for KIND/NAME] [--types Warning]`: events sorted by
/// when they last happened.
pub fn events(w: &World, f: &Flags) -> Reply {
    let mut evs: Vec<Object> = objects::list(w, &resources::EVENT)
        .into_iter()
        .filter(|o| f.all_namespaces() || o.namespace.as_deref() == Some(f.namespace()))
        .collect();
    if let Some(target) = f.value("for") {
        let (kind, name) = target.split_once('/').unwrap_or(("", target));
        let kind = resources::lookup(&w.cluster, kind).map(|r| r.kind);
        evs.retain(|o| {
            let inv = &o.json["involvedObject"];
            inv["name"] == name && kind.is_none_or(|k| inv["kind"] == k)
        });
    }
    if let Some(types) = f.value("types") {
        let types: Vec<&str> = types.split(',').collect();
        evs.retain(|o| types.iter().any(|t| o.json["type"].as_str().is_some_and(|x| x.eq_ignore_ascii_case(t))));
    }
    evs.stable_sort_by_key(|o| objects::parse_timestamp(o.json["lastTimestamp"].as_str().unwrap_or_default()));
    if evs.is_empty() {
        return Reply { stderr: no_resources(f), ..Reply::ok(String::new()) };
    }
    match Format::parse(f.value("output")) {
        Ok(Format::Table { wide }) => {
            let opts = TableOptions {
                all_namespaces: f.all_namespaces(),
                no_headers: false,
                show_labels: false,
                label_columns: vec![],
            };
            Reply::ok(table(&evs, w.now, wide, false, &opts))
        }
        Ok(other) => render_objects(&other, &evs, false).map(Reply::ok).unwrap_or_else(|e| Reply::fail(&e)),
        Err(e) => Reply::fail(&e),
    }
}
