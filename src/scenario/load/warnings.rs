//! Warnings for what a manifest may say but vipsim does not simulate: the
//! fields of [`IGNORED_FIELDS`] and container images without a built-in app.

use super::document::Source;
use super::report::Report;
use crate::k8s::objects::{Container, IGNORED_FIELDS, Manifest, PreStop};
use crate::net::apps::App;
use serde::Deserialize;
use serde_norway::Value;

pub fn check(manifest: &Manifest, source: &Source, report: &mut Report) {
    ignored_fields(manifest.kind(), source, report);
    unmodelled_images(manifest, source, report);
}

/// Warns once for every ignored field present, wherever a list repeats it.
fn ignored_fields(kind: &str, source: &Source, report: &mut Report) {
    // The typed manifest cannot say which fields were written, the YAML can.
    let Ok(document) = Value::deserialize(source.deserializer()) else {
        return;
    };
    let mut present = Vec::new();
    for &(field_kind, path) in IGNORED_FIELDS {
        if field_kind == "*" || field_kind == kind {
            let path = pod_spec_path(kind, path);
            let segments: Vec<&str> = path.split('.').collect();
            find_present(&document, &segments, String::new(), &mut present);
        }
    }
    for path in present {
        report.warn(source.at(&path), &path, "ignored: does not affect networking in vipsim");
    }
}

/// [`IGNORED_FIELDS`] names pod fields by their place in a pod template
/// (`spec.template.spec.volumes`); a Pod has them directly in its spec.
fn pod_spec_path(kind: &str, path: &str) -> String {
    match path.strip_prefix("spec.template.spec.") {
        Some(rest) if kind == "Pod" => format!("spec.{rest}"),
        _ => path.to_string(),
    }
}

/// Collects the concrete paths (`spec.template.spec.containers[1].env`) at
/// which `segments` (`containers[]` meaning every item) exist in `value`.
fn find_present(value: &Value, segments: &[&str], prefix: String, found: &mut Vec<String>) {
    let Some((segment, rest)) = segments.split_first() else {
        found.push(prefix);
        return;
    };
    let (key, every_item) = match segment.strip_suffix("[]") {
        Some(key) => (key, true),
        None => (*segment, false),
    };
    let Some(child) = value.get(key) else { return };
    let path = if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") };
    match child.as_sequence() {
        Some(items) if every_item => {
            for (index, item) in items.iter().enumerate() {
                find_present(item, rest, format!("{path}[{index}]"), found);
            }
        }
        _ if !every_item => find_present(child, rest, path, found),
        _ => {}
    }
}

fn unmodelled_images(manifest: &Manifest, source: &Source, report: &mut Report) {
    let (containers, prefix): (&[Container], &str) = match manifest {
        Manifest::Deployment { spec, .. } => (&spec.template.spec.containers, "spec.template.spec.containers"),
        Manifest::Pod { spec, .. } => (&spec.containers, "spec.containers"),
        _ => return,
    };
    for (index, container) in containers.iter().enumerate() {
        // A preStop hook delays SIGTERM by as long as it runs; only a sleep is timed.
        if let Some(PreStop::Unmodelled(what)) =
            container.lifecycle.as_ref().and_then(|l| l.pre_stop.as_ref()).map(|h| h.pre_stop())
        {
            let path = format!("{prefix}[{index}].lifecycle.preStop");
            let message = format!(
                "preStop {what} is taken to return at once (vipsim times `sleep: {{seconds: N}}` and an `exec` that runs `sleep N`)"
            );
            report.warn(source.at(&path), &path, message);
        }
        if !App::from_container(&container.image, &container.args).is_modelled() {
            let path = format!("{prefix}[{index}].image");
            let message =
                format!("image `{}` is not modelled; the pod answers HTTP 200 with its name", container.image);
            report.warn(source.at(&path), &path, message);
        }
        // A declared containerPort is informational: the process listens
        // where its flags or defaults say, and a Service whose targetPort
        // follows the declaration gets refused connections.
        let declared: Vec<u16> = container.ports.iter().map(|p| p.container_port).collect();
        if let Some(listens) = App::listen_port(&container.image, &container.args, container.env_value("PORT"))
            && !declared.is_empty()
            && !declared.contains(&listens)
        {
            let path = format!("{prefix}[{index}].ports");
            let list = declared.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
            let message = format!(
                "`{}` listens on port {listens} with these args and env; declaring containerPort {list} does not change that (set the image's own flag or PORT)",
                container.image
            );
            report.warn(source.at(&path), &path, message);
        }
    }
}
