//! What a learner can take away and bring back: permalinks (the exact
//! state of the playground in a URL) and workshop progress (exported as
//! JSON and imported into another browser). Both carry a version, and
//! decoding never trusts its input: a bad or newer link or file gives a
//! clear error and changes nothing.

use crate::sim::action::Action;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `value` as a JSON tree, its objects' keys in alphabetical order. Links
/// and progress files are written from the tree: the wasm then carries one
/// serializer for the edits' manifests (the tree's, which kubectl's output
/// uses too) instead of one per JSON writer (issue 17).
fn to_value(value: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).expect("links and progress always serialise")
}

/// The current permalink format. Older versions stay decodable.
pub const LINK_VERSION: u8 = 1;

/// Which scenario a link opens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ScenarioRef {
    /// A shipped scenario or exercise, by id: short links.
    Shipped(String),
    /// A scenario the learner pasted or edited, carried in the link itself.
    Inline(String),
}

/// Everything needed to reopen the playground exactly as it was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Permalink {
    pub scenario: ScenarioRef,
    pub variant: Option<String>,
    /// The edits that made the current branch, in order: at which step each
    /// was applied.
    pub edits: Vec<(u64, Action)>,
    /// The cursor.
    pub step: u64,
    /// Visible panels, e.g. `topology`, `timeline`, `inspector`.
    pub panels: Vec<String>,
    /// The selected host, if any.
    pub host: Option<String>,
    pub lang: Option<String>,
    /// The trace record open in the inspector, if any. (Added within
    /// format 1: links without it read as none.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<usize>,
}

impl Permalink {
    /// The link's fragment: a version byte, then the state as JSON (the
    /// actions' optional fields need a self-describing format), deflated,
    /// in URL-safe base64.
    pub fn encode(&self) -> String {
        let body = serde_json::to_vec(&to_value(self)).expect("a permalink always serialises");
        let mut bytes = vec![LINK_VERSION];
        bytes.extend(miniz_oxide::deflate::compress_to_vec(&body, 9));
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn decode(text: &str) -> Result<Permalink, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| "this link is damaged (it is not valid base64)".to_string())?;
        let (version, packed) = bytes.split_first().ok_or("this link is empty")?;
        match *version {
            1 => {
                // Links are small; a bomb would inflate far beyond any real state.
                let body = miniz_oxide::inflate::decompress_to_vec_with_limit(packed, 1 << 20)
                    .map_err(|_| "this link is damaged (it does not decompress)".to_string())?;
                crate::json::read_bytes(&body)
                    .map_err(|_| "this link is damaged (its contents do not parse)".to_string())
            }
            v if v > LINK_VERSION => {
                Err(format!("this link was made by a newer vipsim (format {v}); reload the page to update the app"))
            }
            v => Err(format!("this link uses format {v}, which this vipsim cannot read")),
        }
    }
}

/// The current progress file format.
pub const PROGRESS_VERSION: u32 = 1;

/// One exercise's progress.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExerciseProgress {
    /// Names of the goals that passed at least once.
    #[serde(default)]
    pub passed: Vec<String>,
    /// How many hints were revealed, per goal name.
    #[serde(default)]
    pub hints: BTreeMap<String, u8>,
    #[serde(default)]
    pub completed: bool,
    /// The learner's branch edits, to resume where they were.
    #[serde(default)]
    pub edits: Vec<(u64, Action)>,
}

/// A learner's guess at a checkpoint (predict, then observe).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Guess {
    /// The chosen answer's label, as the scenario writes it in English.
    pub choice: String,
    /// Whether it was what happened, once revealed (in the run it was
    /// asked in: a branch may answer differently).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right: Option<bool>,
}

/// Everything a learner has done in the workshop, as stored in the
/// browser and exported to a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub version: u32,
    #[serde(default)]
    pub exercises: BTreeMap<String, ExerciseProgress>,
    /// Guesses at checkpoints, per scenario id (stories and exercises),
    /// then per checkpoint id. (Added within format 1: files without it
    /// read as no guesses, and older apps ignore it.)
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub guesses: BTreeMap<String, BTreeMap<String, Guess>>,
}

impl Default for Progress {
    fn default() -> Progress {
        Progress { version: PROGRESS_VERSION, exercises: BTreeMap::new(), guesses: BTreeMap::new() }
    }
}

impl Progress {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&to_value(self)).expect("progress always serialises")
    }

    /// Reads an exported progress file, checking it before anything is
    /// replaced: a wrong version or broken JSON are errors, and so are
    /// exercises outside `known_exercises` when it is given (an import).
    /// Saved progress is read with `None`: an exercise an upgrade renamed
    /// or removed is carried along, not a reason to set everything aside.
    pub fn from_json(text: &str, known_exercises: Option<&[&str]>) -> Result<Progress, String> {
        // Read like links (`crate::json`): the wasm carries one parser and
        // one copy of the edits' deserializers (issue 17).
        let value: serde_json::Value =
            crate::json::read(text).map_err(|e| format!("this is not a vipsim progress file (not JSON: {e})"))?;
        let version =
            value.get("version").and_then(|v| v.as_u64()).ok_or("this is not a vipsim progress file (no version)")?;
        if version > PROGRESS_VERSION as u64 {
            return Err(format!(
                "this progress file was written by a newer vipsim (version {version}); update the app first"
            ));
        }
        let progress: Progress = crate::json::read(text).map_err(|e| format!("this progress file is damaged: {e}"))?;
        let unknown =
            known_exercises.and_then(|known| progress.exercises.keys().find(|k| !known.contains(&k.as_str())));
        if let Some(unknown) = unknown {
            return Err(format!("this progress file mentions an exercise this vipsim does not have: {unknown}"));
        }
        // Guesses may be about any shipped scenario, stories included.
        if let Some(known) = known_exercises {
            let stories: Vec<String> = crate::catalog::shipped().into_iter().map(|s| s.id).collect();
            let unknown =
                progress.guesses.keys().find(|k| !known.contains(&k.as_str()) && !stories.iter().any(|s| s == *k));
            if let Some(unknown) = unknown {
                return Err(format!(
                    "this progress file has guesses about a scenario this vipsim does not have: {unknown}"
                ));
            }
        }
        Ok(progress)
    }

    /// Merges an imported file into this one: an exercise counts as done if
    /// it is done in either, goals passed in either stay passed.
    pub fn merge(&mut self, other: Progress) {
        for (id, theirs) in other.exercises {
            let mine = self.exercises.entry(id).or_default();
            for g in theirs.passed {
                if !mine.passed.contains(&g) {
                    mine.passed.push(g);
                }
            }
            for (g, n) in theirs.hints {
                let h = mine.hints.entry(g).or_default();
                *h = (*h).max(n);
            }
            mine.completed |= theirs.completed;
            if mine.edits.is_empty() {
                mine.edits = theirs.edits;
            }
        }
        // A guess made here stays; the file adds the ones this browser lacks.
        for (scenario, theirs) in other.guesses {
            let mine = self.guesses.entry(scenario).or_default();
            for (checkpoint, guess) in theirs {
                mine.entry(checkpoint).or_insert(guess);
            }
        }
    }

    /// Records a guess (replacing an earlier one at the same checkpoint).
    pub fn guess(&mut self, scenario: &str, checkpoint: &str, choice: &str) {
        let guess = Guess { choice: choice.to_string(), right: None };
        self.guesses.entry(scenario.to_string()).or_default().insert(checkpoint.to_string(), guess);
    }

    /// Marks the guess at a checkpoint right or wrong, once revealed.
    pub fn reveal(&mut self, scenario: &str, checkpoint: &str, right: bool) {
        if let Some(g) = self.guesses.get_mut(scenario).and_then(|m| m.get_mut(checkpoint)) {
            g.right = Some(right);
        }
    }
}

/// The scenario editor's unapplied text, kept in the browser so that a
/// reload or a closed tab loses no edit. It remembers the text it was
/// edited from (by SHA-256), and comes back only over that same text: an
/// edit of one pasted scenario never lands on another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EditorDraft {
    base: String,
    pub text: String,
}

impl EditorDraft {
    pub fn new(base: &str, text: &str) -> EditorDraft {
        EditorDraft { base: Self::fingerprint(base), text: text.to_string() }
    }

    fn fingerprint(text: &str) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("two strings serialise")
    }

    /// The saved draft's text, if `saved` is a draft edited from `base`
    /// (anything else, damaged text included, is no draft for it).
    pub fn restore(saved: &str, base: &str) -> Option<String> {
        let draft: EditorDraft = crate::json::read(saved).ok()?;
        (draft.base == Self::fingerprint(base)).then_some(draft.text)
    }
}

/// The height an embedded player starts at, before it reports its own
/// (the playground's embed code and the oEmbed files agree on it).
pub const EMBED_HEIGHT: u32 = 560;

/// Escapes text for an HTML attribute value in double quotes.
pub fn html_attr(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The iframe that embeds the player at `src`, full column width.
pub fn embed_iframe(src: &str, title: &str) -> String {
    format!(
        "<iframe src=\"{}\" title=\"vipsim: {}\" height=\"{EMBED_HEIGHT}\" style=\"width:100%;border:0\" loading=\"lazy\"></iframe>",
        html_attr(src),
        html_attr(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_editor_draft_comes_back_only_over_the_text_it_was_edited_from() {
        let base = "apiVersion: vipsim/v1\nkind: Scenario\n";
        let saved = EditorDraft::new(base, "apiVersion: vipsim/v1\nkind: Scenari").to_json();
        assert_eq!(EditorDraft::restore(&saved, base).as_deref(), Some("apiVersion: vipsim/v1\nkind: Scenari"));
        assert_eq!(EditorDraft::restore(&saved, "kind: Scenario\n"), None);
        assert_eq!(EditorDraft::restore("{\"base\":", base), None);
        assert_eq!(EditorDraft::restore("", base), None);
    }
    use crate::scenario::spec::{FaultAction, FaultStep};

    fn link() -> Permalink {
        Permalink {
            scenario: ScenarioRef::Shipped("metallb-l2-failover".into()),
            variant: Some("garp-honor".into()),
            edits: vec![(812, Action::Fault(FaultStep::new("router", FaultAction::FlushArp)))],
            step: 1234,
            panels: vec!["topology".into(), "timeline".into()],
            host: Some("router".into()),
            lang: None,
            record: None,
        }
    }

    #[test]
    fn links_round_trip_and_stay_short() {
        let l = link();
        let text = l.encode();
        assert!(text.len() < 240, "{} chars: {text}", text.len());
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "URL-safe");
        assert_eq!(Permalink::decode(&text), Ok(l));
    }

    /// An edited manifest in a link or in saved progress reads back equal:
    /// it is re-read through the scenario loader (JSON is YAML) rather than
    /// by `Manifest`'s derived `Deserialize`, which kept a second copy of
    /// every manifest's deserializer in the wasm (issue 17). Every manifest
    /// of every shipped scenario, every kind, goes through both.
    #[test]
    fn edited_manifests_read_back_from_links_and_progress() {
        let mut kinds = std::collections::BTreeSet::new();
        for s in crate::catalog::shipped().into_iter().chain(crate::catalog::workshop()) {
            let scenario = crate::scenario::load::load(s.file, s.yaml).unwrap();
            for m in scenario.manifests {
                kinds.insert(m.manifest.kind().to_string());
                let edit = (7, Action::ApplyManifest { manifest: Box::new(m.manifest) });
                let l = Permalink { edits: vec![edit.clone()], ..link() };
                assert_eq!(Permalink::decode(&l.encode()).as_ref(), Ok(&l), "{}", s.id);
                let mut p = Progress::default();
                p.exercises.insert("ex".into(), ExerciseProgress { edits: vec![edit], ..Default::default() });
                assert_eq!(Progress::from_json(&p.to_json(), None), Ok(p), "{}", s.id);
            }
        }
        assert!(kinds.len() >= 10, "{kinds:?}");
        // A manifest the loader refuses makes the link unreadable, as a damaged one.
        let bad = r#"{"scenario":{"Shipped":"x"},"variant":null,"edits":[[1,{"apply_manifest":{"manifest":{"kind":"Service","apiVersion":"v1","metadata":{"name":"web"},"spec":{"type":"Sideways"}}}}]],"step":1,"panels":[],"host":null,"lang":null}"#;
        let mut bytes = vec![LINK_VERSION];
        bytes.extend(miniz_oxide::deflate::compress_to_vec(bad.as_bytes(), 9));
        assert_eq!(
            Permalink::decode(&URL_SAFE_NO_PAD.encode(bytes)),
            Err("this link is damaged (its contents do not parse)".into())
        );
    }

    #[test]
    fn inline_scenarios_are_compressed() {
        let yaml = crate::catalog::find("metallb-l2-failover").unwrap().yaml.to_string();
        let l = Permalink { scenario: ScenarioRef::Inline(yaml.clone()), ..link() };
        let text = l.encode();
        assert!(text.len() < yaml.len() * 2 / 3, "{} vs {}", text.len(), yaml.len());
        assert_eq!(Permalink::decode(&text).unwrap().scenario, ScenarioRef::Inline(yaml));
    }

    #[test]
    fn links_made_before_the_record_field_still_open() {
        let old = r#"{"scenario":{"Shipped":"bgp-ecmp"},"variant":null,"edits":[],"step":7,"panels":[],"host":null,"lang":"ko"}"#;
        let mut bytes = vec![LINK_VERSION];
        bytes.extend(miniz_oxide::deflate::compress_to_vec(old.as_bytes(), 9));
        let link = Permalink::decode(&URL_SAFE_NO_PAD.encode(bytes)).unwrap();
        assert_eq!((link.step, link.record, link.lang.as_deref()), (7, None, Some("ko")));
        let with_record = Permalink { record: Some(42), ..link };
        assert_eq!(Permalink::decode(&with_record.encode()).unwrap().record, Some(42));
    }

    #[test]
    fn the_embed_iframe_escapes_what_it_quotes() {
        assert_eq!(
            embed_iframe("embed.html?scenario=a&at=2", "Cluster \"vs\" <Local>"),
            "<iframe src=\"embed.html?scenario=a&amp;at=2\" title=\"vipsim: Cluster &quot;vs&quot; &lt;Local&gt;\" \
             height=\"560\" style=\"width:100%;border:0\" loading=\"lazy\"></iframe>"
        );
    }

    #[test]
    fn bad_links_fail_clearly() {
        assert_eq!(Permalink::decode("%%%"), Err("this link is damaged (it is not valid base64)".into()));
        assert_eq!(Permalink::decode(""), Err("this link is empty".into()));
        let newer = URL_SAFE_NO_PAD.encode([9u8, 1, 2, 3]);
        assert!(Permalink::decode(&newer).unwrap_err().contains("newer vipsim"));
        let mut tampered = URL_SAFE_NO_PAD.decode(link().encode()).unwrap();
        tampered.truncate(tampered.len() / 2);
        assert!(Permalink::decode(&URL_SAFE_NO_PAD.encode(tampered)).unwrap_err().contains("damaged"));
    }

    /// Guesses travel with the progress file; a file written before they
    /// existed still loads (with none), and one from this version keeps them.
    #[test]
    fn guesses_are_kept_in_progress_files_old_and_new() {
        let old = r#"{"version": 1, "exercises": {"ex06-garp-blackhole": {"passed": ["a"], "completed": true}}}"#;
        let p = Progress::from_json(old, Some(&["ex06-garp-blackhole"])).unwrap();
        assert!(p.guesses.is_empty() && p.exercises["ex06-garp-blackhole"].completed);
        assert!(!p.to_json().contains("guesses"), "no guesses, no field: older apps read it unchanged");

        let mut mine = Progress::default();
        mine.guess("metallb-l2-failover", "where-next", "to node-a's MAC: the entry it already has");
        mine.reveal("metallb-l2-failover", "where-next", true);
        mine.guess("ex06-garp-blackhole", "where-next", "to node-b's MAC: the new leader");
        let json = mine.to_json();
        assert!(json.contains("\"right\": true"), "{json}");
        let back = Progress::from_json(&json, Some(&["ex06-garp-blackhole"])).unwrap();
        assert_eq!(back, mine);
        let g = &back.guesses["metallb-l2-failover"]["where-next"];
        assert_eq!((g.choice.as_str(), g.right), ("to node-a's MAC: the entry it already has", Some(true)));

        let mut other = Progress::default();
        other.guess("metallb-l2-failover", "where-next", "nowhere");
        other.guess("bgp-ecmp", "route-after-failure", "node-b and node-c");
        mine.merge(other);
        assert_eq!(mine.guesses["metallb-l2-failover"]["where-next"].right, Some(true), "a guess made here stays");
        assert_eq!(mine.guesses["bgp-ecmp"]["route-after-failure"].choice, "node-b and node-c");

        let foreign = r#"{"version": 1, "guesses": {"no-such-story": {"x": {"choice": "a"}}}}"#;
        assert_eq!(
            Progress::from_json(foreign, Some(&[])).unwrap_err(),
            "this progress file has guesses about a scenario this vipsim does not have: no-such-story"
        );
        assert!(Progress::from_json(foreign, None).is_ok(), "saved progress carries what an upgrade removed");
    }

    #[test]
    fn progress_export_import_validates_and_merges() {
        let mut p = Progress::default();
        p.exercises.insert(
            "ex01-find-the-leader".into(),
            ExerciseProgress { passed: vec!["a".into()], completed: false, ..Default::default() },
        );
        let json = p.to_json();
        let back = Progress::from_json(&json, Some(&["ex01-find-the-leader"])).unwrap();
        assert_eq!(back, p);
        assert!(Progress::from_json("{", None).unwrap_err().starts_with("this is not a vipsim progress file"));
        assert!(Progress::from_json(r#"{"version": 99}"#, None).unwrap_err().contains("newer vipsim"));
        assert!(Progress::from_json(&json, Some(&[])).unwrap_err().contains("ex01-find-the-leader"));
        // Saved progress keeps exercises this version does not ship.
        assert_eq!(Progress::from_json(&json, None).unwrap(), back);
        let mut other = Progress::default();
        other.exercises.insert(
            "ex01-find-the-leader".into(),
            ExerciseProgress { passed: vec!["b".into()], completed: true, ..Default::default() },
        );
        p.merge(other);
        let e = &p.exercises["ex01-find-the-leader"];
        assert_eq!(e.passed, vec!["a".to_string(), "b".to_string()]);
        assert!(e.completed);
    }
}
