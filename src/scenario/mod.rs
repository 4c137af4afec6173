//! Scenario files: one multi-document YAML file per scenario. The first
//! document is the [`spec::ScenarioDoc`]; every further document is a
//! Kubernetes manifest exactly as a user would `kubectl apply` it.

pub mod load;
pub mod spec;

use crate::k8s::objects::Manifest;
use serde::Serialize;
use std::fmt;

/// A manifest from the file, with where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoadedManifest {
    pub manifest: Manifest,
    /// `vipsim/hold: "true"`: not applied at t=0; a timeline `apply` step applies it.
    pub held: bool,
    /// 1-based line of the document's first line in the file.
    pub line: usize,
}

/// A loaded, validated scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    pub file: String,
    pub doc: spec::ScenarioDoc,
    pub manifests: Vec<LoadedManifest>,
    /// Things that load but deserve a word: ignored fields, unmodelled images.
    pub warnings: Vec<Diagnostic>,
}

/// An error or warning with its location in the scenario file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: String,
    /// 1-based; 0 when the problem has no single place (e.g. an empty file).
    pub line: usize,
    pub column: usize,
    /// Dotted field path inside the document, e.g. `spec.hosts[2].role`.
    pub path: String,
    pub message: String,
    /// "did you mean ..." when a near name exists.
    pub suggestion: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: path: message (did you mean `x`?)`, like compilers print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, " (did you mean `{s}`?)")?;
        }
        Ok(())
    }
}

impl Scenario {
    pub fn id(&self) -> &str {
        &self.doc.metadata.name
    }

    pub fn title(&self) -> &str {
        self.doc.metadata.title.as_deref().unwrap_or(&self.doc.metadata.name)
    }

    /// A held or applied manifest by `metadata.name` (or `Kind/name`).
    pub fn manifest(&self, name: &str) -> Option<&LoadedManifest> {
        let (kind, name) = match name.split_once('/') {
            Some((k, n)) => (Some(k), n),
            None => (None, name),
        };
        self.manifests.iter().find(|m| {
            m.manifest.metadata().name == name && kind.is_none_or(|k| m.manifest.kind().eq_ignore_ascii_case(k))
        })
    }
}
