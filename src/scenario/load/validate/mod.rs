//! The checks that need the whole scenario, after every document parsed:
//! names that must be unique or must exist, addresses that must fit the
//! LAN, timeline steps that must make sense. All problems are reported, each
//! at the line of the offending field.

mod cluster;
mod goals;
mod hosts;
mod manifests;
mod predict;
mod timeline;

use super::ParsedManifest;
use super::document::Source;
use super::report::Report;
use super::suggest::closest;
use crate::k8s::names::is_dns_label;
use crate::k8s::objects::Manifest;
use crate::scenario::Diagnostic;
use crate::scenario::spec::{HostRole, HostSpec, ScenarioDoc, ScenarioSpec};
use std::net::Ipv4Addr;

pub fn validate(doc: &ScenarioDoc, source: &Source, manifests: &[ParsedManifest], report: &mut Report) {
    let mut cx = Context { spec: &doc.spec, source, manifests, report };
    cx.scenario_name(&doc.metadata.name);
    let lan = hosts::check(&mut cx);
    cluster::check(&mut cx, lan);
    manifests::check(&mut cx);
    timeline::check(&mut cx);
    predict::check(&mut cx);
    goals::check(&mut cx);
}

/// What the checks read, and where they report.
struct Context<'a> {
    spec: &'a ScenarioSpec,
    /// The scenario document, for locating its fields.
    source: &'a Source,
    manifests: &'a [ParsedManifest],
    report: &'a mut Report,
}

impl<'a> Context<'a> {
    /// An error at `path` of the scenario document.
    fn error(&mut self, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        self.report.error(self.source.at(path), path, message)
    }

    fn warn(&mut self, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        self.report.warn(self.source.at(path), path, message)
    }

    /// An error at `path` of a manifest's document.
    fn manifest_error(&mut self, manifest: &ParsedManifest, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        self.report.error(manifest.source.at(path), path, message)
    }

    fn manifest_warn(&mut self, manifest: &ParsedManifest, path: &str, message: impl Into<String>) -> &mut Diagnostic {
        self.report.warn(manifest.source.at(path), path, message)
    }

    fn host(&self, name: &str) -> Option<&'a HostSpec> {
        self.spec.hosts.iter().find(|h| h.name == name)
    }

    fn host_names(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.spec.hosts.iter().map(|h| h.name.as_str())
    }

    fn node_names(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.spec.hosts.iter().filter(|h| h.role == HostRole::Node).map(|h| h.name.as_str())
    }

    /// Checks that `name` is a host, reporting it at `path` (with the
    /// nearest host name) if not.
    /// A scripted command line the console could never run as written.
    fn expect_command(&mut self, path: &str, line: &str) {
        use crate::net::tools::shell::{COMMANDS, LineError, check};
        match check(line) {
            Ok(()) => {}
            Err(LineError::Syntax(e) | LineError::Tool(e)) => {
                self.error(path, e);
            }
            Err(LineError::Unknown(name)) => {
                let names = COMMANDS.iter().map(|(n, _)| *n).filter(|n| *n != "help");
                let near = closest(&name, names.clone());
                let known = names.collect::<Vec<_>>().join(", ");
                self.error(path, format!("`{name}` is not a command of vipsim's console (it has {known})"))
                    .suggest(near);
            }
        }
    }

    fn expect_host(&mut self, path: &str, name: &str) -> Option<&'a HostSpec> {
        let host = self.host(name);
        if host.is_none() {
            let near = closest(name, self.host_names());
            self.error(path, format!("unknown host `{name}`")).suggest(near);
        }
        host
    }

    /// Checks that `name` is a host with `role: node`.
    fn expect_node(&mut self, path: &str, name: &str) {
        match self.host(name) {
            Some(host) if host.role != HostRole::Node => {
                self.error(path, format!("`{name}` is a {}, not a node", role_name(host.role)));
            }
            Some(_) => {}
            None => {
                let near = closest(name, self.node_names());
                self.error(path, format!("unknown node `{name}`")).suggest(near);
            }
        }
    }

    fn manifests_of<'m>(&'m self, kind: &'m str) -> impl Iterator<Item = &'a ParsedManifest> + 'm {
        self.manifests.iter().filter(move |m| m.manifest().kind() == kind)
    }

    /// The Service a goal names as `namespace/name`, or `name` in `default`.
    fn service(&self, reference: &str) -> Option<&'a ParsedManifest> {
        let (namespace, name) = reference.split_once('/').unwrap_or(("default", reference));
        self.manifests.iter().find(|m| {
            matches!(m.manifest(), Manifest::Service { .. })
                && m.name() == name
                && m.manifest().namespace() == Some(namespace)
        })
    }

    fn scenario_name(&mut self, name: &str) {
        if !is_dns_label(name) {
            self.error(
                "metadata.name",
                format!("scenario name `{name}` is used in URLs and file names: {DNS_LABEL_RULE}"),
            );
        }
    }
}

fn role_name(role: HostRole) -> &'static str {
    match role {
        HostRole::Client => "client",
        HostRole::Node => "node",
        HostRole::Router => "router",
    }
}

const DNS_LABEL_RULE: &str = "use lowercase letters, digits and `-`, at most 63 characters, \
                              starting and ending with a letter or digit";

/// An IPv4 address, with the message to report when it is not one.
fn parse_ipv4(text: &str) -> Result<Ipv4Addr, String> {
    text.parse().map_err(|_| format!("`{text}` is not an IPv4 address"))
}

/// `a | b | c`, for "expected" lists.
fn one_of(names: &[&str]) -> String {
    names.join(" | ")
}
