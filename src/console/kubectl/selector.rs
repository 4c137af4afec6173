//! Label selectors (`-l app=web,tier!=db,env in (a,b),!canary`) and field
//! selectors (`--field-selector spec.nodeName=worker-0`), with the fields
//! the API server supports for each kind.

use super::objects::Object;
use super::resources::Resource;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelSelector(Vec<Requirement>);

/// Splits on commas outside parentheses.
fn terms(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
}

fn valid_value(v: &str) -> bool {
    v.len() <= 63 && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

impl LabelSelector {
    /// Parses kubectl's selector syntax; the error reads like kubectl's.
    pub fn parse(s: &str) -> Result<LabelSelector, String> {
        let mut reqs = Vec::new();
        for term in terms(s).into_iter().map(str::trim).filter(|t| !t.is_empty()) {
            reqs.push(requirement(term)?);
        }
        Ok(LabelSelector(reqs))
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::NotExists(k) => !labels.contains_key(k),
        })
    }
}

fn requirement(term: &str) -> Result<Requirement, String> {
    let bad =
        |found: &str, expected: &str| format!("unable to parse requirement: found '{found}', expected: {expected}");
    if let Some(key) = term.strip_prefix('!') {
        let key = key.trim();
        return if valid_key(key) { Ok(Requirement::NotExists(key.into())) } else { Err(bad(key, "identifier")) };
    }
    for (op, negated) in [(" notin ", true), (" in ", false)] {
        if let Some((key, set)) = term.split_once(op) {
            let set = set.trim();
            let inner = set.strip_prefix('(').and_then(|s| s.strip_suffix(')')).ok_or_else(|| bad(set, "'(', ')'"))?;
            let values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
            let key = key.trim().to_string();
            if !valid_key(&key) || values.iter().any(|v| !valid_value(v)) {
                return Err(bad(term, "identifier"));
            }
            return Ok(if negated { Requirement::NotIn(key, values) } else { Requirement::In(key, values) });
        }
    }
    for (op, negated) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((key, value)) = term.split_once(op) {
            let (key, value) = (key.trim(), value.trim());
            if !valid_key(key) {
                return Err(bad(key, "identifier"));
            }
            if !valid_value(value) || value.contains('=') {
                return Err(bad(value, "identifier"));
            }
            return Ok(if negated {
                Requirement::NotEquals(key.into(), value.into())
            } else {
                Requirement::Equals(key.into(), value.into())
            });
        }
    }
    if valid_key(term) { Ok(Requirement::Exists(term.into())) } else { Err(bad(term, "identifier")) }
}

/// One `field=value` or `field!=value` term of a field selector.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldTerm {
    field: String,
    value: String,
    negated: bool,
}

/// The fields the API server lets you select on, per kind.
fn supported_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "Pod" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "Event" => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.apiVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        "Node" => &["spec.unschedulable"],
        "Namespace" => &["status.phase"],
        "Service" => &["spec.clusterIP", "spec.type"],
        "ReplicaSet" => &["status.replicas"],
        _ => &[],
    }
}

/// Parses a field selector for `res`; unsupported fields are rejected
/// with the API server's BadRequest.
pub fn parse_fields(res: &Resource, s: &str, labels: &str) -> Result<Vec<FieldTerm>, String> {
    let mut out = Vec::new();
    for term in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let (field, value, negated) = if let Some((f, v)) = term.split_once("!=") {
            (f, v, true)
        } else if let Some((f, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            (f, v, false)
        } else {
            return Err(format!("error: invalid selector: '{s}'; can't understand '{term}'"));
        };
        let field = field.trim();
        let common = ["metadata.name", "metadata.namespace"];
        if !common.contains(&field) && !supported_fields(res.kind).contains(&field) {
            let group = if res.group.is_empty() { String::new() } else { res.group.to_string() };
            return Err(format!(
                "Error from server (BadRequest): Unable to find \"{group}/{}, Resource={}\" that match label selector \"{labels}\", field selector \"{s}\": field label not supported: {field}",
                res.version, res.plural
            ));
        }
        out.push(FieldTerm { field: field.to_string(), value: value.trim().to_string(), negated });
    }
    Ok(out)
}

/// Whether the object matches every term.
pub fn fields_match(terms: &[FieldTerm], o: &Object) -> bool {
    terms.iter().all(|t| {
        // `source` selects on the reporting component.
        let path = if t.field == "source" { "source.component".to_string() } else { t.field.clone() };
        let pointer = format!("/{}", path.replace('.', "/"));
        let actual = match o.json.pointer(&pointer) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        (actual == t.value) != t.negated
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn selector_syntax() {
        let l = labels(&[("app", "metallb"), ("component", "speaker")]);
        for (s, want) in [
            ("component=speaker", true),
            ("component==speaker,app=metallb", true),
            ("component!=speaker", false),
            ("component in (speaker, controller)", true),
            ("component notin (speaker)", false),
            ("app", true),
            ("!app", false),
            ("!tier", true),
            ("", true),
        ] {
            assert_eq!(LabelSelector::parse(s).unwrap().matches(&l), want, "{s}");
        }
        assert_eq!(
            LabelSelector::parse("a=b=c").unwrap_err(),
            "unable to parse requirement: found 'b=c', expected: identifier"
        );
    }
}
