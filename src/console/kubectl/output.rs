//! `-o` formats other than tables: `yaml`, `json`, `name`, `jsonpath=`,
//! `custom-columns=`. Several objects (or a list request) are printed as
//! one `List`, as kubectl does.

use super::objects::Object;
use crate::console::jsonpath::{Template, go_sharp_v, html_escape, print_value};
use crate::console::table::render;
use crate::console::yaml::to_yaml;
use serde::Serialize;
use serde_json::{Value, json};

pub enum Format {
    Table { wide: bool },
    Yaml,
    Json,
    Name,
    JsonPath { text: String, template: Template },
    CustomColumns(Vec<(String, Template)>),
}

const ALLOWED: &str = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml";

impl Format {
    pub fn parse(o: Option<&str>) -> Result<Format, String> {
        let Some(o) = o else { return Ok(Format::Table { wide: false }) };
        let (name, arg) = match o.split_once('=') {
            Some((n, a)) => (n, Some(a)),
            None => (o, None),
        };
        match (name, arg) {
            ("wide", None) => Ok(Format::Table { wide: true }),
            ("yaml", None) => Ok(Format::Yaml),
            ("json", None) => Ok(Format::Json),
            ("name", None) => Ok(Format::Name),
            ("jsonpath", Some(t)) if !t.is_empty() => {
                let template = Template::parse(t).map_err(|e| format!("error: error parsing jsonpath {t}, {e}"))?;
                Ok(Format::JsonPath { text: t.to_string(), template })
            }
            ("jsonpath", _) => Err("error: template format specified but no template given".into()),
            ("custom-columns", Some(spec)) if !spec.is_empty() => custom_columns(spec),
            ("custom-columns", _) => Err("error: custom-columns format specified but no custom columns given".into()),
            (
                "go-template"
                | "go-template-file"
                | "template"
                | "templatefile"
                | "jsonpath-file"
                | "jsonpath-as-json"
                | "custom-columns-file",
                _,
            ) => Err(format!(
                "error: vipsim's kubectl does not support -o {name}; it supports -o wide|yaml|json|name|jsonpath=...|custom-columns=..."
            )),
            _ => Err(format!(
                "error: unable to match a printer suitable for the output format \"{o}\", allowed formats are: {ALLOWED}"
            )),
        }
    }
}

fn custom_columns(spec: &str) -> Result<Format, String> {
    let mut cols = Vec::new();
    for part in spec.split(',') {
        let (header, path) = part.split_once(':').ok_or_else(|| {
            format!("error: unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>")
        })?;
        let template = Template::parse_relaxed(path).map_err(|e| format!("error: {e}"))?;
        cols.push((header.to_string(), template));
    }
    Ok(Format::CustomColumns(cols))
}

/// `{"apiVersion": "v1", "items": [...], "kind": "List", ...}`.
fn list(objects: &[Object]) -> Value {
    let items: Vec<Value> = objects.iter().map(|o| o.json.clone()).collect();
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

/// Go's `json.MarshalIndent(v, "", "    ")`.
pub fn pretty_json(v: &Value) -> String {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    // Serializing a `Value` into memory cannot fail.
    let _ = v.serialize(&mut ser);
    html_escape(&String::from_utf8_lossy(&buf))
}

/// Renders `objects` in a non-table format; `single` when one object was
/// asked for by name (printed as itself, not in a List).
pub fn render_objects(format: &Format, objects: &[Object], single: bool) -> Result<String, String> {
    let data = match (single, objects) {
        (true, [one]) => one.json.clone(),
        _ => list(objects),
    };
    match format {
        Format::Yaml => Ok(to_yaml(&data)),
        Format::Json => Ok(pretty_json(&data) + "\n"),
        Format::Name => Ok(objects.iter().map(|o| format!("{}/{}\n", o.res.kind_ref(), o.name)).collect()),
        Format::JsonPath { text, template } => template.execute(&data).map_err(|e| {
            format!(
                "error: error executing jsonpath {text:?}: Error executing template: {e}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{text}\n\tobject given to jsonpath engine was:\n\t\t{}\n",
                go_sharp_v(&data)
            )
        }),
        Format::CustomColumns(cols) => Ok(custom_table(cols, objects)),
        Format::Table { .. } => Err("table output is printed by get".into()),
    }
}

/// `-o custom-columns`: every result of a column's path, comma-joined;
/// `<none>` when there is none.
fn custom_table(cols: &[(String, Template)], objects: &[Object]) -> String {
    let mut rows = vec![cols.iter().map(|(h, _)| h.clone()).collect::<Vec<_>>()];
    for o in objects {
        rows.push(
            cols.iter()
                .map(|(_, t)| match t.find(&o.json) {
                    Ok(values) if !values.is_empty() => values.iter().map(print_value).collect::<Vec<_>>().join(","),
                    _ => "<none>".into(),
                })
                .collect(),
        );
    }
    render(&rows)
}
