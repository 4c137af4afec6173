//! Kubernetes' rules for names, label keys and label values
//! (apimachinery `pkg/util/validation`): what the scenario loader checks in
//! manifests and `kubectl label` in its arguments.

/// An RFC 1123 label, as Kubernetes requires of node and namespace names.
pub fn is_dns_label(name: &str) -> bool {
    let alphanumeric = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    (1..=63).contains(&name.len())
        && name.chars().all(|c| alphanumeric(c) || c == '-')
        && name.starts_with(alphanumeric)
        && name.ends_with(alphanumeric)
}

/// An RFC 1035 label (`IsDNS1035Label`), as Kubernetes requires of Service
/// names: an RFC 1123 label that starts with a letter.
pub fn is_dns1035_label(name: &str) -> bool {
    is_dns_label(name) && name.starts_with(|c: char| c.is_ascii_lowercase())
}

/// An RFC 1123 subdomain: dot-separated labels, 253 characters at most.
pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns_label)
}

/// A label key (`IsQualifiedName`): an optional DNS subdomain prefix and
/// `/`, then a non-empty name that is a valid label value.
pub fn is_qualified_name(key: &str) -> bool {
    let name = match key.split_once('/') {
        Some((prefix, name)) if is_dns_subdomain(prefix) => name,
        Some(_) => return false,
        None => key,
    };
    !name.is_empty() && is_label_value(name)
}

/// A label value (`IsValidLabelValue`): empty, or at most 63 characters,
/// alphanumeric at both ends and `-_.` inside.
pub fn is_label_value(value: &str) -> bool {
    value.len() <= 63
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && value.chars().next().is_none_or(|c| c.is_ascii_alphanumeric())
        && value.chars().last().is_none_or(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("worker-0"));
        assert!(is_dns_label("a"));
        assert!(!is_dns_label(""));
        assert!(!is_dns_label("Worker"));
        assert!(!is_dns_label("-a"));
        assert!(!is_dns_label("a-"));
        assert!(!is_dns_label("a_b"));
        assert!(!is_dns_label(&"a".repeat(64)));
        // RFC 1035: a letter first.
        assert!(is_dns1035_label("web-1") && is_dns1035_label(&"a".repeat(63)));
        assert!(!is_dns1035_label("1web") && !is_dns1035_label("web x") && !is_dns1035_label(&"a".repeat(64)));
    }

    #[test]
    fn label_keys_and_values() {
        assert!(is_qualified_name("node.kubernetes.io/exclude-from-external-load-balancers"));
        assert!(is_qualified_name("Bad_Key"));
        assert!(!is_qualified_name("bad key"));
        assert!(!is_qualified_name("Example.com/x"));
        assert!(!is_qualified_name("example.com/"));
        assert!(is_label_value(""));
        assert!(!is_label_value("-x"));
        assert!(!is_label_value(&"a".repeat(64)));
    }
}
