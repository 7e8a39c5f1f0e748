//! Go payload-selection states recorded in `bazel.go.payload_selection` (what each means:
//! docs/selection.md, "What the Go sidecar records") and the doctor's policy over them
//! (docs/doctor.md, "Checks").

use std::collections::BTreeMap;

pub const SELECTION_KEY: &str = "bazel.go.payload_selection";
/// Valid vocabulary, sorted (messages list it in this order).
pub const VALID: [&str; 4] = [
    "full_bundle_disabled",
    "full_bundle_no_match",
    "module",
    "module_override",
];

/// Doctor policy for selections.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub allowed: Vec<String>,
    pub forbid_full_bundle_no_match: bool,
    pub expected_by_target: BTreeMap<String, String>,
}

impl Policy {
    /// Configuration errors of the policy itself.
    pub fn validate(&self) -> Vec<String> {
        let mut errs = Vec::new();
        let bad: Vec<&str> = self
            .allowed
            .iter()
            .map(String::as_str)
            .filter(|s| !VALID.contains(s))
            .collect();
        if !bad.is_empty() {
            errs.push(format!(
                "allowed_payload_selections contains unsupported value(s): {}; expected one of: {}",
                bad.join(", "),
                VALID.join(", ")
            ));
        }
        if self.forbid_full_bundle_no_match
            && self.allowed.iter().any(|s| s == "full_bundle_no_match")
        {
            errs.push("allowed_payload_selections includes full_bundle_no_match while forbid_full_bundle_no_match=True".into());
        }
        for (label, sel) in &self.expected_by_target {
            if !VALID.contains(&sel.as_str()) {
                errs.push(format!(
                    "expected_payload_selection_by_target['{label}'] has unsupported value '{sel}'; expected one of: {}",
                    VALID.join(", ")
                ));
            }
        }
        errs
    }

    /// Effective allowlist, sorted.
    pub fn effective_allowed(&self) -> Vec<String> {
        let mut a: Vec<String> = if self.allowed.is_empty() {
            VALID
                .iter()
                .filter(|s| **s != "full_bundle_no_match" || !self.forbid_full_bundle_no_match)
                .map(|s| s.to_string())
                .collect()
        } else {
            self.allowed.clone()
        };
        a.sort();
        a.dedup();
        a
    }

    /// Problems of one metadata file's selection `sel` for target `label`.
    pub fn check(&self, sel: Option<&str>, label: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(s) = sel {
            if !VALID.contains(&s) {
                out.push(format!(
                    "unsupported bazel.go.payload_selection='{s}'; expected one of: {}",
                    VALID.join(", ")
                ));
            } else {
                let allowed = self.effective_allowed();
                if !allowed.iter().any(|a| a == s) {
                    out.push(format!(
                        "bazel.go.payload_selection='{s}'; allowed values for this doctor target are: {}",
                        allowed.join(", ")
                    ));
                }
            }
        }
        if let Some(expected) = label.and_then(|l| self.expected_by_target.get(l))
            && sel != Some(expected.as_str())
        {
            let shown = sel.map_or("None".to_string(), |s| format!("'{s}'"));
            out.push(format!(
                "bazel.go.payload_selection={shown} for {}; expected '{expected}'",
                label.unwrap_or_default()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_forbids_no_match() {
        let p = Policy {
            forbid_full_bundle_no_match: true,
            ..Policy::default()
        };
        assert!(p.check(Some("module"), None).is_empty());
        assert_eq!(p.check(Some("full_bundle_no_match"), None).len(), 1);
        assert_eq!(p.check(Some("bogus"), None).len(), 1);
        let mut p2 = p.clone();
        p2.expected_by_target
            .insert("//a:b".into(), "module".into());
        assert_eq!(p2.check(None, Some("//a:b")).len(), 1);
        p2.allowed = vec!["full_bundle_no_match".into()];
        assert_eq!(p2.validate().len(), 1);
    }
}
