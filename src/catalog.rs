//! The scenarios shipped inside the app (`scenarios/*.yaml`, embedded at
//! build time by `build.rs`), with the header fields the scenario picker shows.

use serde::Deserialize;

include!(concat!(env!("OUT_DIR"), "/shipped_scenarios.rs"));

/// A shipped scenario: its file, id, title and full YAML text.
#[derive(Clone, Debug, PartialEq)]
pub struct Shipped {
    pub file: &'static str,
    pub id: String,
    pub title: String,
    pub yaml: &'static str,
}

#[derive(Deserialize)]
struct Header {
    metadata: HeaderMeta,
}
#[derive(Deserialize)]
struct HeaderMeta {
    name: String,
    #[serde(default)]
    title: Option<String>,
}

/// Every shipped scenario, in file-name order. A file whose first document
/// has no `metadata.name` is listed under its file name.
pub fn shipped() -> Vec<Shipped> {
    list(SHIPPED)
}

/// The workshop exercises, in order (their files are numbered).
pub fn workshop() -> Vec<Shipped> {
    list(WORKSHOP)
}

fn list(files: &'static [(&'static str, &'static str)]) -> Vec<Shipped> {
    files
        .iter()
        .map(|(file, yaml)| {
            let first = serde_norway::Deserializer::from_str(yaml).next();
            let header = first.and_then(|doc| Header::deserialize(doc).ok());
            let stem = file.trim_end_matches(".yaml").to_string();
            let (id, title) = match header {
                Some(h) => (h.metadata.name.clone(), h.metadata.title.unwrap_or(h.metadata.name)),
                None => (stem.clone(), stem),
            };
            Shipped { file, id, title, yaml }
        })
        .collect()
}

/// Looks a shipped scenario or exercise up by id (`metadata.name`) or file name.
pub fn find(id: &str) -> Option<Shipped> {
    shipped()
        .into_iter()
        .chain(workshop())
        .find(|s| s.id == id || s.file == id || s.file.trim_end_matches(".yaml") == id)
}
