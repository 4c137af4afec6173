//! The scenarios shipped inside the app (`scenarios/*.yaml`, embedded at
//! build time by `build.rs`), with the header fields the scenario picker shows.

use crate::sort::Collect;
use serde::Deserialize;
use std::collections::BTreeMap;

include!(concat!(env!("OUT_DIR"), "/shipped_scenarios.rs"));

/// A shipped scenario: its file, id, title and full YAML text.
#[derive(Clone, Debug, PartialEq)]
pub struct Shipped {
    pub file: &'static str,
    pub id: String,
    pub title: String,
    /// The title in other languages, by language code.
    pub titles: BTreeMap<String, String>,
    pub yaml: &'static str,
}

impl Shipped {
    /// The title in `lang`, falling back to English.
    pub fn title_in(&self, lang: &str) -> &str {
        self.titles.get(lang).unwrap_or(&self.title)
    }
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
    #[serde(default)]
    translations: BTreeMap<String, HeaderTranslation>,
}
#[derive(Deserialize)]
struct HeaderTranslation {
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
            let (id, title, titles) = match header {
                Some(h) => {
                    let titles = h
                        .metadata
                        .translations
                        .into_iter()
                        .filter_map(|(lang, t)| Some((lang, t.title?)))
                        .collect_map();
                    (h.metadata.name.clone(), h.metadata.title.unwrap_or(h.metadata.name), titles)
                }
                None => (stem.clone(), stem, BTreeMap::new()),
            };
            Shipped { file, id, title, titles, yaml }
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

#[cfg(test)]
mod tests {
    #[test]
    fn titles_come_in_korean_and_fall_back_to_english() {
        for s in super::shipped().into_iter().chain(super::workshop()) {
            assert!(!s.title_in("ko").is_empty() && s.title_in("ko") != s.title, "{}: no Korean title", s.id);
            assert_eq!(s.title_in("fr"), s.title);
        }
    }
}
