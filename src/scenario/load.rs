//! Parsing and validating scenario files.
//!
//! [`load`] is strict and never panics: every problem in the file becomes a
//! [`Diagnostic`] with its line, column and field path, and all of them are
//! reported at once. It runs in three passes:
//! 1. the file is split into its YAML documents ([`document`]); each is
//!    deserialized straight from its own YAML into its typed shape, so
//!    serde's errors keep their positions (unknown fields and values come
//!    with the nearest valid name);
//! 2. warnings for what loads but is not simulated ([`warnings`]);
//! 3. when every document parsed, the checks that need the whole scenario
//!    ([`validate`]): names that must exist, addresses that must fit. They
//!    are skipped after a parse error, where they would mostly repeat it
//!    (a Service whose pool failed to parse would be "missing" its pool).
//!
//! Problems found in text that parsed (a duplicate host name) are located
//! through [`locate::Locator`], which reads the block structure of each
//! document: exact for block-style YAML, the nearest enclosing key inside
//! flow collections (`{host: a, cmd: x}`).

mod document;
mod locate;
mod report;
mod suggest;
mod validate;
mod warnings;

use super::spec::ScenarioDoc;
use super::{Diagnostic, LoadedManifest, Scenario};
use crate::k8s::kinds::{self, Resource};
use crate::k8s::objects::{
    BgpAdvertisementSpec, BgpPeerSpec, CiliumL2AnnouncementPolicySpec, CiliumLoadBalancerIpPoolSpec, DeploymentSpec,
    GatewayClassSpec, GatewaySpec, Ignored, IpAddressPoolSpec, L2AdvertisementSpec, Manifest, ObjectMeta, PodSpec,
    ServiceSpec,
};
use crate::sort::Sort;
use document::Source;
use report::{Pos, Report};
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use suggest::closest;

/// The annotation that keeps a manifest out of the t=0 apply.
pub const HOLD_ANNOTATION: &str = "vipsim/hold";

const SCENARIO_API_VERSION: &str = "vipsim/v1";

/// Loads a scenario from its text. `file` names it in diagnostics. On
/// success the scenario carries its warnings; on failure every error found,
/// in file order.
pub fn load(file: &str, text: &str) -> Result<Scenario, Vec<Diagnostic>> {
    let mut report = Report::new(file);
    let mut sources = document::split(text).into_iter();
    let Some(first) = sources.next() else {
        let message = "the file is empty: a scenario starts with a document of \
                       `kind: Scenario` (`apiVersion: vipsim/v1`)";
        report.error(Pos { line: 1, column: 1 }, "", message);
        return Err(report.errors);
    };
    let doc = parse_scenario(&first, &mut report);
    let manifests: Vec<ParsedManifest> = sources.filter_map(|source| parse_manifest(source, &mut report)).collect();
    if let Some(doc) = &doc
        && report.errors.is_empty()
    {
        validate::validate(doc, &first, &manifests, &mut report);
    }
    sort_by_position(&mut report.errors);
    match doc {
        Some(doc) if report.errors.is_empty() => {
            sort_by_position(&mut report.warnings);
            let manifests = manifests.into_iter().map(|m| m.loaded).collect();
            Ok(Scenario { file: file.to_string(), doc, manifests, warnings: report.warnings })
        }
        _ => Err(report.errors),
    }
}

/// A manifest with the document it was read from, for locating later checks.
struct ParsedManifest {
    loaded: LoadedManifest,
    source: Source,
}

impl ParsedManifest {
    fn manifest(&self) -> &Manifest {
        &self.loaded.manifest
    }

    fn name(&self) -> &str {
        &self.manifest().metadata().name
    }
}

/// What every document declares, read leniently to know what it is before
/// reading it strictly as that.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping with apiVersion, kind and metadata")]
struct Head {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

/// A manifest of one kind, read straight from its YAML. (`Manifest` is an
/// internally tagged enum: serde buffers those before choosing the variant,
/// and the buffered values have lost their positions.) A kind whose spec
/// may be left out reads it as `Option`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Doc<S> {
    api_version: String,
    /// Already read by [`Head`]; named here so it is not an unknown field.
    #[serde(rename = "kind")]
    _kind: IgnoredAny,
    metadata: ObjectMeta,
    spec: S,
    #[serde(default)]
    status: Ignored,
}

fn parse_scenario(source: &Source, report: &mut Report) -> Option<ScenarioDoc> {
    let head = read_head(source, report)?;
    match head.kind.as_deref() {
        Some("Scenario") => {}
        Some(kind) => {
            let message = format!("the first document must be the scenario (`kind: Scenario`), not a `{kind}`");
            report.error(source.at("kind"), "kind", message).suggest(closest(kind, ["Scenario"]));
            return None;
        }
        None => {
            let message = "the first document must be the scenario: \
                           it needs `apiVersion: vipsim/v1` and `kind: Scenario`";
            report.error(source.start(), "", message);
            return None;
        }
    }
    let doc: ScenarioDoc = read(source, report)?;
    if doc.api_version != SCENARIO_API_VERSION {
        let message = format!("`{}` is not supported, expected {SCENARIO_API_VERSION}", doc.api_version);
        report.error(source.at("apiVersion"), "apiVersion", message);
    }
    Some(doc)
}

fn parse_manifest(source: Source, report: &mut Report) -> Option<ParsedManifest> {
    let head = read_head(&source, report)?;
    let (Some(kind), Some(api_version)) = (head.kind, head.api_version) else {
        report.error(source.start(), "", "a manifest needs `apiVersion` and `kind`");
        return None;
    };
    let expected = kinds::of_kind(&kind).map(Resource::api_versions).unwrap_or_default();
    if !expected.is_empty() && !expected.contains(&api_version) {
        let message = format!("`{api_version}` does not serve kind {kind}, expected {}", expected.join(" or "));
        report.error(source.at("apiVersion"), "apiVersion", message);
        return None;
    }
    let manifest = read_manifest(&kind, &source, report)?;
    warnings::check(&manifest, &source, report);
    let held = manifest.metadata().annotations.get(HOLD_ANNOTATION).is_some_and(|v| v == "true");
    let loaded = LoadedManifest { manifest, held, line: source.first_line };
    Some(ParsedManifest { loaded, source })
}

/// One Kubernetes manifest from YAML text, as a scenario file's manifests
/// are read (the cluster's own `default/kubernetes` Service is written
/// this way). Reading it through the loader, not `serde_norway::from_str`,
/// also keeps the wasm from carrying a second copy of every manifest's
/// deserializer: `Manifest`'s derived one (internally tagged, so buffered)
/// for serde_norway's error type.
pub fn manifest(text: &str) -> Result<Manifest, String> {
    read_one(text, false).map_err(|errors| errors.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
}

/// One Kubernetes manifest from JSON text (the object a `kubectl patch`
/// made), read as [`manifest`] reads YAML, so that the wasm carries one
/// compiled deserializer per manifest type, except that a JSON number,
/// `true`, `false` or `null` where a string belongs is an error, as it is
/// in JSON. The error is the first problem found, with its field path.
pub fn manifest_from_json(json: &str) -> Result<Manifest, Diagnostic> {
    read_one(json, true).map_err(|errors| {
        errors.into_iter().next().unwrap_or_else(|| Diagnostic {
            file: String::new(),
            line: 0,
            column: 0,
            path: String::new(),
            message: "the object is empty".into(),
            suggestion: None,
        })
    })
}

/// The first document of `text` as a manifest, or every error found.
fn read_one(text: &str, json: bool) -> Result<Manifest, Vec<Diagnostic>> {
    let mut report = Report::new("manifest");
    let parsed = document::split(text).into_iter().next().and_then(|mut source| {
        source.json = json;
        parse_manifest(source, &mut report)
    });
    match parsed {
        Some(p) if report.errors.is_empty() => Ok(p.loaded.manifest),
        _ => Err(report.errors),
    }
}

/// Deserializes a manifest held inside other data (an edit in a permalink
/// or in saved progress, JSON) by re-reading it as text through the loader
/// (JSON is YAML): `#[serde(deserialize_with)]` on those fields. With
/// `Manifest`'s derived `Deserialize` (internally tagged, so buffered into
/// serde's `Content`) the wasm would carry another copy of every manifest's
/// deserializer, for serde_json's error type; this way it has one.
pub fn deserialize_manifest<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Box<Manifest>, D::Error> {
    use serde::de::Error;
    let value = serde_json::Value::deserialize(d)?;
    let text = serde_json::to_string(&value).map_err(D::Error::custom)?;
    manifest(&text).map(Box::new).map_err(D::Error::custom)
}

/// Reads the document as the `Manifest` variant for `kind`.
fn read_manifest(kind: &str, source: &Source, report: &mut Report) -> Option<Manifest> {
    /// Reads a `Doc<$spec>` and moves its parts into `Manifest::$variant`.
    /// With `optional`, the spec may be left out and defaults to empty.
    macro_rules! read_as {
        ($variant:ident, $spec:ty) => {
            read::<Doc<$spec>>(source, report).map(|doc| Manifest::$variant {
                api_version: doc.api_version,
                metadata: doc.metadata,
                spec: doc.spec,
                status: doc.status,
            })
        };
        ($variant:ident, $spec:ty, optional) => {
            read::<Doc<Option<$spec>>>(source, report).map(|doc| Manifest::$variant {
                api_version: doc.api_version,
                metadata: doc.metadata,
                spec: doc.spec.unwrap_or_default(),
                status: doc.status,
            })
        };
    }
    match kind {
        "Namespace" => read_as!(Namespace, Ignored),
        "Deployment" => read_as!(Deployment, DeploymentSpec),
        "Pod" => read_as!(Pod, PodSpec),
        "Service" => read_as!(Service, ServiceSpec),
        "IPAddressPool" => read_as!(IPAddressPool, IpAddressPoolSpec),
        "L2Advertisement" => read_as!(L2Advertisement, L2AdvertisementSpec, optional),
        "BGPAdvertisement" => read_as!(BGPAdvertisement, BgpAdvertisementSpec, optional),
        "BGPPeer" => read_as!(BGPPeer, BgpPeerSpec),
        "CiliumLoadBalancerIPPool" => {
            read_as!(CiliumLoadBalancerIPPool, CiliumLoadBalancerIpPoolSpec)
        }
        "CiliumL2AnnouncementPolicy" => {
            read_as!(CiliumL2AnnouncementPolicy, CiliumL2AnnouncementPolicySpec, optional)
        }
        "GatewayClass" => read_as!(GatewayClass, GatewayClassSpec),
        "Gateway" => read_as!(Gateway, GatewaySpec),
        _ => {
            unknown_kind(kind, source, report);
            None
        }
    }
}

fn unknown_kind(kind: &str, source: &Source, report: &mut Report) {
    let at = source.at("kind");
    if kind == "Scenario" {
        report.error(at, "kind", "only the first document is the scenario; the others are Kubernetes manifests");
    } else if kind == "Node" {
        // A Node is the kubelet's to register, not a manifest to apply:
        // here the scenario's hosts are the nodes.
        report.error(
            at,
            "kind",
            "a Node is not applied: every host with `role: node` is one; give its labels and zone there (spec.hosts[].labels, spec.hosts[].zone)",
        );
    } else if matches!(kind, "EndpointSlice" | "Endpoints") {
        report.error(
            at,
            "kind",
            format!(
                "vipsim derives {kind} from the Services' selectors and the pods, as the EndpointSlice controller does; hand-written ones (for a Service without a selector) are not modelled"
            ),
        );
    } else if let Some(near) = closest(kind, kinds::manifest_kinds()) {
        report.error(at, "kind", format!("unknown kind `{kind}`")).suggest(Some(near));
    } else {
        report.error(
            at,
            "kind",
            format!("unknown kind `{kind}`, expected one of {}", kinds::manifest_kinds().join(" | ")),
        );
    }
}

/// Reads the document's [`Head`], after checking it holds only characters
/// YAML allows.
fn read_head(source: &Source, report: &mut Report) -> Option<Head> {
    if let Some((at, c)) = source.forbidden_char() {
        report.error(at, "", format!("control character U+{:04X} is not allowed in YAML", u32::from(c)));
        return None;
    }
    read(source, report)
}

/// Deserializes the whole document as `T`, reporting the error if it fails.
fn read<T: DeserializeOwned>(source: &Source, report: &mut Report) -> Option<T> {
    T::deserialize(source.deserializer()).map_err(|error| report.deserialize_error(source, &error)).ok()
}

fn sort_by_position(diagnostics: &mut [Diagnostic]) {
    diagnostics.stable_sort_by_key(|d| (d.line, d.column));
}
