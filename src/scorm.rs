//! The workshop as a SCORM 1.2 package for a learning management system
//! (`./dev build --scorm`, `vipsim scorm DIST -o FILE.zip`): the static
//! site as it is, with an `imsmanifest.xml` at the root that makes each
//! exercise its own SCO (launched at the exercise's page) and the rest of
//! the site one shared asset. The playground reports to the LMS's SCORM
//! API when it finds one (`crate::ui::scorm`: LMSInitialize, the score,
//! lesson_status "passed" once every goal passes, LMSFinish); without an
//! LMS it is the normal site.
//!
//! The manifest follows the SCORM 1.2 Content Aggregation Model (ADL,
//! "SCORM Version 1.2, The SCORM Content Aggregation Model", section 3):
//! IMS Content Packaging 1.1.2 (`imscp_rootv1p1p2`) with the ADL
//! extensions (`adlcp_rootv1p2`: `adlcp:scormtype`, `adlcp:masteryscore`),
//! `<metadata>` naming schema "ADL SCORM" version "1.2".

use crate::catalog::Shipped;

/// One SCO: an exercise, launched at its own page.
#[derive(Clone, Debug, PartialEq)]
pub struct Sco {
    pub id: String,
    pub title: String,
    /// The page that opens it, relative to the package root.
    pub href: String,
}

impl Sco {
    pub fn of(shipped: &Shipped) -> Sco {
        Sco { id: shipped.id.clone(), title: shipped.title_in("en").to_string(), href: format!("{}.html", shipped.id) }
    }
}

/// XML text or attribute value.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An `xs:ID` made of an exercise id (letters, digits, `-`; never starting
/// with a digit).
fn identifier(prefix: &str, id: &str) -> String {
    let id: String = id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    format!("{prefix}-{id}")
}

/// `imsmanifest.xml`: one organization, an item per SCO in order (its
/// mastery score 100: every goal), a `sco` resource per exercise whose
/// `href` is its page, depending on one `asset` resource listing every
/// other file of the site (`files`, relative paths with `/`).
pub fn manifest(scos: &[Sco], files: &[String]) -> String {
    let mut out = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="vipsim-workshop" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="vipsim-org">
    <organization identifier="vipsim-org">
      <title>vipsim workshop: LoadBalancer VIPs on a LAN</title>
"#,
    );
    for sco in scos {
        out.push_str(&format!(
            "      <item identifier=\"{}\" identifierref=\"{}\" isvisible=\"true\">\n        <title>{}</title>\n        <adlcp:masteryscore>100</adlcp:masteryscore>\n      </item>\n",
            identifier("item", &sco.id),
            identifier("sco", &sco.id),
            xml(&sco.title)
        ));
    }
    out.push_str("    </organization>\n  </organizations>\n  <resources>\n");
    for sco in scos {
        out.push_str(&format!(
            "    <resource identifier=\"{}\" type=\"webcontent\" adlcp:scormtype=\"sco\" href=\"{}\">\n      <file href=\"{}\"/>\n      <dependency identifierref=\"site\"/>\n    </resource>\n",
            identifier("sco", &sco.id),
            xml(&sco.href),
            xml(&sco.href)
        ));
    }
    out.push_str("    <resource identifier=\"site\" type=\"webcontent\" adlcp:scormtype=\"asset\">\n");
    for f in files.iter().filter(|f| !scos.iter().any(|s| s.href == **f)) {
        out.push_str(&format!("      <file href=\"{}\"/>\n", xml(f)));
    }
    out.push_str("    </resource>\n  </resources>\n</manifest>\n");
    out
}

/// The files of a built site that belong in the package, relative, sorted:
/// everything but the precompressed copies (`.br`, `.gz`: an LMS serves the
/// files itself) and a manifest from an earlier package.
#[cfg(not(target_arch = "wasm32"))]
pub fn site_files(dist: &std::path::Path) -> Result<Vec<String>, String> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) -> Result<(), String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            if path.is_dir() {
                walk(root, &path, out)?;
                continue;
            }
            let rel = path.strip_prefix(root).map_err(|e| e.to_string())?;
            let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let rel = rel.join("/");
            if !(rel.ends_with(".br") || rel.ends_with(".gz") || rel == "imsmanifest.xml") {
                out.push(rel);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    walk(dist, dist, &mut files)?;
    files.sort();
    Ok(files)
}

/// Writes the package of the site built in `dist` to `out` (a zip with
/// `imsmanifest.xml` at its root). Every exercise must have its page in
/// `dist` (`vipsim site` writes them). Returns the manifest.
#[cfg(not(target_arch = "wasm32"))]
pub fn package(dist: &std::path::Path, out: &std::path::Path) -> Result<String, String> {
    use std::io::Write;
    let files = site_files(dist)?;
    let scos: Vec<Sco> = crate::catalog::workshop().iter().map(Sco::of).collect();
    if let Some(missing) = scos.iter().find(|s| !files.contains(&s.href)) {
        return Err(format!(
            "{}: no page for exercise {} ({}): build the site first (./dev build)",
            dist.display(),
            missing.id,
            missing.href
        ));
    }
    let manifest = manifest(&scos, &files);
    let file = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", out.display());
    zip.start_file("imsmanifest.xml", options).map_err(|e| fail(&e))?;
    zip.write_all(manifest.as_bytes()).map_err(|e| fail(&e))?;
    for f in &files {
        let bytes = std::fs::read(dist.join(f)).map_err(|e| format!("{}/{f}: {e}", dist.display()))?;
        zip.start_file(f.as_str(), options).map_err(|e| fail(&e))?;
        zip.write_all(&bytes).map_err(|e| fail(&e))?;
    }
    zip.finish().map_err(|e| fail(&e))?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scos() -> Vec<Sco> {
        crate::catalog::workshop().iter().map(Sco::of).collect()
    }

    /// The shapes SCORM 1.2's CAM requires of a manifest, checked on the
    /// text: the packaging and ADL namespaces, the metadata's schema and
    /// version, a default organization that exists, an item per exercise
    /// pointing at a `sco` resource with an `href`, identifiers that are
    /// unique `xs:ID`s, and every file listed once.
    #[test]
    fn the_manifest_has_the_shapes_of_scorm_1_2() {
        let scos = scos();
        assert_eq!(scos.len(), 8);
        let files: Vec<String> = ["index.html", "style.css", "vipsim_bg.wasm"]
            .iter()
            .map(|s| s.to_string())
            .chain(scos.iter().map(|s| s.href.clone()))
            .collect();
        let m = manifest(&scos, &files);
        assert!(m.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest identifier=\"vipsim-workshop\""));
        for ns in [
            "xmlns=\"http://www.imsproject.org/xsd/imscp_rootv1p1p2\"",
            "xmlns:adlcp=\"http://www.adlnet.org/xsd/adlcp_rootv1p2\"",
            "<schema>ADL SCORM</schema>",
            "<schemaversion>1.2</schemaversion>",
            "<organizations default=\"vipsim-org\">",
            "<organization identifier=\"vipsim-org\">",
        ] {
            assert!(m.contains(ns), "{ns}");
        }
        let first = &scos[0];
        assert!(m.contains(&format!(
            "<item identifier=\"item-{0}\" identifierref=\"sco-{0}\" isvisible=\"true\">\n        <title>{1}</title>\n        <adlcp:masteryscore>100</adlcp:masteryscore>",
            first.id, first.title
        )));
        assert!(m.contains(&format!(
            "<resource identifier=\"sco-{0}\" type=\"webcontent\" adlcp:scormtype=\"sco\" href=\"{0}.html\">\n      <file href=\"{0}.html\"/>\n      <dependency identifierref=\"site\"/>",
            first.id
        )));
        // Identifiers: unique, and each a valid xs:ID (NCName: a letter first, no spaces).
        let ids: Vec<&str> = m.split("identifier=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
        let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        assert!(ids.iter().all(|id| id.starts_with(|c: char| c.is_ascii_alphabetic())
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')));
        // Every identifierref names a resource; every file is listed once.
        for r in m.split("identifierref=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]) {
            assert!(m.contains(&format!("<resource identifier=\"{r}\"")), "{r}");
        }
        for f in &files {
            assert_eq!(m.matches(&format!("<file href=\"{f}\"/>")).count(), 1, "{f}");
        }
        assert_eq!(m.matches("adlcp:scormtype=\"sco\"").count(), 8);
        assert_eq!(m.matches("adlcp:scormtype=\"asset\"").count(), 1);
    }

    #[test]
    fn titles_and_paths_are_escaped_as_xml() {
        let sco = Sco { id: "ex-a".into(), title: "A & B <c>".into(), href: "ex-a.html".into() };
        let m = manifest(&[sco], &["a&b.html".into()]);
        assert!(m.contains("<title>A &amp; B &lt;c&gt;</title>"));
        assert!(m.contains("<file href=\"a&amp;b.html\"/>"));
    }
}
